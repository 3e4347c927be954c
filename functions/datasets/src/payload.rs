//! `PUT/GET /v1/datasets/{id}/records/{rid}/payload`,
//! `POST .../payload/upload-url`, `GET .../payload/url`.

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::datasets::{DatasetsService, MAX_PAYLOAD_BYTES};
use coffer_core::http::{ApiError, BoundedJson, Caller, Service, path_id, scope_dataset};
use coffer_core::ids::RecordId;
use http_body_util::{BodyExt, Limited};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::{PayloadBytes, PayloadView, PresignedUrlView, ProblemDoc};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadUrlRequest {
    /// The content type the upload will declare (default `application/octet-stream`).
    pub content_type: Option<String>,
}

/// Stores the request body (up to 4 MiB; any content type) as the record's payload, sealed
/// under the dataset's key, replacing any earlier one (any member: `records:write`).
#[utoipa::path(put, path = "/v1/datasets/{id}/records/{rid}/payload", tag = "records",
    params(("id" = String, Path, description = "`dst_...`"), ("rid" = String, Path, description = "`rec_...`")),
    request_body(content = Option<PayloadBytes>, content_type = "application/octet-stream", description = "The payload's bytes, at most 4 MiB (none: an empty payload)"),
    responses(
        Caller,
        (status = 200, body = PayloadView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The record changed meanwhile; retry", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Over 4 MiB: use `payload/upload-url`", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "A dependency failed; retry", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn put_payload(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((id, rid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PayloadView>, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::RecordsWrite).await?;
    let record = path_id(&rid, RecordId::parse)?;
    let bytes = Limited::new(body, MAX_PAYLOAD_BYTES)
        .collect()
        .await
        .map_err(|_| ApiError::PayloadTooLarge {
            limit: MAX_PAYLOAD_BYTES,
        })?
        .to_bytes();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let payload = datasets
        .put_payload(&at, dataset, &record, &bytes, content_type, &origin)
        .await?;
    Ok(Json(PayloadView::from(&payload)))
}

/// The record's payload, opened, with the content type it was stored with (any member:
/// `records:read`); audited.
#[utoipa::path(get, path = "/v1/datasets/{id}/records/{rid}/payload", tag = "records",
    params(("id" = String, Path, description = "`dst_...`"), ("rid" = String, Path, description = "`rec_...`")),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 200, description = "The payload's bytes, under the content type they were stored with", content_type = "*/*", body = PayloadBytes),
        (status = 404, description = "No such record, or it has no payload", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Uploaded through a presigned URL: use `payload/url`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn get_payload(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::RecordsRead).await?;
    let record = path_id(&rid, RecordId::parse)?;
    let payload = datasets.get_payload(&at, dataset, &record, &origin).await?;
    let content_type = HeaderValue::from_str(&payload.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        payload.bytes,
    )
        .into_response())
}

/// A presigned PUT URL for a payload up to 5 GiB, valid `COFFER_PRESIGN_TTL_SECONDS` and for
/// this record's object only; the upload must carry the returned headers (on AWS: SSE-KMS
/// under the deployment's key with an encryption context naming dataset and record). The record
/// points to the upload from now on (any member: `records:write`).
#[utoipa::path(post, path = "/v1/datasets/{id}/records/{rid}/payload/upload-url", tag = "records",
    request_body = UploadUrlRequest,
    params(("id" = String, Path, description = "`dst_...`"), ("rid" = String, Path, description = "`rec_...`")),
    responses(
        Service<DatasetsService>,
        BoundedJson<UploadUrlRequest>,
        Caller,
        (status = 200, body = PresignedUrlView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn upload_url(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((id, rid)): Path<(String, String)>,
    BoundedJson(body): BoundedJson<UploadUrlRequest>,
) -> Result<Json<PresignedUrlView>, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::RecordsWrite).await?;
    let record = path_id(&rid, RecordId::parse)?;
    let url = datasets
        .payload_upload_url(&at, dataset, &record, body.content_type.as_deref(), &origin)
        .await?;
    Ok(Json(PresignedUrlView::from(url)))
}

/// A presigned GET URL for a payload uploaded through `upload-url`, valid
/// `COFFER_PRESIGN_TTL_SECONDS` (any member: `records:read`); audited.
#[utoipa::path(get, path = "/v1/datasets/{id}/records/{rid}/payload/url", tag = "records",
    params(("id" = String, Path, description = "`dst_...`"), ("rid" = String, Path, description = "`rec_...`")),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 200, body = PresignedUrlView),
        (status = 404, description = "No such record, no presigned payload, or not uploaded yet", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn download_url(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Json<PresignedUrlView>, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::RecordsRead).await?;
    let record = path_id(&rid, RecordId::parse)?;
    let url = datasets
        .payload_download_url(&at, dataset, &record, &origin)
        .await?;
    Ok(Json(PresignedUrlView::from(url)))
}
