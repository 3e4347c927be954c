//! The one room where the web lives: app state, extractors, problem+json, request ids, health,
//! the OpenAPI document, and the adapter that runs a router on Lambda.

mod account_caller;
mod app;
mod body_limit;
mod caller;
mod client_ip;
mod docs_page;
mod health;
mod json;
pub mod lambda;
mod local_blobs;
mod metrics_endpoint;
mod observe;
mod openapi;
mod overload;
mod pagination;
mod problem;
mod request_id;
mod scope;
mod security_headers;
mod service;
mod state;

pub use account_caller::AccountCaller;
pub use app::{RouteGroup, app};
pub use body_limit::BodyLimit;
pub use caller::{Caller, CallerCredential};
pub use client_ip::{ClientIp, client_ip};
pub use docs_page::docs_page;
pub use json::BoundedJson;
pub use local_blobs::local_blob_urls;
pub use metrics_endpoint::{METRICS_PATH, metrics_endpoint};
pub use observe::{EmfDocuments, RESPONSE_TIME_HEADER};
pub use openapi::ApiDoc;
pub use overload::shed_overload;
pub use pagination::{PageParams, PageView, Pagination, RawPagination};
pub use problem::{ApiError, FieldError, PROBLEM_CONTENT_TYPE, Problem};
pub use request_id::{REQUEST_ID_HEADER, current_request_id};
pub use scope::{path_id, scope, scope_dataset, scope_key, scope_org, scope_vault};
pub use service::{FunctionGroup, GroupService, Service, ServiceCell};
pub use state::AppState;
