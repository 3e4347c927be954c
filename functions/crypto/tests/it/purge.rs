//! The cleanup's purge of a deleted org removes its named keys and every version too, though
//! they live in partitions of their own.

use std::time::{Duration, Instant};

use coffer_core::ids::{NamedKeyId, OrgId};
use coffer_core::named_keys::NamedKey;
use coffer_core::store::{Condition, Query, schema};
use serde_json::json;

#[tokio::test]
async fn purging_a_deleted_org_removes_its_named_keys_and_their_versions_even_mid_deletion() {
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "free").await;
    let mut keys = Vec::new();
    for name in ["a", "b"] {
        let made = app
            .post(
                "/v1/keys",
                json!({"org_id": org, "name": name}),
                Some(&owner.token),
            )
            .await;
        assert_eq!(made.code(), 201, "{}", made.body);
        keys.push(made.text("/id"));
    }
    for _ in 0..3 {
        let rotated = app
            .post(
                &format!("/v1/keys/{}/rotate", keys[0]),
                json!({}),
                Some(&owner.token),
            )
            .await;
        assert_eq!(rotated.code(), 200);
    }
    // Another org's key stays, and still works.
    let bystander = app.sign_up().await;
    let other_org = app.create_org(&bystander, "free").await;
    let kept = app
        .post(
            "/v1/keys",
            json!({"org_id": other_org, "name": "a"}),
            Some(&bystander.token),
        )
        .await
        .text("/id");
    // The second key's deletion was cut short after its first step: marked deleting, its
    // versions still there.
    let table = &*app.state.ports.table;
    let second = schema::named_key(&NamedKeyId::parse(&keys[1]).unwrap());
    let mut marked = NamedKey::from_item(&table.get(&second).await.unwrap().unwrap()).unwrap();
    marked.deleting = true;
    table.put(marked.to_item(), Condition::None).await.unwrap();
    let listed = app
        .get(&format!("/v1/keys?org_id={org}"), Some(&owner.token))
        .await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        listed.body
    );
    assert_eq!(listed.text("/items/0/id"), keys[0]);
    let deleted = app
        .delete(&format!("/v1/orgs/{org}"), Some(&owner.token))
        .await;
    assert_eq!(deleted.code(), 204);

    let purged = coffer_core::orgs::purge_deleted_orgs(
        table,
        &*app.state.ports.clock,
        Instant::now() + Duration::from_secs(60),
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    assert_eq!(purged.orgs, 1, "{purged:?}");
    assert!(!purged.out_of_time);

    for key in &keys {
        let partition = table
            .query(&Query::partition(schema::named_key_partition(
                &NamedKeyId::parse(key).unwrap(),
            )))
            .await
            .unwrap();
        assert!(partition.items.is_empty(), "{:?}", partition.items);
    }
    let org = OrgId::parse(&org).unwrap();
    let index = table
        .query(&Query::gsi1(schema::org_partition(&org)).prefix(schema::ORG_NAMED_KEYS_PREFIX))
        .await
        .unwrap();
    assert!(index.items.is_empty());
    assert!(table.get(&schema::org(&org)).await.unwrap().is_none());

    let sealed = app
        .post(
            "/v1/encrypt",
            json!({"key": kept, "plaintext": "aGk="}),
            Some(&bystander.token),
        )
        .await;
    assert_eq!(sealed.code(), 200, "{}", sealed.body);
}
