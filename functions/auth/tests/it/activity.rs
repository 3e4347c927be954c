//! `GET /v1/auth/activity`: the caller's own security events, from the audit log.

use axum::http::StatusCode;
use serde_json::json;

use super::spawn_app;

#[tokio::test]
async fn the_activity_log_lists_my_registration_and_logins_failed_ones_too_newest_first() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let wrong = app.login(&account.email, "not the password at all 1").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    app.clock.advance(time::Duration::seconds(1));
    let second = app.login(&account.email, &account.password).await;
    assert_eq!(second.status, StatusCode::OK);

    let reply = app.get("/v1/auth/activity", Some(&account.token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let items = reply.body["items"].as_array().unwrap();
    let actions: Vec<(&str, &str)> = items
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions.first(),
        Some(&("auth.login", "success")),
        "{actions:?}"
    );
    assert!(actions.contains(&("auth.login", "failure")), "{actions:?}");
    assert!(
        actions.contains(&("auth.register", "success")),
        "{actions:?}"
    );
    assert_eq!(items[0]["user_agent"], "coffer-tests/1");
    assert!(items[0]["ip"].is_string());
    let times: Vec<&str> = items.iter().map(|e| e["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    // Never a secret in the log.
    let text = reply.body.to_string();
    assert!(!text.contains(&account.password) && !text.contains(&account.token));
}

#[tokio::test]
async fn nobody_sees_anyone_elses_activity_and_pages_do_not_repeat() {
    let app = spawn_app();
    let me = app.signed_up().await;
    let other = app.signed_up().await;
    for _ in 0..3 {
        app.login(&me.email, &me.password).await;
    }
    let mine = app.get("/v1/auth/activity?limit=2", Some(&me.token)).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 2);
    let next = mine.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &format!("/v1/auth/activity?limit=100&cursor={next}"),
            Some(&me.token),
        )
        .await;
    let first_ids: Vec<_> = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    for event in rest.body["items"].as_array().unwrap() {
        assert!(!first_ids.contains(&event["id"]));
    }
    let theirs = app.get("/v1/auth/activity", Some(&other.token)).await;
    let text = theirs.body.to_string();
    for event in mine.body["items"].as_array().unwrap() {
        assert!(!text.contains(event["id"].as_str().unwrap()));
    }
    assert_eq!(
        app.get("/v1/auth/activity", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let _ = json!({});
}
