//! Every sample event in `events/clients/` goes through lambda_http's own request parser into
//! the router, as on Lambda, with real ids filled in.

use serde_json::json;

/// Each event file and the status its reply must have, in an order that leaves something for
/// each to act on.
const EVENTS: &[(&str, u16)] = &[
    ("list-clients.json", 200),
    ("get-client.json", 200),
    ("list-certificates.json", 200),
    ("revoke-certificate.json", 204),
    ("create-certificate.json", 201),
    ("delete-client.json", 204),
    ("create-client.json", 201),
];

#[tokio::test]
async fn every_sample_event_gets_its_reply_through_the_lambda_parser() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let owner = Some(w.owner.token.as_str());
    let base = format!("/v1/orgs/{}/clients", w.id);
    let client = app
        .post(&base, json!({"name": "deployer"}), owner)
        .await
        .text("/id");
    let certificate = app
        .post(&format!("{base}/{client}/certificates"), json!({}), owner)
        .await
        .text("/id");
    let zeros = "00000000000000000000000000";
    let ids = [
        (format!("org_{zeros}"), w.id.clone()),
        (format!("cli_{zeros}"), client),
        (format!("crt_{zeros}"), certificate),
    ];
    let ids: Vec<(&str, &str)> = ids.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    app.replay_events("clients", EVENTS, &w.owner.token, &ids)
        .await;
}
