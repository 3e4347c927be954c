//! The query strings of the audit routes: each route names the parameters it takes, and a
//! parameter it does not take (a typo like `?acter=` would silently widen a log) or one given
//! twice is refused (422), as unknown JSON fields are elsewhere.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use coffer_core::http::{ApiError, FieldError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Longest filter value accepted (ids are about 30 characters, actions about 30).
const MAX_FILTER: usize = 200;

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldError::new(field, message)])
}

/// The route's parameters, or 422 naming those it `takes`.
pub(crate) fn parsed<T>(
    raw: Result<Query<T>, QueryRejection>,
    takes: &'static str,
) -> Result<T, ApiError> {
    raw.map(|Query(params)| params)
        .map_err(|_| invalid("query", format!("takes only {takes}, each at most once")))
}

/// The required `org_id`.
pub(crate) fn org_id(raw: Option<String>) -> Result<String, ApiError> {
    raw.filter(|org| !org.is_empty())
        .ok_or_else(|| invalid("org_id", "is required"))
}

/// An optional RFC 3339 time (`from`, `to`); empty is absent.
pub(crate) fn time(
    field: &'static str,
    raw: Option<&str>,
) -> Result<Option<OffsetDateTime>, ApiError> {
    raw.filter(|raw| !raw.is_empty())
        .map(|raw| {
            OffsetDateTime::parse(raw, &Rfc3339)
                .map_err(|_| invalid(field, "must be an RFC 3339 time, like 2026-11-30T05:00:00Z"))
        })
        .transpose()
}

/// An optional filter value (`actor`, `action`, `resource`); empty is absent.
pub(crate) fn filter(field: &'static str, raw: Option<String>) -> Result<Option<String>, ApiError> {
    match raw.filter(|raw| !raw.is_empty()) {
        Some(raw) if raw.len() > MAX_FILTER || raw.chars().any(char::is_control) => Err(invalid(
            field,
            "must be at most 200 characters, without control characters",
        )),
        other => Ok(other),
    }
}
