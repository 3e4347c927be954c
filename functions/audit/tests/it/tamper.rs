//! Someone who can write to the table (not to the key service) edits the audit log: changes a
//! field of an event, deletes one, inserts a forged one (renumbering the later links, or past
//! the head), swaps two, rewrites a chain consistently (new hashes, new head) after a
//! checkpoint, or alters a checkpoint's signature. `GET /v1/audit/verify` names what was done
//! and where; an untouched log verifies intact, every event checked.
//!
//! Each scene plants four events in one chain (shard) of a fresh org, after the org's own
//! setup events (which may share that chain): `links[0..4]` are the planted links.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_core::audit::chain::{Link, encode_hash};
use coffer_core::ids::EventId;
use coffer_core::store::{Condition, Item, Query, schema};
use coffer_testkit::{TestApp, User};
use serde_json::{Value, json};

use crate::{Spec, checkpoint, plant, verify};

/// The chain the scenes tamper with.
const SHARD: u8 = 5;

struct Scene {
    app: TestApp,
    owner: User,
    org: String,
    /// The planted events' ids, oldest first.
    planted: Vec<String>,
}

async fn scene(app: TestApp) -> Scene {
    let (owner, org) = crate::owner_and_org(&app).await;
    let mut planted = Vec::new();
    for (n, action) in [
        "orgs.vault.create",
        "records.read",
        "keys.decrypt",
        "orgs.vault.delete",
    ]
    .into_iter()
    .enumerate()
    {
        let resource = format!("vlt_01aaaaaaaaaaaaaaaaaaaaaaa{n}");
        let spec = Spec {
            action,
            actor: &owner.id,
            resource: &resource,
        };
        planted.push(plant(&app, &org, spec, Some(SHARD)).await.id);
    }
    Scene {
        app,
        owner,
        org,
        planted,
    }
}

impl Scene {
    /// The chain's links as stored, in chain order.
    async fn chain(&self) -> Vec<Item> {
        let mut items = self
            .app
            .stored(Query::partition(schema::audit_chain_partition(
                &self.org, SHARD,
            )))
            .await;
        items.sort_by(|a, b| a.key.sk.cmp(&b.key.sk));
        items
    }

    /// The stored link of the planted event `n` (0-3).
    async fn planted_link(&self, n: usize) -> Item {
        let id = &self.planted[n];
        self.chain()
            .await
            .into_iter()
            .find(|item| item.attrs["id"] == id.as_str())
            .expect("the planted link is stored")
    }

    async fn put(&self, item: Item) {
        self.app
            .state
            .ports
            .table
            .put(item, Condition::None)
            .await
            .unwrap();
    }

    async fn delete(&self, item: &Item) {
        self.app
            .state
            .ports
            .table
            .delete(&item.key, Condition::None)
            .await
            .unwrap();
    }

    /// Moves the shard's head (the tamperer's unconditional write).
    async fn set_head(&self, seq: u64, hash: &str, event_id: &str) {
        let key = schema::audit_shard_head(&self.org, SHARD);
        let mut head = self.app.state.ports.table.get(&key).await.unwrap().unwrap();
        head.attrs.insert("seq".into(), json!(seq));
        head.attrs.insert("hash".into(), json!(hash));
        head.attrs.insert("event_id".into(), json!(event_id));
        self.put(head).await;
    }

    async fn verify(&self) -> Value {
        verify(&self.app, &self.org, "", &self.owner).await
    }
}

fn seq_of(item: &Item) -> u64 {
    item.key.sk.parse().unwrap()
}

fn id_of(item: &Item) -> String {
    item.attrs["id"].as_str().unwrap().to_owned()
}

fn hash_of(item: &Item) -> String {
    item.attrs["hash"].as_str().unwrap().to_owned()
}

/// `item` stored at `seq` of its chain (its attributes, `seq` among them, unchanged).
fn moved_to(item: &Item, seq: u64) -> Item {
    let mut moved = item.clone();
    moved.key = schema::audit_link(moved.attrs["scope"].as_str().unwrap(), SHARD, seq);
    moved
}

/// `item` with its `hash` recomputed from what it says (as a careful forger would).
fn rehashed(mut item: Item) -> Item {
    let link = Link::from_item(&item).expect("a readable link");
    item.attrs
        .insert("hash".into(), json!(encode_hash(&link.computed_hash())));
    item
}

/// A forged link at `seq` after `before` (chained to it, hash computed), for a made-up event.
fn forged_after(before: &Item, seq: u64, id: &str) -> Item {
    let mut forged = moved_to(before, seq);
    forged.attrs.insert("id".into(), json!(id));
    forged.attrs.insert("seq".into(), json!(seq));
    forged
        .attrs
        .insert("resource".into(), json!("vlt_01ffffffffffffffffffffffff"));
    forged.attrs.insert("prev".into(), json!(hash_of(before)));
    forged
        .attrs
        .insert("prev_event".into(), json!(id_of(before)));
    rehashed(forged)
}

/// A made-up event id.
fn forged_id() -> String {
    EventId::generate(time::OffsetDateTime::now_utc())
        .unwrap()
        .to_string()
}

/// Asserts what verification found first.
#[track_caller]
fn assert_broken(found: &Value, reason: &str, event_id: Option<&str>, seq: Option<u64>) {
    assert_eq!(found["intact"], false, "{found}");
    let broken = &found["first_broken"];
    assert_eq!(broken["reason"], reason, "{found}");
    if let Some(event_id) = event_id {
        assert_eq!(broken["event_id"], event_id, "{found}");
    }
    if let Some(seq) = seq {
        assert_eq!(broken["shard"], SHARD, "{found}");
        assert_eq!(broken["seq"], seq, "{found}");
    }
}

async fn an_untouched_log_verifies_intact_with_every_event_checked(app: TestApp) {
    let s = scene(app).await;
    let found = s.verify().await;
    let events = s.app.audit_links(&s.org).await.len();
    assert_eq!(found["intact"], true, "{found}");
    assert_eq!(found["checked"], events as u64, "{found}");
    assert!(found["first_broken"].is_null(), "{found}");
    assert!(found["checkpoint"].is_null(), "no checkpoint yet: {found}");

    let made = checkpoint(&s.app, &s.org, &s.owner).await;
    let found = s.verify().await;
    assert_eq!(found["intact"], true, "{found}");
    assert_eq!(
        found["checked"],
        (events + 1) as u64,
        "and the checkpoint's own event: {found}"
    );
    assert_eq!(found["checkpoint"]["id"], made["id"], "{found}");
    assert_eq!(found["checkpoint"]["kid"], made["kid"], "{found}");
    assert_eq!(found["checkpoint"]["valid"], true, "{found}");
}

async fn a_changed_field_names_the_event_as_altered(app: TestApp) {
    let s = scene(app).await;
    let mut item = s.planted_link(1).await;
    let seq = seq_of(&item);
    item.attrs
        .insert("actor".into(), json!("usr_01ffffffffffffffffffffffff"));
    s.put(item).await;

    assert_broken(&s.verify().await, "altered", Some(&s.planted[1]), Some(seq));
}

async fn a_changed_field_with_its_hash_recomputed_is_still_altered(app: TestApp) {
    let s = scene(app).await;
    let item = s.planted_link(1).await;
    let seq = seq_of(&item);
    let mut changed = item.clone();
    changed.attrs.insert("outcome".into(), json!("failure"));
    s.put(rehashed(changed)).await;

    assert_broken(&s.verify().await, "altered", Some(&s.planted[1]), Some(seq));
}

async fn a_deleted_event_in_the_middle_is_named_removed(app: TestApp) {
    let s = scene(app).await;
    let item = s.planted_link(1).await;
    s.delete(&item).await;

    assert_broken(
        &s.verify().await,
        "removed",
        Some(&s.planted[1]),
        Some(seq_of(&item)),
    );
}

async fn the_deleted_last_event_is_named_removed(app: TestApp) {
    let s = scene(app).await;
    let item = s.planted_link(3).await;
    s.delete(&item).await;

    assert_broken(
        &s.verify().await,
        "removed",
        Some(&s.planted[3]),
        Some(seq_of(&item)),
    );
}

async fn a_forged_event_put_between_two_with_the_later_ones_renumbered_is_named_inserted(
    app: TestApp,
) {
    let s = scene(app).await;
    let before = s.planted_link(0).await;
    let at = seq_of(&before) + 1;
    let chain = s.chain().await;
    let later: Vec<&Item> = chain.iter().filter(|item| seq_of(item) >= at).collect();
    let last = *later.last().unwrap();
    // the later links one place up, newest first (as a careful forger would, keeping each
    // link's content), then the forgery in the gap, and the head moved to the new end
    for item in later.iter().rev() {
        s.put(moved_to(item, seq_of(item) + 1)).await;
    }
    let forged_id = forged_id();
    s.put(forged_after(&before, at, &forged_id)).await;
    s.set_head(seq_of(last) + 1, &hash_of(last), &id_of(last))
        .await;

    assert_broken(&s.verify().await, "inserted", Some(&forged_id), Some(at));
}

async fn a_forged_event_appended_past_the_head_without_moving_it_is_named_inserted(app: TestApp) {
    let s = scene(app).await;
    let last = s.planted_link(3).await;
    let at = seq_of(&last) + 1;
    let forged_id = forged_id();
    s.put(forged_after(&last, at, &forged_id)).await;

    assert_broken(&s.verify().await, "inserted", Some(&forged_id), Some(at));
}

async fn two_events_swapped_in_their_chain_are_named_reordered(app: TestApp) {
    let s = scene(app).await;
    let first = s.planted_link(1).await;
    let second = s.planted_link(2).await;
    let (a, b) = (seq_of(&first), seq_of(&second));
    assert_eq!(b, a + 1);
    s.put(moved_to(&first, b)).await;
    s.put(moved_to(&second, a)).await;

    let found = s.verify().await;
    assert_broken(&found, "reordered", None, Some(a));
    let named = found["first_broken"]["event_id"].as_str().unwrap();
    assert!(
        named == s.planted[1] || named == s.planted[2],
        "one of the swapped events is named: {found}"
    );
}

async fn a_chain_rewritten_consistently_after_a_checkpoint_no_longer_matches_it(app: TestApp) {
    let s = scene(app).await;
    let made = checkpoint(&s.app, &s.org, &s.owner).await;

    // from the second planted event on: content changed, every hash recomputed, each link
    // chained to the rewritten one before it, the head moved to the rewritten end
    let from = seq_of(&s.planted_link(1).await);
    let chain = s.chain().await;
    let mut previous: Option<Item> = None;
    for item in chain {
        if seq_of(&item) < from {
            previous = Some(item);
            continue;
        }
        let mut rewritten = item.clone();
        if seq_of(&item) == from {
            rewritten
                .attrs
                .insert("resource".into(), json!("vlt_01ffffffffffffffffffffffff"));
        }
        if let Some(before) = &previous {
            rewritten
                .attrs
                .insert("prev".into(), json!(hash_of(before)));
        }
        let rewritten = rehashed(rewritten);
        s.put(rewritten.clone()).await;
        previous = Some(rewritten);
    }
    let last = previous.unwrap();
    s.set_head(seq_of(&last), &hash_of(&last), &id_of(&last))
        .await;

    let found = s.verify().await;
    assert_broken(&found, "checkpoint_mismatch", None, None);
    assert_eq!(
        found["first_broken"]["checkpoint_id"], made["id"],
        "{found}"
    );
    assert_eq!(found["first_broken"]["shard"], SHARD, "{found}");
    let signed = made["heads"][usize::from(SHARD)]["seq"].as_u64().unwrap();
    assert_eq!(
        found["first_broken"]["seq"], signed,
        "where the signed head was: {found}"
    );
}

/// The stored item of checkpoint `made` (a `POST` reply).
async fn checkpoint_item(s: &Scene, made: &Value) -> Item {
    let key = schema::audit_checkpoint(
        &s.org,
        made["time"].as_str().unwrap(),
        made["id"].as_str().unwrap(),
    );
    s.app.state.ports.table.get(&key).await.unwrap().unwrap()
}

async fn a_checkpoint_whose_signature_was_altered_is_named(app: TestApp) {
    let s = scene(app).await;
    let made = checkpoint(&s.app, &s.org, &s.owner).await;
    let mut item = checkpoint_item(&s, &made).await;
    let jws = made["jws"].as_str().unwrap();
    let (signed, signature) = jws.rsplit_once('.').unwrap();
    // another signature of the same length (its first character changed)
    let first = if signature.starts_with('A') { "B" } else { "A" };
    let altered = format!("{signed}.{first}{}", &signature[1..]);
    item.attrs.insert("jws".into(), json!(altered));
    s.put(item).await;

    let found = s.verify().await;
    assert_broken(&found, "checkpoint_signature", None, None);
    assert_eq!(
        found["first_broken"]["checkpoint_id"], made["id"],
        "{found}"
    );
    assert!(found["first_broken"]["event_id"].is_null(), "{found}");
    assert_eq!(found["checkpoint"]["valid"], false, "{found}");
}

async fn a_checkpoint_whose_signed_heads_were_altered_is_named(app: TestApp) {
    let s = scene(app).await;
    let made = checkpoint(&s.app, &s.org, &s.owner).await;
    let mut item = checkpoint_item(&s, &made).await;
    let jws = made["jws"].as_str().unwrap();
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["heads"][usize::from(SHARD)]["seq"] = json!(1);
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    item.attrs.insert("jws".into(), json!(parts.join(".")));
    s.put(item).await;

    let found = s.verify().await;
    assert_broken(&found, "checkpoint_signature", None, None);
    assert_eq!(
        found["first_broken"]["checkpoint_id"], made["id"],
        "{found}"
    );
}

async fn a_checkpoint_whose_jws_is_not_a_jws_is_named_not_a_server_error(app: TestApp) {
    let s = scene(app).await;
    let made = checkpoint(&s.app, &s.org, &s.owner).await;
    let mut item = checkpoint_item(&s, &made).await;
    item.attrs.insert("jws".into(), json!("not-a-jws"));
    s.put(item).await;

    let found = s
        .app
        .get(
            &format!("/v1/audit/verify?org_id={}", s.org),
            Some(&s.owner.token),
        )
        .await;
    assert_eq!(
        found.code(),
        200,
        "a tampered checkpoint is a finding: {}",
        found.body
    );
    assert_broken(&found.body, "checkpoint_signature", None, None);
    assert_eq!(
        found.body["first_broken"]["checkpoint_id"], made["id"],
        "{}",
        found.body
    );
}

on_both_backends!(
    an_untouched_log_verifies_intact_with_every_event_checked,
    a_changed_field_names_the_event_as_altered,
    a_changed_field_with_its_hash_recomputed_is_still_altered,
    a_deleted_event_in_the_middle_is_named_removed,
    the_deleted_last_event_is_named_removed,
    a_forged_event_put_between_two_with_the_later_ones_renumbered_is_named_inserted,
    a_forged_event_appended_past_the_head_without_moving_it_is_named_inserted,
    two_events_swapped_in_their_chain_are_named_reordered,
    a_chain_rewritten_consistently_after_a_checkpoint_no_longer_matches_it,
    a_checkpoint_whose_signature_was_altered_is_named,
    a_checkpoint_whose_signed_heads_were_altered_is_named,
);

mod unreadable_checkpoint {
    // A checkpoint whose JWS cannot even be split and decoded is named like a bad signature
    // (it once made the whole verification a 500).
    #[tokio::test]
    async fn embedded() {
        super::a_checkpoint_whose_jws_is_not_a_jws_is_named_not_a_server_error(crate::spawn())
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_moto() {
        if let Some(app) = crate::spawn_on_moto().await {
            super::a_checkpoint_whose_jws_is_not_a_jws_is_named_not_a_server_error(app).await;
        }
    }
}
