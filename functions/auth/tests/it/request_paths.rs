//! The reset request path (issue 8, hole 5): a known and an unknown address cost the same reads
//! and writes, mail is only written to the outbox, and each client IP has a quota.

use axum::http::StatusCode;
use serde_json::json;

use super::{spawn_app, unique_email};

#[tokio::test]
async fn a_reset_request_for_a_known_and_an_unknown_email_does_the_same_reads_and_writes() {
    let (app, table) = super::spawn_recording_app();
    let account = app.signed_up().await;
    // Warm: the first request of a process may fetch a data key; both below pay the same.
    app.ask_reset(&unique_email()).await;
    table.take();

    let known = app.ask_reset(&account.email).await;
    let known_calls = table.take();
    let unknown = app.ask_reset(&unique_email()).await;
    let unknown_calls = table.take();

    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!(known.body, unknown.body);
    assert_eq!(known_calls, unknown_calls);
    assert!(
        known_calls.iter().any(|call| call.starts_with("transact")),
        "{known_calls:?}"
    );
}

#[tokio::test]
async fn reset_requests_from_one_ip_past_the_quota_answer_429_with_retry_after() {
    let app = spawn_app();

    for n in 0..20 {
        let reply = app.ask_reset(&unique_email()).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "request {n}");
    }
    let refused = app.ask_reset(&unique_email()).await;

    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3_600).contains(&retry_after), "{retry_after}");
    // Another client is not affected.
    let other = app
        .send_from(
            super::random_ip(),
            super::json_request(
                axum::http::Method::POST,
                "/v1/auth/password/reset/request",
                Some(json!({"email": unique_email()})),
                None,
            ),
        )
        .await;
    assert_eq!(other.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn verification_requests_from_one_ip_past_the_quota_answer_429_with_retry_after() {
    let app = spawn_app();
    let mut refused = None;
    // Each user may ask 5 times an hour; 5 users from one IP reach the IP's 20.
    for _ in 0..5 {
        let account = app.signed_up().await;
        for _ in 0..5 {
            let reply = app.ask_verification(&account.token).await;
            if reply.status == StatusCode::TOO_MANY_REQUESTS {
                refused = Some(reply);
            }
        }
    }
    let refused = refused.expect("the IP's quota refuses the 21st request");
    assert!(refused.header("retry-after").is_some());
}

#[tokio::test]
async fn a_reset_request_writes_its_message_in_the_same_transaction_as_its_code() {
    let (app, table) = super::spawn_recording_app();
    let account = app.signed_up().await;
    table.take();

    app.ask_reset(&account.email).await;

    let calls = table.take();
    let writes: Vec<&String> = calls
        .iter()
        .filter(|call| call.starts_with("put") || call.starts_with("transact"))
        .collect();
    assert_eq!(writes.len(), 1, "one write: {calls:?}");
}
