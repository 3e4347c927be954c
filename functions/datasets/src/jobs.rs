//! `POST /v1/datasets/{id}/rotate`, `GET /v1/datasets/{id}/jobs/{job}`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::datasets::DatasetsService;
use coffer_core::http::{ApiError, Caller, Service, path_id, scope_dataset};
use coffer_core::ids::JobId;

use crate::views::{JobView, ProblemDoc};

/// Makes a new data-key version (new records are sealed with it at once) and starts a job
/// that re-seals every record and payload under it in the background, resumable after a crash;
/// reads work throughout (owners and admins: `datasets:manage`).
#[utoipa::path(post, path = "/v1/datasets/{id}/rotate", tag = "datasets",
    params(("id" = String, Path, description = "`dst_...`")),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 202, description = "Rotated; the job runs", body = JobView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A re-encryption is already running", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn rotate(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::DatasetsManage).await?;
    let job = datasets.rotate(&at, &dataset.id, &origin).await?;
    Ok((StatusCode::ACCEPTED, Json(JobView::from(&job))))
}

/// A re-encryption job: `{state, done, total}` (any member: `datasets:read`).
#[utoipa::path(get, path = "/v1/datasets/{id}/jobs/{job}", tag = "datasets",
    params(("id" = String, Path, description = "`dst_...`"), ("job" = String, Path, description = "`job_...`")),
    responses(
        Service<DatasetsService>,
        Caller,
        (status = 200, body = JobView),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn get_job(
    Service(datasets): Service<DatasetsService>,
    caller: Caller,
    Path((id, job)): Path<(String, String)>,
) -> Result<Json<JobView>, ApiError> {
    let (at, dataset) = scope_dataset(&datasets, &caller, &id, Permission::DatasetsRead).await?;
    let job = path_id(&job, JobId::parse)?;
    let found = datasets.get_job(&at, dataset, &job).await?;
    Ok(Json(JobView::from(&found)))
}
