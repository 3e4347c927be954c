//! `POST/GET /v1/keys`, `GET/PATCH/DELETE /v1/keys/{key}`, `POST /v1/keys/{key}/rotate`,
//! `POST /v1/keys/{key}/trim`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{
    ApiError, BoundedJson, Caller, FieldError, Pagination, Service, scope, scope_key,
};
use coffer_core::named_keys::{KeyPatch, NamedKeysService};
use coffer_core::orgs::Name;
use coffer_core::store::Cursor;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::views::{KeyList, KeyView, ProblemDoc};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// `org_...`: the org the key belongs to.
    pub org_id: String,
    /// 1-100 characters, unique in the org (case-insensitively).
    #[schema(value_type = String, max_length = 100, example = "payments")]
    pub name: Name,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgParam {
    /// `org_...`
    pub org_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateKeyRequest {
    /// Ciphertexts of older versions stop decrypting at once (retire a compromised version).
    /// From the oldest kept version to the newest.
    #[schema(minimum = 1)]
    pub min_decryption_version: Option<u32>,
    /// Older versions stop encrypting. From `min_decryption_version` to the newest; raised
    /// with `min_decryption_version` when only that is given.
    #[schema(minimum = 1)]
    pub min_encryption_version: Option<u32>,
    /// Must be `true` before `DELETE` succeeds.
    pub deletion_allowed: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrimKeyRequest {
    /// Versions below this one are deleted for good; at most `min_decryption_version` (0 and 1
    /// delete nothing).
    pub below_version: u32,
}

/// Creates a key with its first version (owners and admins: `keys:manage`).
#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = CreateKeyRequest,
    responses(
        Service<NamedKeysService>,
        BoundedJson<CreateKeyRequest>,
        Caller,
        (status = 201, body = KeyView),
        (status = 403, description = "Not an owner or admin, or the tier's key limit", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The org has a key of that name", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn create_key(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<CreateKeyRequest>,
) -> Result<(StatusCode, Json<KeyView>), ApiError> {
    let at = scope(keys.access(), &caller, &body.org_id, Permission::KeysManage).await?;
    let key = keys.create_key(&at, body.name, &origin).await?;
    Ok((StatusCode::CREATED, Json(KeyView::from(&key))))
}

/// The org's keys, in creation order (any member: `keys:use`).
#[utoipa::path(get, path = "/v1/keys", tag = "keys",
    params(OrgParam, coffer_core::http::PageParams),
    responses(
        Service<NamedKeysService>,
        Caller,
        (status = 200, body = KeyList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A missing `org_id`, a bad `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_keys(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    org: Result<Query<OrgParam>, QueryRejection>,
    page: Pagination,
) -> Result<Json<KeyList>, ApiError> {
    let Query(org) =
        org.map_err(|_| ApiError::Validation(vec![FieldError::new("org_id", "is required")]))?;
    let at = scope(keys.access(), &caller, &org.org_id, Permission::KeysUse).await?;
    let listed = keys.list_keys(&at, page.limit, page.cursor).await?;
    Ok(Json(KeyList {
        items: listed.items.iter().map(KeyView::from).collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// One key (any member of its org: `keys:use`).
#[utoipa::path(get, path = "/v1/keys/{key}", tag = "keys",
    params(("key" = String, Path, description = "`key_...`")),
    responses(
        Service<NamedKeysService>,
        Caller,
        (status = 200, body = KeyView),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn get_key(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    let (at, key) = scope_key(&keys, &caller, &key, Permission::KeysUse).await?;
    Ok(Json(KeyView::from(&keys.get_key(&at, key)?)))
}

/// Retires versions (`min_decryption_version`, `min_encryption_version`) and sets the deletion
/// guard (owners and admins: `keys:manage`). A retirement holds from the next request on.
#[utoipa::path(patch, path = "/v1/keys/{key}", tag = "keys", request_body = UpdateKeyRequest,
    params(("key" = String, Path, description = "`key_...`")),
    responses(
        Service<NamedKeysService>,
        BoundedJson<UpdateKeyRequest>,
        Caller,
        (status = 200, body = KeyView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The key changed meanwhile; retry", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A floor outside the kept versions or out of order", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn update_key(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(key): Path<String>,
    BoundedJson(body): BoundedJson<UpdateKeyRequest>,
) -> Result<Json<KeyView>, ApiError> {
    let (at, key) = scope_key(&keys, &caller, &key, Permission::KeysManage).await?;
    let patch = KeyPatch {
        min_decryption_version: body.min_decryption_version,
        min_encryption_version: body.min_encryption_version,
        deletion_allowed: body.deletion_allowed,
    };
    let key = keys.update_key(&at, &key.id, patch, &origin).await?;
    Ok(Json(KeyView::from(&key)))
}

/// Deletes a key and every version (owners and admins: `keys:manage`), once `deletion_allowed`
/// is set. Its ciphertexts never decrypt again.
#[utoipa::path(delete, path = "/v1/keys/{key}", tag = "keys",
    params(("key" = String, Path, description = "`key_...`")),
    responses(
        Service<NamedKeysService>,
        Caller,
        (status = 204, description = "Deleted, with every version"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`deletion_allowed` is not set", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn delete_key(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (at, key) = scope_key(&keys, &caller, &key, Permission::KeysManage).await?;
    keys.delete_key(&at, &key.id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a new newest version (owners and admins: `keys:manage`); older versions still decrypt.
#[utoipa::path(post, path = "/v1/keys/{key}/rotate", tag = "keys",
    params(("key" = String, Path, description = "`key_...`")),
    responses(
        Service<NamedKeysService>,
        Caller,
        (status = 200, body = KeyView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The key holds the most versions it may: trim first", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn rotate_key(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(key): Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    let (at, key) = scope_key(&keys, &caller, &key, Permission::KeysManage).await?;
    Ok(Json(KeyView::from(
        &keys.rotate_key(&at, &key.id, &origin).await?,
    )))
}

/// Deletes every version below `below_version` for good (owners and admins: `keys:manage`).
#[utoipa::path(post, path = "/v1/keys/{key}/trim", tag = "keys", request_body = TrimKeyRequest,
    params(("key" = String, Path, description = "`key_...`")),
    responses(
        Service<NamedKeysService>,
        BoundedJson<TrimKeyRequest>,
        Caller,
        (status = 200, body = KeyView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`below_version` above `min_decryption_version`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn trim_key(
    Service(keys): Service<NamedKeysService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(key): Path<String>,
    BoundedJson(body): BoundedJson<TrimKeyRequest>,
) -> Result<Json<KeyView>, ApiError> {
    let (at, key) = scope_key(&keys, &caller, &key, Permission::KeysManage).await?;
    let key = keys
        .trim_key(&at, &key.id, body.below_version, &origin)
        .await?;
    Ok(Json(KeyView::from(&key)))
}
