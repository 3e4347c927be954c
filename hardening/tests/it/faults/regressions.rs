//! Bugs the scenarios found, each pinned by the smallest run that shows it.

use coffer_core::faults::FaultPlan;
use coffer_testkit::{random_ip, strong_password, unique_email};
use serde_json::json;

use super::retry::retryable;
use super::rig::Rig;

/// On a fresh deployment the first registration makes the email-index key through the key
/// ring; when the key ring fails then (KMS throttled or unreachable), the answer must be a
/// retryable 503, not a 500 (found on moto, where the burst's first key-ring call failed).
#[tokio::test]
async fn a_key_ring_outage_during_registration_answers_a_retryable_503() {
    let rig = Rig::embedded_with("key ring down", |seed, port| match port {
        2 => FaultPlan::always_fail(),
        _ => FaultPlan {
            seed,
            ..FaultPlan::fail(0.0)
        },
    });
    let body = json!({"email": unique_email(), "password": strong_password()});
    let registered = rig
        .faulty
        .send_from(
            random_ip(),
            coffer_testkit::json_request(
                axum::http::Method::POST,
                "/v1/auth/register",
                Some(body.clone()),
                None,
            ),
        )
        .await;
    assert_eq!(registered.code(), 503, "{}", registered.body);
    assert!(retryable(&registered).is_some(), "{:?}", registered.headers);
    // Once the key ring answers, the retry goes through.
    let retried = rig.healthy.post("/v1/auth/register", body, None).await;
    assert_eq!(retried.code(), 201, "{}", retried.body);
}

/// A refresh whose new pair cannot be signed (the signing key's seed will not open: the key
/// ring is down) must fail before it spends the token: a client retries a 503 with the same
/// token, and a token spent by a failed refresh would be a reuse that revokes the family.
#[tokio::test]
async fn a_refresh_that_cannot_sign_leaves_its_token_unspent_for_the_retry() {
    let rig = Rig::embedded_with("signing key sealed", |seed, port| match port {
        2 => FaultPlan::always_fail(),
        _ => FaultPlan {
            seed,
            ..FaultPlan::fail(0.0)
        },
    });
    let user = rig.healthy.sign_up().await;
    let pair = rig.healthy.token_pair(&user, json!({})).await;

    let failed = rig.faulty.refresh(&pair.refresh).await;
    assert_eq!(failed.code(), 503, "{}", failed.body);
    assert!(retryable(&failed).is_some(), "{:?}", failed.headers);
    let retried = rig.healthy.refresh(&pair.refresh).await;
    assert_eq!(
        retried.code(),
        200,
        "the retry goes through: {}",
        retried.body
    );
}
