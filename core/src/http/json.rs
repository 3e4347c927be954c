//! The JSON body extractor every route uses: bounded before it is parsed.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use super::{ApiError, AppState, BodyLimit, FieldError};

/// Deepest nesting a request body may have.
const MAX_DEPTH: usize = 64;

/// A JSON body of type `T`: 415 unless the content type is JSON, 413 past
/// `COFFER_MAX_BODY_BYTES` (or the group's own [`BodyLimit`]), 400 for malformed JSON, 422 (with the field's path) for JSON of the
/// wrong shape — including unknown fields, which `T` rejects with `#[serde(deny_unknown_fields)]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BoundedJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for BoundedJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let limit = BodyLimit::of(request.extensions().get::<BodyLimit>(), &state.settings);
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|len| len > limit) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let bytes = axum::body::to_bytes(request.into_body(), limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit })?;
        parse(&bytes).map(BoundedJson)
    }
}

/// Parses a JSON body with the rules above.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if nesting_depth(bytes) > MAX_DEPTH {
        return Err(ApiError::BadRequest(format!(
            "JSON nested deeper than {MAX_DEPTH} levels"
        )));
    }
    // serde's derived structs also read a JSON array, field by position: `[]` would pass for any
    // body whose fields are all optional. Every request body of the API is an object (or null).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "the body must be a JSON object",
        )]));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_data() {
            ApiError::Validation(vec![FieldError::new(
                if path == "." { String::new() } else { path },
                describe(&inner),
            )])
        } else {
            ApiError::BadRequest(format!(
                "malformed JSON at line {} column {}",
                inner.line(),
                inner.column()
            ))
        }
    })?;
    deserializer
        .end()
        .map_err(|_| ApiError::BadRequest("trailing characters after the JSON value".into()))?;
    Ok(value)
}

/// serde's message without the echoed input value, which may be sensitive.
fn describe(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        // "invalid type: string \"secret\", expected u32" → keep only what was expected.
        match message.rsplit_once(", expected ") {
            Some((_, expected)) => format!("expected {expected}"),
            None => "invalid value".to_owned(),
        }
    } else if message.starts_with("unknown variant") {
        // "unknown variant `secret`, expected `web` or `cli`" → the same.
        match message.rsplit_once(", expected ") {
            Some((_, expected)) => format!("unknown variant, expected {expected}"),
            None => "unknown variant".to_owned(),
        }
    } else {
        message.to_owned()
    }
}

/// How deeply `bytes` nest arrays and objects (brackets inside strings do not count). Strings
/// are skipped with `memchr` to their next quote or backslash: request bodies are mostly long
/// strings (base64 payloads), and a byte-by-byte walk cost a fifth of a 100 KiB encrypt.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut at) = (0usize, 0usize, 0usize);
    while let Some(&b) = bytes.get(at) {
        match b {
            b'"' => match string_end(bytes, at + 1) {
                Some(end) => at = end,
                // An unterminated string: no structure after it (the parser reports it).
                None => return deepest,
            },
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    deepest
}

/// The index of the quote that closes the string whose contents start at `from`.
fn string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let found = from + memchr::memchr2(b'"', b'\\', bytes.get(from..)?)?;
        if bytes[found] == b'"' {
            return Some(found);
        }
        from = found + 2; // a backslash and the character it escapes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: Option<u32>,
    }

    #[test]
    fn unknown_fields_are_a_validation_error() {
        let err = parse::<Body>(br#"{"name":"a","extra":1}"#).unwrap_err();
        assert!(
            matches!(err, ApiError::Validation(ref e) if e[0].message.contains("unknown field"))
        );
    }

    #[test]
    fn a_wrong_type_names_the_field_but_not_the_value() {
        let err = parse::<Body>(br#"{"name":"a","count":"canary-secret"}"#).unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!("expected validation")
        };
        assert_eq!(errors[0].field, "count");
        assert!(
            !errors[0].message.contains("canary-secret"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn an_unknown_variant_names_the_choices_but_not_the_value() {
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Client {
            Web,
            Cli,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct WithClient {
            client: Client,
        }
        let err = parse::<WithClient>(br#"{"client":"canary-secret"}"#).unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!("expected validation")
        };
        assert_eq!(errors[0].field, "client");
        assert_eq!(
            errors[0].message,
            "unknown variant, expected `web` or `cli`"
        );
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(
            parse::<Body>(b"{\"name\":"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Body>(br#"{"name":"a"} x"#),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn an_array_is_not_an_object_even_when_every_field_is_optional() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Optional {
            name: Option<String>,
        }
        for body in [&b"[]"[..], b" \n[\"x\"]"] {
            let Err(ApiError::Validation(errors)) = parse::<Optional>(body) else {
                panic!("an array body must be refused")
            };
            assert_eq!(errors[0].message, "the body must be a JSON object");
        }
        assert!(parse::<Option<Optional>>(b"null").is_ok());
        assert!(parse::<Optional>(b"{}").is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = "[".repeat(10_000);
        assert!(matches!(
            parse::<serde_json::Value>(deep.as_bytes()),
            Err(ApiError::BadRequest(_))
        ));
        assert_eq!(nesting_depth(br#"{"a":"[[[[","b":[1]}"#), 2);
        assert_eq!(nesting_depth(br#"{"a":"\\\"[[","b":[[1]]}"#), 3);
        assert_eq!(nesting_depth(br#"[["unterminated [[[["#), 2);
    }

    /// The plain byte-by-byte walk the fast scan replaced, as its reference.
    fn nesting_depth_byte_by_byte(bytes: &[u8]) -> usize {
        let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
        for &b in bytes {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        deepest
    }

    proptest::proptest! {
        #[test]
        fn the_fast_depth_scan_agrees_with_the_byte_by_byte_walk(text in r#"[\[\]{}"\\a,:]{0,64}"#) {
            proptest::prop_assert_eq!(
                nesting_depth(text.as_bytes()),
                nesting_depth_byte_by_byte(text.as_bytes())
            );
        }
    }
}
