//! `?limit=&cursor=` on every list route: limit 1-1000 (default 50), an opaque cursor from the
//! previous page. A bad value is 422 naming the parameter, never a 500.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, FieldError};
use crate::store::Cursor;

/// The page a list route was asked for.
#[derive(Debug, Clone)]
pub struct Pagination {
    pub limit: usize,
    pub cursor: Option<Cursor>,
}

impl Pagination {
    pub const DEFAULT_LIMIT: usize = 50;
    pub const MAX_LIMIT: usize = 1000;
}

/// The query parameters, as the OpenAPI document shows them.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1-1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = RawPagination::from_request_parts(parts, state).await?;
        let cursor = raw
            .cursor
            .map(|raw| Cursor::decode(&raw))
            .transpose()
            .map_err(|_| invalid("cursor", "is not a cursor this API returned"))?;
        Ok(Self {
            limit: raw.limit,
            cursor,
        })
    }
}

/// `?limit=&cursor=` with the cursor left as the client sent it, for lists whose service binds
/// its cursors to what they page (a dataset's records, a search).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPagination {
    pub limit: usize,
    /// Absent or empty: the first page.
    pub cursor: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RawPagination {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(params) = Query::<PageParams>::from_request_parts(parts, state)
            .await
            .map_err(|_| invalid("query", "malformed query string"))?;
        let limit = match params.limit.as_deref() {
            None => Pagination::DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=Pagination::MAX_LIMIT).contains(n))
                .ok_or_else(|| invalid("limit", "must be a whole number from 1 to 1000"))?,
        };
        Ok(Self {
            limit,
            cursor: params.cursor.filter(|raw| !raw.is_empty()),
        })
    }
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::Validation(vec![FieldError::new(field, message)])
}

/// A page of a list reply: `{"items": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageView<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

impl<T> PageView<T> {
    pub fn new(items: Vec<T>, next_cursor: Option<&Cursor>) -> Self {
        Self {
            items,
            next_cursor: next_cursor.map(Cursor::encode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    async fn parse(uri: &str) -> Result<Pagination, ApiError> {
        let (mut parts, ()) = Request::builder().uri(uri).body(()).unwrap().into_parts();
        Pagination::from_request_parts(&mut parts, &()).await
    }

    #[tokio::test]
    async fn limits_default_to_fifty_and_stay_within_one_to_a_thousand() {
        assert_eq!(parse("/x").await.unwrap().limit, 50);
        assert_eq!(parse("/x?limit=1000").await.unwrap().limit, 1000);
        for bad in ["0", "1001", "-1", "ten", "1e3"] {
            let err = parse(&format!("/x?limit={bad}")).await.unwrap_err();
            assert_eq!(err.status(), 422, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_cursor_that_is_not_ours_is_a_validation_error_not_a_crash() {
        let err = parse("/x?cursor=%00%ff-not-base64").await.unwrap_err();
        assert_eq!(err.status(), 422);
        assert!(parse("/x?cursor=").await.unwrap().cursor.is_none());
    }
}
