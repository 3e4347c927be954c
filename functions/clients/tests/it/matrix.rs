//! Every clients route × {owner, admin, member, outsider, anonymous}: owners and admins manage
//! clients and certificates, every member reads them, a non-member gets 404 and an anonymous
//! caller 401. Each case runs on an org of its own so that one role's success cannot change
//! another's answer.

use axum::http::Method;
use serde_json::{Value, json};

struct Case {
    method: Method,
    /// With `{org}`, `{client}`, `{certificate}`.
    path: &'static str,
    body: Option<fn() -> Value>,
    /// For owner, admin, member, outsider, anonymous.
    want: [u16; 5],
}

fn cases() -> Vec<Case> {
    use Method as M;
    let c = |method, path, body, want| Case {
        method,
        path,
        body,
        want,
    };
    let clients = "/v1/orgs/{org}/clients";
    let client = "/v1/orgs/{org}/clients/{client}";
    let certificates = "/v1/orgs/{org}/clients/{client}/certificates";
    let certificate = "/v1/orgs/{org}/clients/{client}/certificates/{certificate}";
    vec![
        c(M::GET, clients, None, [200, 200, 200, 404, 401]),
        c(
            M::POST,
            clients,
            Some(|| json!({"name": "another"})),
            [201, 201, 403, 404, 401],
        ),
        c(M::GET, client, None, [200, 200, 200, 404, 401]),
        c(M::DELETE, client, None, [204, 204, 403, 404, 401]),
        c(M::GET, certificates, None, [200, 200, 200, 404, 401]),
        c(
            M::POST,
            certificates,
            Some(|| json!({})),
            [201, 201, 403, 404, 401],
        ),
        c(M::DELETE, certificate, None, [204, 204, 403, 404, 401]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_clients_route_answers_each_role_as_the_permission_table_says() {
    let app = crate::spawn();
    let mut failures = Vec::new();
    for case in cases() {
        for (role, want) in ["owner", "admin", "member", "outsider", "anonymous"]
            .into_iter()
            .zip(case.want)
        {
            let w = app.org_with_every_role().await;
            let client = crate::create_client(&app, &w.id, &w.owner, json!({"name": "sync"})).await;
            let (certificate, _) = crate::create_certificate(&app, &w.id, &client, &w.owner).await;
            let path = case
                .path
                .replace("{org}", &w.id)
                .replace("{client}", &client)
                .replace("{certificate}", &certificate);
            let token = match role {
                "owner" => Some(w.owner.token.as_str()),
                "admin" => Some(w.admin.token.as_str()),
                "member" => Some(w.member.token.as_str()),
                "outsider" => Some(w.outsider.token.as_str()),
                _ => None,
            };
            let reply = app
                .call(
                    case.method.clone(),
                    &path,
                    case.body.map(|body| body()),
                    token,
                )
                .await;
            if reply.code() != want {
                failures.push(format!(
                    "{} {} as {role}: got {}, want {want}: {}",
                    case.method,
                    case.path,
                    reply.code(),
                    reply.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
