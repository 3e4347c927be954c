//! `GET /v1/datasets/{id}/search?field=&value=&limit=&cursor=`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::datasets::{DatasetsService, SearchQuery};
use coffer_core::http::{ApiError, Caller, FieldError, RawPagination, Service, scope_dataset};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::views::{ProblemDoc, RecordList, RecordReply};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// A `tokenize` field, or a `plain` field declared searchable.
    pub field: String,
    /// The exact value (a string; a number or boolean field matches its JSON text).
    pub value: String,
}

/// Records whose field equals the value exactly (any member whose view of the field is clear:
/// `records:read`). Tokenize fields are found through their blind index, whose deliberate
/// collisions are dropped after decryption: only true matches come back. `limit` bounds the
/// candidates examined per page, so a page may hold fewer matches and still have a
/// `next_cursor`. Audited.
#[utoipa::path(get, path = "/v1/datasets/{id}/search", tag = "records",
    params(("id" = String, Path, description = "`dst_...`"), SearchParams, coffer_core::http::PageParams),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 200, body = RecordList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A field that is not searchable (`encrypt`, `mask`, `redact`, a plain field not declared searchable) or not the dataset's, a field the caller's view hides, a cursor of another search", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn search(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(id): Path<String>,
    params: Result<Query<SearchParams>, QueryRejection>,
    page: RawPagination,
) -> Result<Json<RecordList>, ApiError> {
    let Query(params) = params.map_err(|_| {
        ApiError::Validation(vec![FieldError::new(
            "field",
            "field and value are required",
        )])
    })?;
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::RecordsRead).await?;
    let query = SearchQuery {
        field: &params.field,
        value: &params.value,
        limit: page.limit,
        cursor: page.cursor.as_deref(),
    };
    let found = datasets.search(&at, dataset, query, &origin).await?;
    Ok(Json(RecordList {
        items: found.items.into_iter().map(RecordReply::from).collect(),
        next_cursor: found.next_cursor,
    }))
}
