//! `POST/GET /v1/datasets`, `GET/PUT/DELETE /v1/datasets/{id}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::datasets::policy::FieldRequest;
use coffer_core::datasets::{DatasetPatch, DatasetsService, NewDataset, PiiRule};
use coffer_core::http::{
    ApiError, BoundedJson, Caller, FieldError, Pagination, Service, scope, scope_dataset,
};
use coffer_core::orgs::Name;
use coffer_core::store::Cursor;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::views::{DatasetList, DatasetView, ProblemDoc};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDatasetRequest {
    /// `org_...`: the org the dataset belongs to.
    pub org_id: String,
    /// 1-100 characters, unique in the org (case-insensitively).
    #[schema(value_type = String, max_length = 100, example = "customers")]
    pub name: Name,
    /// At most 1000 characters.
    pub description: Option<String>,
    /// A JSON Schema (2020-12 unless `$schema` says otherwise) every record must satisfy; at
    /// most 64 KiB, no references outside itself.
    #[schema(schema_with = crate::views::new_dataset_schema)]
    pub schema: Option<Value>,
    /// Field name → its policy: `"encrypt" | "tokenize" | "mask" | "redact" | "plain"`, or
    /// `{policy, member?, admin?, searchable?}` with each role's view (`clear`, `masked`,
    /// `redacted`). Fields the schema names but this map does not are `plain`. When either
    /// names fields, a record may hold no others.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<BTreeMap<String, FieldRequest>>,
    /// What to do with PII found in plain string fields (default `flag`).
    pub pii: Option<PiiRule>,
    /// How many records to expect (default 1,000,000): sets the length of tokenize fields'
    /// blind indexes.
    #[schema(minimum = 1)]
    pub expected_records: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDatasetRequest {
    #[schema(value_type = Option<String>, max_length = 100)]
    pub name: Option<Name>,
    pub description: Option<String>,
    /// A new schema for records written from now on (an object or a boolean; `null` removes it).
    #[schema(schema_with = crate::views::changed_dataset_schema)]
    #[serde(default, deserialize_with = "present")]
    pub schema: Option<Value>,
    /// Every field with its policy: existing fields keep their policy (their views may
    /// change); new fields may be added; none removed.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<BTreeMap<String, FieldRequest>>,
    pub pii: Option<PiiRule>,
}

/// A member that is present, `null` included (`null` is `Some(Value::Null)`).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgParam {
    /// `org_...`
    pub org_id: String,
}

/// Creates a dataset with its first data key (owners and admins: `datasets:manage`).
#[utoipa::path(post, path = "/v1/datasets", tag = "datasets", request_body = CreateDatasetRequest,
    responses(
        Service<DatasetsService>,
        BoundedJson<CreateDatasetRequest>,
        Caller,
        (status = 201, body = DatasetView),
        (status = 403, description = "Not an owner or admin, or the tier's dataset limit", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The org has a dataset of that name", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad name, schema, field name or policy", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn create_dataset(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<CreateDatasetRequest>,
) -> Result<(StatusCode, Json<DatasetView>), ApiError> {
    let at = scope(
        datasets.access(),
        &caller,
        &body.org_id,
        Permission::DatasetsManage,
    )
    .await?;
    let new = NewDataset {
        name: body.name,
        description: body.description,
        schema: body.schema,
        fields: body.fields.unwrap_or_default(),
        pii: body.pii,
        expected_records: body.expected_records,
    };
    let dataset = datasets.create_dataset(&at, new, &origin).await?;
    Ok((StatusCode::CREATED, Json(DatasetView::from(&dataset))))
}

/// The org's datasets, in creation order (any member: `datasets:read`).
#[utoipa::path(get, path = "/v1/datasets", tag = "datasets",
    params(OrgParam, coffer_core::http::PageParams),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 200, body = DatasetList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A missing `org_id`, a bad `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_datasets(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    org: Result<Query<OrgParam>, QueryRejection>,
    page: Pagination,
) -> Result<Json<DatasetList>, ApiError> {
    let Query(org) =
        org.map_err(|_| ApiError::Validation(vec![FieldError::new("org_id", "is required")]))?;
    let at = scope(
        datasets.access(),
        &caller,
        &org.org_id,
        Permission::DatasetsRead,
    )
    .await?;
    let listed = datasets.list_datasets(&at, page.limit, page.cursor).await?;
    Ok(Json(DatasetList {
        items: listed.items.iter().map(DatasetView::from).collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// One dataset (any member of its org: `datasets:read`).
#[utoipa::path(get, path = "/v1/datasets/{id}", tag = "datasets",
    params(("id" = String, Path, description = "`dst_...`")),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 200, body = DatasetView),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn get_dataset(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DatasetView>, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::DatasetsRead).await?;
    Ok(Json(DatasetView::from(
        &datasets.get_dataset(&at, dataset)?,
    )))
}

/// Changes a dataset's name, description, schema, fields' views, new fields or PII rule
/// (owners and admins: `datasets:manage`).
#[utoipa::path(put, path = "/v1/datasets/{id}", tag = "datasets", request_body = UpdateDatasetRequest,
    params(("id" = String, Path, description = "`dst_...`")),
    responses(
        Service<DatasetsService>,
        BoundedJson<UpdateDatasetRequest>,
        Caller,
        (status = 200, body = DatasetView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken, or the dataset changed meanwhile", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad schema, a changed or removed field's policy", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn update_dataset(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(id): Path<String>,
    BoundedJson(body): BoundedJson<UpdateDatasetRequest>,
) -> Result<Json<DatasetView>, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::DatasetsManage).await?;
    let patch = DatasetPatch {
        name: body.name,
        description: body.description,
        schema: body.schema,
        fields: body.fields,
        pii: body.pii,
    };
    let updated = datasets
        .update_dataset(&at, &dataset.id, patch, &origin)
        .await?;
    Ok(Json(DatasetView::from(&updated)))
}

/// Soft-deletes a dataset (owners and admins: `datasets:manage`): gone at once; cleanup purges
/// it with its records and payloads after `COFFER_DATASET_RETENTION_DAYS`.
#[utoipa::path(delete, path = "/v1/datasets/{id}", tag = "datasets",
    params(("id" = String, Path, description = "`dst_...`")),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn delete_dataset(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::DatasetsManage).await?;
    datasets.delete_dataset(&at, &dataset.id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
