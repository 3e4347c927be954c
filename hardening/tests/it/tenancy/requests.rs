//! One request per route: its path parameters filled with the target org's real ids, and a
//! valid body (fresh names, so a create that is allowed twice never collides), so a refusal
//! comes from the gate and not from validation. A route that destroys what it names gets, for
//! each principal that may do it, a throwaway resource of the target org made just before; the
//! principals that may not aim at the real one (which must survive them).

use axum::body::Body;
use axum::http::{Method, Request, header};
use coffer_testkit::{TestApp, unique_email};
use serde_json::{Value, json};

use super::principals::Principals;
use super::routes::Operation;
use super::target::{Target, created, dataset_body, record_data};

/// A request as the matrix sends it, before a credential is added.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub body: CallBody,
}

#[derive(Debug, Clone)]
pub enum CallBody {
    None,
    Json(Value),
    /// A binary payload.
    Bytes(&'static str),
}

impl Call {
    fn new(method: &str, path: String, body: CallBody) -> Self {
        Self {
            method: Method::from_bytes(method.as_bytes()).unwrap(),
            path,
            body,
        }
    }

    /// The request, with `token` as the bearer credential if there is one.
    pub fn request(&self, token: Option<&str>) -> Request<Body> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(&self.path)
            .header(header::USER_AGENT, "coffer-tenancy/1");
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        match &self.body {
            CallBody::None => builder.body(Body::empty()),
            CallBody::Json(value) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(value.to_string())),
            CallBody::Bytes(bytes) => builder
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(*bytes)),
        }
        .unwrap()
    }

    /// Whether the request itself names `value` (a reply may echo what it was sent).
    pub fn mentions(&self, value: &str) -> bool {
        self.path.contains(value)
            || matches!(&self.body, CallBody::Json(body) if body.to_string().contains(value))
    }
}

fn fresh(what: &str) -> String {
    format!("tenancy-{what}-{}", ulid::Ulid::new())
}

/// The request for `operation`. With `throwaway`, a route that destroys what it names aims at
/// a resource made for this call alone.
pub async fn call_for(
    app: &TestApp,
    principals: &Principals,
    target: &Target,
    operation: &Operation,
    throwaway: bool,
) -> Call {
    let t = target;
    let org = &t.org;
    let owner = Some(principals.target.owner.token.as_str());
    let json = CallBody::Json;
    let (method, path) = (operation.method.as_str(), operation.path.as_str());
    let (path, body) = match (method, path) {
        ("GET" | "PATCH" | "DELETE", "/v1/orgs/{org}") => (
            format!("/v1/orgs/{org}"),
            if method == "PATCH" {
                json(json!({"name": fresh("org")}))
            } else {
                CallBody::None
            },
        ),
        ("GET", "/v1/orgs/{org}/members") => (format!("/v1/orgs/{org}/members"), CallBody::None),
        ("POST", "/v1/orgs/{org}/members") => (
            format!("/v1/orgs/{org}/members"),
            json(json!({"email": unique_email(), "role": "member"})),
        ),
        ("PATCH", "/v1/orgs/{org}/members/{user}") => (
            format!("/v1/orgs/{org}/members/{}", t.bystander.id),
            json(json!({"role": "member"})),
        ),
        ("DELETE", "/v1/orgs/{org}/members/{user}") => {
            let user = if throwaway {
                let user = app.sign_up().await;
                app.add_member(org, &principals.target.owner, &user, "member")
                    .await;
                user.id
            } else {
                t.bystander.id.clone()
            };
            (format!("/v1/orgs/{org}/members/{user}"), CallBody::None)
        }
        ("GET", "/v1/orgs/{org}/invitations") => {
            (format!("/v1/orgs/{org}/invitations"), CallBody::None)
        }
        ("DELETE", "/v1/orgs/{org}/invitations/{invitation}") => {
            let invitation = if throwaway {
                created(
                    app.post(
                        &format!("/v1/orgs/{org}/members"),
                        json!({"email": unique_email(), "role": "member"}),
                        owner,
                    )
                    .await,
                    202,
                )
                .text("/invitation/id")
            } else {
                t.invitation.clone()
            };
            (
                format!("/v1/orgs/{org}/invitations/{invitation}"),
                CallBody::None,
            )
        }
        ("GET", "/v1/orgs/{org}/teams") => (format!("/v1/orgs/{org}/teams"), CallBody::None),
        ("POST", "/v1/orgs/{org}/teams") => (
            format!("/v1/orgs/{org}/teams"),
            json(json!({"name": fresh("team")})),
        ),
        ("DELETE", "/v1/orgs/{org}/teams/{team}") => {
            let team = if throwaway {
                new_team(app, org, owner, None).await
            } else {
                t.team.clone()
            };
            (format!("/v1/orgs/{org}/teams/{team}"), CallBody::None)
        }
        ("GET", "/v1/orgs/{org}/teams/{team}/members") => (
            format!("/v1/orgs/{org}/teams/{}/members", t.team),
            CallBody::None,
        ),
        ("POST", "/v1/orgs/{org}/teams/{team}/members") => {
            let team = if throwaway {
                new_team(app, org, owner, None).await
            } else {
                t.team.clone()
            };
            (
                format!("/v1/orgs/{org}/teams/{team}/members"),
                json(json!({"user_id": t.bystander.id})),
            )
        }
        ("DELETE", "/v1/orgs/{org}/teams/{team}/members/{user}") => {
            let member = &principals.target.member.id;
            let team = if throwaway {
                new_team(app, org, owner, Some(member)).await
            } else {
                t.team.clone()
            };
            (
                format!("/v1/orgs/{org}/teams/{team}/members/{member}"),
                CallBody::None,
            )
        }
        ("GET", "/v1/orgs/{org}/vaults") => (format!("/v1/orgs/{org}/vaults"), CallBody::None),
        ("POST", "/v1/orgs/{org}/vaults") => (
            format!("/v1/orgs/{org}/vaults"),
            json(json!({"name": fresh("vault")})),
        ),
        ("GET", "/v1/orgs/{org}/vaults/{vault}") => {
            (format!("/v1/orgs/{org}/vaults/{}", t.vault), CallBody::None)
        }
        ("DELETE", "/v1/orgs/{org}/vaults/{vault}") => {
            let vault = if throwaway {
                app.create_vault(org, &principals.target.owner, &fresh("vault"))
                    .await
            } else {
                t.vault.clone()
            };
            (format!("/v1/orgs/{org}/vaults/{vault}"), CallBody::None)
        }
        ("GET", "/v1/orgs/{org}/clients") => (format!("/v1/orgs/{org}/clients"), CallBody::None),
        ("POST", "/v1/orgs/{org}/clients") => (
            format!("/v1/orgs/{org}/clients"),
            json(json!({"name": fresh("client"), "scopes": ["org:read"]})),
        ),
        ("GET", "/v1/orgs/{org}/clients/{client}") => (
            format!("/v1/orgs/{org}/clients/{}", t.client),
            CallBody::None,
        ),
        ("DELETE", "/v1/orgs/{org}/clients/{client}") => {
            let client = if throwaway {
                created(
                    app.post(
                        &format!("/v1/orgs/{org}/clients"),
                        json!({"name": fresh("client")}),
                        owner,
                    )
                    .await,
                    201,
                )
                .text("/id")
            } else {
                t.client.clone()
            };
            (format!("/v1/orgs/{org}/clients/{client}"), CallBody::None)
        }
        ("GET", "/v1/orgs/{org}/clients/{client}/certificates") => (
            format!("/v1/orgs/{org}/clients/{}/certificates", t.client),
            CallBody::None,
        ),
        ("POST", "/v1/orgs/{org}/clients/{client}/certificates") => (
            format!("/v1/orgs/{org}/clients/{}/certificates", t.client),
            json(json!({})),
        ),
        ("DELETE", "/v1/orgs/{org}/clients/{client}/certificates/{certificate}") => {
            let certificate = if throwaway {
                created(
                    app.post(
                        &format!("/v1/orgs/{org}/clients/{}/certificates", t.client),
                        json!({}),
                        owner,
                    )
                    .await,
                    201,
                )
                .text("/id")
            } else {
                t.certificate.clone()
            };
            (
                format!(
                    "/v1/orgs/{org}/clients/{}/certificates/{certificate}",
                    t.client
                ),
                CallBody::None,
            )
        }
        ("GET", "/v1/datasets") => (format!("/v1/datasets?org_id={org}"), CallBody::None),
        ("POST", "/v1/datasets") => ("/v1/datasets".to_owned(), json(dataset_body(org))),
        ("GET", "/v1/datasets/{id}") => (format!("/v1/datasets/{}", t.dataset), CallBody::None),
        ("PUT", "/v1/datasets/{id}") => (
            format!("/v1/datasets/{}", t.dataset),
            json(json!({"description": fresh("description")})),
        ),
        ("DELETE", "/v1/datasets/{id}") => {
            let dataset = if throwaway {
                new_dataset(app, org, owner).await
            } else {
                t.dataset.clone()
            };
            (format!("/v1/datasets/{dataset}"), CallBody::None)
        }
        ("POST", "/v1/datasets/{id}/rotate") => {
            let dataset = if throwaway {
                new_dataset(app, org, owner).await
            } else {
                t.dataset.clone()
            };
            (format!("/v1/datasets/{dataset}/rotate"), CallBody::None)
        }
        ("GET", "/v1/datasets/{id}/jobs/{job}") => (
            format!("/v1/datasets/{}/jobs/{}", t.rotating_dataset, t.job),
            CallBody::None,
        ),
        ("GET", "/v1/datasets/{id}/records") => (
            format!("/v1/datasets/{}/records", t.dataset),
            CallBody::None,
        ),
        ("POST", "/v1/datasets/{id}/records") => (
            format!("/v1/datasets/{}/records", t.dataset),
            json(json!({"data": record_data()})),
        ),
        ("GET", "/v1/datasets/{id}/records/{rid}") => (
            format!("/v1/datasets/{}/records/{}", t.dataset, t.record),
            CallBody::None,
        ),
        ("DELETE", "/v1/datasets/{id}/records/{rid}") => {
            let record = if throwaway {
                created(
                    app.post(
                        &format!("/v1/datasets/{}/records", t.dataset),
                        json!({"data": record_data()}),
                        owner,
                    )
                    .await,
                    201,
                )
                .text("/id")
            } else {
                t.record.clone()
            };
            (
                format!("/v1/datasets/{}/records/{record}", t.dataset),
                CallBody::None,
            )
        }
        ("GET", "/v1/datasets/{id}/records/{rid}/payload") => (
            format!("/v1/datasets/{}/records/{}/payload", t.dataset, t.record),
            CallBody::None,
        ),
        ("PUT", "/v1/datasets/{id}/records/{rid}/payload") => (
            format!("/v1/datasets/{}/records/{}/payload", t.dataset, t.record),
            CallBody::Bytes("tenancy payload canary"),
        ),
        ("POST", "/v1/datasets/{id}/records/{rid}/payload/upload-url") => (
            format!(
                "/v1/datasets/{}/records/{}/payload/upload-url",
                t.dataset, t.bare_record
            ),
            json(json!({})),
        ),
        ("GET", "/v1/datasets/{id}/records/{rid}/payload/url") => (
            format!(
                "/v1/datasets/{}/records/{}/payload/url",
                t.dataset, t.uploaded_record
            ),
            CallBody::None,
        ),
        ("GET", "/v1/datasets/{id}/search") => (
            format!(
                "/v1/datasets/{}/search?field=email&value={}",
                t.dataset, t.record_email
            ),
            CallBody::None,
        ),
        ("GET", "/v1/keys") => (format!("/v1/keys?org_id={org}"), CallBody::None),
        ("POST", "/v1/keys") => (
            "/v1/keys".to_owned(),
            json(json!({"org_id": org, "name": fresh("key")})),
        ),
        ("GET", "/v1/keys/{key}") => (format!("/v1/keys/{}", t.key), CallBody::None),
        ("PATCH", "/v1/keys/{key}") => (
            format!("/v1/keys/{}", t.key),
            json(json!({"deletion_allowed": false})),
        ),
        ("DELETE", "/v1/keys/{key}") => {
            let key = if throwaway {
                let key = created(
                    app.post(
                        "/v1/keys",
                        json!({"org_id": org, "name": fresh("key")}),
                        owner,
                    )
                    .await,
                    201,
                )
                .text("/id");
                created(
                    app.patch(
                        &format!("/v1/keys/{key}"),
                        json!({"deletion_allowed": true}),
                        owner,
                    )
                    .await,
                    200,
                );
                key
            } else {
                t.key.clone()
            };
            (format!("/v1/keys/{key}"), CallBody::None)
        }
        ("POST", "/v1/keys/{key}/rotate") => (format!("/v1/keys/{}/rotate", t.key), CallBody::None),
        ("POST", "/v1/keys/{key}/trim") => (
            format!("/v1/keys/{}/trim", t.key),
            json(json!({"below_version": 1})),
        ),
        ("POST", "/v1/encrypt") => (
            "/v1/encrypt".to_owned(),
            json(json!({"key": t.key, "plaintext": "aGVsbG8="})),
        ),
        ("POST", "/v1/decrypt") => (
            "/v1/decrypt".to_owned(),
            json(json!({"key": t.key, "ciphertext": t.ciphertext})),
        ),
        ("POST", "/v1/rewrap") => (
            "/v1/rewrap".to_owned(),
            json(json!({"key": t.key, "ciphertext": t.ciphertext})),
        ),
        ("POST", "/v1/anonymize") => (
            "/v1/anonymize".to_owned(),
            json(json!({
                "org_id": org,
                "text": "reach me at matrix@example.com",
                "operators": {"default": {"type": "tokenize"}},
            })),
        ),
        ("POST", "/v1/deanonymize") => (
            "/v1/deanonymize".to_owned(),
            json(json!({"org_id": org, "text": t.pii_token_text})),
        ),
        ("POST", "/v1/validate") => (
            "/v1/validate".to_owned(),
            json(json!({"dataset_id": t.dataset, "records": [{"email": "a@example.com"}]})),
        ),
        ("GET" | "POST", "/v1/audit/checkpoints")
        | ("GET", "/v1/audit/logs" | "/v1/audit/verify") => {
            (format!("{path}?org_id={org}"), CallBody::None)
        }
        ("POST", "/v1/tokens") => ("/v1/tokens".to_owned(), json(json!({"vault_id": t.vault}))),
        ("POST", "/v1/tokens/revoke") => (
            "/v1/tokens/revoke".to_owned(),
            json(json!({"vault_id": t.vault})),
        ),
        _ => panic!(
            "{}: the expectation table classifies it as org-scoped, so it needs a request here",
            operation.key()
        ),
    };
    Call::new(method, path, body)
}

/// A new team of `org`, with `member` in it if given; its id.
async fn new_team(app: &TestApp, org: &str, owner: Option<&str>, member: Option<&str>) -> String {
    let team = created(
        app.post(
            &format!("/v1/orgs/{org}/teams"),
            json!({"name": fresh("team")}),
            owner,
        )
        .await,
        201,
    )
    .text("/id");
    if let Some(member) = member {
        created(
            app.post(
                &format!("/v1/orgs/{org}/teams/{team}/members"),
                json!({"user_id": member}),
                owner,
            )
            .await,
            201,
        );
    }
    team
}

async fn new_dataset(app: &TestApp, org: &str, owner: Option<&str>) -> String {
    created(
        app.post("/v1/datasets", dataset_body(org), owner).await,
        201,
    )
    .text("/id")
}
