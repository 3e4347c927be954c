//! Clients: create, list, get, delete, and what a create may ask for.

use serde_json::json;

#[tokio::test]
async fn an_admin_creates_a_client_that_every_member_can_list_and_read() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let clients = format!("/v1/orgs/{}/clients", w.id);

    let made = app
        .post(
            &clients,
            json!({"name": "billing sync", "scopes": ["vaults:read"]}),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    let id = made.text("/id");
    assert!(id.starts_with("cli_"), "{id}");
    assert_eq!(made.body["org_id"], w.id.as_str());
    assert_eq!(made.body["name"], "billing sync");
    assert_eq!(made.body["scopes"], json!(["vaults:read"]));
    assert_eq!(made.body["created_by"], w.admin.id.as_str());
    assert!(made.body["created_at"].is_string());

    let listed = app.get(&clients, Some(&w.member.token)).await;
    assert_eq!(listed.code(), 200, "{}", listed.body);
    assert_eq!(listed.body["items"], json!([made.body]));
    assert_eq!(listed.body["next_cursor"], json!(null));
    let got = app
        .get(&format!("{clients}/{id}"), Some(&w.member.token))
        .await;
    assert_eq!(got.body, made.body);
}

#[tokio::test]
async fn a_client_without_scopes_gets_a_members_permissions_and_no_more() {
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "free").await;
    let clients = format!("/v1/orgs/{org}/clients");
    let made = app
        .post(&clients, json!({"name": "reader"}), Some(&owner.token))
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    assert_eq!(
        made.body["scopes"],
        json!([
            "org:read",
            "members:read",
            "teams:read",
            "vaults:read",
            "pii:use",
            "keys:use",
            "datasets:read",
            "records:read",
            "records:write"
        ])
    );
    for (body, field) in [
        (json!({"name": "x", "scopes": ["vaults:manage"]}), "scopes"),
        (
            json!({"name": "x", "scopes": ["pii:deanonymize"]}),
            "scopes",
        ),
        (json!({"name": "x", "scopes": ["root"]}), "scopes"),
        (json!({"name": "x", "scopes": "vaults:read"}), "scopes"),
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "x", "secret": "canary"}), "secret"),
    ] {
        let refused = app.post(&clients, body.clone(), Some(&owner.token)).await;
        assert_eq!(refused.code(), 422, "{body}: {}", refused.body);
        assert_eq!(refused.body["type"], "/problems/validation");
        let named = refused.body["errors"][0]["field"].as_str().unwrap();
        assert_eq!(named, field, "{body}: {}", refused.body);
    }
    let listed = app.get(&clients, Some(&owner.token)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn clients_are_listed_a_page_at_a_time() {
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "free").await;
    let mut made = Vec::new();
    for i in 0..5 {
        app.clock.advance(time::Duration::milliseconds(2));
        made.push(crate::create_client(&app, &org, &owner, json!({"name": format!("c{i}")})).await);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/orgs/{org}/clients?limit=2&cursor={c}"),
            None => format!("/v1/orgs/{org}/clients?limit=2"),
        };
        let page = app.get(&path, Some(&owner.token)).await;
        assert_eq!(page.code(), 200, "{}", page.body);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, made, "every client once, in creation order");
}

#[tokio::test]
async fn deleting_a_client_removes_it_and_its_certificates_and_frees_their_places() {
    let app = crate::spawn();
    let (owner, credential) = crate::credential(&app).await;
    let token = Some(owner.token.as_str());
    crate::create_certificate(&app, &credential.org, &credential.client, &owner).await;
    let counters = coffer_core::store::schema::org_counters(
        &coffer_core::ids::OrgId::parse(&credential.org).unwrap(),
    );
    let count = || async {
        let item = app.state.ports.table.get(&counters).await.unwrap().unwrap();
        coffer_core::store::attrs::count(&item, "certificates")
    };
    assert_eq!(count().await, 2);

    assert_eq!(app.delete(&credential.path(), token).await.code(), 204);

    assert_eq!(app.get(&credential.path(), token).await.code(), 404);
    let certificates = app
        .get(&format!("{}/certificates", credential.path()), token)
        .await;
    assert_eq!(certificates.code(), 404);
    let listed = app
        .get(&format!("/v1/orgs/{}/clients", credential.org), token)
        .await;
    assert_eq!(listed.body["items"], json!([]));
    assert_eq!(count().await, 0);
    let leftover = app
        .state
        .ports
        .table
        .query(&coffer_core::store::Query::partition(
            coffer_core::store::schema::client_partition(
                &coffer_core::ids::ClientId::parse(&credential.client).unwrap(),
            ),
        ))
        .await
        .unwrap();
    assert!(leftover.items.is_empty(), "{:?}", leftover.items);
    assert_eq!(app.delete(&credential.path(), token).await.code(), 404);
    // No certificate can be added to it any more.
    let late = app
        .post(
            &format!("{}/certificates", credential.path()),
            json!({}),
            token,
        )
        .await;
    assert_eq!(late.code(), 404);
}

#[tokio::test]
async fn another_orgs_client_is_not_found_whoever_asks() {
    let app = crate::spawn();
    let (_, theirs) = crate::credential(&app).await;
    let owner = app.sign_up().await;
    let mine = app.create_org(&owner, "free").await;
    let token = Some(owner.token.as_str());
    let under_mine = format!("/v1/orgs/{mine}/clients/{}", theirs.client);
    for reply in [
        app.get(&under_mine, token).await,
        app.delete(&under_mine, token).await,
        app.get(&format!("{under_mine}/certificates"), token).await,
        app.post(&format!("{under_mine}/certificates"), json!({}), token)
            .await,
        app.delete(
            &format!("{under_mine}/certificates/{}", theirs.certificate),
            token,
        )
        .await,
        app.get(&theirs.path(), token).await,
    ] {
        assert_eq!(reply.code(), 404, "{}", reply.body);
    }
    for path in [
        format!("/v1/orgs/{mine}/clients/not-an-id"),
        format!("/v1/orgs/{mine}/clients/usr_01arz3ndektsv4rrffq69g5fav"),
        format!("/v1/orgs/{mine}/clients/cli_01arz3ndektsv4rrffq69g5fav"),
        format!("/v1/orgs/{mine}/clients/cli_01arz3ndektsv4rrffq69g5fav/certificates"),
    ] {
        assert_eq!(app.get(&path, token).await.code(), 404, "{path}");
    }
}

#[tokio::test]
async fn each_change_is_audited_without_key_material() {
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "free").await;
    let token = Some(owner.token.as_str());
    // Each step a few milliseconds after the last, so the events sort in order.
    let tick = || app.clock.advance(time::Duration::milliseconds(5));
    tick();
    let client = crate::create_client(&app, &org, &owner, json!({"name": "c"})).await;
    let path = format!("/v1/orgs/{org}/clients/{client}");
    let certificates = format!("{path}/certificates");
    tick();
    app.post(&certificates, json!({}), token).await;
    tick();
    let made = app.post(&certificates, json!({}), token).await;
    let pem = made.text("/private_key_pem");
    tick();
    app.delete(&format!("{certificates}/{}", made.text("/id")), token)
        .await;
    tick();
    app.delete(&path, token).await;

    // The org's events, as stored (oldest first).
    let audit = app.audit_links(&org).await;
    let attr = |item: &coffer_core::store::Item, name: &str| {
        item.attrs[name].as_str().unwrap_or_default().to_owned()
    };
    let clients: Vec<(String, String)> = audit
        .iter()
        .filter(|item| attr(item, "action").starts_with("clients."))
        .map(|item| (attr(item, "action"), attr(item, "actor")))
        .collect();
    assert_eq!(
        clients
            .iter()
            .map(|(action, _)| action.as_str())
            .collect::<Vec<_>>(),
        [
            "clients.create",
            "clients.certificate.create",
            "clients.certificate.create",
            "clients.certificate.revoke",
            "clients.delete",
        ]
    );
    assert!(clients.iter().all(|(_, actor)| actor == &owner.id));

    // No private key in what the events hold.
    let stored: String = audit
        .iter()
        .map(|item| serde_json::to_string(&item.attrs).unwrap())
        .collect();
    let pem_body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!stored.contains(&pem_body));
    assert!(!stored.contains("PRIVATE KEY"));
}

async fn deleting_a_client_with_more_certificates_than_one_change_holds_removes_them_all(
    app: coffer_testkit::TestApp,
) {
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "enterprise").await;
    let client = crate::create_client(&app, &org, &owner, json!({"name": "busy"})).await;
    for _ in 0..95 {
        crate::create_certificate(&app, &org, &client, &owner).await;
    }
    let org_id = coffer_core::ids::OrgId::parse(&org).unwrap();
    let counted = || async {
        let item = app
            .state
            .ports
            .table
            .get(&coffer_core::store::schema::org_counters(&org_id))
            .await
            .unwrap()
            .unwrap();
        coffer_core::store::attrs::count(&item, "certificates")
    };
    assert_eq!(counted().await, 95);

    let path = format!("/v1/orgs/{org}/clients/{client}");
    assert_eq!(app.delete(&path, Some(&owner.token)).await.code(), 204);

    assert_eq!(counted().await, 0);
    let leftover = app
        .state
        .ports
        .table
        .query(&coffer_core::store::Query::partition(
            coffer_core::store::schema::client_partition(
                &coffer_core::ids::ClientId::parse(&client).unwrap(),
            ),
        ))
        .await
        .unwrap();
    assert!(leftover.items.is_empty(), "{} left", leftover.items.len());
}

mod embedded {
    #[tokio::test]
    async fn deleting_a_client_with_more_certificates_than_one_change_holds_removes_them_all() {
        super::deleting_a_client_with_more_certificates_than_one_change_holds_removes_them_all(
            crate::spawn(),
        )
        .await;
    }
}

mod aws {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deleting_a_client_with_more_certificates_than_one_change_holds_removes_them_all() {
        super::deleting_a_client_with_more_certificates_than_one_change_holds_removes_them_all(
            crate::spawn_on_moto().await,
        )
        .await;
    }
}
