//! The `orgs` function: organizations, members, invitations, teams and vaults (API.md,
//! "Organizations"). Each handler parses its input, asks the access gate for the permission the
//! route needs, calls [`OrgsService`] with the `Scoped` value, and turns the result into a reply.
//!
//! | routes | module |
//! |---|---|
//! | `POST/GET /v1/orgs`, `GET/PATCH/DELETE /v1/orgs/{org}` | [`orgs`] |
//! | `GET/POST .../members`, `PATCH/DELETE .../members/{user}` | [`members`] |
//! | `GET .../invitations`, `DELETE .../invitations/{invitation}` | [`invitations`] |
//! | `GET/POST .../teams`, `DELETE .../teams/{team}`, `GET/POST .../teams/{team}/members`, `DELETE .../teams/{team}/members/{user}` | [`teams`] |
//! | `GET/POST .../vaults`, `GET/DELETE .../vaults/{vault}` | [`vaults`] |

pub mod invitations;
pub mod members;
pub mod orgs;
pub mod teams;
pub mod vaults;
pub mod views;

use std::sync::Arc;

use coffer_core::http::{FunctionGroup, RouteGroup, ServiceCell};
use coffer_core::orgs::OrgsService;
use utoipa_axum::routes;

/// This function's routes over the process's [`OrgsService`] (built at cold start).
pub fn group() -> FunctionGroup {
    FunctionGroup::new(routes()).with_service::<OrgsService>()
}

/// The routes over a service built by the caller (tests and benches reach into it).
pub fn group_with_service(service: Arc<OrgsService>) -> FunctionGroup {
    FunctionGroup::new(routes()).with_cell(ServiceCell::ready(service))
}

fn routes() -> RouteGroup {
    RouteGroup::new()
        .routes(routes!(orgs::create_org, orgs::list_orgs))
        .routes(routes!(orgs::get_org, orgs::rename_org, orgs::delete_org))
        .routes(routes!(members::list_members, members::add_member))
        .routes(routes!(members::change_role, members::remove_member))
        .routes(routes!(invitations::list_invitations))
        .routes(routes!(invitations::revoke_invitation))
        .routes(routes!(teams::list_teams, teams::create_team))
        .routes(routes!(teams::delete_team))
        .routes(routes!(teams::list_team_members, teams::add_team_member))
        .routes(routes!(teams::remove_team_member))
        .routes(routes!(vaults::list_vaults, vaults::create_vault))
        .routes(routes!(vaults::get_vault, vaults::delete_vault))
}
