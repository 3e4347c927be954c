//! Every sample event in `events/pii/` goes through lambda_http's own request parsing into the
//! router, as on Lambda.

use http_body_util::BodyExt;
use tower::ServiceExt;

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
        let json = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let request =
            lambda_http::request::from_str(&json).unwrap_or_else(|e| panic!("{file}: {e}"));
        let response = app.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(status, *want, "{file}: {}", String::from_utf8_lossy(&body));
        assert_eq!(
            request_id, "JKJaXmPLvHcESHA=",
            "{file}: API Gateway's request id is kept"
        );
    }
}
