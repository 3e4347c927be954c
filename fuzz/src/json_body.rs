//! The JSON body extractor every route uses (`BoundedJson`), driven as axum drives it: a request
//! with a content type, maybe a declared length and maybe a group's own body limit.
//!
//! The first byte picks the headers and the body type; the rest is the body. Wrong content type
//! is 415, over the limit is 413, and otherwise the extractor agrees with serde_json: a body
//! that parses (not an array, at most 64 deep) is accepted with the same value, which
//! re-encodes and parses back equal; anything else is a 400 or a 422 (never echoing a value),
//! never a 5xx.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, StatusCode, header};
use coffer_core::http::{ApiError, BodyLimit, BoundedJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::fixture::Fixture;

/// Deepest nesting the extractor accepts (core's `MAX_DEPTH`).
const MAX_DEPTH: usize = 64;
/// A small group limit, so bodies over it are easy to make.
const SMALL_LIMIT: usize = 48;

/// A typical request body: optional fields, a list, a map, a tagged enum, unknown fields refused.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Typed {
    name: String,
    count: Option<u32>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    attrs: BTreeMap<String, Value>,
    operator: Option<Operation>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Operation {
    Redact,
    Mask { keep_last: usize },
}

const CONTENT_TYPES: [Option<&str>; 8] = [
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("APPLICATION/JSON"),
    Some("application/merge-patch+json"),
    Some("text/plain"),
    None,
    Some("application/jsonx"),
    Some("application/problem+json ; q=1"),
];

pub fn seeds() -> Vec<Vec<u8>> {
    let bodies: [&[u8]; 6] = [
        br#"{"name":"a","count":3,"tags":["x"],"attrs":{"k":[1,{"z":null}]},"operator":{"type":"mask","keep_last":4}}"#,
        br#"{"name":"a","extra":1}"#,
        br#"{"name":"a","count":"canary-secret","tags":"canary-1","operator":{"type":"canary-2"}}"#,
        br#"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"#,
        br#"{"a":"\"[[[\\","b":1e400} trailing"#,
        b"",
    ];
    let mut seeds = Vec::new();
    for (mode, body) in [0u8, 1, 0x28, 0x10, 0x20, 4].iter().zip(bodies) {
        let mut seed = vec![*mode];
        seed.extend_from_slice(body);
        seeds.push(seed);
    }
    // Right at the nesting limit, and one past it.
    for depth in [MAX_DEPTH, MAX_DEPTH + 1] {
        let mut seed = vec![0u8];
        let inner = depth - 1;
        seed.extend(format!(r#"{{"a":{}1{}}}"#, "[".repeat(inner), "]".repeat(inner)).into_bytes());
        seeds.push(seed);
    }
    seeds
}

/// The JSON body target (see the module doc).
pub fn json_body(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(mode & 0x07)];
    let declare_length = mode & 0x08 != 0;
    let small_limit = mode & 0x10 != 0;
    let typed = mode & 0x20 != 0;

    let fixture = Fixture::get();
    let mut request = Request::builder().method("POST").uri("/v1/fuzz");
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    if declare_length {
        request = request.header(header::CONTENT_LENGTH, body.len());
    }
    if small_limit {
        request = request.extension(BodyLimit(|_| SMALL_LIMIT));
    }
    let Ok(request) = request.body(Body::from(body.to_vec())) else {
        return;
    };
    let limit = if small_limit {
        SMALL_LIMIT
    } else {
        fixture.state.settings.max_body_bytes
    };

    let outcome: Result<Value, ApiError> = if typed {
        fixture
            .block_on(BoundedJson::<Typed>::from_request(request, &fixture.state))
            .map(|BoundedJson(typed)| serde_json::to_value(typed).unwrap_or_default())
    } else {
        fixture
            .block_on(BoundedJson::<Value>::from_request(request, &fixture.state))
            .map(|BoundedJson(value)| value)
    };

    let is_json = content_type.is_some_and(|t| {
        let mime = t
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
    });
    let status = outcome.as_ref().err().map(ApiError::status);
    if !is_json {
        return assert_eq!(status, Some(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    if body.len() > limit {
        return assert_eq!(status, Some(StatusCode::PAYLOAD_TOO_LARGE));
    }
    // A top-level array is refused: derived structs would read one field by position.
    let expected = serde_json::from_slice::<Value>(body)
        .ok()
        .filter(|value| depth(value) <= MAX_DEPTH && !value.is_array());
    match (outcome, expected) {
        (Ok(value), Some(expected)) => {
            if !typed {
                assert_eq!(value, expected, "the extractor and serde_json disagree");
            }
            let encoded = serde_json::to_vec(&value).unwrap_or_default();
            assert_eq!(serde_json::from_slice::<Value>(&encoded).ok(), Some(value));
        }
        (Ok(value), None) => panic!("accepted a body serde_json refuses: {value:?}"),
        (Err(e), Some(_)) if !typed => panic!("refused a valid JSON value: {e:?}"),
        (Err(e), _) => assert!(
            matches!(
                e.status(),
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
            ),
            "{e:?}"
        ),
    }
}

/// How deeply a value nests arrays and objects (a scalar: 0).
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(fields) => 1 + fields.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}
