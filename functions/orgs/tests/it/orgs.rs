//! Creating, listing, renaming and deleting orgs.

use serde_json::json;

#[tokio::test]
async fn the_creator_is_the_owner_and_the_org_lists_among_theirs() {
    let app = crate::spawn();
    let user = app.sign_up().await;
    let created = app
        .post("/v1/orgs", json!({"name": "  Acme  "}), Some(&user.token))
        .await;
    assert_eq!(created.code(), 201, "{}", created.body);
    assert_eq!(created.body["name"], "Acme");
    assert_eq!(created.body["tier"], "free");
    assert_eq!(created.body["role"], "owner");
    let id = created.text("/id");
    assert!(id.starts_with("org_"));

    let listed = app.get("/v1/orgs", Some(&user.token)).await;
    assert_eq!(listed.code(), 200);
    assert_eq!(listed.body["items"][0]["id"], id.as_str());
    assert_eq!(listed.body["items"][0]["role"], "owner");
    assert_eq!(listed.body["next_cursor"], serde_json::Value::Null);

    let members = app
        .get(&format!("/v1/orgs/{id}/members"), Some(&user.token))
        .await;
    assert_eq!(members.body["items"][0]["user_id"], user.id.as_str());
    assert_eq!(members.body["items"][0]["role"], "owner");
}

#[tokio::test]
async fn bad_names_tiers_and_unknown_fields_are_refused_with_422() {
    let app = crate::spawn();
    let user = app.sign_up().await;
    for body in [
        json!({"name": ""}),
        json!({"name": "x".repeat(101)}),
        json!({"name": "ok", "tier": "platinum"}),
        json!({"name": "ok", "owner": "someone"}),
        json!({}),
    ] {
        let reply = app.post("/v1/orgs", body.clone(), Some(&user.token)).await;
        assert_eq!(reply.code(), 422, "{body}: {}", reply.body);
    }
}

#[tokio::test]
async fn a_deleted_org_is_gone_for_every_member_at_once() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let path = format!("/v1/orgs/{}", w.id);
    let renamed = app
        .patch(&path, json!({"name": "Renamed"}), Some(&w.admin.token))
        .await;
    assert_eq!(renamed.body["name"], "Renamed");
    assert_eq!(renamed.body["role"], "admin");
    assert_eq!(app.delete(&path, Some(&w.owner.token)).await.code(), 204);
    for user in [&w.owner, &w.admin, &w.member] {
        assert_eq!(app.get(&path, Some(&user.token)).await.code(), 404);
        assert_eq!(
            app.get(&format!("{path}/vaults"), Some(&user.token))
                .await
                .code(),
            404
        );
        let mine = app.get("/v1/orgs", Some(&user.token)).await;
        assert_eq!(mine.body["items"], json!([]), "{}", mine.body);
    }
}

#[tokio::test]
async fn orgs_list_page_by_page_without_repeats() {
    let app = crate::spawn();
    let user = app.sign_up().await;
    let mut made = Vec::new();
    for _ in 0..7 {
        made.push(app.create_org(&user, "free").await);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/orgs?limit=3&cursor={c}"),
            None => "/v1/orgs?limit=3".to_owned(),
        };
        let page = app.get(&path, Some(&user.token)).await;
        assert_eq!(page.code(), 200, "{}", page.body);
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    made.sort();
    assert_eq!(seen, made);
    let bad = app.get("/v1/orgs?limit=0", Some(&user.token)).await;
    assert_eq!(bad.code(), 422);
    let bad = app.get("/v1/orgs?cursor=garbage!", Some(&user.token)).await;
    assert_eq!(bad.code(), 422);
}

#[tokio::test]
async fn a_user_cannot_belong_to_more_orgs_than_the_setting_allows() {
    let app = coffer_testkit::TestApp::embedded_with(
        vec![coffer_function_auth::group(), coffer_function_orgs::group()],
        |settings| settings.orgs.max_orgs_per_user = 2,
    );
    let user = app.sign_up().await;
    app.create_org(&user, "free").await;
    app.create_org(&user, "free").await;
    let third = app
        .post("/v1/orgs", json!({"name": "third"}), Some(&user.token))
        .await;
    assert_eq!(third.code(), 403, "{}", third.body);
    assert_eq!(third.body["type"], "/problems/tier-limit");
}

#[tokio::test]
async fn the_cleanup_purges_a_deleted_org_and_gives_its_members_their_places_back() {
    use coffer_core::store::{Query, schema};
    let app = coffer_testkit::TestApp::embedded_with(
        vec![coffer_function_auth::group(), coffer_function_orgs::group()],
        |settings| settings.orgs.max_orgs_per_user = 1,
    );
    let w = app.org_with_every_role().await;
    let vaults = format!("/v1/orgs/{}/vaults", w.id);
    app.post(&vaults, json!({"name": "v"}), Some(&w.owner.token))
        .await;
    app.post(
        &format!("/v1/orgs/{}/members", w.id),
        json!({"email": "pending@example.com", "role": "member"}),
        Some(&w.owner.token),
    )
    .await;
    // At the limit of one org each, the admin cannot make another.
    let refused = app
        .post("/v1/orgs", json!({"name": "second"}), Some(&w.admin.token))
        .await;
    assert_eq!(refused.code(), 403);

    let deleted = app
        .delete(&format!("/v1/orgs/{}", w.id), Some(&w.owner.token))
        .await;
    assert_eq!(deleted.code(), 204);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let report = coffer_core::cleanup::run(&app.state.ports, deadline, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.purged_orgs, 1);
    assert!(!report.out_of_time);
    let org = coffer_core::ids::OrgId::parse(&w.id).unwrap();
    let left = app
        .state
        .ports
        .table
        .query(&Query::partition(schema::org_partition(&org)))
        .await
        .unwrap();
    assert!(left.items.is_empty(), "{:?}", left.items);
    // Run twice: nothing more to do, and no count goes below what it should.
    let again = coffer_core::cleanup::run(&app.state.ports, deadline, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(again.purged_orgs, 0);
    let made = app
        .post("/v1/orgs", json!({"name": "second"}), Some(&w.admin.token))
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
}

#[tokio::test]
async fn a_cursor_from_another_list_is_a_422_not_a_server_error() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    // A vaults cursor (an item with no index entry) handed to the orgs list (the index).
    for name in ["a", "b"] {
        app.post(
            &format!("/v1/orgs/{}/vaults", w.id),
            json!({"name": name}),
            Some(&w.owner.token),
        )
        .await;
    }
    let vaults = app
        .get(
            &format!("/v1/orgs/{}/vaults?limit=1", w.id),
            Some(&w.owner.token),
        )
        .await;
    let cursor = vaults.text("/next_cursor");
    let mine = app
        .get(&format!("/v1/orgs?cursor={cursor}"), Some(&w.owner.token))
        .await;
    assert_eq!(mine.code(), 422, "{}", mine.body);
    assert_eq!(mine.body["errors"][0]["field"], "cursor");
}
