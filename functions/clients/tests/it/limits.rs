//! The tier's certificate limit: the org's `certificates` counter moves in each create's
//! transaction with the tier's ceiling, so the limit holds however many creates race. The
//! counter is set near the limit through the table, so the conditional write is what refuses.

use coffer_core::ids::OrgId;
use coffer_core::store::{Bounds, TxOp, schema};
use coffer_testkit::TestApp;
use futures_util::future::join_all;
use serde_json::json;

/// Moves the org's certificate counter as if `by` certificates had been made.
async fn count_certificates(app: &TestApp, org: &str, by: i64) {
    app.state
        .ports
        .table
        .transact(vec![TxOp::Add {
            key: schema::org_counters(&OrgId::parse(org).unwrap()),
            attribute: "certificates",
            by,
            bounds: Bounds::NONE,
        }])
        .await
        .unwrap();
}

async fn certificates_counted(app: &TestApp, org: &str) -> i64 {
    let item = app
        .state
        .ports
        .table
        .get(&schema::org_counters(&OrgId::parse(org).unwrap()))
        .await
        .unwrap()
        .unwrap();
    coffer_core::store::attrs::count(&item, "certificates")
}

async fn a_free_org_holds_fifty_certificates_and_a_revoked_one_frees_its_place(app: TestApp) {
    let (owner, credential) = crate::credential(&app).await;
    let token = Some(owner.token.as_str());
    let path = format!("{}/certificates", credential.path());
    count_certificates(&app, &credential.org, 48).await;

    let fiftieth = app.post(&path, json!({}), token).await;
    assert_eq!(fiftieth.code(), 201, "{}", fiftieth.body);
    let over = app.post(&path, json!({}), token).await;
    assert_eq!(over.code(), 403, "{}", over.body);
    assert_eq!(over.body["type"], "/problems/tier-limit");
    assert_eq!(
        over.header("content-type"),
        Some("application/problem+json")
    );
    assert!(over.body.get("private_key_pem").is_none());
    assert_eq!(certificates_counted(&app, &credential.org).await, 50);

    let revoked = app
        .delete(&format!("{path}/{}", fiftieth.text("/id")), token)
        .await;
    assert_eq!(revoked.code(), 204);
    let again = app.post(&path, json!({}), token).await;
    assert_eq!(again.code(), 201, "{}", again.body);
    // The limit is the org's, across its clients.
    let other = crate::create_client(&app, &credential.org, &owner, json!({"name": "b"})).await;
    let elsewhere = app
        .post(
            &format!("/v1/orgs/{}/clients/{other}/certificates", credential.org),
            json!({}),
            token,
        )
        .await;
    assert_eq!(elsewhere.code(), 403, "{}", elsewhere.body);
}

async fn twenty_concurrent_creates_with_three_places_left_make_exactly_three(app: TestApp) {
    let (owner, credential) = crate::credential(&app).await;
    count_certificates(&app, &credential.org, 46).await;
    let path = format!("{}/certificates", credential.path());
    let replies = join_all((0..20).map(|_| app.post(&path, json!({}), Some(&owner.token)))).await;
    let made = replies.iter().filter(|r| r.code() == 201).count();
    let refused = replies
        .iter()
        .filter(|r| r.code() == 403 && r.body["type"] == "/problems/tier-limit")
        .count();
    assert_eq!(
        (made, refused),
        (3, 17),
        "{:?}",
        replies
            .iter()
            .map(|r| (r.code(), r.body["type"].clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(certificates_counted(&app, &credential.org).await, 50);
    let listed = app
        .get(&format!("{path}?limit=100"), Some(&owner.token))
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn a_pro_org_holds_five_hundred_and_an_enterprise_org_has_no_limit() {
    let app = crate::spawn();
    for (tier, preset, want) in [
        ("pro", 499, [201, 403]),
        ("enterprise", 100_000, [201, 201]),
    ] {
        let owner = app.sign_up().await;
        let org = app.create_org(&owner, tier).await;
        let client = crate::create_client(&app, &org, &owner, json!({"name": "c"})).await;
        count_certificates(&app, &org, preset).await;
        let path = format!("/v1/orgs/{org}/clients/{client}/certificates");
        for want in want {
            let reply = app.post(&path, json!({}), Some(&owner.token)).await;
            assert_eq!(reply.code(), want, "{tier}: {}", reply.body);
        }
    }
}

mod embedded {
    #[tokio::test]
    async fn a_free_org_holds_fifty_certificates_and_a_revoked_one_frees_its_place() {
        super::a_free_org_holds_fifty_certificates_and_a_revoked_one_frees_its_place(
            crate::spawn(),
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn twenty_concurrent_creates_with_three_places_left_make_exactly_three() {
        super::twenty_concurrent_creates_with_three_places_left_make_exactly_three(crate::spawn())
            .await;
    }
}

mod aws {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_free_org_holds_fifty_certificates_and_a_revoked_one_frees_its_place() {
        super::a_free_org_holds_fifty_certificates_and_a_revoked_one_frees_its_place(
            crate::spawn_on_moto().await,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn twenty_concurrent_creates_with_three_places_left_make_exactly_three() {
        super::twenty_concurrent_creates_with_three_places_left_make_exactly_three(
            crate::spawn_on_moto().await,
        )
        .await;
    }
}
