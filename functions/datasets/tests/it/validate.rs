//! `POST /v1/validate` (the `pii` function) with a `dataset_id` checks records as a write to
//! that dataset would, for members of its org only.

use coffer_testkit::TestApp;
use serde_json::json;

use crate::{create_dataset, customer, customers};

#[tokio::test]
async fn validate_checks_records_against_a_datasets_schema_and_fields_for_its_members_only() {
    let app = TestApp::embedded(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_datasets::group(),
        coffer_function_pii::group(),
    ]);
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let mut bad = customer(1);
    bad["age"] = json!(-3);
    bad["shoe_size"] = json!(44);
    let checked = app
        .post(
            "/v1/validate",
            json!({"dataset_id": dataset, "records": [customer(0), bad]}),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(checked.code(), 200, "{}", checked.body);
    assert_eq!(checked.body["valid"], false);
    assert_eq!(checked.body["records"][0]["valid"], true);
    let errors = checked.body["records"][1]["errors"].as_array().unwrap();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"age") && fields.contains(&"shoe_size"),
        "{fields:?}"
    );
    let outsider = app
        .post(
            "/v1/validate",
            json!({"dataset_id": dataset, "records": [customer(0)]}),
            Some(&w.outsider.token),
        )
        .await;
    assert_eq!(outsider.code(), 404);
}
