//! Every sample event in `events/audit/` goes through lambda_http's own request parser into
//! the router, as on Lambda, with a real org filled in.

/// Each event file and the status its reply must have: the checkpoint first, so the list and
/// the verification have one to show.
const EVENTS: &[(&str, u16)] = &[
    ("create-checkpoint.json", 201),
    ("list-checkpoints.json", 200),
    ("logs.json", 200),
    ("verify.json", 200),
];

#[tokio::test]
async fn every_sample_event_gets_its_reply_through_the_lambda_parser() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    app.create_vault(&w.id, &w.owner, "payments").await;
    let ids = [("org_00000000000000000000000000", w.id.as_str())];

    app.replay_events("audit", EVENTS, &w.owner.token, &ids)
        .await;

    let listed = app
        .replay_event("audit/list-checkpoints.json", &w.admin.token, &ids)
        .await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        listed.body
    );
    let logs = app
        .replay_event("audit/logs.json", &w.admin.token, &ids)
        .await;
    let actions: Vec<&str> = logs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["orgs.vault.create"],
        "the sample's filter: {}",
        logs.body
    );
    let verified = app
        .replay_event("audit/verify.json", &w.admin.token, &ids)
        .await;
    assert_eq!(verified.body["intact"], true, "{}", verified.body);
    assert_eq!(
        verified.body["checkpoint"]["valid"], true,
        "{}",
        verified.body
    );
    // the member's session is refused as on any route
    let refused = app
        .replay_event("audit/verify.json", &w.member.token, &ids)
        .await;
    assert_eq!(refused.code(), 403, "{}", refused.body);
}
