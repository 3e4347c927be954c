//! The OpenAPI document the all-in-one app generates describes every route completely: a
//! success body, the problem documents it answers (each with a description), its request body,
//! who may call it, a declared tag, and no dangling `$ref`. Besides reading the document, the
//! tests call every operation with made-up ids: without credentials, with a session as a bearer
//! token, as the cookie, and with an access token, and with an empty, a malformed, a
//! non-JSON and an oversized body. Every status answered must be documented, and the security
//! schemes an operation names must be exactly the credentials it does not answer 401 to.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::local_server::{start_local_server, start_local_server_with};

/// The operations an OpenAPI path item may hold (its other members are not operations).
const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

/// Writes that take no request body, each for its reason. Every other POST, PUT and PATCH must
/// document one.
const WRITES_WITHOUT_BODY: &[&str] = &[
    // The org is named in the query string, as on the other audit routes.
    "POST /v1/audit/checkpoints",
    // The session is the request's credential.
    "POST /v1/auth/logout",
    // The address is the caller's own.
    "POST /v1/auth/email/verify/request",
    // A new version of the key or data key named by the path.
    "POST /v1/keys/{key}/rotate",
    "POST /v1/datasets/{id}/rotate",
];

/// Operations that answer no problem document: liveness touches nothing, and load shedding
/// never refuses it.
const ANSWERS_NO_PROBLEM: &[&str] = &["GET /v1/health"];

/// Successes that carry no body although they are not 204: the reply says only "accepted".
const SUCCESSES_WITHOUT_BODY: &[(&str, &str)] = &[
    ("POST /v1/auth/password/reset/request", "202"),
    ("POST /v1/auth/email/verify/request", "202"),
];

/// Credentials a route authenticates but refuses with 403, so that its security rightly does
/// not name their scheme: tokens are issued to a session, not to another token, and the account
/// routes take the user's session (`AccountCaller`).
const REFUSED_WITH_403: &[(&str, &str)] = &[
    ("POST /v1/tokens", "access_token"),
    ("PUT /v1/users/me", "access_token"),
    ("POST /v1/auth/password", "access_token"),
    ("GET /v1/auth/sessions", "access_token"),
    ("DELETE /v1/auth/sessions/{id}", "access_token"),
    ("GET /v1/auth/activity", "access_token"),
];

/// The route whose errors are RFC 6749 errors (`application/json`), not problem documents,
/// except for those the shared layers answer before it runs.
const OAUTH_TOKEN_ROUTE: &str = "POST /v1/oauth/token";

/// The body limit of the server the probes call (every group's), and a body over it.
const BODY_LIMIT_BYTES: usize = 1024;
const OVERSIZED_BODY_BYTES: usize = 4 * BODY_LIMIT_BYTES;

/// A well-formed ULID for made-up ids.
const ULID: &str = "01J9Z3Q4K5M6N7P8R9S0T1V2W3";

/// One operation of the document.
struct Operation<'a> {
    method: &'a str,
    path: &'a str,
    spec: &'a Value,
}

impl Operation<'_> {
    fn key(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    fn responses(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.spec["responses"]
            .as_object()
            .into_iter()
            .flat_map(|responses| responses.iter())
    }

    fn documents_status(&self, status: u16) -> bool {
        self.spec["responses"].get(status.to_string()).is_some()
    }

    /// Whether the operation refuses callers without credentials: it names security schemes,
    /// none of them the empty requirement `{}` that makes them optional.
    fn needs_credentials(&self) -> bool {
        self.spec["security"]
            .as_array()
            .is_some_and(|requirements| {
                !requirements.is_empty()
                    && requirements
                        .iter()
                        .all(|requirement| requirement.as_object().is_some_and(|r| !r.is_empty()))
            })
    }

    /// The security schemes the operation names.
    fn schemes(&self) -> BTreeSet<&str> {
        self.spec["security"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|requirement| requirement.keys().map(String::as_str))
            .collect()
    }

    fn body_content_type(&self) -> Option<&str> {
        self.spec["requestBody"]["content"]
            .as_object()
            .and_then(|content| content.keys().next())
            .map(String::as_str)
    }
}

/// Every operation of the document, in path order.
fn operations(doc: &Value) -> Vec<Operation<'_>> {
    doc["paths"]
        .as_object()
        .expect("the document has paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS.iter().filter_map(move |method| {
                item.get(*method)
                    .map(|spec| Operation { method, path, spec })
            })
        })
        .collect()
}

/// The document every function's routes make together, as `coffer-local` serves it.
async fn generated_document(base: &str) -> Value {
    let reply = reqwest::get(format!("{base}/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    reply.json().await.unwrap()
}

/// Every `$ref` anywhere under `value`.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|inner| refs(inner, found)),
        _ => {}
    }
}

/// What the document itself says wrong about `operation`.
fn static_findings(doc: &Value, operation: &Operation<'_>) -> Vec<String> {
    let key = operation.key();
    let spec = operation.spec;
    let mut findings = Vec::new();
    let mut say = |what: String| findings.push(format!("{key}: {what}"));

    if spec["summary"].as_str().is_none_or(str::is_empty) {
        say("no summary".into());
    }
    let declared_tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|tag| tag["name"].as_str())
        .collect();
    let tags: Vec<&str> = spec["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if tags.is_empty() {
        say("no tag".into());
    }
    for tag in tags.iter().filter(|tag| !declared_tags.contains(*tag)) {
        say(format!(
            "tag `{tag}` is not declared in the document's tags"
        ));
    }

    let mut successes = 0;
    let mut problems = 0;
    for (status, response) in operation.responses() {
        let content = response["content"].as_object();
        if status.starts_with('2') {
            successes += 1;
            let empty_allowed = status == "204"
                || SUCCESSES_WITHOUT_BODY.contains(&(key.as_str(), status.as_str()));
            if content.is_none_or(|c| c.is_empty()) && !empty_allowed {
                say(format!("{status} has no content"));
            }
        }
        if status.starts_with('4') || status.starts_with('5') {
            if response["description"].as_str().is_none_or(str::is_empty) {
                say(format!("{status} has no description"));
            }
            match content.and_then(|c| c.get("application/problem+json")) {
                Some(problem) => {
                    problems += 1;
                    if problem["schema"]["$ref"] != "#/components/schemas/Problem" {
                        say(format!("{status}'s problem document is not a Problem"));
                    }
                }
                None if key == OAUTH_TOKEN_ROUTE
                    && content.is_some_and(|c| c.contains_key("application/json")) => {}
                None => say(format!(
                    "{status} is not an application/problem+json Problem"
                )),
            }
        }
        for (media, body) in content.into_iter().flatten() {
            if body.get("schema").is_none() {
                say(format!("{status} {media} has no schema"));
            }
        }
    }
    if successes == 0 {
        say("no 2xx response".into());
    }
    if !ANSWERS_NO_PROBLEM.contains(&key.as_str()) {
        if problems == 0 {
            say("no problem response".into());
        }
        // Every such route reads the table, and the local server sheds load with a 503.
        if operation.spec["responses"].get("503").is_none() {
            say("no 503 (a dependency failed, or the server sheds load)".into());
        }
    }

    let takes_body = matches!(operation.method, "post" | "put" | "patch")
        && !WRITES_WITHOUT_BODY.contains(&key.as_str());
    match spec["requestBody"]["content"].as_object() {
        Some(content) if !content.is_empty() => {
            for (media, body) in content {
                if body.get("schema").is_none() {
                    say(format!("request body {media} has no schema"));
                }
            }
        }
        Some(_) => say("request body without content".into()),
        None if takes_body => say("no request body".into()),
        None => {}
    }
    if spec.get("requestBody").is_some() && WRITES_WITHOUT_BODY.contains(&key.as_str()) {
        say("documents a request body but is listed as taking none".into());
    }

    let schemes = doc["components"]["securitySchemes"].as_object();
    for requirement in spec["security"].as_array().into_iter().flatten() {
        for scheme in requirement
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, _)| name)
        {
            if !schemes.is_some_and(|s| s.contains_key(scheme)) {
                say(format!("security scheme `{scheme}` is not declared"));
            }
        }
    }
    findings
}

/// A made-up value for a path or query parameter, shaped like the ids of its kind.
fn made_up(name: &str) -> String {
    let prefix = match name {
        "org" | "org_id" => "org_",
        "vault" | "vault_id" => "vlt_",
        "client" => "cli_",
        "crt" => "crt_",
        "id" | "dataset_id" => "dst_",
        "rid" => "rec_",
        "key" => "key_",
        "team" => "team_",
        "inv" => "inv_",
        "user" | "actor" => "usr_",
        "job" => "job_",
        _ => return "x".to_owned(),
    };
    format!("{prefix}{ULID}")
}

/// The operation's URL with made-up path parameters and required query parameters.
fn made_up_url(base: &str, operation: &Operation<'_>) -> String {
    let mut path = operation.path.to_owned();
    let mut query = Vec::new();
    for param in operation.spec["parameters"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = param["name"].as_str().unwrap();
        match param["in"].as_str() {
            Some("path") => path = path.replace(&format!("{{{name}}}"), &made_up(name)),
            Some("query") if param["required"] == true => {
                query.push(format!("{name}={}", made_up(name)));
            }
            _ => {}
        }
    }
    match query.is_empty() {
        true => format!("{base}{path}"),
        false => format!("{base}{path}?{}", query.join("&")),
    }
}

/// What a probe sends as the operation's body.
#[derive(Debug, Clone, Copy)]
enum Body {
    /// An empty body of the operation's kind: `{}` for JSON.
    Empty,
    /// JSON that does not parse.
    Malformed,
    /// JSON sent as `text/plain`.
    WrongMediaType,
    /// JSON larger than the server's body limits.
    Oversized,
}

/// How a probe authenticates, with the security scheme of the document that names the way.
#[derive(Debug, Clone, Copy)]
enum Credential<'a> {
    None,
    /// A session token as a bearer token.
    Session(&'a str),
    /// A session token as the `__Host-coffer_session` cookie.
    SessionCookie(&'a str),
    /// An access token (unscoped) as a bearer token.
    AccessToken(&'a str),
}

impl Credential<'_> {
    fn scheme(self) -> &'static str {
        match self {
            Self::None => "no credentials",
            Self::Session(_) => "session",
            Self::SessionCookie(_) => "session_cookie",
            Self::AccessToken(_) => "access_token",
        }
    }
}

/// Calls the operation with made-up parameters and `body` (if it takes one).
async fn call(
    client: &reqwest::Client,
    base: &str,
    operation: &Operation<'_>,
    credential: Credential<'_>,
    body: Body,
) -> u16 {
    let method = reqwest::Method::from_bytes(operation.method.to_uppercase().as_bytes()).unwrap();
    let mut request = client.request(method, made_up_url(base, operation));
    request = match (operation.body_content_type(), body) {
        (Some("application/json"), Body::Empty) => request.json(&json!({})),
        (Some("application/json"), Body::Malformed) => {
            request.header("content-type", "application/json").body("{")
        }
        (Some("application/json"), Body::WrongMediaType) => {
            request.header("content-type", "text/plain").body("{}")
        }
        (Some("application/json"), Body::Oversized) => request.json(&json!({
            "padding": "x".repeat(OVERSIZED_BODY_BYTES)
        })),
        (Some(media), _) => request.header("content-type", media).body(""),
        (None, _) => request,
    };
    request = match credential {
        Credential::None => request,
        Credential::Session(token) | Credential::AccessToken(token) => request.bearer_auth(token),
        Credential::SessionCookie(token) => {
            request.header("cookie", format!("__Host-coffer_session={token}"))
        }
    };
    request.send().await.unwrap().status().as_u16()
}

/// A registered user's credentials: two sessions (one sent as a bearer token, one as the
/// cookie, so that logging out with one leaves the other) and an access token.
struct Credentials {
    bearer_session: String,
    cookie_session: String,
    access_token: String,
}

async fn credentials(client: &reqwest::Client, base: &str) -> Credentials {
    let email = "openapi@example.com";
    let password = "a long enough passphrase";
    let registered = client
        .post(format!("{base}/v1/auth/register"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let login = || async {
        let reply: Value = client
            .post(format!("{base}/v1/auth/login"))
            .json(&json!({"email": email, "password": password, "client": "cli"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        reply["session_token"].as_str().unwrap().to_owned()
    };
    let bearer_session = login().await;
    let cookie_session = login().await;
    let issued: Value = client
        .post(format!("{base}/v1/tokens"))
        .bearer_auth(&bearer_session)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access_token = issued["access_token"].as_str().unwrap().to_owned();
    Credentials {
        bearer_session,
        cookie_session,
        access_token,
    }
}

/// One finding a line, indented under the message.
fn lines(findings: &[String]) -> String {
    findings.iter().map(|f| format!("\n  {f}")).collect()
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_every_reference_in_it_resolves() {
    let (base, _stop, _dir) = start_local_server().await;
    let doc = generated_document(&base).await;
    assert_eq!(doc["openapi"], "3.1.0");

    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty(), "the document refers to its components");
    let dangling: Vec<String> = found
        .into_iter()
        .filter(|target| {
            let resolved = target
                .strip_prefix('#')
                .and_then(|pointer| doc.pointer(pointer));
            resolved.is_none()
        })
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        dangling.is_empty(),
        "references to missing components:{}",
        lines(&dangling)
    );
}

#[tokio::test]
async fn every_operation_documents_its_success_body_problems_request_body_tag_and_security() {
    let (base, _stop, _dir) = start_local_server().await;
    let doc = generated_document(&base).await;
    let operations = operations(&doc);
    assert!(
        operations.len() > 80,
        "every function's routes are documented"
    );

    let mut findings: Vec<String> = operations
        .iter()
        .flat_map(|operation| static_findings(&doc, operation))
        .collect();
    let mut ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for operation in &operations {
        match operation.spec["operationId"].as_str() {
            Some(id) => ids.entry(id).or_default().push(operation.key()),
            None => findings.push(format!("{}: no operationId", operation.key())),
        }
    }
    for (id, keys) in ids.into_iter().filter(|(_, keys)| keys.len() > 1) {
        findings.push(format!(
            "operationId `{id}` is shared by {}",
            keys.join(", ")
        ));
    }
    for listed in WRITES_WITHOUT_BODY {
        if !operations
            .iter()
            .any(|operation| operation.key() == *listed)
        {
            findings.push(format!(
                "{listed} is listed as taking no body but is not documented"
            ));
        }
    }
    assert!(
        findings.is_empty(),
        "the document is incomplete:{}",
        lines(&findings)
    );
}

#[tokio::test]
async fn every_status_an_operation_answers_is_documented_and_credentials_match_its_security() {
    let (base, _stop, _dir) = start_local_server_with(|settings| {
        settings.max_body_bytes = BODY_LIMIT_BYTES;
        settings.crypto_max_body_bytes = BODY_LIMIT_BYTES;
        settings.pii_max_body_bytes = BODY_LIMIT_BYTES;
        settings.datasets.max_body_bytes = BODY_LIMIT_BYTES;
    })
    .await;
    let doc = generated_document(&base).await;
    let client = reqwest::Client::new();
    let credentials = credentials(&client, &base).await;
    // Logging out ends the session the other calls use: it goes last.
    let mut operations = operations(&doc);
    operations.sort_by_key(|operation| operation.key() == "POST /v1/auth/logout");

    let mut findings = Vec::new();
    for operation in &operations {
        let key = operation.key();
        let anonymous = call(&client, &base, operation, Credential::None, Body::Empty).await;
        if (anonymous == 401) != operation.needs_credentials() {
            findings.push(format!(
                "{key}: answers {anonymous} without credentials, but its security is {}",
                operation.spec.get("security").unwrap_or(&Value::Null)
            ));
        }
        let mut answers = vec![(anonymous, Body::Empty, Credential::None)];
        let bodies = match operation.body_content_type() {
            Some("application/json") => &[
                Body::Empty,
                Body::Malformed,
                Body::WrongMediaType,
                Body::Oversized,
            ][..],
            _ => &[Body::Empty][..],
        };
        let public = operation.spec.get("security").is_none();
        let body_credential = match public {
            true => Credential::None,
            false => Credential::Session(&credentials.bearer_session),
        };
        for body in bodies {
            let status = call(&client, &base, operation, body_credential, *body).await;
            answers.push((status, *body, body_credential));
        }
        if !public {
            for credential in [
                Credential::AccessToken(&credentials.access_token),
                Credential::SessionCookie(&credentials.cookie_session),
            ] {
                let status = call(&client, &base, operation, credential, Body::Empty).await;
                answers.push((status, Body::Empty, credential));
            }
            let schemes = operation.schemes();
            for (status, body, credential) in &answers {
                if matches!(body, Body::Empty) && !matches!(credential, Credential::None) {
                    let refused = *status == 401
                        || (*status == 403
                            && REFUSED_WITH_403.contains(&(key.as_str(), credential.scheme())));
                    let accepted = !refused;
                    if accepted != schemes.contains(credential.scheme()) {
                        findings.push(format!(
                            "{key}: answers {status} to {}, but its security is {schemes:?}",
                            credential.scheme()
                        ));
                    }
                }
            }
        }
        for (status, body, credential) in answers {
            if !operation.documents_status(status) {
                findings.push(format!(
                    "{key}: answers {status} to {body:?} with {}, which it does not document",
                    credential.scheme()
                ));
            }
        }
    }
    assert!(
        findings.is_empty(),
        "the document disagrees with the routes:{}",
        lines(&findings)
    );
}
