//! The `audit` function's routes, driven in-process on the shared test kit, on the embedded
//! backend and on the AWS backends (DynamoDB and KMS on moto; those tests are skipped, with a
//! line on stderr, only when `COFFER_TEST_AWS_ENDPOINT` is not set). The moto table is shared
//! by every test: each test makes its own users and org and asserts nothing global.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Each named `async fn name(app: TestApp)` of the module, as a test on the embedded backend
/// (`embedded::name`) and one on moto (`on_moto::name`).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::spawn()).await;
                }
            )*
        }

        mod on_moto {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = crate::spawn_on_moto().await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

mod bad_input;
mod changes;
mod checkpoints;
mod events;
mod logs;
mod openapi;
mod permissions;
mod ranges;
mod tamper;

use coffer_core::audit::chain::shard_of;
use coffer_core::audit::{AuditEvent, AuditSink, Outcome, RequestOrigin};
use coffer_core::settings::Backend;
use coffer_testkit::{Reply, TestApp, User};
use serde_json::Value;

/// `auth` (to sign users up), `orgs` (to make orgs), `tokens` (the JWKS) and `audit` over the
/// embedded backend.
pub fn spawn() -> TestApp {
    TestApp::embedded(groups())
}

/// The same over DynamoDB, S3 and KMS on moto; `None` (the test is skipped) when no emulator
/// is configured.
pub async fn spawn_on_moto() -> Option<TestApp> {
    if std::env::var_os("COFFER_TEST_AWS_ENDPOINT").is_none() {
        eprintln!("skipped: COFFER_TEST_AWS_ENDPOINT is not set (no moto server)");
        return None;
    }
    Some(TestApp::on_moto(groups()).await)
}

fn groups() -> Vec<coffer_core::http::FunctionGroup> {
    vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_tokens::group(),
        coffer_function_audit::group(),
    ]
}

/// How many events a test plants: fewer on moto, whose transactions copy the shared table.
pub fn scale(app: &TestApp, embedded: usize, on_moto: usize) -> usize {
    match app.state.settings.backend {
        Backend::Embedded => embedded,
        Backend::Aws => on_moto,
    }
}

/// A user and an org they own (lighter than an org with every role).
pub async fn owner_and_org(app: &TestApp) -> (User, String) {
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "free").await;
    (owner, org)
}

/// What a planted event says.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    pub action: &'static str,
    pub actor: &'a str,
    pub resource: &'a str,
}

/// Moves the clock on a millisecond, so events made one after another sort in that order.
pub fn tick(app: &TestApp) {
    app.clock.advance(time::Duration::milliseconds(1));
}

/// Writes one event of `org` as the services do (its own chain link, through the sink), a
/// millisecond after the last; in `shard` when one is given.
pub async fn plant(app: &TestApp, org: &str, spec: Spec<'_>, shard: Option<u8>) -> AuditEvent {
    tick(app);
    let sink = AuditSink::new(app.state.ports.table.clone(), app.state.ports.clock.clone());
    let origin = RequestOrigin {
        ip: Some("203.0.113.9".parse().unwrap()),
        request_id: Some("req_planted".into()),
        user_agent: Some("coffer-tests/1".into()),
    };
    let event = loop {
        let mut event = sink
            .event(spec.action, Outcome::Success, &origin)
            .unwrap()
            .actor(spec.actor)
            .resource(spec.resource)
            .fields(["name"]);
        event.org_id = Some(org.to_owned());
        if shard.is_none_or(|shard| shard_of(&event.id) == shard) {
            break event;
        }
    };
    sink.record(&event).await.unwrap();
    event
}

/// `GET /v1/audit/logs?org_id=<org>&<query>` as `by`.
pub async fn logs(app: &TestApp, org: &str, query: &str, by: &User) -> Reply {
    app.get(
        &format!("/v1/audit/logs?org_id={org}{}", amp(query)),
        Some(&by.token),
    )
    .await
}

/// Every event of the log `query` selects, read `limit` at a time, following `next_cursor`.
pub async fn every_page(
    app: &TestApp,
    org: &str,
    query: &str,
    limit: usize,
    by: &User,
) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut page_query = format!("{query}&limit={limit}");
        if let Some(cursor) = &cursor {
            page_query.push_str(&format!("&cursor={cursor}"));
        }
        let page = logs(app, org, &page_query, by).await;
        assert_eq!(page.code(), 200, "{page_query}: {}", page.body);
        let got = page.body["items"].as_array().unwrap();
        assert!(got.len() <= limit, "{page_query}: {}", page.body);
        items.extend(got.iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
    panic!("{query}: the pages never end");
}

/// `GET /v1/audit/verify?org_id=<org>&<query>` as `by`, which must answer 200; its body.
pub async fn verify(app: &TestApp, org: &str, query: &str, by: &User) -> Value {
    let found = app
        .get(
            &format!("/v1/audit/verify?org_id={org}{}", amp(query)),
            Some(&by.token),
        )
        .await;
    assert_eq!(found.code(), 200, "{}", found.body);
    found.body
}

/// `POST /v1/audit/checkpoints?org_id=<org>` as `by`, which must answer 201; the checkpoint.
pub async fn checkpoint(app: &TestApp, org: &str, by: &User) -> Value {
    let made = app
        .call(
            axum::http::Method::POST,
            &format!("/v1/audit/checkpoints?org_id={org}"),
            None,
            Some(&by.token),
        )
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    made.body
}

/// `&query`, or nothing for an empty query.
fn amp(query: &str) -> String {
    if query.is_empty() {
        String::new()
    } else {
        format!("&{}", query.trim_start_matches('&'))
    }
}

/// The ids of a list of events, in order.
pub fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

pub use coffer_testkit::assert_problem;
