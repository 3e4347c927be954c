//! `POST /v1/decrypt`: one ciphertext, or a batch of up to 1000 (one result or problem each).
//! Audited (the key and the outcome, never a value).

use axum::Json;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{ApiError, BoundedJson, Caller, Service, scope_key};
use coffer_core::named_keys::{DecryptInput, NamedKeysService};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::{PlaintextReply, ProblemDoc, one_or_batch};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecryptRequest {
    /// `key_...`
    pub key: String,
    /// `coffer:v<version>:<base64>`; with `context`, instead of `batch`.
    pub ciphertext: Option<String>,
    /// The base64 context it was encrypted with, if any.
    pub context: Option<String>,
    /// Up to 1000 items, instead of `ciphertext`.
    pub batch: Option<Vec<CiphertextItem>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CiphertextItem {
    /// `coffer:v<version>:<base64>`
    pub ciphertext: String,
    /// The base64 context it was encrypted with, if any.
    pub context: Option<String>,
}

/// The items of a decrypt or rewrap request.
pub(crate) fn ciphertext_items(
    ciphertext: Option<String>,
    context: Option<String>,
    batch: Option<Vec<CiphertextItem>>,
) -> Result<(Vec<DecryptInput>, bool), ApiError> {
    let single = ciphertext.map(|ciphertext| DecryptInput {
        ciphertext,
        context,
    });
    let batch = batch.map(|items| {
        items
            .into_iter()
            .map(|item| DecryptInput {
                ciphertext: item.ciphertext,
                context: item.context,
            })
            .collect()
    });
    one_or_batch(single, batch)
}

/// Decrypts (any member of the key's org: `keys:use`). A wrong key, a wrong context or a
/// tampered ciphertext is 400, never garbage; a retired or trimmed version is 422.
#[utoipa::path(post, path = "/v1/decrypt", tag = "crypto", request_body = DecryptRequest,
    responses(
        Service<NamedKeysService>,
        BoundedJson<DecryptRequest>,
        Caller,
        (status = 200, body = PlaintextReply),
        (status = 400, description = "Malformed, not base64, or not decryptable with this key and context (a single item)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A retired or trimmed version (a single item), an empty batch or one over 1000, both or neither of `ciphertext` and `batch`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn decrypt(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<DecryptRequest>,
) -> Result<Json<PlaintextReply>, ApiError> {
    let (items, is_batch) = ciphertext_items(body.ciphertext, body.context, body.batch)?;
    let (at, key) = scope_key(&keys, &caller, &body.key, Permission::KeysUse).await?;
    let results = keys.decrypt(&at, key, &items, &origin).await?;
    Ok(Json(PlaintextReply::new(results, is_batch)?))
}
