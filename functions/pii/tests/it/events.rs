//! Every sample event in `events/pii/` goes through lambda_http's own request parsing into the
//! router, as on Lambda.

/// Each event file and the status its reply must have.
const EVENTS: &[(&str, u16)] = &[
    ("health.json", 200),
    ("health-ready.json", 200),
    ("openapi.json", 200),
    ("detect.json", 200),
    ("anonymize.json", 200),
    ("deanonymize.json", 401),
    ("validate.json", 200),
];

#[tokio::test]
async fn every_sample_event_gets_its_reply_through_the_lambda_parser() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/pii");
    let on_disk = std::fs::read_dir(dir).unwrap().count();
    assert_eq!(
        on_disk,
        EVENTS.len(),
        "every event file in {dir} has an expectation here"
    );

    let app = super::spawn_app();
    for (file, want) in EVENTS {
        let reply = app.replay_event(&format!("pii/{file}"), "", &[]).await;
        assert_eq!(reply.code(), *want, "{file}: {}", reply.body);
        assert_eq!(
            reply.header("x-request-id"),
            Some("JKJaXmPLvHcESHA="),
            "{file}: API Gateway's request id is kept"
        );
    }
}
