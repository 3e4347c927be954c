//! `POST /v1/encrypt`: one plaintext, or a batch of up to 1000 (one result or problem each).

use axum::Json;
use coffer_core::access::Permission;
use coffer_core::http::{ApiError, BoundedJson, Caller, Service, scope_key};
use coffer_core::named_keys::{EncryptInput, NamedKeysService};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::{CiphertextReply, ProblemDoc, one_or_batch};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncryptRequest {
    /// `key_...`
    pub key: String,
    /// Base64; with `context`, instead of `batch`.
    #[schema(example = "aGVsbG8=")]
    pub plaintext: Option<String>,
    /// Base64 associated data: the same context is needed to decrypt.
    #[schema(example = "b3JkZXItNDI=")]
    pub context: Option<String>,
    /// Up to 1000 items, instead of `plaintext`.
    pub batch: Option<Vec<EncryptItem>>,
    /// The version to encrypt with (not below `min_encryption_version`); the newest by default.
    #[schema(minimum = 1)]
    pub key_version: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncryptItem {
    /// Base64.
    pub plaintext: String,
    /// Base64 associated data.
    pub context: Option<String>,
}

/// Encrypts under the key's newest version (any member of its org: `keys:use`), as an envelope
/// v2: AES-256-GCM under a per-message key derived from the version's data key, key-committing.
#[utoipa::path(post, path = "/v1/encrypt", tag = "crypto", request_body = EncryptRequest,
    responses(
        Service<NamedKeysService>,
        BoundedJson<EncryptRequest>,
        Caller,
        (status = 200, body = CiphertextReply),
        (status = 400, description = "Not base64 (a single item)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "An empty batch or one over 1000, both or neither of `plaintext` and `batch`, a version not allowed", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn encrypt(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    BoundedJson(body): BoundedJson<EncryptRequest>,
) -> Result<Json<CiphertextReply>, ApiError> {
    let single = body.plaintext.map(|plaintext| EncryptInput {
        plaintext,
        context: body.context,
    });
    let batch = body.batch.map(|items| {
        items
            .into_iter()
            .map(|item| EncryptInput {
                plaintext: item.plaintext,
                context: item.context,
            })
            .collect()
    });
    let (items, is_batch) = one_or_batch(single, batch)?;
    let (at, key) = scope_key(&keys, &caller, &body.key, Permission::KeysUse).await?;
    let results = keys.encrypt(&at, key, body.key_version, &items).await?;
    Ok(Json(CiphertextReply::new(results, is_batch)?))
}
