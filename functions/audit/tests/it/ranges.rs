//! Verifying part of the log: `from` starts at the newest checkpoint at or before it (its signed
//! heads are the roots, so what came before is not walked), `to` ends at the oldest checkpoint
//! at or after it (what came after is not walked); without them everything is walked.

use coffer_core::Clock as _;
use coffer_core::store::{Condition, Key};
use coffer_testkit::TestApp;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Spec, checkpoint, plant, tick, verify};

/// `time` as a query value.
fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&Rfc3339).unwrap()
}

/// Where the link of `event` is stored.
async fn link_key(app: &TestApp, org: &str, event: &str) -> Key {
    let item = app
        .audit_links(org)
        .await
        .into_iter()
        .find(|item| item.attrs["id"] == event)
        .expect("the event is stored");
    item.key
}

/// Changes the IP of `event` in the table (the tamperer's write).
async fn alter(app: &TestApp, org: &str, event: &str, ip: &str) {
    let key = link_key(app, org, event).await;
    let mut item = app.state.ports.table.get(&key).await.unwrap().unwrap();
    item.attrs.insert("ip".into(), json!(ip));
    app.state
        .ports
        .table
        .put(item, Condition::None)
        .await
        .unwrap();
}

async fn a_range_is_verified_from_the_checkpoint_before_from_to_the_checkpoint_after_to(
    app: TestApp,
) {
    let (owner, org) = crate::owner_and_org(&app).await;
    let spec = |action| Spec {
        action,
        actor: &owner.id,
        resource: "vlt_01aaaaaaaaaaaaaaaaaaaaaaaa",
    };
    // early events, checkpoint C1, middle events, checkpoint C2, late events
    let early = plant(&app, &org, spec("orgs.vault.create"), None).await;
    plant(&app, &org, spec("records.read"), None).await;
    tick(&app);
    let c1 = checkpoint(&app, &org, &owner).await;
    tick(&app);
    plant(&app, &org, spec("records.read"), None).await;
    plant(&app, &org, spec("keys.decrypt"), None).await;
    tick(&app);
    let between = app.clock.now();
    tick(&app);
    let c2 = checkpoint(&app, &org, &owner).await;
    tick(&app);
    let late = plant(&app, &org, spec("orgs.vault.delete"), None).await;
    let events = app.audit_links(&org).await.len() as u64;
    let signed = |c: &Value| -> u64 {
        c["heads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["seq"].as_u64().unwrap())
            .sum()
    };
    let (before_c1, after_c1) = (signed(&c1), events - signed(&c1));

    // everything, then from C1 on: C1's heads are the roots, the events before are not walked
    let all = verify(&app, &org, "", &owner).await;
    assert_eq!(all["intact"], true, "{all}");
    assert_eq!(all["checked"], events, "{all}");
    let from_c1 = format!("from={}", c1["time"].as_str().unwrap());
    let found = verify(&app, &org, &from_c1, &owner).await;
    assert_eq!(found["intact"], true, "{found}");
    assert_eq!(
        found["checked"], after_c1,
        "the events after C1's heads: {found}"
    );
    assert!(before_c1 >= 2, "C1 signed the early events");

    // an early event altered: the whole log is broken, the range from C1 does not reach it
    alter(&app, &org, &early.id, "198.51.100.1").await;

    let all = verify(&app, &org, "", &owner).await;
    assert_eq!(all["first_broken"]["reason"], "altered", "{all}");
    assert_eq!(all["first_broken"]["event_id"], early.id.as_str(), "{all}");
    let found = verify(&app, &org, &from_c1, &owner).await;
    assert_eq!(found["intact"], true, "the range starts after it: {found}");
    let before = format!("from={}", rfc3339(early.time));
    let found = verify(&app, &org, &before, &owner).await;
    assert_eq!(
        found["first_broken"]["event_id"],
        early.id.as_str(),
        "no checkpoint before it: {found}"
    );

    // a late event altered: a range ending at C2 does not reach it
    alter(&app, &org, &late.id, "198.51.100.2").await;

    let to_c2 = format!("{from_c1}&to={}", rfc3339(between));
    let found = verify(&app, &org, &to_c2, &owner).await;
    assert_eq!(found["intact"], true, "from C1 to C2: {found}");
    assert_eq!(
        found["checked"],
        signed(&c2) - signed(&c1),
        "the events between C1's and C2's heads: {found}"
    );
    let found = verify(&app, &org, &from_c1, &owner).await;
    assert_eq!(
        found["first_broken"]["event_id"],
        late.id.as_str(),
        "{found}"
    );
}

on_both_backends!(a_range_is_verified_from_the_checkpoint_before_from_to_the_checkpoint_after_to,);
