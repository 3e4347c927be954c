//! The app under test: function groups over real backends, driven in-process.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use coffer_core::http::{AppState, FunctionGroup, app};
use coffer_core::store::{Item, Query};
use coffer_core::{Clock, ManualClock, Ports, Settings};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::Reply;
use crate::fixtures::random_ip;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    /// The client IP of requests that name none.
    pub ip: IpAddr,
    _dir: Option<tempfile::TempDir>,
}

/// Argon2 kept small so that tests take seconds; everything else default.
fn test_settings(mut settings: Settings) -> Settings {
    settings.auth.argon2_memory_kib = 64;
    settings.auth.argon2_iterations = 1;
    settings.auth.argon2_parallelism = 1;
    settings
}

/// Settings for the emulator that the README's test command started.
pub fn moto_settings() -> Settings {
    let endpoint = std::env::var("COFFER_TEST_AWS_ENDPOINT").expect(
        "COFFER_TEST_AWS_ENDPOINT is not set: the AWS tests run against moto; \
         use the README's test command (./infra/test.sh), which starts it",
    );
    let vars: HashMap<String, String> = [
        ("COFFER_BACKEND", "aws"),
        ("COFFER_AWS_ENDPOINT", endpoint.as_str()),
        ("COFFER_AWS_REGION", "us-east-1"),
        ("COFFER_TABLE", "coffer-test"),
        ("COFFER_BUCKET", "coffer-test"),
        ("COFFER_KMS_KEY_ID", "alias/coffer-test"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Settings::from_vars(vars).unwrap()
}

impl TestApp {
    /// `groups` over the embedded backend in a temporary folder.
    pub fn embedded(groups: Vec<FunctionGroup>) -> Self {
        Self::embedded_with(groups, |_| {})
    }

    /// The same, with settings changed first.
    pub fn embedded_with(groups: Vec<FunctionGroup>, change: impl FnOnce(&mut Settings)) -> Self {
        Self::embedded_built(change, |_, _| groups)
    }

    /// The embedded backend, with settings changed first and groups built from the settings
    /// and ports (for tests that hold the group's service themselves).
    pub fn embedded_built(
        change: impl FnOnce(&mut Settings),
        groups: impl FnOnce(&Settings, &Ports) -> Vec<FunctionGroup>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = test_settings(Settings::embedded(dir.path()));
        change(&mut settings);
        let clock = ManualClock::starting_now();
        let ports = Ports::embedded(&settings, clock.clone() as Arc<dyn Clock>).unwrap();
        let groups = groups(&settings, &ports);
        Self::assemble(groups, settings, ports, clock, Some(dir))
    }

    /// `groups` over DynamoDB, S3 and KMS on the emulator.
    pub async fn on_moto(groups: Vec<FunctionGroup>) -> Self {
        Self::on_moto_built(|_| {}, |_, _| groups).await
    }

    /// The emulator, with settings changed first and groups built from the settings and ports.
    pub async fn on_moto_built(
        change: impl FnOnce(&mut Settings),
        groups: impl FnOnce(&Settings, &Ports) -> Vec<FunctionGroup>,
    ) -> Self {
        let mut settings = test_settings(moto_settings());
        change(&mut settings);
        coffer_core::aws::bootstrap(&settings)
            .await
            .expect("bootstrap the emulator");
        let clock = ManualClock::starting_now();
        let ports = Ports::aws(&settings, clock.clone() as Arc<dyn Clock>).await;
        let groups = groups(&settings, &ports);
        Self::assemble(groups, settings, ports, clock, None)
    }

    /// Another app on the same embedded store and clock (other settings, as another build or
    /// another function would be), from the same client IP.
    pub fn sibling(
        &self,
        change: impl FnOnce(&mut Settings),
        groups: impl FnOnce(&Settings, &Ports) -> Vec<FunctionGroup>,
    ) -> Self {
        let mut settings = (*self.state.settings).clone();
        change(&mut settings);
        let ports = Ports::embedded(&settings, self.clock.clone() as Arc<dyn Clock>).unwrap();
        let groups = groups(&settings, &ports);
        let mut app = Self::assemble(groups, settings, ports, self.clock.clone(), None);
        app.ip = self.ip;
        app
    }

    /// The app of `groups`, plus the local server's presigned-URL routes, so a test can use the
    /// URLs a service hands out (on moto they point at S3 and the routes answer 404).
    fn assemble(
        mut groups: Vec<FunctionGroup>,
        settings: Settings,
        ports: Ports,
        clock: Arc<ManualClock>,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        groups.push(coffer_core::http::local_blob_urls());
        let state = AppState::new(settings, ports);
        Self {
            router: app(groups, state.clone()),
            state,
            clock,
            ip: random_ip(),
            _dir: dir,
        }
    }

    /// Sends `request` from this app's client IP.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        self.send_from(self.ip, request).await
    }

    /// Sends `request` and keeps the reply's body as bytes (a downloaded payload).
    pub async fn send_raw(&self, mut request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(self.ip, 40_000)));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        (
            parts.status,
            parts.headers,
            body.collect().await.unwrap().to_bytes(),
        )
    }

    pub async fn send_from(&self, ip: IpAddr, mut request: Request<Body>) -> Reply {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 40_000)));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A JSON request with an optional bearer token.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        self.send(json_request(method, path, body, token)).await
    }

    /// Every audit event of `scope` (an org id, a user id, or `_`) as stored — the links of all
    /// its shards' chains — oldest first.
    pub async fn audit_links(&self, scope: &str) -> Vec<Item> {
        let mut items = Vec::new();
        for shard in 0..coffer_core::store::schema::AUDIT_SHARDS {
            items.extend(
                self.stored(Query::partition(
                    coffer_core::store::schema::audit_chain_partition(scope, shard),
                ))
                .await,
            );
        }
        items.sort_by_key(|item| item.gsi1.as_ref().map(|key| key.sk.clone()));
        items
    }

    /// Every item `query` matches, page after page, as the table holds it (for tests that check
    /// what was stored or removed).
    pub async fn stored(&self, query: Query) -> Vec<Item> {
        let (mut items, mut cursor) = (Vec::new(), None);
        loop {
            let page = self
                .state
                .ports
                .table
                .query(&query.clone().after(cursor))
                .await
                .expect("the table answers the query");
            items.extend(page.items);
            cursor = page.next_cursor;
            if cursor.is_none() {
                return items;
            }
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, None, token).await
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.call(Method::POST, path, Some(body), token).await
    }

    pub async fn patch(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.call(Method::PATCH, path, Some(body), token).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::DELETE, path, None, token).await
    }

    /// A sample event from `events/<relative>` through `lambda_http`'s own request parser, as on
    /// Lambda, with `{{session_token}}` replaced by `token` and each `(placeholder, value)` of
    /// `ids` replaced in the whole event (paths and bodies).
    /// Replays every sample event of `group` (`events/<group>/`) in the order given, asserting
    /// each reply's status, and that every file on disk has an expectation.
    pub async fn replay_events(
        &self,
        group: &str,
        expectations: &[(&str, u16)],
        token: &str,
        ids: &[(&str, &str)],
    ) {
        let dir = format!("{}/../events/{group}", env!("CARGO_MANIFEST_DIR"));
        let on_disk = std::fs::read_dir(&dir).map(Iterator::count).unwrap_or(0);
        assert_eq!(
            on_disk,
            expectations.len(),
            "every event file in {dir} has an expectation"
        );
        for (file, want) in expectations {
            let reply = self
                .replay_event(&format!("{group}/{file}"), token, ids)
                .await;
            assert_eq!(reply.code(), *want, "{file}: {}", reply.body);
        }
    }

    pub async fn replay_event(&self, relative: &str, token: &str, ids: &[(&str, &str)]) -> Reply {
        let path = format!("{}/../events/{relative}", env!("CARGO_MANIFEST_DIR"));
        let mut json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        json = json.replace("{{session_token}}", token);
        for (placeholder, value) in ids {
            json = json.replace(placeholder, value);
        }
        let request =
            lambda_http::request::from_str(&json).unwrap_or_else(|e| panic!("{relative}: {e}"));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
}

/// A request to a presigned URL a service handed out (its `url`, `method` and `headers`), for
/// sending in-process: the local server's origin is dropped, the path and signed query kept.
pub fn presigned_request<K, V>(
    method: &str,
    url: &str,
    headers: impl IntoIterator<Item = (K, V)>,
    body: impl Into<Body>,
) -> Request<Body>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("/", |slash| &after_scheme[slash..]);
    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(path);
    for (name, value) in headers {
        builder = builder.header(name.as_ref(), value.as_ref());
    }
    builder.body(body.into()).unwrap()
}

pub fn json_request(
    method: Method,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::USER_AGENT, "coffer-tests/1");
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use coffer_core::blobs::{PresignRequest, PresignedMethod};

    use super::*;

    #[tokio::test]
    async fn the_in_process_app_serves_the_presigned_urls_its_store_hands_out() {
        let app = TestApp::embedded(Vec::new());
        let presign = |method| PresignRequest {
            method,
            key: "ds/dst_1/rec_1".into(),
            expires_in: Duration::from_secs(60),
            encryption_context: [("record".to_owned(), "rec_1".to_owned())].into(),
            content_type: (method == PresignedMethod::Put).then(|| "text/plain".to_owned()),
        };
        let blobs = &app.state.ports.blobs;
        let put = blobs.presign(&presign(PresignedMethod::Put)).await.unwrap();
        let request = presigned_request(put.method, &put.url, &put.headers, "hello");
        assert_eq!(app.send(request).await.code(), 200);

        let get = blobs.presign(&presign(PresignedMethod::Get)).await.unwrap();
        let request = presigned_request(get.method, &get.url, &get.headers, Body::empty());
        let (status, headers, body) = app.send_raw(request).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "text/plain");
        assert_eq!(body.as_ref(), b"hello");
    }
}
