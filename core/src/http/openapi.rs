use std::collections::BTreeMap;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi};

use super::{
    AccountCaller, BoundedJson, Caller, FieldError, PROBLEM_CONTENT_TYPE, Problem, Service,
};

/// The parts of the OpenAPI document that no route group owns; each group adds its own paths.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Coffer",
        version = "1",
        description = "Serverless identity and sensitive-data vault. Errors are RFC 9457 problem documents (application/problem+json)."
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "health", description = "Liveness and readiness of every function"),
        (name = "identity", description = "Registration, login, sessions, profile, passwords, email verification and reset"),
        (name = "pii", description = "PII detection, anonymization, token reversal and schema validation"),
        (name = "orgs", description = "Organizations, members, invitations, teams and vaults"),
        (name = "tokens", description = "EdDSA access tokens, rotating refresh tokens, revocation, the OAuth token endpoint, JWKS and discovery"),
        (name = "clients", description = "Machine clients of an org and their Ed25519 certificates"),
        (name = "keys", description = "An org's named encryption keys: versions, rotation, retirement, trimming, deletion"),
        (name = "crypto", description = "Encrypt, decrypt and rewrap with a named key, one item or a batch of up to 1000"),
        (name = "datasets", description = "An org's datasets: record schema, field policies (encrypt, tokenize, mask, redact, plain), soft delete, data-key rotation and its re-encryption jobs"),
        (name = "records", description = "A dataset's records: validated and encrypted writes, reads as the caller's role may see them, binary payloads and their presigned URLs, exact-match search"),
        (name = "audit", description = "An org's tamper-evident audit log: queries, verification of its hash chains, signed checkpoints"),
    )
)]
pub struct ApiDoc;

/// How callers authenticate: a session token as a bearer token, the browser's cookie, or an
/// access token.
#[derive(Debug)]
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A session token from POST /v1/auth/login"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "__Host-coffer_session",
                "The session cookie a `web` login sets (HttpOnly, Secure, SameSite=Lax)",
            ))),
        );
        components.add_security_scheme(
            "access_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An EdDSA access token from POST /v1/tokens or POST /v1/oauth/token",
                    ))
                    .build(),
            ),
        );
    }
}

/// The problems a JSON body answers before the handler runs (see [`BoundedJson`]), so that each
/// route names them once: `responses(BoundedJson<CreateOrgRequest>, (status = 201, ...), ...)`.
/// A route's own line for the same status, listed after, replaces the generic one.
impl<T> IntoResponses for BoundedJson<T> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            ("400", "The body is not well-formed JSON, or nests deeper than 64 levels"),
            (
                "413",
                "The body is over the route's limit (`COFFER_MAX_BODY_BYTES`, or its group's own setting)",
            ),
            ("415", "The body is not `application/json`"),
            (
                "422",
                "The JSON has the wrong shape, a field the route does not take, or an invalid value; `errors` names each field",
            ),
        ]
        .into_iter()
        .map(|(status, description)| (status.to_owned(), problem_response(description)))
        .collect()
    }
}

/// The problem every route that needs a caller answers without one: `responses(Caller, ...)`.
impl IntoResponses for Caller {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([(
            "401".to_owned(),
            problem_response(
                "No credentials, or a session or access token that is malformed, expired or revoked",
            ),
        )])
    }
}

/// A route for the user's own account: a session, never an access token.
impl IntoResponses for AccountCaller {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut responses = Caller::responses();
        responses.insert(
            "403".to_owned(),
            problem_response(
                "An access token (or a machine client's): this route takes the user's session",
            ),
        );
        responses
    }
}

/// The problem any route that calls a group's service may answer: a retryable 503. Routes name
/// it as `responses(Service<OrgsService>, ...)`; a route's own 503 line, listed after, replaces
/// it.
impl<S> IntoResponses for Service<S> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([(
            "503".to_owned(),
            problem_response(
                "A dependency (the table, the blob store or the key service) did not answer or throttled, \
                 a write lost a race, or the local server is at its bound of requests in flight \
                 (`COFFER_MAX_IN_FLIGHT`); `retry-after` says when to retry",
            ),
        )])
    }
}

/// A response whose body is a [`Problem`] document.
fn problem_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_CONTENT_TYPE,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}
