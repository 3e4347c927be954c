//! `GET /metrics` of the local server: off by default, Prometheus text of what it served when on.

use super::local_server::{start_local_server, start_local_server_with};

/// The value of the sample line `series` (name and labels exactly as rendered), 0 if absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.parse().unwrap())
}

async fn scrape(client: &reqwest::Client, base: &str) -> String {
    let reply = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    reply.text().await.unwrap()
}

#[tokio::test]
async fn get_metrics_is_a_404_problem_unless_the_setting_turns_it_on() {
    let (base, _stop, _dir) = start_local_server().await;

    let reply = reqwest::get(format!("{base}/metrics")).await.unwrap();

    assert_eq!(reply.status(), 404);
    assert!(reply.headers().contains_key("x-response-time"));
    assert_eq!(reply.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/not-found");
}

#[tokio::test]
async fn with_the_setting_on_metrics_counts_the_routes_served_by_template_and_never_their_ids() {
    let (base, _stop, _dir) =
        start_local_server_with(|settings| settings.operations.metrics_endpoint = true).await;
    let client = reqwest::Client::new();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let canary = format!("org_canary{nanos}");
    let health = r#"{method="GET",route="/v1/health"}"#;
    let teams = r#"{method="GET",route="/v1/orgs/{org}/teams"}"#;
    let before = scrape(&client, &base).await;

    for _ in 0..3 {
        let reply = client
            .get(format!("{base}/v1/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        assert!(reply.headers().contains_key("x-response-time"));
    }
    let unauthenticated = client
        .get(format!("{base}/v1/orgs/{canary}/teams"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let after = scrape(&client, &base).await;

    // The registry is the process's: other tests' servers count too, so at least this one's.
    let delta = |series: &str| sample(&after, series) - sample(&before, series);
    assert!(
        delta(&format!("coffer_http_requests_total{health}")) >= 3.0,
        "{after}"
    );
    assert!(
        delta(&format!(
            "coffer_http_request_duration_seconds_count{health}"
        )) >= 3.0
    );
    assert!(
        delta(&format!("coffer_http_requests_total{teams}")) >= 1.0,
        "{after}"
    );
    assert!(
        delta(&format!("coffer_http_client_errors_total{teams}")) >= 1.0,
        "{after}"
    );
    assert!(!after.contains(&canary), "no id in a label: {after}");
    for line in [
        "# HELP coffer_http_requests_total Requests served, by route template and method.",
        "# TYPE coffer_http_requests_total counter",
        "# TYPE coffer_http_request_duration_seconds histogram",
        "# TYPE coffer_key_ring_calls_total counter",
        "# TYPE coffer_rate_limit_refusals_total counter",
        "# TYPE coffer_cleanup_runs_total counter",
    ] {
        assert!(
            after.lines().any(|l| l == line),
            "missing {line:?}:\n{after}"
        );
    }
    let inf =
        r#"coffer_http_request_duration_seconds_bucket{method="GET",route="/v1/health",le="+Inf"}"#;
    assert_eq!(
        sample(&after, inf),
        sample(
            &after,
            &format!("coffer_http_request_duration_seconds_count{health}")
        ),
        "the +Inf bucket holds every observation"
    );
}
