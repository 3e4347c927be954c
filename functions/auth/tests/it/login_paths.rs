//! The login path (issue 8, hole 5): an unknown email and a wrong password for a known one make
//! the same table calls and get the same answer, the first login of a process as well as later
//! ones, and the dummy hash an unknown email is checked against is made at cold start, not by the
//! first login that needs it.

use axum::http::StatusCode;

use super::{spawn_app, unique_email};

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_make_the_same_table_calls_and_get_the_same_401() {
    let first = spawn_app();
    let account = first.signed_up().await;
    // Each is the very first login of its own new process, which also loads the email-index key.
    let (app, table) = super::recording_sibling(&first).await;
    table.take();
    let unknown = app.login(&unique_email(), "Not-The-Password-42").await;
    let unknown_calls = table.take();
    let (app, table) = super::recording_sibling(&first).await;
    table.take();
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

    // Later logins of a process, known or unknown, match too (the key is loaded by then).
    let unknown_again = app.login(&unique_email(), "Not-The-Password-42").await;
    let unknown_calls = table.take();
    let wrong_again = app.login(&account.email, "Not-The-Password-42").await;
    let wrong_calls = table.take();
    assert_eq!(unknown_again.status, wrong_again.status);
    assert_eq!(unknown_calls, wrong_calls);
}

#[tokio::test]
async fn the_cold_start_warm_up_makes_the_dummy_hash_and_no_table_call() {
    let first = spawn_app();
    first.signed_up().await;
    let (app, table) = super::recording_sibling(&first).await;
    let warm_up = table.take();

    assert!(app.service.hasher().is_prepared());
    assert_eq!(app.service.hasher().verifications(), 0);
    // Nothing at init waits on the network: the email-index key is read by the first request.
    assert!(warm_up.is_empty(), "{warm_up:?}");

    let hashed = app.service.hasher().argon2_time();
    app.login(&unique_email(), "Not-The-Password-42").await;
    let calls = table.take();
    assert_eq!(
        calls
            .iter()
            .filter(|call| call.contains("DEPLOYMENT"))
            .count(),
        1,
        "{calls:?}"
    );
    assert_eq!(app.service.hasher().verifications(), 1);
    assert!(app.service.hasher().argon2_time() > hashed);
    app.login(&unique_email(), "Not-The-Password-42").await;
    let calls = table.take();
    assert!(
        calls.iter().all(|call| !call.contains("DEPLOYMENT")),
        "{calls:?}"
    );
}
