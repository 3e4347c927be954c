//! JSON Web Tokens: three base64url parts whose header decodes to a JSON object naming an `alg`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::EntityType;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = r"\beyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*";

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    is_jwt(scan.slice(start, end)).then(|| Hit::new(EntityType::Jwt, start, end, 0.99))
}

/// Header is a JSON object with a string `alg`; payload is a JSON object; an empty signature is
/// allowed only for `alg: none`.
pub(crate) fn is_jwt(s: &str) -> bool {
    let mut parts = s.split('.');
    let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some(header) = decode(h).and_then(|b| serde_json::from_slice::<Header>(&b).ok()) else {
        return false;
    };
    let payload_is_object = decode(p).is_some_and(|b| {
        b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{')
            && serde_json::from_slice::<serde::de::IgnoredAny>(&b).is_ok()
    });
    payload_is_object && (!sig.is_empty() || header.alg.eq_ignore_ascii_case("none"))
}

/// The one header field that matters; the rest is skipped without building a map.
#[derive(serde::Deserialize)]
struct Header {
    alg: String,
}

fn decode(part: &str) -> Option<Vec<u8>> {
    // Tokens in the wild are small; a huge part is not a header worth decoding.
    if part.len() > 8192 {
        return None;
    }
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn needs_a_json_header_with_alg() {
        let good = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"EdDSA","typ":"JWT"}"#),
            b64(r#"{"sub":"1"}"#)
        );
        assert!(is_jwt(&good));
        let no_alg = format!("{}.{}.sig", b64(r#"{"typ":"JWT"}"#), b64(r#"{"sub":"1"}"#));
        assert!(!is_jwt(&no_alg));
        let not_json = format!("{}.{}.sig", b64("hello world"), b64(r#"{"sub":"1"}"#));
        assert!(!is_jwt(&not_json));
        let unsigned = format!("{}.{}.", b64(r#"{"alg":"HS256"}"#), b64("{}"));
        assert!(!is_jwt(&unsigned));
        let none = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64("{}"));
        assert!(is_jwt(&none));
    }
}
