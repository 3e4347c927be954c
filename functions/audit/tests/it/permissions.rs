//! The gate on every audit route: owners and admins read, verify and checkpoint; a member gets
//! 403; anyone outside the org (or naming an org that does not exist, or an id that is not an
//! org's) gets 404, never learning that it exists; no credentials get 401.

use axum::http::Method;
use coffer_testkit::{Reply, TestApp, User};

use crate::assert_problem;

/// Each route as `(method, path and query)` for `org`.
fn routes(org: &str) -> Vec<(Method, String)> {
    vec![
        (Method::GET, format!("/v1/audit/logs?org_id={org}")),
        (Method::GET, format!("/v1/audit/verify?org_id={org}")),
        (Method::GET, format!("/v1/audit/checkpoints?org_id={org}")),
        (Method::POST, format!("/v1/audit/checkpoints?org_id={org}")),
    ]
}

async fn call(app: &TestApp, route: &(Method, String), by: Option<&User>) -> Reply {
    app.call(
        route.0.clone(),
        &route.1,
        None,
        by.map(|u| u.token.as_str()),
    )
    .await
}

async fn only_owners_and_admins_reach_the_log_members_get_403_outsiders_404_strangers_401(
    app: TestApp,
) {
    let w = app.org_with_every_role().await;
    let theirs = app.create_org(&w.outsider, "free").await;

    for route in routes(&w.id) {
        for allowed in [&w.owner, &w.admin] {
            let reply = call(&app, &route, Some(allowed)).await;
            let want = if route.0 == Method::POST { 201 } else { 200 };
            assert_eq!(
                reply.code(),
                want,
                "{} {}: {}",
                route.0,
                route.1,
                reply.body
            );
        }
        assert_problem(&call(&app, &route, Some(&w.member)).await, 403);
        assert_problem(&call(&app, &route, Some(&w.outsider)).await, 404);
        assert_problem(&call(&app, &route, None).await, 401);
    }
    // the outsider owns another org: that does not open this one, nor this one theirs
    for route in routes(&theirs) {
        assert_problem(&call(&app, &route, Some(&w.owner)).await, 404);
    }
    for org in [
        "org_01zzzzzzzzzzzzzzzzzzzzzzzz",
        "not-an-org",
        "usr_01zzzzzzzzzzzzzzzzzzzzzzzz",
    ] {
        for route in routes(org) {
            assert_problem(&call(&app, &route, Some(&w.owner)).await, 404);
        }
    }
    // nothing the refused callers asked for was written: one checkpoint per allowed caller
    let listed = app
        .get(
            &format!("/v1/audit/checkpoints?org_id={}", w.id),
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        listed.body
    );
}

on_both_backends!(only_owners_and_admins_reach_the_log_members_get_403_outsiders_404_strangers_401,);
