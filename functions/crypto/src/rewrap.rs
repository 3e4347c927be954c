//! `POST /v1/rewrap`: ciphertexts moved to the key's newest version without revealing them,
//! context kept. Audited as a decrypt is.

use axum::Json;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{ApiError, BoundedJson, Caller, Service, scope_key};
use coffer_core::named_keys::NamedKeysService;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::decrypt::{CiphertextItem, ciphertext_items};
use crate::views::{CiphertextReply, ProblemDoc};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RewrapRequest {
    /// `key_...`
    pub key: String,
    /// `coffer:v<version>:<base64>`; with `context`, instead of `batch`.
    pub ciphertext: Option<String>,
    /// The base64 context it was encrypted with, if any: the new ciphertext keeps it.
    pub context: Option<String>,
    /// Up to 1000 items, instead of `ciphertext`.
    pub batch: Option<Vec<CiphertextItem>>,
}

/// The same plaintext under the key's newest version (any member of the key's org:
/// `keys:use`), bound to the same context.
#[utoipa::path(post, path = "/v1/rewrap", tag = "crypto", request_body = RewrapRequest,
    responses(
        Service<NamedKeysService>,
        BoundedJson<RewrapRequest>,
        Caller,
        (status = 200, body = CiphertextReply),
        (status = 400, description = "Malformed, not base64, or not decryptable with this key and context (a single item)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A retired or trimmed version (a single item), an empty batch or one over 1000", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn rewrap(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<RewrapRequest>,
) -> Result<Json<CiphertextReply>, ApiError> {
    let (items, is_batch) = ciphertext_items(body.ciphertext, body.context, body.batch)?;
    let (at, key) = scope_key(&keys, &caller, &body.key, Permission::KeysUse).await?;
    let results = keys.rewrap(&at, key, &items, &origin).await?;
    Ok(Json(CiphertextReply::new(results, is_batch)?))
}
