use std::sync::Arc;

use coffer_core::Clock;
use coffer_core::store::{Bounds, Condition, Cursor, Item, Key, Query, StoreError, TxOp};
use serde_json::json;

use crate::fixtures::Backends;

super::conformance!(table:
    put_then_get_returns_the_same_item,
    get_of_a_missing_key_is_none,
    must_not_exist_refuses_a_second_put,
    version_equals_gives_optimistic_concurrency,
    conditional_delete_checks_the_stored_item,
    expired_items_are_invisible_and_replaceable,
    query_selects_by_prefix_and_range_in_both_orders,
    query_pages_cover_every_live_item_once,
    gsi1_queries_page_across_partitions,
    transaction_is_all_or_nothing_and_names_the_failed_condition,
    transaction_writes_deletes_and_checks_together,
    counters_increment_atomically_and_restart_after_expiry,
    bounded_adds_create_counters_keep_other_attributes_and_refuse_to_leave_their_bounds,
    racing_bounded_adds_never_overshoot_the_limit,
    racing_must_not_exist_puts_have_exactly_one_winner,
    sweep_removes_only_expired_items,
    invalid_requests_are_refused,
);

fn item(b: &Backends, pk: &str, sk: &str) -> Item {
    Item::new(Key::new(b.k(pk), sk))
}

async fn put_then_get_returns_the_same_item(b: Backends) {
    let stored = item(&b, "user", "profile")
        .with_gsi1(b.k("email"), "alice@example.com")
        .with_expiry(b.clock.unix() + 3600)
        .with_version(3)
        .with_attr("name", "Alice")
        .with_attr("age", 42)
        .with_attr("ratio", 0.5)
        .with_attr("admin", false)
        .with_attr("nothing", serde_json::Value::Null)
        .with_attr("tags", json!(["a", "b"]))
        .with_attr("nested", json!({"deep": {"n": -7, "s": "x"}}))
        .with_attr("empty", "");
    b.table.put(stored.clone(), Condition::None).await.unwrap();
    let got = b.table.get(&stored.key).await.unwrap().unwrap();
    assert_eq!(got, stored);
}

async fn get_of_a_missing_key_is_none(b: Backends) {
    assert_eq!(
        b.table.get(&Key::new(b.k("nobody"), "x")).await.unwrap(),
        None
    );
}

async fn must_not_exist_refuses_a_second_put(b: Backends) {
    let first = item(&b, "email", "unique").with_attr("owner", "a");
    b.table
        .put(first.clone(), Condition::MustNotExist)
        .await
        .unwrap();
    let second = item(&b, "email", "unique").with_attr("owner", "b");
    let err = b
        .table
        .put(second, Condition::MustNotExist)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed), "{err:?}");
    assert_eq!(
        b.table.get(&first.key).await.unwrap().unwrap().attrs["owner"],
        "a"
    );
}

async fn version_equals_gives_optimistic_concurrency(b: Backends) {
    let v1 = item(&b, "doc", "1").with_version(1).with_attr("n", 1);
    b.table
        .put(v1.clone(), Condition::MustNotExist)
        .await
        .unwrap();
    let v2 = v1.clone().with_version(2).with_attr("n", 2);
    b.table
        .put(v2.clone(), Condition::VersionEquals(1))
        .await
        .unwrap();
    // A writer that still holds version 1 loses.
    let stale = v1.clone().with_version(2).with_attr("n", 99);
    let err = b
        .table
        .put(stale, Condition::VersionEquals(1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed));
    assert_eq!(b.table.get(&v1.key).await.unwrap().unwrap(), v2);
    // A missing item has no version.
    let err = b
        .table
        .put(item(&b, "doc", "2"), Condition::VersionEquals(1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed));
}

async fn conditional_delete_checks_the_stored_item(b: Backends) {
    let it = item(&b, "del", "1").with_version(5);
    let err = b
        .table
        .delete(&it.key, Condition::MustExist)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed));
    b.table.delete(&it.key, Condition::None).await.unwrap();
    b.table.put(it.clone(), Condition::None).await.unwrap();
    let err = b
        .table
        .delete(&it.key, Condition::VersionEquals(4))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed));
    b.table
        .delete(&it.key, Condition::VersionEquals(5))
        .await
        .unwrap();
    assert_eq!(b.table.get(&it.key).await.unwrap(), None);
}

async fn expired_items_are_invisible_and_replaceable(b: Backends) {
    let now = b.clock.unix();
    let session = item(&b, "sess", "a")
        .with_expiry(now + 10)
        .with_gsi1(b.k("by-user"), "a");
    b.table
        .put(session.clone(), Condition::MustNotExist)
        .await
        .unwrap();
    assert!(b.table.get(&session.key).await.unwrap().is_some());

    b.clock.advance(time::Duration::seconds(11));
    assert_eq!(b.table.get(&session.key).await.unwrap(), None);
    assert!(
        b.table
            .query(&Query::partition(b.k("sess")))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        b.table
            .query(&Query::gsi1(b.k("by-user")))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let err = b
        .table
        .put(session.clone(), Condition::MustExist)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed));
    let err = b
        .table
        .delete(&session.key, Condition::VersionEquals(1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed));

    // An expired item counts as absent for a uniqueness rule.
    let fresh = session
        .clone()
        .with_expiry(b.clock.unix() + 60)
        .with_attr("new", true);
    b.table
        .put(fresh.clone(), Condition::MustNotExist)
        .await
        .unwrap();
    assert_eq!(b.table.get(&session.key).await.unwrap(), Some(fresh));
}

async fn query_selects_by_prefix_and_range_in_both_orders(b: Backends) {
    let pk = b.k("orders");
    for sk in ["a#1", "a#2", "a#3", "ab#1", "b#1", "b#2"] {
        b.table
            .put(Item::new(Key::new(&pk, sk)), Condition::None)
            .await
            .unwrap();
    }
    let sks = |items: Vec<Item>| items.into_iter().map(|i| i.key.sk).collect::<Vec<_>>();

    let page = b
        .table
        .query(&Query::partition(&pk).prefix("a#"))
        .await
        .unwrap();
    assert_eq!(sks(page.items), ["a#1", "a#2", "a#3"]);
    assert_eq!(page.next_cursor, None);

    let page = b
        .table
        .query(&Query::partition(&pk).prefix("a").descending())
        .await
        .unwrap();
    assert_eq!(sks(page.items), ["ab#1", "a#3", "a#2", "a#1"]);

    let page = b
        .table
        .query(&Query::partition(&pk).between("a#2", "b#1"))
        .await
        .unwrap();
    assert_eq!(sks(page.items), ["a#2", "a#3", "ab#1", "b#1"]);

    let page = b.table.query(&Query::partition(&pk)).await.unwrap();
    assert_eq!(page.items.len(), 6);
}

async fn query_pages_cover_every_live_item_once(b: Backends) {
    let pk = b.k("events");
    let now = b.clock.unix();
    for i in 0..30 {
        let mut it = Item::new(Key::new(&pk, format!("evt#{i:03}")));
        if i % 4 == 0 {
            it = it.with_expiry(now - 1); // already expired: never returned
        }
        b.table.put(it, Condition::None).await.unwrap();
    }
    let live: Vec<String> = (0..30)
        .filter(|i| i % 4 != 0)
        .map(|i| format!("evt#{i:03}"))
        .collect();

    for descending in [false, true] {
        let mut seen = Vec::new();
        let mut cursor: Option<Cursor> = None;
        let mut pages = 0;
        loop {
            let mut q = Query::partition(&pk)
                .prefix("evt#")
                .limit(7)
                .after(cursor.clone());
            q.descending = descending;
            let page = b.table.query(&q).await.unwrap();
            pages += 1;
            assert!(page.items.len() <= 7);
            if page.next_cursor.is_some() {
                assert_eq!(page.items.len(), 7, "a page that says more follow is full");
            }
            seen.extend(page.items.into_iter().map(|i| i.key.sk));
            match page.next_cursor {
                Some(next) => cursor = Some(Cursor::decode(&next.encode()).unwrap()),
                None => break,
            }
        }
        let mut expected = live.clone();
        if descending {
            expected.reverse();
        }
        assert_eq!(seen, expected);
        assert_eq!(pages, 4); // 22 live items: 7 + 7 + 7 + 1
    }
}

async fn gsi1_queries_page_across_partitions(b: Backends) {
    let gpk = b.k("org#members");
    for i in 0..9 {
        let it = Item::new(Key::new(b.k(&format!("user{i}")), "membership")).with_gsi1(
            &gpk,
            format!("role#{}#{i}", if i % 3 == 0 { "admin" } else { "member" }),
        );
        b.table.put(it, Condition::None).await.unwrap();
    }
    b.table
        .put(
            item(&b, "user-x", "membership").with_gsi1(b.k("other"), "role#admin#x"),
            Condition::None,
        )
        .await
        .unwrap();

    let admins = b
        .table
        .query(&Query::gsi1(&gpk).prefix("role#admin#"))
        .await
        .unwrap();
    assert_eq!(admins.items.len(), 3);
    assert!(admins.items.iter().all(|i| i.key.sk == "membership"));

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = b
            .table
            .query(&Query::gsi1(&gpk).limit(4).after(cursor))
            .await
            .unwrap();
        seen.extend(page.items.into_iter().map(|i| i.key.pk));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 9);
}

async fn transaction_is_all_or_nothing_and_names_the_failed_condition(b: Backends) {
    let taken = item(&b, "email", "taken@example.com");
    b.table.put(taken.clone(), Condition::None).await.unwrap();
    let user = item(&b, "user", "profile");
    let err = b
        .table
        .transact(vec![
            TxOp::Put {
                item: user.clone(),
                condition: Condition::MustNotExist,
            },
            TxOp::Put {
                item: taken.clone(),
                condition: Condition::MustNotExist,
            },
        ])
        .await
        .unwrap_err();
    match err {
        StoreError::TransactionFailed { failed } => assert_eq!(failed, vec![1]),
        other => panic!("expected TransactionFailed, got {other:?}"),
    }
    assert_eq!(
        b.table.get(&user.key).await.unwrap(),
        None,
        "nothing was written"
    );
}

async fn transaction_writes_deletes_and_checks_together(b: Backends) {
    let old = item(&b, "a", "old");
    let guard = item(&b, "a", "guard").with_version(7);
    b.table.put(old.clone(), Condition::None).await.unwrap();
    b.table.put(guard.clone(), Condition::None).await.unwrap();
    let new = item(&b, "a", "new").with_attr("v", 1);
    b.table
        .transact(vec![
            TxOp::Put {
                item: new.clone(),
                condition: Condition::MustNotExist,
            },
            TxOp::Delete {
                key: old.key.clone(),
                condition: Condition::MustExist,
            },
            TxOp::Check {
                key: guard.key.clone(),
                condition: Condition::VersionEquals(7),
            },
        ])
        .await
        .unwrap();
    assert_eq!(b.table.get(&new.key).await.unwrap(), Some(new));
    assert_eq!(b.table.get(&old.key).await.unwrap(), None);
    assert_eq!(b.table.get(&guard.key).await.unwrap(), Some(guard));
}

async fn counters_increment_atomically_and_restart_after_expiry(b: Backends) {
    let key = Key::new(b.k("rate"), "login#ip");
    let window_end = b.clock.unix() + 60;
    let table = Arc::clone(&b.table);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (table, key) = (Arc::clone(&table), key.clone());
            tokio::spawn(async move { table.increment(&key, 1, window_end).await.unwrap() })
        })
        .collect();
    let mut values = Vec::new();
    for task in tasks {
        values.push(task.await.unwrap());
    }
    values.sort();
    assert_eq!(
        values,
        (1..=20).collect::<Vec<i64>>(),
        "every increment saw a distinct value"
    );
    let counter = b.table.get(&key).await.unwrap().unwrap();
    assert_eq!(counter.attrs["count"], 20);
    assert_eq!(counter.expires_at, Some(window_end));

    b.clock.advance(time::Duration::seconds(61));
    assert_eq!(b.table.get(&key).await.unwrap(), None);
    let next_end = b.clock.unix() + 60;
    assert_eq!(b.table.increment(&key, 5, next_end).await.unwrap(), 5);
    assert_eq!(
        b.table.get(&key).await.unwrap().unwrap().expires_at,
        Some(next_end)
    );
}

async fn racing_must_not_exist_puts_have_exactly_one_winner(b: Backends) {
    let key = Key::new(b.k("email"), "race@example.com");
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let table = Arc::clone(&b.table);
            let it = Item::new(key.clone()).with_attr("winner", i);
            tokio::spawn(async move { table.put(it, Condition::MustNotExist).await })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => wins += 1,
            Err(StoreError::ConditionFailed) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(wins, 1);
}

async fn sweep_removes_only_expired_items(b: Backends) {
    // Expired by the real clock too, so sweeping cannot disturb other tests sharing the store.
    let now = b.clock.unix();
    let expired: Vec<Item> = (0..5)
        .map(|i| item(&b, "sweep", &format!("old{i}")).with_expiry(now - 100))
        .collect();
    let live = item(&b, "sweep", "live").with_expiry(now + 3600);
    let forever = item(&b, "sweep", "forever");
    for it in expired.iter().chain([&live, &forever]) {
        b.table.put(it.clone(), Condition::None).await.unwrap();
    }
    let mut removed = 0;
    let mut from = None;
    let mut calls = 0;
    loop {
        // Small batches: the sweep goes on across calls from where each stopped.
        let sweep = b.table.sweep_expired(2, from.as_ref()).await.unwrap();
        removed += sweep.removed;
        calls += 1;
        from = sweep.resume;
        if from.is_none() {
            break;
        }
        assert!(calls < 10_000, "the sweep never finished");
    }
    // Other tests sharing the emulator may have expired items too, so at least ours went.
    assert!(removed >= 5, "removed {removed}");
    assert!(b.table.get(&live.key).await.unwrap().is_some());
    assert!(b.table.get(&forever.key).await.unwrap().is_some());
}

async fn invalid_requests_are_refused(b: Backends) {
    let reserved = item(&b, "x", "y").with_attr("pk", "sneaky");
    assert!(matches!(
        b.table.put(reserved, Condition::None).await,
        Err(StoreError::Invalid(_))
    ));
    let empty = Item::new(Key::new(b.k("x"), ""));
    assert!(matches!(
        b.table.put(empty, Condition::None).await,
        Err(StoreError::Invalid(_))
    ));
    let q = Query::partition(b.k("x")).limit(0);
    assert!(matches!(
        b.table.query(&q).await,
        Err(StoreError::Invalid(_))
    ));
    let q = Query::partition(b.k("x")).limit(1001);
    assert!(matches!(
        b.table.query(&q).await,
        Err(StoreError::Invalid(_))
    ));
    let same = item(&b, "x", "y");
    let ops = vec![
        TxOp::Put {
            item: same.clone(),
            condition: Condition::None,
        },
        TxOp::Delete {
            key: same.key.clone(),
            condition: Condition::None,
        },
    ];
    assert!(matches!(
        b.table.transact(ops).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        b.table.transact(vec![]).await,
        Err(StoreError::Invalid(_))
    ));
}

fn add(key: &Key, attribute: &'static str, by: i64, bounds: Bounds) -> TxOp {
    TxOp::Add {
        key: key.clone(),
        attribute,
        by,
        bounds,
    }
}

async fn bounded_adds_create_counters_keep_other_attributes_and_refuse_to_leave_their_bounds(
    b: Backends,
) {
    let key = Key::new(b.k("org"), "COUNTERS");
    // An absent item and attribute count as zero.
    b.table
        .transact(vec![add(&key, "vaults", 1, Bounds::at_most(Some(2)))])
        .await
        .unwrap();
    b.table
        .transact(vec![add(&key, "owners", 1, Bounds::NONE)])
        .await
        .unwrap();
    b.table
        .transact(vec![add(&key, "vaults", 1, Bounds::at_most(Some(2)))])
        .await
        .unwrap();
    let err = b
        .table
        .transact(vec![
            TxOp::Put {
                item: item(&b, "org", "VAULT#3"),
                condition: Condition::None,
            },
            add(&key, "vaults", 1, Bounds::at_most(Some(2))),
        ])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::TransactionFailed { ref failed } if failed == &[1]),
        "{err:?}"
    );
    assert_eq!(
        b.table.get(&Key::new(b.k("org"), "VAULT#3")).await.unwrap(),
        None
    );
    // The floor: the last owner cannot go.
    let err = b
        .table
        .transact(vec![add(&key, "owners", -1, Bounds::at_least(1))])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::TransactionFailed { .. }),
        "{err:?}"
    );
    // A floor that an absent attribute breaks.
    let other = Key::new(b.k("org"), "OTHER");
    let err = b
        .table
        .transact(vec![add(&other, "owners", -1, Bounds::at_least(0))])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::TransactionFailed { .. }),
        "{err:?}"
    );
    b.table
        .transact(vec![add(&key, "vaults", -1, Bounds::at_least(0))])
        .await
        .unwrap();
    let counters = b.table.get(&key).await.unwrap().unwrap();
    assert_eq!(counters.attrs["vaults"], json!(1));
    assert_eq!(counters.attrs["owners"], json!(1));
}

async fn racing_bounded_adds_never_overshoot_the_limit(b: Backends) {
    let key = Key::new(b.k("org"), "COUNTERS");
    let table = Arc::clone(&b.table);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let table = Arc::clone(&table);
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            table
                .transact(vec![add(&key, "vaults", 1, Bounds::at_most(Some(5)))])
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::TransactionFailed { .. } | StoreError::Conflict) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    let counters = b.table.get(&key).await.unwrap().unwrap();
    assert_eq!(counters.attrs["vaults"], json!(won));
    assert!(won <= 5, "{won} adds passed a limit of 5");
}
