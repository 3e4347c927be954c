//! Exact-match search: tokenize fields through a blind index truncated so that values collide
//! on purpose (only true matches come back), index entries that hold no plaintext, pages of
//! candidates that together hold every match, plain searchable fields matched by their JSON text,
//! and records found under both key versions while a rotation runs.

use std::collections::BTreeMap;

use coffer_testkit::User;
use serde_json::{Value, json};

use crate::helpers::{
    assert_problem, attr, finish_jobs, ids_of, index_entry_sk, query_value, record_items, rotate,
    search, search_all,
};
use crate::{create_dataset, customer, customers, spawn, write};

/// A dataset whose tokenize index keeps a single bit (it expects 4 records): about half of all
/// records share any value's index.
fn colliding() -> Value {
    json!({
        "fields": {"email": "tokenize", "country": {"policy": "plain", "searchable": true}},
        "pii": "off",
        "expected_records": 4,
    })
}

fn contact(n: usize) -> Value {
    json!({
        "email": format!("contact{n}@example.com"),
        "country": if n.is_multiple_of(3) { "FR" } else { "DE" },
    })
}

/// Writes `count` contacts as `by`; their ids in order.
async fn contacts(
    app: &coffer_testkit::TestApp,
    dataset: &str,
    by: &User,
    count: usize,
) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..count {
        ids.push(write(app, dataset, by, contact(n)).await);
    }
    ids
}

#[tokio::test]
async fn a_tokenize_search_returns_only_the_true_match_when_the_index_collides() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "contacts", colliding()).await;
    let view = crate::helpers::dataset_view(&app, &dataset, &w.admin).await;
    assert_eq!(view["fields"]["email"]["index_bits"], 1);
    let ids = contacts(&app, &dataset, &w.member, 60).await;

    // The index does collide: the 60 entries share at most two index values.
    let mut buckets: BTreeMap<String, usize> = BTreeMap::new();
    for id in &ids {
        for item in record_items(&app, id).await {
            if item.key.sk == index_entry_sk("email") {
                *buckets
                    .entry(attr(&item, "index").unwrap().to_owned())
                    .or_default() += 1;
            }
        }
    }
    assert_eq!(buckets.values().sum::<usize>(), 60);
    assert!(buckets.len() <= 2, "{buckets:?}");

    for n in [0, 17, 33, 59] {
        let found = search(
            &app,
            &dataset,
            &w.member.token,
            "email",
            &format!("contact{n}@example.com"),
            "&limit=1000",
        )
        .await;
        assert_eq!(found.code(), 200, "{}", found.body);
        assert_eq!(
            ids_of(found.body["items"].as_array().unwrap()),
            [ids[n].clone()]
        );
        assert_eq!(found.body["next_cursor"], Value::Null);
    }
    let none = search(
        &app,
        &dataset,
        &w.member.token,
        "email",
        "nobody@example.com",
        "",
    )
    .await;
    assert_eq!(none.body["items"], json!([]));
}

#[tokio::test]
async fn index_entries_hold_no_plaintext_of_a_tokenize_field() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "contacts", colliding()).await;
    let ids = contacts(&app, &dataset, &w.member, 10).await;

    for (n, id) in ids.iter().enumerate() {
        let items = record_items(&app, id).await;
        let email_entry = items
            .iter()
            .find(|i| i.key.sk == index_entry_sk("email"))
            .expect("an index entry for email");
        assert_eq!(
            attr(email_entry, "index").unwrap().len(),
            1,
            "one bit: one hex digit"
        );
        assert!(attr(email_entry, "sealed").is_some());
        assert!(email_entry.attrs.get("plain").is_none());
        let country_entry = items
            .iter()
            .find(|i| i.key.sk == index_entry_sk("country"))
            .unwrap();
        assert_eq!(
            attr(country_entry, "index").unwrap().len(),
            16,
            "plain indexes keep 64 bits"
        );
        let dump = format!(
            "{items:?} {}",
            serde_json::to_string(&items.iter().map(|i| &i.attrs).collect::<Vec<_>>()).unwrap()
        );
        let email = format!("contact{n}@example.com");
        assert!(!dump.contains(&email), "{email} is stored in clear: {dump}");
        assert!(!dump.contains(&format!("contact{n}")), "{dump}");
    }
}

#[tokio::test]
async fn small_pages_of_candidates_together_hold_every_match_once() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "contacts", colliding()).await;
    let ids = contacts(&app, &dataset, &w.member, 60).await;
    let french: Vec<String> = {
        let mut fr: Vec<String> = ids.iter().step_by(3).cloned().collect();
        fr.sort();
        fr
    };

    let (by_country, country_pages) =
        search_all(&app, &dataset, &w.member.token, "country", "FR", 7).await;
    let (by_email, email_pages) = search_all(
        &app,
        &dataset,
        &w.member.token,
        "email",
        "contact42@example.com",
        3,
    )
    .await;

    assert_eq!(ids_of(&by_country), french, "every match, each once");
    assert!(
        country_pages >= 3,
        "{country_pages} pages of 7 for 20 matches"
    );
    assert_eq!(ids_of(&by_email), [ids[42].clone()]);
    assert!(
        email_pages > 2,
        "the colliding candidates took {email_pages} pages of 3"
    );

    // A page's cursor is bound to its search: it does not page another value.
    let first = search(&app, &dataset, &w.member.token, "country", "FR", "&limit=2").await;
    let cursor = first.text("/next_cursor");
    let other = search(
        &app,
        &dataset,
        &w.member.token,
        "country",
        "DE",
        &format!("&limit=2&cursor={}", query_value(&cursor)),
    )
    .await;
    assert_problem(&other, 422);
}

#[tokio::test]
async fn a_plain_searchable_field_matches_values_by_their_json_text() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(
        &app,
        &w.id,
        &w.admin,
        "codes",
        json!({"fields": {"code": {"policy": "plain", "searchable": true}}, "pii": "off"}),
    )
    .await;
    let mut ids = BTreeMap::new();
    for (name, value) in [
        ("number", json!(42)),
        ("text", json!("42")),
        ("bigger", json!(420)),
        ("bool", json!(true)),
        ("bool text", json!("true")),
        ("word", json!("answer")),
    ] {
        ids.insert(
            name,
            write(&app, &dataset, &w.member, json!({"code": value})).await,
        );
    }
    let found = |value: &'static str| {
        let (app, dataset, token) = (&app, &dataset, &w.member.token);
        async move {
            let reply = search(app, dataset, token, "code", value, "").await;
            assert_eq!(reply.code(), 200, "{}", reply.body);
            ids_of(reply.body["items"].as_array().unwrap())
        }
    };
    let sorted = |names: &[&str]| {
        let mut want: Vec<String> = names.iter().map(|n| ids[n].clone()).collect();
        want.sort();
        want
    };

    assert_eq!(found("42").await, sorted(&["number", "text"]));
    assert_eq!(found("420").await, sorted(&["bigger"]));
    assert_eq!(found("true").await, sorted(&["bool", "bool text"]));
    assert_eq!(found("answer").await, sorted(&["word"]));
    assert_eq!(found("4").await, sorted(&[]));
}

#[tokio::test]
async fn search_finds_records_under_both_key_versions_during_a_rotation_and_after_it() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let mut old = Vec::new();
    for n in 0..10 {
        old.push(write(&app, &dataset, &w.member, customer(n)).await);
    }
    rotate(&app, &dataset, &w.admin).await;
    let mut new = Vec::new();
    for n in 10..20 {
        new.push(write(&app, &dataset, &w.member, customer(n)).await);
    }
    // The same email under the new version as record 3 under the old one.
    let twin = write(&app, &dataset, &w.member, customer(3)).await;
    let token = w.member.token.clone();
    let versions_of = |items: &[Value]| -> Vec<u64> {
        let mut v: Vec<u64> = items
            .iter()
            .map(|i| i["key_version"].as_u64().unwrap())
            .collect();
        v.sort();
        v
    };

    let (both, _) = search_all(&app, &dataset, &token, "email", "customer3@example.com", 50).await;
    let (older, _) = search_all(&app, &dataset, &token, "email", "customer5@example.com", 50).await;
    let (newer, _) = search_all(
        &app,
        &dataset,
        &token,
        "email",
        "customer15@example.com",
        50,
    )
    .await;
    let (french, _) = search_all(&app, &dataset, &token, "country", "FR", 50).await;

    let mut want = vec![old[3].clone(), twin.clone()];
    want.sort();
    assert_eq!(ids_of(&both), want);
    assert_eq!(versions_of(&both), [1, 2]);
    assert_eq!(ids_of(&older), [old[5].clone()]);
    assert_eq!(ids_of(&newer), [new[5].clone()]);
    assert_eq!(french.len(), 10, "five French customers under each version");

    finish_jobs(&app).await;
    let (both_after, _) =
        search_all(&app, &dataset, &token, "email", "customer3@example.com", 50).await;
    let (french_after, _) = search_all(&app, &dataset, &token, "country", "FR", 50).await;
    assert_eq!(ids_of(&both_after), want);
    assert_eq!(versions_of(&both_after), [2, 2]);
    assert_eq!(ids_of(&french_after), ids_of(&french));
}

#[tokio::test]
async fn a_page_that_uses_up_its_limit_on_the_old_version_still_leads_to_the_new_one() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let before = write(&app, &dataset, &w.member, customer(1)).await;
    rotate(&app, &dataset, &w.admin).await;
    let after = write(&app, &dataset, &w.member, customer(1)).await;
    let mut want = vec![before, after];
    want.sort();

    for limit in [50, 2, 1] {
        let (pages, _) = search_all(
            &app,
            &dataset,
            &w.member.token,
            "email",
            "customer1@example.com",
            limit,
        )
        .await;
        assert_eq!(ids_of(&pages), want, "limit {limit}");
    }
}
