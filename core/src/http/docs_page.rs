//! The API's docs page at `/docs`, served by the local stack from files bundled into the binary.

use super::{FunctionGroup, RouteGroup};

/// The docs page's routes (the local server adds them; Lambda functions do not).
pub fn docs_page() -> FunctionGroup {
    FunctionGroup::new(RouteGroup::new())
}
