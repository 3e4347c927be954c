//! The login path (issue 8, hole 5): an unknown email and a wrong password for a known one make
//! the same table calls and get the same answer, and the dummy hash an unknown email is checked
//! against is made at cold start, not by the first login that needs it.

use axum::http::StatusCode;

use super::{spawn_app, unique_email};

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_make_the_same_table_calls_and_get_the_same_401() {
    let first = spawn_app();
    let account = first.signed_up().await;
    let (app, table) = super::recording_sibling(&first).await;
    table.take();

    // The very first login of the process is the unknown one: nothing is left to load.
    let unknown = app.login(&unique_email(), "Not-The-Password-42").await;
    let unknown_calls = table.take();
    let wrong = app.login(&account.email, "Not-The-Password-42").await;
    let wrong_calls = table.take();

    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.body_without_request_id(),
        wrong.body_without_request_id()
    );
    assert_eq!(unknown_calls, wrong_calls);
    // Both read the address's partition and then a user's partition.
    let queries: Vec<&String> = wrong_calls
        .iter()
        .filter(|call| call.starts_with("query"))
        .collect();
    assert_eq!(queries.len(), 2, "{wrong_calls:?}");
    assert!(queries[0].contains("EMAIL"), "{wrong_calls:?}");
    assert!(queries[1].contains("USER"), "{wrong_calls:?}");
}

#[tokio::test]
async fn the_dummy_hash_and_the_email_index_key_are_ready_after_the_cold_start_warm_up() {
    let first = spawn_app();
    first.signed_up().await;
    let (app, table) = super::recording_sibling(&first).await;
    let warm_up = table.take();

    assert!(app.service.hasher().is_prepared());
    assert_eq!(app.service.hasher().verifications(), 0);
    // The warm-up read the key the first process made; it made none.
    assert_eq!(warm_up, ["get DEPLOYMENT"], "{warm_up:?}");

    let hashed = app.service.hasher().argon2_time();
    app.login(&unique_email(), "Not-The-Password-42").await;
    let calls = table.take();
    assert!(
        calls.iter().all(|call| !call.contains("DEPLOYMENT")),
        "{calls:?}"
    );
    assert_eq!(app.service.hasher().verifications(), 1);
    assert!(app.service.hasher().argon2_time() > hashed);
}
