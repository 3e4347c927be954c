//! The local server's routes behind presigned blob URLs: `PUT` and `GET /local-blobs/{*key}` do
//! for the local stack what S3 does behind its presigned URLs on AWS. Not in the OpenAPI
//! document (no Lambda serves them); on AWS they answer 404 for everything.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use futures_util::StreamExt as _;
use tokio_util::io::ReaderStream;

use super::{ApiError, AppState, FunctionGroup, RouteGroup};
use crate::blobs::{BlobError, LOCAL_BLOBS_PATH, LocalBlobUrls, PresignedMethod, UrlRefused};

/// The routes that serve the local stack's presigned URLs (add them to the local server's
/// groups; Lambda functions do not need them).
pub fn local_blob_urls() -> FunctionGroup {
    FunctionGroup::new(RouteGroup::new().route(
        &format!("{LOCAL_BLOBS_PATH}/{{*key}}"),
        put(upload).get(download),
    ))
}

/// The local URL server, or 404 where there is none (AWS).
fn served(state: &AppState) -> Result<&LocalBlobUrls, ApiError> {
    state.ports.blob_urls.as_deref().ok_or(ApiError::NotFound)
}

fn refused(err: UrlRefused) -> ApiError {
    ApiError::Forbidden(err.to_string())
}

fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge {
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
    }
}

/// Streams the body into the blob, never holding more than a chunk of it: refused with 413 as
/// soon as it passes the limit, and stored only when complete.
async fn upload(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let urls = served(&state)?;
    let grant = urls
        .verify(PresignedMethod::Put, &key, query.as_deref())
        .map_err(refused)?;
    let declared = match headers.get(header::CONTENT_TYPE).map(HeaderValue::to_str) {
        None => None,
        Some(Ok(declared)) => Some(declared),
        Some(Err(_)) => return Err(refused(UrlRefused::ContentType)),
    };
    let content_type = grant.upload_content_type(declared).map_err(refused)?;
    let limit = urls.max_bytes();
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit) {
        return Err(too_large(limit));
    }

    let mut upload = urls.begin_upload(&key, grant, content_type).await?;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest("the upload was interrupted".into()))?;
        if upload.written().saturating_add(chunk.len() as u64) > limit {
            return Err(too_large(limit));
        }
        upload.write(&chunk).await?;
    }
    upload.finish().await?;
    Ok(StatusCode::OK)
}

/// Streams the blob back with its content type.
async fn download(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let urls = served(&state)?;
    urls.verify(PresignedMethod::Get, &key, query.as_deref())
        .map_err(refused)?;
    let (info, file) = urls.open(&key).await.map_err(|err| match err {
        BlobError::NotFound => ApiError::NotFound,
        other => ApiError::from(other),
    })?;
    let content_type = HeaderValue::from_str(&info.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_LENGTH, HeaderValue::from(info.size)),
            // A payload is the tenant's data: no shared cache keeps it.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        Body::from_stream(ReaderStream::new(file)),
    )
        .into_response())
}
