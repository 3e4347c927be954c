//! The cleanup's purge of a deleted org removes its clients and their certificates too, though
//! they live in partitions of their own.

use std::time::{Duration, Instant};

use coffer_core::ids::{ClientId, OrgId};
use coffer_core::store::{Query, schema};
use serde_json::json;

#[tokio::test]
async fn purging_a_deleted_org_removes_its_clients_and_their_certificates() {
    let app = crate::spawn();
    let (owner, credential) = crate::credential(&app).await;
    let other = crate::create_client(&app, &credential.org, &owner, json!({"name": "b"})).await;
    for _ in 0..3 {
        crate::create_certificate(&app, &credential.org, &other, &owner).await;
    }
    // Another org's client stays.
    let (_, bystander) = crate::credential(&app).await;
    let deleted = app
        .delete(&format!("/v1/orgs/{}", credential.org), Some(&owner.token))
        .await;
    assert_eq!(deleted.code(), 204);

    let table = &*app.state.ports.table;
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

    let org = OrgId::parse(&credential.org).unwrap();
    for client in [&credential.client, &other] {
        let partition = table
            .query(&Query::partition(schema::client_partition(
                &ClientId::parse(client).unwrap(),
            )))
            .await
            .unwrap();
        assert!(partition.items.is_empty(), "{:?}", partition.items);
    }
    let index = table
        .query(&Query::gsi1(schema::org_partition(&org)).prefix(schema::ORG_CLIENTS_PREFIX))
        .await
        .unwrap();
    assert!(index.items.is_empty());
    assert!(table.get(&schema::org(&org)).await.unwrap().is_none());

    let kept = table
        .get(&schema::client(
            &ClientId::parse(&bystander.client).unwrap(),
        ))
        .await
        .unwrap();
    assert!(kept.is_some());
    crate::service(&app)
        .authenticate(&bystander.assertion(&app), None)
        .await
        .unwrap();
}
