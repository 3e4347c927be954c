//! `datasets`: a dataset of every field policy, records one by one and in a batch (with an
//! idempotency key), a record the schema refuses, searches, reads, payloads through the
//! function and through presigned URLs, a key rotation with its re-encryption job, and a
//! dataset that masks the PII of its plain fields.
//!
//! docs/datasets.md "Datasets" (the policy table): `encrypt`, `tokenize`, `mask` and `redact`
//! fields are stored as envelope v2 only; `plain` fields "as given", in the record item
//! (docs/keys.md "record": "plain fields in clear") and, when searchable, in their index entry
//! (docs/keys.md "record index entry": "with the field's ciphertext or value"); a dataset whose
//! `pii` is `mask` masks what the engine finds in plain fields "before storing". Payloads sent
//! through the function are sealed (API.md "sealed with the dataset's key into the blob
//! store"); a presigned upload is the object as sent, under SSE-KMS (API.md, the blob store
//! encrypts it, not Coffer). An idempotency key rests only as a digest (docs/keys.md
//! "idempotency key"). The dataset's name and description are in its item (docs/keys.md
//! "dataset").

use axum::body::Body;
use axum::http::HeaderValue;
use coffer_core::Backend;
use coffer_core::ids::{DatasetId, RecordId};
use coffer_core::store::schema;
use serde_json::{Value, json};

use super::Scene;
use crate::canaries::driver::ok;
use crate::canaries::values::Place;

pub async fn plant(s: &mut Scene<'_>) {
    let d = s.d;
    let (owner, member) = (s.owner.token.clone(), s.member.token.clone());
    let (owner, member) = (Some(owner.as_str()), Some(member.as_str()));
    let name = s.c.text("dataset_name");
    let description = s.c.text("dataset_description");
    let spec = json!({
        "org_id": s.org, "name": name, "description": description,
        "fields": {
            "enc": "encrypt", "tok": "tokenize", "msk": "mask", "red": "redact",
            "note": {"policy": "plain", "searchable": true}, "memo": "plain",
        },
        "schema": {"type": "object", "properties": {"age": {"type": "integer"}, "code": {"type": "string", "pattern": "^[0-9]+$"}}},
        "pii": "flag",
    });
    let dataset = ok(d
        .call("POST /v1/datasets", &[], "", Some(spec), owner)
        .await)
    .text("/id");
    let dst = DatasetId::parse(&dataset).unwrap();
    for field in ["dataset_name", "dataset_description"] {
        s.c.allow(field, Place::Item(schema::dataset(&dst)));
    }
    let described = s.c.text("dataset_description_new");
    s.c.allow(
        "dataset_description_new",
        Place::Item(schema::dataset(&dst)),
    );
    ok(d.call(
        "PUT /v1/datasets/{id}",
        &[&dataset],
        "",
        Some(json!({"description": described})),
        owner,
    )
    .await);
    ok(
        d.call("GET /v1/datasets/{id}", &[&dataset], "", None, owner)
            .await,
    );
    ok(d.call(
        "GET /v1/datasets",
        &[],
        &format!("org_id={}", s.org),
        None,
        owner,
    )
    .await);

    // One record: a canary in each field, the plain ones among them holding PII.
    let record = json!({
        "enc": s.c.text("record_encrypt"),
        "tok": s.c.email("record_tokenize"),
        "msk": s.c.card("record_mask"),
        "red": {"phone": s.c.phone("record_redact"), "n": 1},
        "note": s.c.text("record_plain_searchable"),
        "memo": format!("call {}", s.c.phone("record_plain_phone")),
    });
    let written = ok(d
        .call(
            "POST /v1/datasets/{id}/records",
            &[&dataset],
            "",
            Some(json!({"data": record})),
            member,
        )
        .await);
    let first = written.text("/id");
    let rec = RecordId::parse(&first).unwrap();
    s.c.allow("record_plain_searchable", Place::Item(schema::record(&rec)));
    s.c.allow(
        "record_plain_searchable",
        Place::Item(schema::record_index_entry(&rec, "note")),
    );
    s.c.allow("record_plain_phone", Place::Item(schema::record(&rec)));

    // A batch, with an idempotency key, sent twice (the second gets the stored reply).
    let batch = json!({"records": [
        {"data": {"enc": s.c.text("batch_encrypt"), "tok": s.c.text("batch_tokenize")}},
        {"data": {"red": s.c.email("batch_redact"), "msk": s.c.text("batch_mask")}},
    ]});
    let key = s.c.text("idempotency_key");
    let mut batch_ids = Vec::new();
    for _ in 0..2 {
        let mut request = coffer_testkit::json_request(
            axum::http::Method::POST,
            &format!("/v1/datasets/{dataset}/records"),
            Some(batch.clone()),
            member,
        );
        request
            .headers_mut()
            .insert("idempotency-key", HeaderValue::from_str(&key).unwrap());
        let replied = ok(d.send("POST /v1/datasets/{id}/records", request).await);
        batch_ids = replied.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect();
    }

    // Refused by the schema: the problem names the field, never the value.
    let refused = d
        .call(
            "POST /v1/datasets/{id}/records",
            &[&dataset],
            "",
            Some(json!({"data": {"age": s.c.text("record_refused_type"), "code": s.c.text("record_refused_pattern"), "enc": s.c.text("record_refused_encrypt")}})),
            member,
        )
        .await;
    assert_eq!(refused.code(), 422, "{}", refused.body);

    let tokenized = s.c.value("record_tokenize").to_owned() + "@example.com";
    for (field, value) in [
        ("tok", tokenized.as_str()),
        ("note", s.c.value("record_plain_searchable")),
    ] {
        let query = format!("field={field}&value={}", value.replace('@', "%40"));
        let found = ok(d
            .call(
                "GET /v1/datasets/{id}/search",
                &[&dataset],
                &query,
                None,
                owner,
            )
            .await);
        assert_eq!(
            found.body["items"].as_array().unwrap().len(),
            1,
            "{}",
            found.body
        );
    }
    ok(d.call(
        "GET /v1/datasets/{id}/records/{rid}",
        &[&dataset, &first],
        "",
        None,
        owner,
    )
    .await);
    ok(d.call(
        "GET /v1/datasets/{id}/records/{rid}",
        &[&dataset, &first],
        "",
        None,
        member,
    )
    .await);
    ok(d.call(
        "GET /v1/datasets/{id}/records",
        &[&dataset],
        "limit=10",
        None,
        owner,
    )
    .await);

    // A payload through the function, sealed.
    let payload = s.c.text("payload_sealed");
    ok(d.raw(
        "PUT /v1/datasets/{id}/records/{rid}/payload",
        &[&dataset, &first],
        "application/pdf",
        format!("%PDF-1.7 {payload} ").repeat(50),
        member,
    )
    .await);
    ok(d.call(
        "GET /v1/datasets/{id}/records/{rid}/payload",
        &[&dataset, &first],
        "",
        None,
        owner,
    )
    .await);

    // A payload through a presigned URL: the object as uploaded, under the store's encryption.
    let second = batch_ids[0].clone();
    let presigned = s.c.text("payload_presigned");
    s.c.allow("payload_presigned", Place::BlobOf(second.clone()));
    let url = ok(d
        .call(
            "POST /v1/datasets/{id}/records/{rid}/payload/upload-url",
            &[&dataset, &second],
            "",
            Some(json!({"content_type": "text/plain"})),
            member,
        )
        .await);
    let status = transfer(
        s,
        &url.body,
        format!("scan {presigned} ").repeat(20).into_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    let url = ok(d
        .call(
            "GET /v1/datasets/{id}/records/{rid}/payload/url",
            &[&dataset, &second],
            "",
            None,
            owner,
        )
        .await);
    assert_eq!(transfer(s, &url.body, Vec::new()).await, 200);

    // A new key version and the job that re-seals every record and payload under it.
    let job = ok(d
        .call(
            "POST /v1/datasets/{id}/rotate",
            &[&dataset],
            "",
            None,
            owner,
        )
        .await)
    .text("/id");
    coffer_core::cleanup::advance_reencryption(
        &d.app.state.ports,
        &d.app.state.settings.datasets,
        std::time::Duration::from_secs(20),
    )
    .await;
    ok(d.call(
        "GET /v1/datasets/{id}/jobs/{job}",
        &[&dataset, &job],
        "",
        None,
        owner,
    )
    .await);
    ok(d.call(
        "DELETE /v1/datasets/{id}/records/{rid}",
        &[&dataset, &batch_ids[1]],
        "",
        None,
        owner,
    )
    .await);

    // Refusals that must not quote the value: a search of a field that is not searchable, a
    // field the dataset does not have, PII in a dataset that refuses it.
    let query = format!("field=enc&value={}", s.c.text("search_unsearchable"));
    let refused = d
        .call(
            "GET /v1/datasets/{id}/search",
            &[&dataset],
            &query,
            None,
            owner,
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.body);
    let unknown = json!({"data": {"nosuchfield": s.c.text("record_unknown_field")}});
    let refused = d
        .call(
            "POST /v1/datasets/{id}/records",
            &[&dataset],
            "",
            Some(unknown),
            member,
        )
        .await;
    assert_eq!(refused.code(), 422, "{}", refused.body);
    let refusing = ok(d
        .call(
            "POST /v1/datasets",
            &[],
            "",
            Some(
                json!({"org_id": s.org, "name": format!("refusing {}", s.c.tag), "pii": "refuse"}),
            ),
            owner,
        )
        .await)
    .text("/id");
    let record = json!({"contact": format!("write to {}", s.c.email("refused_pii_email"))});
    let refused = d
        .call(
            "POST /v1/datasets/{id}/records",
            &[&refusing],
            "",
            Some(json!({"data": record})),
            member,
        )
        .await;
    assert_eq!(refused.code(), 422, "{}", refused.body);
    let validated =
        json!({"dataset_id": dataset, "records": [{"age": s.c.text("validate_dataset_type")}]});
    ok(d.call("POST /v1/validate", &[], "", Some(validated), owner)
        .await);

    // A dataset that masks what the engine finds in its plain fields before storing them.
    let masking = ok(d
        .call(
            "POST /v1/datasets",
            &[],
            "",
            Some(json!({"org_id": s.org, "name": format!("masking {}", s.c.tag), "pii": "mask"})),
            owner,
        )
        .await)
    .text("/id");
    let record = json!({"contact": format!("mail {} or {}", s.c.email("masked_email"), s.c.card("masked_card"))});
    ok(d.call(
        "POST /v1/datasets/{id}/records",
        &[&masking],
        "",
        Some(json!({"data": record})),
        member,
    )
    .await);
}

/// Uses a presigned URL as a client would: in-process for the local server's, over HTTP to S3.
async fn transfer(s: &Scene<'_>, url: &Value, body: Vec<u8>) -> u16 {
    let method = url["method"].as_str().unwrap();
    let target = url["url"].as_str().unwrap();
    let headers: Vec<(String, String)> = url["headers"]
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    match s.d.app.state.settings.backend {
        Backend::Embedded => {
            let request = coffer_testkit::presigned_request(
                method,
                target,
                headers.clone(),
                Body::from(body),
            );
            s.d.send(&format!("{method} /local-blobs"), request)
                .await
                .code()
        }
        Backend::Aws => {
            let mut request = reqwest::Client::new().request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                target,
            );
            for (name, value) in &headers {
                request = request.header(name, value);
            }
            if !body.is_empty() {
                request = request.body(body);
            }
            request.send().await.unwrap().status().as_u16()
        }
    }
}
