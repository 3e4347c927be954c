//! The `tokens` function: access and refresh tokens (API.md, "Tokens and machine clients").
//! Handlers parse their input, ask the access gate when a request names a vault, call
//! [`TokensService`], and turn the result into a reply.
//!
//! | routes | module |
//! |---|---|
//! | `POST /v1/tokens`, `POST /v1/tokens/refresh`, `POST /v1/tokens/revoke` | [`tokens`] |
//! | `POST /v1/oauth/token` | [`oauth`] |
//! | `GET /.well-known/jwks.json`, `GET /.well-known/openid-configuration` | [`discovery`] |

pub mod discovery;
pub mod oauth;
pub mod tokens;
pub mod views;

use std::sync::Arc;

use coffer_core::http::{FunctionGroup, RouteGroup, ServiceCell};
use coffer_core::tokens::TokensService;
use utoipa_axum::routes;

/// This function's routes over the process's [`TokensService`] (built at cold start).
pub fn group() -> FunctionGroup {
    FunctionGroup::new(routes()).with_service::<TokensService>()
}

/// The routes over a service built by the caller (tests and benches reach into it).
pub fn group_with_service(service: Arc<TokensService>) -> FunctionGroup {
    FunctionGroup::new(routes()).with_cell(ServiceCell::ready(service))
}

fn routes() -> RouteGroup {
    RouteGroup::new()
        .routes(routes!(tokens::issue_tokens))
        .routes(routes!(tokens::refresh_tokens))
        .routes(routes!(tokens::revoke_tokens))
        .routes(routes!(oauth::token_endpoint))
        .routes(routes!(discovery::jwks))
        .routes(routes!(discovery::openid_configuration))
}
