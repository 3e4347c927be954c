use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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
