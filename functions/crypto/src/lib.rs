//! The `crypto` function: encryption as a service (API.md, "Encryption as a service"). Each
//! handler parses its input, asks the access gate for the permission the route needs (a key's
//! org is read from the key), calls [`NamedKeysService`] with the `Scoped` value, and turns the
//! result into a reply. Members use the org's keys (`keys:use`); owners and admins manage them
//! (`keys:manage`). Bodies may be up to `COFFER_CRYPTO_MAX_BODY_BYTES` (batches of 1000 items).
//!
//! | routes | module |
//! |---|---|
//! | `POST/GET /v1/keys`, `GET/PATCH/DELETE /v1/keys/{key}`, `POST .../rotate`, `POST .../trim` | [`keys`] |
//! | `POST /v1/encrypt` | [`encrypt`] |
//! | `POST /v1/decrypt` | [`decrypt`] |
//! | `POST /v1/rewrap` | [`rewrap`] |

pub mod decrypt;
pub mod encrypt;
pub mod keys;
pub mod rewrap;
pub mod views;

use std::sync::Arc;

use coffer_core::http::{BodyLimit, FunctionGroup, RouteGroup, ServiceCell};
use coffer_core::named_keys::NamedKeysService;
use utoipa_axum::routes;

/// This function's routes over the process's [`NamedKeysService`] (built at cold start).
pub fn group() -> FunctionGroup {
    FunctionGroup::new(routes())
        .with_service::<NamedKeysService>()
        .with_body_limit(body_limit())
}

/// The routes over a service built by the caller (tests and benches reach into it).
pub fn group_with_service(service: Arc<NamedKeysService>) -> FunctionGroup {
    FunctionGroup::new(routes())
        .with_cell(ServiceCell::ready(service))
        .with_body_limit(body_limit())
}

fn body_limit() -> BodyLimit {
    BodyLimit(|settings| settings.crypto_max_body_bytes)
}

fn routes() -> RouteGroup {
    RouteGroup::new()
        .routes(routes!(keys::create_key, keys::list_keys))
        .routes(routes!(keys::get_key, keys::update_key, keys::delete_key))
        .routes(routes!(keys::rotate_key))
        .routes(routes!(keys::trim_key))
        .routes(routes!(encrypt::encrypt))
        .routes(routes!(decrypt::decrypt))
        .routes(routes!(rewrap::rewrap))
}
