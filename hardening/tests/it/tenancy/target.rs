//! The target org's real resources, made by its owner through the API before the matrix runs,
//! so that every path parameter names something that exists: a gate that let the wrong
//! principal through would hand over real data, not a 404 for a made-up id.

use axum::body::Body;
use axum::http::{Method, Request, header};
use coffer_core::Backend;
use coffer_testkit::{TestApp, User, presigned_request, unique_email};
use serde_json::{Value, json};

use super::principals::Principals;

/// What the target org holds, by id.
pub struct Target {
    pub org: String,
    pub vault: String,
    pub key: String,
    /// A ciphertext of `key`.
    pub ciphertext: String,
    /// A text with a token the org's PII key made.
    pub pii_token_text: String,
    pub dataset: String,
    /// A record with an in-function payload.
    pub record: String,
    /// A record without a payload (upload URLs are asked for it).
    pub bare_record: String,
    /// The searchable email of `record`.
    pub record_email: String,
    /// A record whose payload was uploaded through a presigned URL.
    pub uploaded_record: String,
    /// A dataset being re-keyed, and the job doing it.
    pub rotating_dataset: String,
    pub job: String,
    /// A machine client and its certificate (not the ones the principals use).
    pub client: String,
    pub certificate: String,
    pub invitation: String,
    pub team: String,
    /// A plain member that refused removals aim at (the `member` principal leaving would be
    /// allowed, so it is not the one aimed at).
    pub bystander: User,
    /// Every id, name, email and value of the org that a refusal must not repeat.
    pub secrets: Vec<String>,
}

/// The record the datasets hold (values a leak would show).
pub fn record_data() -> Value {
    json!({
        "email": format!("tenant-{}@example.com", ulid::Ulid::new().to_string().to_lowercase()),
        "ssn": "078-05-1120",
        "note": "tenancy canary",
    })
}

/// A dataset with one sealed and one searchable sealed field.
pub fn dataset_body(org: &str) -> Value {
    json!({
        "org_id": org,
        "name": format!("tenancy-{}", ulid::Ulid::new()),
        "fields": {"ssn": "encrypt", "email": "tokenize", "note": "plain"},
    })
}

impl Target {
    pub async fn set_up(app: &TestApp, principals: &Principals) -> Self {
        let org = principals.target.id.clone();
        let owner = &principals.target.owner;
        let by = Some(owner.token.as_str());
        let mut secrets = Vec::new();
        let mut keep = |value: &str| secrets.push(value.to_owned());

        let org_name = created(app.get(&format!("/v1/orgs/{org}"), by).await, 200).text("/name");
        keep(&org);
        keep(&org_name);
        for user in [
            &principals.target.owner,
            &principals.target.admin,
            &principals.target.member,
        ] {
            keep(&user.id);
            keep(&user.email);
        }

        let vault_name = format!("tenancy-vault-{}", ulid::Ulid::new());
        let vault = app.create_vault(&org, owner, &vault_name).await;
        keep(&vault);
        keep(&vault_name);

        let key_name = format!("tenancy-key-{}", ulid::Ulid::new());
        let key = created(
            app.post("/v1/keys", json!({"org_id": org, "name": key_name}), by)
                .await,
            201,
        )
        .text("/id");
        keep(&key);
        keep(&key_name);
        let ciphertext = created(
            app.post(
                "/v1/encrypt",
                json!({"key": key, "plaintext": "dGVuYW5jeSBzZWNyZXQ="}),
                by,
            )
            .await,
            200,
        )
        .text("/ciphertext");
        keep(&ciphertext);

        let pii_token_text = created(
            app.post(
                "/v1/anonymize",
                json!({
                    "org_id": org,
                    "text": "write to pii-canary@example.com",
                    "operators": {"default": {"type": "tokenize"}},
                }),
                by,
            )
            .await,
            200,
        )
        .text("/text");
        assert!(pii_token_text.contains("<tok:"), "{pii_token_text}");
        keep(&pii_token_text);

        let dataset_reply = created(app.post("/v1/datasets", dataset_body(&org), by).await, 201);
        let dataset = dataset_reply.text("/id");
        keep(&dataset);
        keep(&dataset_reply.text("/name"));
        let data = record_data();
        let record_email = data["email"].as_str().unwrap().to_owned();
        keep(&record_email);
        keep(data["ssn"].as_str().unwrap());
        let records = format!("/v1/datasets/{dataset}/records");
        let record = created(app.post(&records, json!({"data": data}), by).await, 201).text("/id");
        let bare_record = created(
            app.post(&records, json!({"data": record_data()}), by).await,
            201,
        )
        .text("/id");
        let uploaded_record = created(
            app.post(&records, json!({"data": record_data()}), by).await,
            201,
        )
        .text("/id");
        for id in [&record, &bare_record, &uploaded_record] {
            keep(id);
        }
        let stored = app
            .send(
                Request::builder()
                    .method(Method::PUT)
                    .uri(format!("{records}/{record}/payload"))
                    .header(header::AUTHORIZATION, format!("Bearer {}", owner.token))
                    .header(header::CONTENT_TYPE, "application/octet-stream")
                    .body(Body::from("tenancy payload canary"))
                    .unwrap(),
            )
            .await;
        created(stored, 200);
        let url = created(
            app.post(
                &format!("{records}/{uploaded_record}/payload/upload-url"),
                json!({}),
                by,
            )
            .await,
            200,
        );
        let headers: Vec<(String, String)> = url.body["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        upload(app, &url.text("/method"), &url.text("/url"), headers).await;

        let rotating_dataset =
            created(app.post("/v1/datasets", dataset_body(&org), by).await, 201).text("/id");
        keep(&rotating_dataset);
        let job = created(
            app.call(
                Method::POST,
                &format!("/v1/datasets/{rotating_dataset}/rotate"),
                None,
                by,
            )
            .await,
            202,
        )
        .text("/id");
        keep(&job);

        let client_name = format!("tenancy-client-{}", ulid::Ulid::new());
        let client = created(
            app.post(
                &format!("/v1/orgs/{org}/clients"),
                json!({"name": client_name}),
                by,
            )
            .await,
            201,
        )
        .text("/id");
        keep(&client);
        keep(&client_name);
        let certificate = created(
            app.post(
                &format!("/v1/orgs/{org}/clients/{client}/certificates"),
                json!({}),
                by,
            )
            .await,
            201,
        )
        .text("/id");
        keep(&certificate);

        let invited = unique_email();
        let invitation = created(
            app.post(
                &format!("/v1/orgs/{org}/members"),
                json!({"email": invited, "role": "member"}),
                by,
            )
            .await,
            202,
        )
        .text("/invitation/id");
        keep(&invitation);
        keep(&invited);

        let team_name = format!("tenancy-team-{}", ulid::Ulid::new());
        let team = created(
            app.post(
                &format!("/v1/orgs/{org}/teams"),
                json!({"name": team_name}),
                by,
            )
            .await,
            201,
        )
        .text("/id");
        keep(&team);
        keep(&team_name);
        created(
            app.post(
                &format!("/v1/orgs/{org}/teams/{team}/members"),
                json!({"user_id": principals.target.member.id}),
                by,
            )
            .await,
            201,
        );

        let bystander = app.sign_up().await;
        app.add_member(&org, owner, &bystander, "member").await;
        keep(&bystander.id);
        keep(&bystander.email);

        Self {
            org,
            vault,
            key,
            ciphertext,
            pii_token_text,
            dataset,
            record,
            bare_record,
            record_email,
            uploaded_record,
            rotating_dataset,
            job,
            client,
            certificate,
            invitation,
            team,
            bystander,
            secrets,
        }
    }
}

/// Uploads a payload to a presigned URL: in-process on the embedded backend (the app serves
/// its URLs), to the emulator's S3 on the AWS backends.
async fn upload(app: &TestApp, method: &str, url: &str, headers: Vec<(String, String)>) {
    if matches!(app.state.settings.backend, Backend::Aws) {
        let mut request = reqwest::Client::new()
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let sent = request.body("uploaded canary").send().await.unwrap();
        assert!(sent.status().is_success(), "{}", sent.status());
    } else {
        let sent = app
            .send(presigned_request(method, url, headers, "uploaded canary"))
            .await;
        assert!(sent.status.is_success(), "{}", sent.body);
    }
}

/// `reply`, which must have `status`.
#[track_caller]
pub fn created(reply: coffer_testkit::Reply, status: u16) -> coffer_testkit::Reply {
    assert_eq!(reply.code(), status, "{}", reply.body);
    reply
}
