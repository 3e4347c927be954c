//! Who reaches a dataset: another org's dataset is 404 on every route (as if it did not exist),
//! a record is reached only through its own dataset, members write and read records but do not
//! manage datasets, a soft-deleted dataset is gone everywhere, and access tokens are held to
//! their org and scopes.

use axum::body::Body;
use axum::http::{Method, Request};
use coffer_testkit::{Reply, TestApp, User, presigned_request};
use serde_json::{Value, json};

use crate::helpers::{
    access_token, assert_problem, client_token, dataset_view, finish_jobs, get_payload, ids_of,
    list_all, put_payload, rotate, search, write_body,
};
use crate::{create_dataset, customer, customers, read, spawn, write};

/// `method path` with an optional JSON body (or raw bytes for a payload) as `token`.
async fn send(
    app: &TestApp,
    method: &Method,
    path: &str,
    body: &Option<Value>,
    token: &str,
) -> Reply {
    if path.ends_with("/payload") && *method == Method::PUT {
        return app
            .send(
                Request::builder()
                    .method(Method::PUT)
                    .uri(path)
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "text/plain")
                    .body(Body::from("replaced"))
                    .unwrap(),
            )
            .await;
    }
    app.call(method.clone(), path, body.clone(), Some(token))
        .await
}

/// A dataset with a record holding a sealed payload and another whose payload went through a
/// presigned URL, and a finished re-encryption job: every route has something to answer.
struct Furnished {
    dataset: String,
    record: String,
    presigned: String,
    job: String,
}

async fn furnish(app: &TestApp, org: &str, owner: &User) -> Furnished {
    let dataset = create_dataset(app, org, owner, "customers", customers()).await;
    let record = write(app, &dataset, owner, customer(1)).await;
    let presigned = write(app, &dataset, owner, customer(2)).await;
    let put = put_payload(app, &dataset, &record, &owner.token, b"sealed".to_vec()).await;
    assert_eq!(put.code(), 200, "{}", put.body);
    let url = app
        .post(
            &format!("/v1/datasets/{dataset}/records/{presigned}/payload/upload-url"),
            json!({"content_type": "text/plain"}),
            Some(&owner.token),
        )
        .await;
    assert_eq!(url.code(), 200, "{}", url.body);
    let headers: Vec<(String, String)> = url.body["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let uploaded = app
        .send(presigned_request(
            url.body["method"].as_str().unwrap(),
            url.body["url"].as_str().unwrap(),
            headers,
            "large",
        ))
        .await;
    assert_eq!(uploaded.code(), 200, "{}", uploaded.body);
    let job = rotate(app, &dataset, owner).await;
    finish_jobs(app).await;
    Furnished {
        dataset,
        record,
        presigned,
        job,
    }
}

/// Every route of one dataset, with what its owner gets, in an order where the destructive ones
/// come last.
fn routes(org: &str, f: &Furnished) -> Vec<(Method, String, Option<Value>, u16)> {
    let (d, r, p, j) = (&f.dataset, &f.record, &f.presigned, &f.job);
    vec![
        (Method::GET, format!("/v1/datasets?org_id={org}"), None, 200),
        (
            Method::POST,
            "/v1/datasets".into(),
            Some(json!({"org_id": org, "name": "made by the caller"})),
            201,
        ),
        (Method::GET, format!("/v1/datasets/{d}"), None, 200),
        (
            Method::PUT,
            format!("/v1/datasets/{d}"),
            Some(json!({"description": "changed by the caller"})),
            200,
        ),
        (
            Method::POST,
            format!("/v1/datasets/{d}/records"),
            Some(json!({"data": customer(3)})),
            201,
        ),
        (Method::GET, format!("/v1/datasets/{d}/records"), None, 200),
        (
            Method::GET,
            format!("/v1/datasets/{d}/records/{r}"),
            None,
            200,
        ),
        (
            Method::GET,
            format!("/v1/datasets/{d}/records/{r}/payload"),
            None,
            200,
        ),
        (
            Method::GET,
            format!("/v1/datasets/{d}/records/{p}/payload/url"),
            None,
            200,
        ),
        (
            Method::GET,
            format!("/v1/datasets/{d}/search?field=email&value=customer1%40example.com"),
            None,
            200,
        ),
        (Method::GET, format!("/v1/datasets/{d}/jobs/{j}"), None, 200),
        (
            Method::PUT,
            format!("/v1/datasets/{d}/records/{r}/payload"),
            None,
            200,
        ),
        (
            Method::POST,
            format!("/v1/datasets/{d}/records/{p}/payload/upload-url"),
            Some(json!({})),
            200,
        ),
        (Method::POST, format!("/v1/datasets/{d}/rotate"), None, 202),
        (
            Method::DELETE,
            format!("/v1/datasets/{d}/records/{r}"),
            None,
            204,
        ),
        (Method::DELETE, format!("/v1/datasets/{d}"), None, 204),
    ]
}

#[tokio::test]
async fn another_orgs_dataset_is_404_on_every_route_for_outsiders_and_for_another_orgs_admin() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let furnished = furnish(&app, &w.id, &w.owner).await;
    // The outsider owns an org of their own, with an admin; a third user belongs to no org.
    let other_org = app.create_org(&w.outsider, "free").await;
    let other_admin = app.sign_up().await;
    app.add_member(&other_org, &w.outsider, &other_admin, "admin")
        .await;
    let nobody = app.sign_up().await;
    let mut failures = Vec::new();

    for (method, path, body, _) in routes(&w.id, &furnished) {
        for (who, caller) in [
            ("another org's owner", &w.outsider),
            ("another org's admin", &other_admin),
            ("a user of no org", &nobody),
        ] {
            let reply = send(&app, &method, &path, &body, &caller.token).await;
            if reply.code() != 404
                || reply.header("content-type") != Some("application/problem+json")
            {
                failures.push(format!(
                    "{method} {path} as {who}: {} {}",
                    reply.code(),
                    reply.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Nothing the refused calls asked for happened: the owner still finds everything as it was.
    let view = dataset_view(&app, &furnished.dataset, &w.owner).await;
    assert_eq!(view["description"], "");
    assert_eq!(view["key_version"], 2);
    assert_eq!(
        list_all(&app, &furnished.dataset, &w.owner.token, 50)
            .await
            .len(),
        2
    );
    let (status, bytes) =
        get_payload(&app, &furnished.dataset, &furnished.record, &w.owner.token).await;
    assert_eq!(
        (status.as_u16(), bytes.as_ref()),
        (200, b"sealed".as_slice())
    );

    // And each route works for the owner, so the 404s were the tenancy rule's.
    for (method, path, body, want) in routes(&w.id, &furnished) {
        let reply = send(&app, &method, &path, &body, &w.owner.token).await;
        if reply.code() != want {
            failures.push(format!(
                "{method} {path} as the owner: {} {}",
                reply.code(),
                reply.body
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_record_is_found_only_through_its_own_dataset() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let a = create_dataset(&app, &w.id, &w.admin, "a", customers()).await;
    let b = create_dataset(&app, &w.id, &w.admin, "b", customers()).await;
    let record = write(&app, &a, &w.member, customer(1)).await;
    let put = put_payload(&app, &a, &record, &w.member.token, b"bytes".to_vec()).await;
    assert_eq!(put.code(), 200);
    let job = rotate(&app, &a, &w.admin).await;
    // Another org's dataset, reached by its own member with the record of `a`.
    let elsewhere = app.create_org(&w.outsider, "free").await;
    let foreign = create_dataset(&app, &elsewhere, &w.outsider, "c", customers()).await;

    for (dataset, caller) in [(&b, &w.admin), (&foreign, &w.outsider)] {
        let token = Some(caller.token.as_str());
        let base = format!("/v1/datasets/{dataset}/records/{record}");
        let replies = [
            app.get(&base, token).await,
            app.get(&format!("{base}/payload"), token).await,
            app.get(&format!("{base}/payload/url"), token).await,
            app.post(&format!("{base}/payload/upload-url"), json!({}), token)
                .await,
            put_payload(&app, dataset, &record, &caller.token, b"x".to_vec()).await,
            app.delete(&base, token).await,
            app.get(&format!("/v1/datasets/{dataset}/jobs/{job}"), token)
                .await,
        ];
        for reply in &replies {
            assert_problem(reply, 404);
        }
    }
    let still = read(&app, &a, &record, &w.admin).await;
    assert_eq!(still.code(), 200, "{}", still.body);
    assert_eq!(still.body["payload"]["size"], 5);
}

#[tokio::test]
async fn a_member_writes_and_reads_records_but_cannot_manage_datasets() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let member = Some(w.member.token.as_str());

    let created = app
        .post(
            "/v1/datasets",
            json!({"org_id": w.id, "name": "mine"}),
            member,
        )
        .await;
    let updated = app
        .call(
            Method::PUT,
            &format!("/v1/datasets/{dataset}"),
            Some(json!({"description": "mine now"})),
            member,
        )
        .await;
    let rotated = app
        .call(
            Method::POST,
            &format!("/v1/datasets/{dataset}/rotate"),
            None,
            member,
        )
        .await;
    let deleted = app.delete(&format!("/v1/datasets/{dataset}"), member).await;
    for refused in [&created, &updated, &rotated, &deleted] {
        assert_problem(refused, 403);
    }
    assert_eq!(
        dataset_view(&app, &dataset, &w.member).await["key_version"],
        1
    );

    let record = write(&app, &dataset, &w.member, customer(1)).await;
    assert_eq!(read(&app, &dataset, &record, &w.member).await.code(), 200);
    assert_eq!(list_all(&app, &dataset, &w.member.token, 50).await.len(), 1);
    let found = search(
        &app,
        &dataset,
        &w.member.token,
        "email",
        "customer1@example.com",
        "",
    )
    .await;
    assert_eq!(
        found.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        found.body
    );
    let put = put_payload(&app, &dataset, &record, &w.member.token, b"p".to_vec()).await;
    assert_eq!(put.code(), 200, "{}", put.body);
    assert_eq!(
        get_payload(&app, &dataset, &record, &w.member.token)
            .await
            .0,
        200
    );
    let listed = app
        .get(&format!("/v1/datasets?org_id={}", w.id), member)
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let job = rotate(&app, &dataset, &w.admin).await;
    assert_eq!(
        app.get(&format!("/v1/datasets/{dataset}/jobs/{job}"), member)
            .await
            .code(),
        200
    );
    assert_eq!(
        app.delete(&format!("/v1/datasets/{dataset}/records/{record}"), member)
            .await
            .code(),
        204
    );
}

#[tokio::test]
async fn a_soft_deleted_dataset_is_gone_everywhere_and_its_name_is_free_again() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let record = write(&app, &dataset, &w.member, customer(1)).await;
    let job = rotate(&app, &dataset, &w.admin).await;

    let deleted = app
        .delete(&format!("/v1/datasets/{dataset}"), Some(&w.admin.token))
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);

    let furnished = Furnished {
        dataset: dataset.clone(),
        record: record.clone(),
        presigned: record.clone(),
        job,
    };
    for (method, path, body, _) in routes(&w.id, &furnished) {
        if path.starts_with("/v1/datasets?") || path == "/v1/datasets" {
            continue;
        }
        let reply = send(&app, &method, &path, &body, &w.owner.token).await;
        assert_eq!(reply.code(), 404, "{method} {path}: {}", reply.body);
    }
    let listed = app
        .get(
            &format!("/v1/datasets?org_id={}", w.id),
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(listed.body["items"], json!([]));

    let again = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    assert_ne!(again, dataset);
    assert_eq!(read(&app, &again, &record, &w.admin).await.code(), 404);
}

#[tokio::test]
async fn the_list_shows_the_live_datasets_of_the_org_and_no_other() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let other_org = app.create_org(&w.outsider, "free").await;
    // Ids order the list: the clock moves between creations so that they are creation order
    // (two ids of the same millisecond order by their random part).
    let first = create_dataset(&app, &w.id, &w.admin, "first", customers()).await;
    app.clock.advance(time::Duration::milliseconds(1));
    let second = create_dataset(&app, &w.id, &w.admin, "second", customers()).await;
    app.clock.advance(time::Duration::milliseconds(1));
    let third = create_dataset(&app, &w.id, &w.admin, "third", customers()).await;
    create_dataset(&app, &other_org, &w.outsider, "theirs", customers()).await;
    let gone = app
        .delete(&format!("/v1/datasets/{second}"), Some(&w.admin.token))
        .await;
    assert_eq!(gone.code(), 204);

    let listed = app
        .get(
            &format!("/v1/datasets?org_id={}", w.id),
            Some(&w.member.token),
        )
        .await;
    let ids: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.as_str(), third.as_str()]);

    // Page by page, too.
    let (mut paged, mut cursor) = (Vec::new(), None::<String>);
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/v1/datasets?org_id={}&limit=1&cursor={c}", w.id),
            None => format!("/v1/datasets?org_id={}&limit=1", w.id),
        };
        let page = app.get(&path, Some(&w.member.token)).await;
        assert_eq!(page.code(), 200, "{}", page.body);
        for item in page.body["items"].as_array().unwrap() {
            paged.push(item["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, [first, third]);
    let outsider = app
        .get(
            &format!("/v1/datasets?org_id={}", w.id),
            Some(&w.outsider.token),
        )
        .await;
    assert_problem(&outsider, 404);
}

#[tokio::test]
async fn an_access_token_reads_records_only_with_records_read_and_writes_only_with_records_write() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let record = write(&app, &dataset, &w.member, customer(1)).await;
    let metadata_only = access_token(&app, &w.admin, Some(&w.id), "datasets:read").await;
    let reader = access_token(&app, &w.member, Some(&w.id), "records:read").await;
    let writer = access_token(&app, &w.member, Some(&w.id), "records:read records:write").await;
    let path = format!("/v1/datasets/{dataset}/records/{record}");

    let metadata = app
        .get(&format!("/v1/datasets/{dataset}"), Some(&metadata_only))
        .await;
    assert_eq!(metadata.code(), 200, "{}", metadata.body);
    for refused in [
        app.get(&path, Some(&metadata_only)).await,
        app.get(
            &format!("/v1/datasets/{dataset}/records"),
            Some(&metadata_only),
        )
        .await,
        search(
            &app,
            &dataset,
            &metadata_only,
            "email",
            "customer1@example.com",
            "",
        )
        .await,
        app.get(&format!("{path}/payload"), Some(&metadata_only))
            .await,
        write_body(&app, &dataset, &reader, json!({"data": customer(2)}), None).await,
        app.delete(&path, Some(&reader)).await,
    ] {
        assert_problem(&refused, 403);
    }
    let read_back = app.get(&path, Some(&reader)).await;
    assert_eq!(read_back.code(), 200, "{}", read_back.body);
    assert_eq!(
        read_back.body["data"]["card"], "************1111",
        "a member's view"
    );
    let written = write_body(&app, &dataset, &writer, json!({"data": customer(2)}), None).await;
    assert_eq!(written.code(), 201, "{}", written.body);
    // Even an owner's token is only as strong as its scopes.
    let owner_reader = access_token(&app, &w.owner, Some(&w.id), "records:read").await;
    let rotated = app
        .call(
            Method::POST,
            &format!("/v1/datasets/{dataset}/rotate"),
            None,
            Some(&owner_reader),
        )
        .await;
    assert_problem(&rotated, 403);
}

#[tokio::test]
async fn a_token_or_machine_client_bound_to_another_org_gets_404() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let record = write(&app, &dataset, &w.member, customer(1)).await;
    let elsewhere = app.create_org(&w.owner, "free").await;
    let all = "datasets:read datasets:manage records:read records:write";
    let bound_elsewhere = access_token(&app, &w.owner, Some(&elsewhere), all).await;
    let client_elsewhere = client_token(&app, &elsewhere, all).await;
    let own_client = client_token(&app, &w.id, "datasets:read records:read").await;
    let unbound = access_token(&app, &w.owner, None, "records:read").await;
    let path = format!("/v1/datasets/{dataset}/records/{record}");

    for token in [&bound_elsewhere, &client_elsewhere] {
        for refused in [
            app.get(&format!("/v1/datasets/{dataset}"), Some(token))
                .await,
            app.get(&path, Some(token)).await,
            write_body(&app, &dataset, token, json!({"data": customer(2)}), None).await,
            app.call(
                Method::POST,
                &format!("/v1/datasets/{dataset}/rotate"),
                None,
                Some(token),
            )
            .await,
        ] {
            assert_problem(&refused, 404);
        }
    }
    let by_own_client = app.get(&path, Some(&own_client)).await;
    assert_eq!(by_own_client.code(), 200, "{}", by_own_client.body);
    assert_eq!(
        by_own_client.body["data"]["card"], "************1111",
        "a machine client reads with the member view"
    );
    let by_unbound = app.get(&path, Some(&unbound)).await;
    assert_eq!(by_unbound.code(), 200, "{}", by_unbound.body);
    assert_eq!(by_unbound.body["data"]["card"], "4111111111111111");
    assert_eq!(
        ids_of(&list_all(&app, &dataset, &w.owner.token, 50).await),
        [record]
    );
}
