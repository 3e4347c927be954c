//! One reply, its body parsed as JSON when it is JSON.

use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The status as a number, for tables of expectations.
    pub fn code(&self) -> u16 {
        self.status.as_u16()
    }

    /// The body without its `request_id`, to compare two problem documents.
    pub fn body_without_request_id(&self) -> Value {
        let mut body = self.body.clone();
        if let Some(object) = body.as_object_mut() {
            object.remove("request_id");
        }
        body
    }

    /// A string field of the body, for ids handed from one call to the next.
    pub fn text(&self, pointer: &str) -> String {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string at {pointer} in {}", self.body))
            .to_owned()
    }
}

/// Asserts that `reply` is a problem document (RFC 9457) with `status`: the status line, the
/// `application/problem+json` content type and the body's own `status`.
#[track_caller]
pub fn assert_problem(reply: &Reply, status: u16) {
    assert_eq!(reply.code(), status, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{}",
        reply.body
    );
    assert_eq!(reply.body["status"], status, "{}", reply.body);
}
