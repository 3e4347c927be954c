//! The `clients` function: an org's machine clients and their certificates (API.md, "Tokens and
//! machine clients"). Each handler parses its input, asks the access gate for the permission the
//! route needs, calls [`ClientsService`] with the `Scoped` value, and turns the result into a
//! reply. Owners and admins manage clients and certificates (`members:manage`); every member
//! reads them (`members:read`). The private key of a certificate is in the reply that creates
//! it, and nowhere else.
//!
//! | routes | module |
//! |---|---|
//! | `GET/POST /v1/orgs/{org}/clients`, `GET/DELETE .../clients/{client}` | [`clients`] |
//! | `GET/POST .../clients/{client}/certificates`, `DELETE .../certificates/{certificate}` | [`certificates`] |

pub mod certificates;
pub mod clients;
pub mod views;

use std::sync::Arc;

use coffer_core::clients::ClientsService;
use coffer_core::http::{FunctionGroup, RouteGroup, ServiceCell};
use utoipa_axum::routes;

/// This function's routes over the process's [`ClientsService`] (built at cold start).
pub fn group() -> FunctionGroup {
    FunctionGroup::new(routes()).with_service::<ClientsService>()
}

/// The routes over a service built by the caller (tests and benches reach into it).
pub fn group_with_service(service: Arc<ClientsService>) -> FunctionGroup {
    FunctionGroup::new(routes()).with_cell(ServiceCell::ready(service))
}

fn routes() -> RouteGroup {
    RouteGroup::new()
        .routes(routes!(clients::list_clients, clients::create_client))
        .routes(routes!(clients::get_client, clients::delete_client))
        .routes(routes!(
            certificates::list_certificates,
            certificates::create_certificate
        ))
        .routes(routes!(certificates::delete_certificate))
}
