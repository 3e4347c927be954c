//! Every sample event in `events/tokens/` goes through lambda_http's own request parser into the
//! router, as on Lambda, with real ids and tokens filled in.

use serde_json::json;

/// Each event file and the status its reply must have.
const EVENTS: &[(&str, u16)] = &[
    ("issue-tokens.json", 201),
    ("refresh-tokens.json", 200),
    ("revoke-tokens.json", 204),
    ("jwks.json", 200),
    ("openid-configuration.json", 200),
    // The sample assertion names a certificate that does not exist: the form arrives, the
    // client is refused.
    ("oauth-token.json", 401),
];

#[tokio::test]
async fn every_sample_event_gets_its_reply_through_the_lambda_parser() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let vault = app.create_vault(&w.id, &w.owner, "v").await;
    let pair = app.token_pair(&w.owner, json!({})).await;
    let zeros = "00000000000000000000000000";
    let vault_placeholder = format!("vlt_{zeros}");
    let ids = [
        (vault_placeholder.as_str(), vault.as_str()),
        ("{{refresh_token}}", pair.refresh.as_str()),
        ("{{access_token}}", pair.access.as_str()),
    ];
    app.replay_events("tokens", EVENTS, &w.owner.token, &ids)
        .await;
}
