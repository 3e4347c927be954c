//! One error type for every route, mapped once to an RFC 9457 problem document.

use std::error::Error as StdError;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::request_id::current_request_id;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/not-found`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The `x-request-id` of the reply, to quote when asking for help.
    pub request_id: String,
    /// Which fields were wrong (validation errors only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// Further members particular to the problem type.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Map<String, Value>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldError {
    /// Where in the request: a JSON path such as `records[2].email`, or a parameter name.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything a route can answer besides success. Details never carry sensitive values.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    #[error("missing or invalid credentials")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    /// A plan's limit (vaults, certificates, orgs per user) is reached: 403 with the problem
    /// type `/problems/tier-limit`.
    #[error("{0}")]
    TierLimit(String),
    #[error("no such resource")]
    NotFound,
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("expected a body of type application/json")]
    UnsupportedMediaType,
    #[error("too many requests; retry in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    /// A dependency is down; `failed` names which.
    #[error("a dependency is unavailable: {}", failed.join(", "))]
    Unavailable { failed: Vec<&'static str> },
    /// Our bug or a dependency's outage: logged with its cause, answered opaquely.
    #[error("internal error")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl ApiError {
    pub fn internal(err: impl StdError + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::TierLimit(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem type's short name; the document's `type` is `/problems/<slug>`.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::Validation(_) => "validation",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::TierLimit(_) => "tier-limit",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::RateLimited { .. } => "rate-limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let mut extensions = Map::new();
        if let Self::Unavailable { failed } = self {
            extensions.insert("failed".into(), Value::from(failed.clone()));
        }
        Problem {
            kind: format!("/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            request_id: current_request_id().unwrap_or_default(),
            errors: match self {
                Self::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
            extensions,
        }
    }
}

/// The whole cause chain, for the one log line a 5xx gets.
pub(crate) fn cause_chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(error = %cause_chain(cause.as_ref()), "request failed");
        }
        let mut response = (self.status(), Json(self.problem())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        match self {
            Self::RateLimited { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            // A dependency's outage or throttling passes: tell clients when to try again.
            Self::Unavailable { .. } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(RETRY_UNAVAILABLE_SECONDS),
                );
            }
            _ => {}
        }
        response
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        Self::from_store(err)
    }
}

impl ApiError {
    /// A store error as the API answers it: a cursor the store cannot use (one from another
    /// list, or crafted) is the client's mistake, 422 on `cursor`; a throttle, a lost race or an
    /// outage may pass, a retryable 503; the rest is ours, 500.
    pub fn from_store(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::InvalidCursor => Self::Validation(vec![FieldError::new(
                "cursor",
                "is not a cursor of this list",
            )]),
            other if other.is_retryable() => Self::unavailable("table", &other),
            other => Self::internal(other),
        }
    }
}

impl From<crate::blobs::BlobError> for ApiError {
    fn from(err: crate::blobs::BlobError) -> Self {
        match err {
            crate::blobs::BlobError::Backend(_) => Self::unavailable("blobs", &err),
            other => Self::internal(other),
        }
    }
}

impl From<crate::keys::KeyError> for ApiError {
    fn from(err: crate::keys::KeyError) -> Self {
        match err {
            crate::keys::KeyError::Throttled | crate::keys::KeyError::Backend(_) => {
                Self::unavailable("keys", &err)
            }
            other => Self::internal(other),
        }
    }
}

/// What a 503 tells clients to wait before retrying, in seconds.
pub const RETRY_UNAVAILABLE_SECONDS: u64 = 1;

impl ApiError {
    /// A dependency failed in a way that may pass (throttling, an outage, a lost race): a
    /// retryable 503 naming which, the cause logged, never answered.
    pub fn unavailable(dependency: &'static str, cause: &(dyn StdError + 'static)) -> Self {
        tracing::warn!(dependency, error = %cause_chain(cause), "dependency unavailable");
        Self::Unavailable {
            failed: vec![dependency],
        }
    }
}
