//! Bad query strings get a 422 problem document naming what is wrong, after the caller is
//! known (no credentials: 401 first), never a 500: a parameter a route does not take (a typo
//! would silently widen a filter), one given twice, a missing `org_id`, a time that is not
//! RFC 3339, `from` after `to`, a bad `limit` or `cursor`.

use axum::http::Method;

use crate::assert_problem;

#[tokio::test]
async fn a_bad_query_string_is_a_422_naming_the_parameter() {
    let app = crate::spawn();
    let (owner, org) = crate::owner_and_org(&app).await;
    let other = app.create_org(&owner, "free").await;
    let cases: Vec<(Method, String, &str)> = vec![
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&acter={}", owner.id),
            "query",
        ),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&actor=a&actor=b"),
            "query",
        ),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&org_id={other}"),
            "query",
        ),
        (Method::GET, "/v1/audit/logs".to_owned(), "org_id"),
        (Method::GET, "/v1/audit/logs?org_id=".to_owned(), "org_id"),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&from=yesterday"),
            "from",
        ),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&to=2026-13-01T00:00:00Z"),
            "to",
        ),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&from=2026-11-30"),
            "from",
        ),
        (
            Method::GET,
            format!(
                "/v1/audit/logs?org_id={org}&from=2026-11-30T00:00:00Z&to=2026-11-29T00:00:00Z"
            ),
            "from",
        ),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&limit=0"),
            "limit",
        ),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&limit=1001"),
            "limit",
        ),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&cursor=not-a-cursor"),
            "cursor",
        ),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&actor={}", "a".repeat(201)),
            "actor",
        ),
        (
            Method::GET,
            format!("/v1/audit/logs?org_id={org}&resource=%00x"),
            "resource",
        ),
        (
            Method::GET,
            format!("/v1/audit/verify?org_id={org}&limit=5"),
            "query",
        ),
        (Method::GET, "/v1/audit/verify".to_owned(), "org_id"),
        (
            Method::GET,
            format!("/v1/audit/verify?org_id={org}&from=soon"),
            "from",
        ),
        (
            Method::GET,
            format!(
                "/v1/audit/verify?org_id={org}&from=2026-11-30T00:00:00Z&to=2026-11-29T00:00:00Z"
            ),
            "from",
        ),
        (
            Method::GET,
            format!("/v1/audit/checkpoints?org_id={org}&actor=x"),
            "query",
        ),
        (
            Method::GET,
            format!("/v1/audit/checkpoints?org_id={org}&cursor=bm90LW91cnM"),
            "cursor",
        ),
        (
            Method::POST,
            format!("/v1/audit/checkpoints?org_id={org}&force=true"),
            "query",
        ),
        (Method::POST, "/v1/audit/checkpoints".to_owned(), "org_id"),
    ];
    for (method, path, field) in &cases {
        let reply = app
            .call(method.clone(), path, None, Some(&owner.token))
            .await;
        assert_problem(&reply, 422);
        assert_eq!(
            reply.body["type"], "/problems/validation",
            "{path}: {}",
            reply.body
        );
        assert_eq!(
            reply.body["errors"][0]["field"], *field,
            "{path}: {}",
            reply.body
        );
    }
    // the caller first: no credentials is 401 whatever the query says
    for (method, path, _) in &cases {
        assert_problem(&app.call(method.clone(), path, None, None).await, 401);
    }
    // nothing was checkpointed by the refused requests
    let listed = app
        .get(
            &format!("/v1/audit/checkpoints?org_id={org}"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(listed.body["items"], serde_json::json!([]));
}

#[tokio::test]
async fn a_cursor_of_another_org_or_filter_reads_nothing_of_theirs() {
    let app = crate::spawn();
    let (owner, org) = crate::owner_and_org(&app).await;
    let (stranger, theirs) = crate::owner_and_org(&app).await;
    for _ in 0..3 {
        let spec = crate::Spec {
            action: "records.read",
            actor: &stranger.id,
            resource: "vlt_01aaaaaaaaaaaaaaaaaaaaaaaa",
        };
        crate::plant(&app, &theirs, spec, None).await;
    }
    let page = crate::logs(&app, &theirs, "limit=1", &stranger).await;
    let cursor = page.text("/next_cursor");
    // their cursor, used on our org, pages our log (a position in time), never theirs
    let ours = crate::logs(&app, &org, &format!("cursor={cursor}"), &owner).await;
    assert_eq!(ours.code(), 200, "{}", ours.body);
    for event in ours.body["items"].as_array().unwrap() {
        assert_eq!(event["org_id"], org.as_str(), "{event}");
    }
}
