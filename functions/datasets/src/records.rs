//! `POST/GET /v1/datasets/{id}/records`, `GET/DELETE /v1/datasets/{id}/records/{rid}`.

use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::datasets::idempotency::{body_digest, check_key};
use coffer_core::datasets::{DatasetsService, Idempotency, WriteReply};
use coffer_core::http::{
    ApiError, BoundedJson, Caller, FieldError, RawPagination, Service, path_id, scope_dataset,
};
use coffer_core::ids::RecordId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::views::{
    ProblemDoc, RecordList, RecordOutcomeView, RecordReply, WriteBatchReply, WriteRecordsCreated,
    WrittenRecord,
};

/// The header that makes a write safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a reply that repeats an earlier request's.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteRecordsRequest {
    /// One record's fields, instead of `records`.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    /// Up to 1000 records, instead of `data`.
    pub records: Option<Vec<RecordInput>>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    #[schema(value_type = Object)]
    pub data: Value,
}

/// Writes one record (`data`) or a batch (`records`, at most 1000), each validated against the
/// dataset's schema and fields, its plain strings screened for PII as the dataset says, its
/// sensitive fields sealed before anything is stored; each record whole or not at all (any
/// member: `records:write`). With an `idempotency-key` header, a retry returns the first reply
/// (`idempotent-replayed: true`) and writes nothing new; the same key with another body is 422.
#[utoipa::path(post, path = "/v1/datasets/{id}/records", tag = "records", request_body = WriteRecordsRequest,
    params(
        ("id" = String, Path, description = "`dst_...`"),
        ("idempotency-key" = Option<String>, Header, description = "1-255 printable ASCII characters; remembered for COFFER_IDEMPOTENCY_TTL_SECONDS"),
    ),
    responses(
        BoundedJson<WriteRecordsRequest>,
        Caller,
        (status = 201, description = "Written: `{id, pii}` for one record, `{items}` for a batch", body = WriteRecordsCreated),
        (status = 207, description = "A batch of which some records were not written (each says why)", body = WriteBatchReply),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A request with this idempotency key is still running", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The record breaks the schema or names unknown fields (every error with its path), a batch of 0 or over 1000, an idempotency key reused with another body", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "A dependency failed; retry (see `retry-after`)", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn write_records(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(id): Path<String>,
    headers: HeaderMap,
    BoundedJson(body): BoundedJson<WriteRecordsRequest>,
) -> Result<Response, ApiError> {
    let key = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(raw) => Some(raw.to_str().ok().filter(|k| check_key(k)).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                IDEMPOTENCY_KEY,
                "1-255 printable ASCII characters",
            )])
        })?),
    };
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::RecordsWrite).await?;
    let digest = body_digest(&serde_json::to_vec(&body).unwrap_or_default());
    let (records, is_batch) = match (body.data, body.records) {
        (Some(data), None) => (vec![data], false),
        (None, Some(records)) => (records.into_iter().map(|r| r.data).collect(), true),
        _ => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "records",
                "give one record as `data` or a batch as `records`",
            )]));
        }
    };
    let idempotency = key.map(|key| Idempotency {
        key,
        body_digest: &digest,
    });
    let reply = datasets
        .write_records(&at, dataset, records, idempotency, &origin)
        .await?;
    write_reply(reply, is_batch)
}

/// One record: its outcome is the reply (201, 422 or 503). A batch: 201 when every record was
/// written, else 207, with an outcome per record.
fn write_reply(reply: WriteReply, is_batch: bool) -> Result<Response, ApiError> {
    let mut response = if is_batch {
        let status = if reply.outcomes.iter().all(|o| o.status == 201) {
            StatusCode::CREATED
        } else {
            StatusCode::MULTI_STATUS
        };
        let items = reply.outcomes.iter().map(RecordOutcomeView::from).collect();
        (status, Json(WriteBatchReply { items })).into_response()
    } else {
        let outcome = reply
            .outcomes
            .first()
            .map(RecordOutcomeView::from)
            .ok_or_else(|| ApiError::BadRequest("expected one record".into()))?;
        match (outcome.status, outcome.id) {
            (201, Some(id)) => (
                StatusCode::CREATED,
                Json(WrittenRecord {
                    id,
                    pii: outcome.pii,
                }),
            )
                .into_response(),
            (503, _) => {
                return Err(ApiError::Unavailable {
                    failed: vec!["table"],
                });
            }
            _ => return Err(ApiError::Validation(outcome.errors)),
        }
    };
    if reply.replayed {
        response
            .headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A page of records in id order, each as the caller's role's view shows it (any member:
/// `records:read`). Decrypting is audited: one event naming the fields.
#[utoipa::path(get, path = "/v1/datasets/{id}/records", tag = "records",
    params(("id" = String, Path, description = "`dst_...`"), coffer_core::http::PageParams),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 200, body = RecordList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad `limit`, or a cursor of another list", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_records(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(id): Path<String>,
    page: RawPagination,
) -> Result<Json<RecordList>, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::RecordsRead).await?;
    let listed = datasets
        .list_records(&at, dataset, page.limit, page.cursor.as_deref(), &origin)
        .await?;
    Ok(Json(RecordList {
        items: listed.items.into_iter().map(RecordReply::from).collect(),
        next_cursor: listed.next_cursor,
    }))
}

/// One record as the caller's role's view shows it (any member: `records:read`); audited.
#[utoipa::path(get, path = "/v1/datasets/{id}/records/{rid}", tag = "records",
    params(("id" = String, Path, description = "`dst_...`"), ("rid" = String, Path, description = "`rec_...`")),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 200, body = RecordReply),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn get_record(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Json<RecordReply>, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::RecordsRead).await?;
    let record = path_id(&rid, RecordId::parse)?;
    let view = datasets.get_record(&at, dataset, &record, &origin).await?;
    Ok(Json(RecordReply::from(view)))
}

/// Deletes a record with its index entries and payload (any member: `records:write`).
#[utoipa::path(delete, path = "/v1/datasets/{id}/records/{rid}", tag = "records",
    params(("id" = String, Path, description = "`dst_...`"), ("rid" = String, Path, description = "`rec_...`")),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The record changed meanwhile; retry", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn delete_record(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((id, rid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::RecordsWrite).await?;
    let record = path_id(&rid, RecordId::parse)?;
    datasets
        .delete_record(&at, dataset, &record, &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
