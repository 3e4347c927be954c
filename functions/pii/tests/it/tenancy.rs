//! PII keys belong to organizations: `hash` and `tokenize` need a member of the org they name,
//! `deanonymize` its owners and admins, and one org's hashes and tokens mean nothing in another.

use std::sync::Arc;

use axum::http::StatusCode;
use coffer_core::access::Role;
use coffer_core::audit::{AuditSink, Outcome};
use coffer_core::ids::OrgId;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{TestApp, User, spawn_app};

const RECORD: &str =
    r#"{"name": "Jane Doe", "email": "jane.doe@example.com", "note": "SSN 123-45-6789"}"#;

fn record() -> Value {
    serde_json::from_str(RECORD).unwrap()
}

/// One org with an owner, an admin and a plain member, and a second org with its own owner.
struct Tenants {
    app: TestApp,
    a: OrgId,
    owner: User,
    admin: User,
    member: User,
    b: OrgId,
    b_owner: User,
}

async fn tenants() -> Tenants {
    let app = spawn_app();
    let (owner, admin, member, b_owner) = (
        app.user("owner").await,
        app.user("admin").await,
        app.user("member").await,
        app.user("b-owner").await,
    );
    let a = app.org(&owner).await;
    app.add(&a, &owner, &admin, Role::Admin).await;
    app.add(&a, &owner, &member, Role::Member).await;
    let b = app.org(&b_owner).await;
    Tenants {
        app,
        a,
        owner,
        admin,
        member,
        b,
        b_owner,
    }
}

async fn anonymize(
    app: &TestApp,
    org: Option<&OrgId>,
    op: &str,
    who: &User,
) -> (StatusCode, Value) {
    let mut body = json!({"record": record(), "operators": {"default": {"type": op}}});
    if let Some(org) = org {
        body["org_id"] = json!(org.as_str());
    }
    app.call("/v1/anonymize", body, Some(&who.token)).await
}

async fn deanonymize(
    app: &TestApp,
    org: &OrgId,
    record: &Value,
    who: &User,
) -> (StatusCode, Value) {
    let body = json!({"org_id": org.as_str(), "record": record});
    app.call("/v1/deanonymize", body, Some(&who.token)).await
}

#[tokio::test]
async fn a_member_can_tokenize_and_hash_with_their_orgs_id() {
    let t = tenants().await;
    let (status, hashed) = anonymize(&t.app, Some(&t.a), "hash", &t.member).await;
    assert_eq!(status, StatusCode::OK, "{hashed}");
    let (_, again) = anonymize(&t.app, Some(&t.a), "hash", &t.owner).await;
    assert_eq!(hashed["record"], again["record"], "one org, one hash key");
    assert!(!hashed["record"].to_string().contains("jane.doe"));

    let (status, tokenized) = anonymize(&t.app, Some(&t.a), "tokenize", &t.member).await;
    assert_eq!(status, StatusCode::OK, "{tokenized}");
    let email = tokenized["record"]["email"].as_str().unwrap();
    assert!(
        email.starts_with("<tok:EMAIL:v1:"),
        "tokens name their key version: {email}"
    );
    let (_, again) = anonymize(&t.app, Some(&t.a), "tokenize", &t.admin).await;
    assert_eq!(
        tokenized["record"], again["record"],
        "tokenize is deterministic"
    );
}

#[tokio::test]
async fn an_owner_or_admin_deanonymizes_their_orgs_tokens_and_the_read_is_audited_in_the_org() {
    let t = tenants().await;
    let (_, tokenized) = anonymize(&t.app, Some(&t.a), "tokenize", &t.member).await;
    for who in [&t.owner, &t.admin] {
        let (status, restored) = deanonymize(&t.app, &t.a, &tokenized["record"], who).await;
        assert_eq!(status, StatusCode::OK, "{restored}");
        assert_eq!(restored["record"], record());
        assert_eq!(restored["failed"], 0);
    }

    let audit = AuditSink::new(
        Arc::clone(&t.app.state.ports.table),
        Arc::clone(&t.app.state.ports.clock),
    );
    let events = audit.recent(t.a.as_str(), 100).await.unwrap();
    let reads: Vec<_> = events
        .iter()
        .filter(|e| e.action == "pii.deanonymize")
        .collect();
    assert_eq!(reads.len(), 2, "{events:?}");
    for event in reads {
        assert_eq!(event.org_id.as_deref(), Some(t.a.as_str()));
        assert_eq!(event.outcome, Outcome::Success);
        assert!(
            [t.owner.id.as_str(), t.admin.id.as_str()].contains(&event.actor.as_deref().unwrap())
        );
    }
}

#[tokio::test]
async fn a_plain_member_gets_403_on_deanonymize() {
    let t = tenants().await;
    let (_, tokenized) = anonymize(&t.app, Some(&t.a), "tokenize", &t.member).await;
    let (status, problem) = deanonymize(&t.app, &t.a, &tokenized["record"], &t.member).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(!problem.to_string().contains("jane.doe"));
}

#[tokio::test]
async fn a_user_of_another_org_cannot_open_its_tokens_and_hashes_differently() {
    let t = tenants().await;
    let (_, tokenized) = anonymize(&t.app, Some(&t.a), "tokenize", &t.owner).await;

    // Naming org A: B's owner is nobody there.
    let (status, problem) = deanonymize(&t.app, &t.a, &tokenized["record"], &t.b_owner).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");

    // Naming org B: A's tokens do not open under B's keys.
    let (status, attempt) = deanonymize(&t.app, &t.b, &tokenized["record"], &t.b_owner).await;
    assert_eq!(status, StatusCode::OK, "{attempt}");
    assert_eq!(attempt["record"], tokenized["record"], "nothing restored");
    assert_eq!(attempt["restored"], json!([]));
    assert!(attempt["failed"].as_u64().unwrap() >= 3, "{attempt}");
    assert!(!attempt.to_string().contains("jane.doe@example.com"));

    // The same value hashes differently in B.
    let (_, in_a) = anonymize(&t.app, Some(&t.a), "hash", &t.owner).await;
    let (status, in_b) = anonymize(&t.app, Some(&t.b), "hash", &t.b_owner).await;
    assert_eq!(status, StatusCode::OK, "{in_b}");
    assert_ne!(in_a["record"]["email"], in_b["record"]["email"]);
}

#[tokio::test]
async fn tokenize_or_hash_without_an_org_id_is_422_naming_org_id() {
    let t = tenants().await;
    for op in ["tokenize", "hash"] {
        let (status, problem) = anonymize(&t.app, None, op, &t.member).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{op}: {problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, ["org_id"], "{problem}");
    }
}

#[tokio::test]
async fn an_org_id_the_caller_is_not_a_member_of_is_404() {
    let t = tenants().await;
    for op in ["tokenize", "hash", "redact"] {
        let (status, problem) = anonymize(&t.app, Some(&t.a), op, &t.b_owner).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{op}: {problem}");
    }
    // An org that does not exist looks the same.
    let nowhere = OrgId::generate(OffsetDateTime::now_utc()).unwrap();
    let (status, _) = anonymize(&t.app, Some(&nowhere), "tokenize", &t.owner).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = deanonymize(&t.app, &nowhere, &json!({"a": "b"}), &t.owner).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn anonymous_hash_tokenize_and_deanonymize_are_401() {
    let t = tenants().await;
    for op in ["hash", "tokenize"] {
        for org in [None, Some(t.a.as_str())] {
            let mut body = json!({"text": "mail jane.doe@example.com", "operators": {"default": {"type": op}}});
            if let Some(org) = org {
                body["org_id"] = json!(org);
            }
            let (status, problem) = t.app.call("/v1/anonymize", body, None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{op} {org:?}: {problem}");
        }
    }
    let body = json!({"org_id": t.a.as_str(), "text": "x"});
    let (status, _) = t.app.call("/v1/deanonymize", body, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Operators without a key need neither a session nor an org.
    let body =
        json!({"text": "mail jane.doe@example.com", "operators": {"default": {"type": "redact"}}});
    let (status, redacted) = t.app.call("/v1/anonymize", body, None).await;
    assert_eq!(status, StatusCode::OK, "{redacted}");
}

#[tokio::test]
async fn deanonymize_needs_an_org_id_and_a_valid_one() {
    let t = tenants().await;
    let (status, problem) = t
        .app
        .call(
            "/v1/deanonymize",
            json!({"text": "x"}),
            Some(&t.owner.token),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, problem) = t
        .app
        .call(
            "/v1/deanonymize",
            json!({"org_id": "acme", "text": "x"}),
            Some(&t.owner.token),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
}
