//! The full app (every group of `coffer_local::route_groups()`) in-process, keeping every reply
//! and which routes the scenario sent input to.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Mutex;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, header};
use coffer_testkit::{Reply, TestApp, random_ip};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// One reply as it went out.
pub struct Exchange {
    pub route: String,
    pub status: u16,
    pub headers: String,
    pub body: String,
}

pub struct Driver {
    pub app: TestApp,
    pub exchanges: Mutex<Vec<Exchange>>,
    /// `METHOD /template` of every route the scenario called.
    pub called: Mutex<BTreeSet<String>>,
}

impl Driver {
    /// `app` (built with no groups: the test kit adds the presigned-URL routes) serving every
    /// group the local server serves, as deployed.
    pub fn over(mut app: TestApp) -> Self {
        app.router = coffer_core::http::app(coffer_local::route_groups(), app.state.clone());
        Self {
            app,
            exchanges: Mutex::new(Vec::new()),
            called: Mutex::new(BTreeSet::new()),
        }
    }

    /// A JSON call of `route` (`METHOD /v1/template/{x}`) with its `{...}` filled by `ids` in
    /// order and `query` appended, from an IP of its own (so no rate limit bites).
    pub async fn call(
        &self,
        route: &str,
        ids: &[&str],
        query: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        let (method, path) = split(route, ids, query);
        let request = coffer_testkit::json_request(method, &path, body, token);
        self.send(route, request).await
    }

    /// Any request, noted under `route`.
    pub async fn send(&self, route: &str, mut request: Request<Body>) -> Reply {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(random_ip(), 40_000)));
        let response = self.app.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.called.lock().unwrap().insert(route.to_owned());
        self.exchanges.lock().unwrap().push(Exchange {
            route: route.to_owned(),
            status: parts.status.as_u16(),
            headers: format!("{:?}", parts.headers),
            body: text.clone(),
        });
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes).unwrap_or(Value::String(text))
            },
        }
    }

    /// Every reply so far, handed over.
    pub fn take_exchanges(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.exchanges.lock().unwrap())
    }

    /// A request with a raw body and content type.
    pub async fn raw(
        &self,
        route: &str,
        ids: &[&str],
        content_type: &str,
        body: impl Into<Body>,
        token: Option<&str>,
    ) -> Reply {
        let (method, path) = split(route, ids, "");
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::USER_AGENT, "coffer-tests/1")
            .header(header::CONTENT_TYPE, content_type);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(route, builder.body(body.into()).unwrap()).await
    }
}

/// Asserts a 2xx and hands the reply on.
#[track_caller]
pub fn ok(reply: Reply) -> Reply {
    assert!(
        reply.status.is_success(),
        "{}: {}",
        reply.status,
        reply.body
    );
    reply
}

fn split(route: &str, ids: &[&str], query: &str) -> (Method, String) {
    let (method, template) = route.split_once(' ').unwrap();
    let mut path = String::new();
    let mut ids = ids.iter();
    for (i, part) in template.split('{').enumerate() {
        if i == 0 {
            path.push_str(part);
        } else {
            let (_, rest) = part.split_once('}').unwrap();
            path.push_str(ids.next().expect("an id per placeholder"));
            path.push_str(rest);
        }
    }
    assert!(
        ids.next().is_none(),
        "as many ids as placeholders in {route}"
    );
    if !query.is_empty() {
        path = format!("{path}?{query}");
    }
    (Method::from_bytes(method.as_bytes()).unwrap(), path)
}
