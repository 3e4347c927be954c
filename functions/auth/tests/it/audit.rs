//! Every identity action writes an audit event, and no event holds a sensitive value.

use axum::http::{Method, StatusCode};
use coffer_core::audit::Outcome;
use serde_json::json;

use super::{json_request, spawn_app, strong_password, unique_email};

#[tokio::test]
async fn every_identity_action_writes_an_audit_event_with_ids_an_ip_and_an_outcome() {
    let app = spawn_app();
    let account = app.signed_up().await; // register, login
    app.login(&account.email, "Wrong-Password-99").await;
    app.login(&unique_email(), "Wrong-Password-99").await;
    let other = app.login(&account.email, &account.password).await;
    let other_id = other.body["session_id"].as_str().unwrap();
    app.send(json_request(
        Method::DELETE,
        &format!("/v1/auth/sessions/{other_id}"),
        None,
        Some(&account.token),
    ))
    .await;
    let new_password = strong_password();
    let changed = app
        .post(
            "/v1/auth/password",
            json!({"current_password": account.password, "new_password": new_password}),
            Some(&account.token),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT);
    app.ask_reset(&account.email).await;
    let code = app.reset_code(&account.user_id).await;
    app.post(
        "/v1/auth/password/reset/confirm",
        json!({"token": code, "new_password": strong_password()}),
        None,
    )
    .await;
    let fresh = app.login(&account.email, &new_password).await;
    assert_eq!(
        fresh.status,
        StatusCode::UNAUTHORIZED,
        "the reset replaced that password"
    );

    let events = app
        .service
        .audit()
        .recent(account.user_id.as_str(), 1000)
        .await
        .unwrap();

    let has = |action: &str, outcome: Outcome| {
        events
            .iter()
            .any(|e| e.action == action && e.outcome == outcome)
    };
    for (action, outcome) in [
        ("auth.register", Outcome::Success),
        ("auth.login", Outcome::Success),
        ("auth.login", Outcome::Failure),
        ("auth.session.revoke", Outcome::Success),
        ("auth.password.change", Outcome::Success),
        ("auth.password.reset_request", Outcome::Success),
        ("auth.password.reset", Outcome::Success),
    ] {
        assert!(
            has(action, outcome),
            "no {action} {outcome:?} in {events:#?}"
        );
    }
    let register = events.iter().find(|e| e.action == "auth.register").unwrap();
    assert_eq!(register.actor.as_deref(), Some(account.user_id.as_str()));
    assert_eq!(register.ip.as_deref(), Some(app.ip.to_string().as_str()));
    assert!(register.request_id.as_deref().unwrap().starts_with("req_"));
    for event in &events {
        let all = format!(
            "{} {:?} {} {:?} {:?} {:?}",
            event.id, event.actor, event.action, event.resource, event.ip, event.request_id
        );
        assert!(
            !all.contains(&account.email)
                && !all.contains(&account.password)
                && !all.contains(&account.token)
        );
        assert!(!all.contains('@'), "{all}");
    }
}

#[tokio::test]
async fn logout_is_audited() {
    let app = spawn_app();
    let account = app.signed_up().await;
    app.post("/v1/auth/logout", json!({}), Some(&account.token))
        .await;
    let events = app
        .service
        .audit()
        .recent(account.user_id.as_str(), 100)
        .await
        .unwrap();
    let logout = events
        .iter()
        .find(|e| e.action == "auth.logout")
        .expect("a logout event");
    assert_eq!(
        logout.resource.as_deref(),
        Some(account.session_id.as_str())
    );
    assert_eq!(logout.outcome, Outcome::Success);
}
