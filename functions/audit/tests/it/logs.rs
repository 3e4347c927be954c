//! Reading the log: newest first, filtered by actor, action, resource and time (alone and
//! together), in pages of any size that follow each other without a gap or a repeat, and
//! never with another org's events — even events by the same people on the same resources.

use coffer_testkit::{OrgWithRoles, TestApp};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Spec, every_page, ids, logs, plant};

const ACTIONS: [&str; 3] = ["orgs.vault.create", "records.read", "keys.decrypt"];
const RESOURCES: [&str; 4] = [
    "vlt_01aaaaaaaaaaaaaaaaaaaaaaaa",
    "dst_01bbbbbbbbbbbbbbbbbbbbbbbb",
    "key_01cccccccccccccccccccccccc",
    "rec_01dddddddddddddddddddddddd",
];

/// An org with every role whose log holds `n` planted events (actions, actors and resources
/// in turn) after its own setup events, and another org (the outsider's) whose log holds
/// events by the same people on the same resources; the ids planted in the first, oldest first.
async fn scene(app: &TestApp, n: usize) -> (OrgWithRoles, String, Vec<String>) {
    let w = app.org_with_every_role().await;
    let other = app.create_org(&w.outsider, "free").await;
    let actors = [&w.owner.id, &w.admin.id, &w.member.id];
    let mut planted = Vec::new();
    for i in 0..n {
        let spec = Spec {
            action: ACTIONS[i % ACTIONS.len()],
            actor: actors[i % actors.len()],
            resource: RESOURCES[i % RESOURCES.len()],
        };
        planted.push(plant(app, &w.id, spec, None).await.id);
        if i % 3 == 0 {
            plant(app, &other, spec, None).await;
        }
    }
    (w, other, planted)
}

fn time_of(item: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(item["time"].as_str().unwrap(), &Rfc3339).unwrap()
}

fn text<'a>(item: &'a Value, field: &str) -> Option<&'a str> {
    item[field].as_str()
}

async fn owners_and_admins_read_the_log_newest_first_with_filters_and_pages(app: TestApp) {
    let n = crate::scale(&app, 20, 8);
    let (w, other, planted) = scene(&app, n).await;

    // the whole log in one page: newest first, the planted events in reverse, only this org's
    let whole = crate::logs(&app, &w.id, "limit=500", &w.owner).await;
    assert_eq!(whole.code(), 200, "{}", whole.body);
    assert!(whole.body["next_cursor"].is_null(), "{}", whole.body);
    let full = whole.body["items"].as_array().unwrap().clone();
    for pair in full.windows(2) {
        let (newer, older) = (&pair[0], &pair[1]);
        assert!(
            (time_of(newer), text(newer, "id")) > (time_of(older), text(older, "id")),
            "not newest first: {newer} before {older}"
        );
    }
    let mut newest_first = planted.clone();
    newest_first.reverse();
    assert_eq!(ids(&full)[..n], newest_first[..], "the planted events lead");
    assert!(
        full.len() >= n + 3,
        "the org's own setup events (create, two members added) follow: {full:?}"
    );
    for item in &full {
        assert_eq!(item["org_id"], w.id.as_str(), "{item}");
        let chain = &item["chain"];
        assert!(chain["shard"].as_u64().unwrap() < 16, "{item}");
        assert!(chain["seq"].as_u64().unwrap() >= 1, "{item}");
        assert_eq!(chain["hash"].as_str().unwrap().len(), 43, "{item}");
    }
    let theirs = app.audit_links(&other).await;
    assert!(!theirs.is_empty());
    for item in &theirs {
        let id = item.attrs["id"].as_str().unwrap();
        assert!(
            !ids(&full).contains(&id.to_owned()),
            "{id} of the other org"
        );
    }
    let first = &full[n - 1];
    assert_eq!(first["action"], ACTIONS[0]);
    assert_eq!(first["actor"], w.owner.id.as_str());
    assert_eq!(first["resource"], RESOURCES[0]);
    assert_eq!(first["outcome"], "success");
    assert_eq!(first["ip"], "203.0.113.9");
    assert_eq!(first["request_id"], "req_planted");
    assert_eq!(first["user_agent"], "coffer-tests/1");
    assert_eq!(first["fields"], serde_json::json!(["name"]));

    // each filter, alone and together, selects what the whole log says it should
    let (from, to) = (time_of(&full[n - 3]), time_of(&full[2]));
    let (from_text, to_text) = (
        full[n - 3]["time"].as_str().unwrap(),
        full[2]["time"].as_str().unwrap(),
    );
    type Keep<'a> = Box<dyn Fn(&Value) -> bool + 'a>;
    let filters: Vec<(String, Keep<'_>)> = vec![
        (String::new(), Box::new(|_| true)),
        (
            format!("actor={}", w.admin.id),
            Box::new(|e| text(e, "actor") == Some(w.admin.id.as_str())),
        ),
        (
            format!("action={}", ACTIONS[1]),
            Box::new(|e| text(e, "action") == Some(ACTIONS[1])),
        ),
        (
            format!("resource={}", RESOURCES[0]),
            Box::new(|e| text(e, "resource") == Some(RESOURCES[0])),
        ),
        (
            format!("from={from_text}&to={to_text}"),
            Box::new(|e| (from..=to).contains(&time_of(e))),
        ),
        (
            format!("actor={}&action={}", w.owner.id, ACTIONS[0]),
            Box::new(|e| {
                text(e, "actor") == Some(w.owner.id.as_str())
                    && text(e, "action") == Some(ACTIONS[0])
            }),
        ),
        (
            format!(
                "resource={}&action={}&to={to_text}",
                RESOURCES[1], ACTIONS[1]
            ),
            Box::new(|e| {
                text(e, "resource") == Some(RESOURCES[1])
                    && text(e, "action") == Some(ACTIONS[1])
                    && time_of(e) <= to
            }),
        ),
    ];
    for (index, (query, keep)) in filters.iter().enumerate() {
        let expected: Vec<String> =
            ids(&full.iter().filter(|e| keep(e)).cloned().collect::<Vec<_>>());
        assert!(!expected.is_empty(), "{query} selects something");
        // admins read as owners do (checked on the first filter: the gate is the same)
        let readers = if index == 0 {
            vec![&w.owner, &w.admin]
        } else {
            vec![&w.owner]
        };
        // on moto (whose every query is slow) every page size for the whole log, one for
        // each filter; on the embedded backend every size for everything
        let limits = if index == 0 || crate::scale(&app, 1, 0) == 1 {
            vec![1, 2, 3]
        } else {
            vec![2]
        };
        for limit in limits {
            for reader in &readers {
                let got = ids(&every_page(&app, &w.id, query, limit, reader).await);
                assert_eq!(got, expected, "{query}, {limit} a page");
            }
        }
    }

    // a filter that matches nothing is an empty page, not an error
    let none = logs(
        &app,
        &w.id,
        "actor=usr_01zzzzzzzzzzzzzzzzzzzzzzzz",
        &w.owner,
    )
    .await;
    assert_eq!(none.code(), 200, "{}", none.body);
    assert_eq!(none.body["items"], serde_json::json!([]));
    assert!(none.body["next_cursor"].is_null());
}

async fn a_cursor_leads_to_the_next_page_and_the_last_page_has_none(app: TestApp) {
    let (owner, org) = crate::owner_and_org(&app).await;
    let mut planted = Vec::new();
    for n in 0..5 {
        let spec = Spec {
            action: ACTIONS[n % ACTIONS.len()],
            actor: &owner.id,
            resource: RESOURCES[n % RESOURCES.len()],
        };
        planted.push(plant(&app, &org, spec, None).await.id);
    }
    let first = logs(&app, &org, "limit=2", &owner).await;
    assert_eq!(first.code(), 200, "{}", first.body);
    let cursor = first.text("/next_cursor");
    let second = logs(&app, &org, &format!("limit=2&cursor={cursor}"), &owner).await;
    assert_eq!(second.code(), 200, "{}", second.body);
    let got: Vec<String> = ids(first.body["items"].as_array().unwrap())
        .into_iter()
        .chain(ids(second.body["items"].as_array().unwrap()))
        .collect();
    let mut newest_first = planted;
    newest_first.reverse();
    assert_eq!(got, newest_first[..4]);

    // the same cursor again gives the same page
    let again = logs(&app, &org, &format!("limit=2&cursor={cursor}"), &owner).await;
    assert_eq!(
        ids(again.body["items"].as_array().unwrap()),
        ids(second.body["items"].as_array().unwrap())
    );

    // a newer event does not shift a page already under way
    plant(
        &app,
        &org,
        Spec {
            action: ACTIONS[0],
            actor: &owner.id,
            resource: RESOURCES[0],
        },
        None,
    )
    .await;
    let after = logs(&app, &org, &format!("limit=2&cursor={cursor}"), &owner).await;
    assert_eq!(
        ids(after.body["items"].as_array().unwrap()),
        ids(second.body["items"].as_array().unwrap())
    );

    let all = logs(&app, &org, "limit=500", &owner).await;
    assert!(all.body["next_cursor"].is_null(), "{}", all.body);
}

/// The largest page the API allows (`limit=1000`, as on every list route) is served.
async fn the_largest_page_a_client_may_ask_for_is_served(app: TestApp) {
    let (w, _, planted) = scene(&app, 3).await;
    let page = logs(&app, &w.id, "limit=1000", &w.owner).await;
    assert_eq!(page.code(), 200, "{}", page.body);
    let got = ids(page.body["items"].as_array().unwrap());
    assert_eq!(
        got[..3],
        [planted[2].clone(), planted[1].clone(), planted[0].clone()]
    );
    assert!(page.body["next_cursor"].is_null(), "{}", page.body);
}

on_both_backends!(
    owners_and_admins_read_the_log_newest_first_with_filters_and_pages,
    a_cursor_leads_to_the_next_page_and_the_last_page_has_none,
    the_largest_page_a_client_may_ask_for_is_served,
);
