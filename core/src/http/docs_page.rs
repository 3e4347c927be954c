//! The API's docs page at `/docs`, served by the local stack from files bundled into the binary:
//! Redoc's standalone bundle (vendored in `docs_assets/`, see its `README.md`) renders
//! `/v1/openapi.json`. The page loads nothing from another origin, and its
//! content-security-policy would refuse it if it tried.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{FunctionGroup, RouteGroup};

/// Where the page is served.
pub const DOCS_PATH: &str = "/docs";

/// Where the bundle is served: the path names its version, so browsers may keep it for good.
pub const DOCS_SCRIPT_PATH: &str = "/docs/redoc-2.5.4.standalone.js";

/// The page: a `<redoc>` element that the bundle finds and fills from `spec-url` on load, so
/// no inline script is needed. Its script path is [`DOCS_SCRIPT_PATH`].
const PAGE: &str = include_str!("docs_assets/index.html");

/// Redoc 2.5.4's standalone bundle, byte for byte as npm ships it.
const SCRIPT: &[u8] = include_bytes!("docs_assets/redoc.standalone.js");

/// What the page may load: scripts, styles, images and fetches from this server only.
/// Redoc needs `'unsafe-inline'` styles (styled-components writes `<style>` elements), `data:`
/// images (its icons), and `blob:` workers (its search index runs in a worker made from a blob).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; worker-src blob:; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The page changes with the binary: browsers revalidate it each time.
const PAGE_CACHE: &str = "no-cache";

/// The bundle's path changes with its version.
const SCRIPT_CACHE: &str = "public, max-age=31536000, immutable";

/// The docs page's routes (the local server adds them; Lambda functions do not). They are not
/// operations of the API, so the OpenAPI document does not list them.
pub fn docs_page() -> FunctionGroup {
    FunctionGroup::new(
        RouteGroup::new()
            .route(DOCS_PATH, get(page))
            .route(DOCS_SCRIPT_PATH, get(script)),
    )
}

async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, PAGE_CACHE),
            (header::CONTENT_SECURITY_POLICY, PAGE_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        PAGE,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, SCRIPT_CACHE),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        SCRIPT,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_the_bundle_from_the_path_it_is_served_at() {
        assert!(PAGE.contains(&format!("<script src=\"{DOCS_SCRIPT_PATH}\"></script>")));
        assert!(PAGE.contains("spec-url=\"/v1/openapi.json\""));
    }

    #[test]
    fn the_page_names_no_other_origin() {
        assert!(!PAGE.contains("http://") && !PAGE.contains("https://") && !PAGE.contains("//"));
    }

    #[test]
    fn the_bundle_is_the_version_its_path_names() {
        let version = DOCS_SCRIPT_PATH
            .trim_start_matches("/docs/redoc-")
            .trim_end_matches(".standalone.js");
        let names = |needle: &str| {
            SCRIPT
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
        };
        assert!(
            names("redoc.standalone.js.LICENSE.txt"),
            "the bundle is Redoc's standalone build"
        );
        assert!(
            names(&format!("const Hw=\"{version}\"")),
            "the bundle is Redoc {version}"
        );
    }
}
