use utoipa::OpenApi;

use super::{FieldError, Problem};

/// The parts of the OpenAPI document that no route group owns; each group adds its own paths.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Coffer",
        version = "1",
        description = "Serverless identity and sensitive-data vault. Errors are RFC 9457 problem documents (application/problem+json)."
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "health", description = "Liveness and readiness of every function"),
    )
)]
pub struct ApiDoc;
