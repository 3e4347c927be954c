//! The `auth` function: identity routes (API.md, "Identity"). Each handler extracts parsed input
//! and the caller, calls [`AuthService`], and turns the result into a reply; the rules live in
//! `coffer_core::auth`.
//!
//! | route | module |
//! |---|---|
//! | `POST /v1/auth/register` | [`register`] |
//! | `POST /v1/auth/login`, `POST /v1/auth/logout` | [`login`] |
//! | `GET /v1/auth/me`, `PUT /v1/users/me` | [`profile`] |
//! | `GET /v1/auth/sessions`, `DELETE /v1/auth/sessions/{id}` | [`sessions`] |
//! | `GET /v1/auth/activity` | [`activity`] |
//! | `POST /v1/auth/password` | [`password`] |
//! | `POST /v1/auth/email/verify/request`, `.../confirm` | [`verification`] |
//! | `POST /v1/auth/password/reset/request`, `.../confirm` | [`reset`] |

pub mod activity;
pub mod login;
pub mod password;
pub mod profile;
pub mod register;
pub mod reset;
pub mod sessions;
pub mod verification;
pub mod views;

use std::sync::Arc;

use coffer_core::auth::AuthService;
use coffer_core::http::{FunctionGroup, RouteGroup, ServiceCell};
use utoipa_axum::routes;

/// This function: its routes, with the [`AuthService`] built once per process (at cold start on
/// Lambda) by the shared group-service mechanism.
pub fn group() -> FunctionGroup {
    FunctionGroup::new(routes()).with_service::<AuthService>()
}

/// The routes over a service built by the caller (tests and benches reach into it).
pub fn group_with_service(service: Arc<AuthService>) -> FunctionGroup {
    FunctionGroup::new(routes()).with_cell(ServiceCell::ready(service))
}

fn routes() -> RouteGroup {
    RouteGroup::new()
        .routes(routes!(register::register))
        .routes(routes!(login::login))
        .routes(routes!(login::logout))
        .routes(routes!(profile::me))
        .routes(routes!(profile::update_me))
        .routes(routes!(sessions::list_sessions))
        .routes(routes!(sessions::revoke_session))
        .routes(routes!(activity::activity))
        .routes(routes!(password::change_password))
        .routes(routes!(verification::request_verification))
        .routes(routes!(verification::confirm_verification))
        .routes(routes!(reset::request_reset))
        .routes(routes!(reset::confirm_reset))
}
