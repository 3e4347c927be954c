//! The `auth` function: identity routes (being written).

use coffer_core::http::RouteGroup;

pub fn routes() -> RouteGroup {
    RouteGroup::new()
}
