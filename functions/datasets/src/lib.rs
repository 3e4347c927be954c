//! The `datasets` function: the data vault (API.md, "Data vault"). Each handler parses its
//! input, asks the access gate for the permission the route needs (a dataset's org is read from
//! the dataset), calls [`DatasetsService`] with the `Scoped` value, and turns the result into a
//! reply. Owners and admins manage datasets (`datasets:manage`); members read them
//! (`datasets:read`), read records as their view allows (`records:read`) and write records
//! (`records:write`). Bodies may be up to `COFFER_DATASETS_MAX_BODY_BYTES` (batches of 1000).
//!
//! | routes | module |
//! |---|---|
//! | `POST/GET /v1/datasets`, `GET/PUT/DELETE /v1/datasets/{id}` | [`datasets`] |
//! | `POST/GET /v1/datasets/{id}/records`, `GET/DELETE .../records/{rid}` | [`records`] |
//! | `PUT/GET .../records/{rid}/payload`, `POST .../payload/upload-url`, `GET .../payload/url` | [`payload`] |
//! | `GET /v1/datasets/{id}/search` | [`search`] |
//! | `POST /v1/datasets/{id}/rotate`, `GET /v1/datasets/{id}/jobs/{job}` | [`jobs`] |

pub mod datasets;
pub mod jobs;
pub mod payload;
pub mod records;
pub mod search;
pub mod views;

use std::sync::Arc;

use coffer_core::datasets::DatasetsService;
use coffer_core::http::{BodyLimit, FunctionGroup, RouteGroup, ServiceCell};
use utoipa_axum::routes;

/// This function's routes over the process's [`DatasetsService`] (built at cold start).
pub fn group() -> FunctionGroup {
    FunctionGroup::new(routes())
        .with_service::<DatasetsService>()
        .with_body_limit(body_limit())
}

/// The routes over a service built by the caller (tests and benches reach into it).
pub fn group_with_service(service: Arc<DatasetsService>) -> FunctionGroup {
    FunctionGroup::new(routes())
        .with_cell(ServiceCell::ready(service))
        .with_body_limit(body_limit())
}

fn body_limit() -> BodyLimit {
    BodyLimit(|settings| settings.datasets.max_body_bytes)
}

fn routes() -> RouteGroup {
    RouteGroup::new()
        .routes(routes!(datasets::create_dataset, datasets::list_datasets))
        .routes(routes!(
            datasets::get_dataset,
            datasets::update_dataset,
            datasets::delete_dataset
        ))
        .routes(routes!(records::write_records, records::list_records))
        .routes(routes!(records::get_record, records::delete_record))
        .routes(routes!(payload::put_payload, payload::get_payload))
        .routes(routes!(payload::upload_url))
        .routes(routes!(payload::download_url))
        .routes(routes!(search::search))
        .routes(routes!(jobs::rotate))
        .routes(routes!(jobs::get_job))
}
