//! Reversible tokens: AES-SIV (RFC 5297, deterministic AEAD) of the value under the
//! organization's token key, with the entity type as associated data, written
//! `<tok:TYPE:base64url>`. The same value and type always give the same token (so tokens can be
//! joined and searched), and a token cannot be moved to another type or forged.

use aes_siv::KeyInit;
use aes_siv::siv::Aes256Siv;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::keys::PiiKeys;
use crate::{EntityType, MAX_INPUT_BYTES, PiiError};

/// What every token starts with.
pub(crate) const PREFIX: &str = "<tok:";

/// Writes the token for `value` to `out`.
pub(crate) fn write_token(
    key: &[u8; 64],
    t: EntityType,
    value: &str,
    out: &mut String,
) -> Result<(), PiiError> {
    let mut siv = Aes256Siv::new_from_slice(key).map_err(|_| PiiError::Crypto)?;
    let ct = siv
        .encrypt([t.as_str().as_bytes()], value.as_bytes())
        .map_err(|_| PiiError::Crypto)?;
    out.push_str(PREFIX);
    out.push_str(t.as_str());
    out.push(':');
    URL_SAFE_NO_PAD.encode_string(ct, out);
    out.push('>');
    Ok(())
}

/// A token put back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Restored {
    /// The value's type, from the token.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// For records: the field's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// UTF-8 byte offset of the restored value in the output.
    pub start: usize,
    /// End (exclusive) of the restored value in the output.
    pub end: usize,
}

/// A text with its tokens put back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeanonymizedText {
    /// The text with every token this organization's key opens replaced by its value.
    pub text: String,
    /// What was restored, in order.
    pub restored: Vec<Restored>,
    /// Tokens left as they are: another key's, or tampered with.
    pub failed: usize,
}

/// Puts back every `<tok:...>` token in `text` that `keys` can open.
pub fn deanonymize_text(text: &str, keys: &PiiKeys) -> Result<DeanonymizedText, PiiError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(PiiError::InputTooLarge {
            len: text.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    let mut siv = Aes256Siv::new_from_slice(keys.token()).map_err(|_| PiiError::Crypto)?;
    let mut out = String::with_capacity(text.len());
    let mut restored = Vec::new();
    let mut failed = 0;
    restore_into(text, &mut siv, None, &mut out, &mut restored, &mut failed);
    Ok(DeanonymizedText {
        text: out,
        restored,
        failed,
    })
}

/// Appends `text` to `out` with its tokens opened.
pub(crate) fn restore_into(
    text: &str,
    siv: &mut Aes256Siv,
    field: Option<&str>,
    out: &mut String,
    restored: &mut Vec<Restored>,
    failed: &mut usize,
) {
    let mut rest = text;
    while let Some(i) = rest.find(PREFIX) {
        out.push_str(&rest[..i]);
        let after = &rest[i + PREFIX.len()..];
        match parse(after).and_then(|(t, b64, len)| open(siv, t, b64).map(|v| (t, v, len))) {
            Some((t, value, len)) => {
                let start = out.len();
                out.push_str(&value);
                restored.push(Restored {
                    entity_type: t,
                    field: field.map(str::to_owned),
                    start,
                    end: out.len(),
                });
                rest = &after[len..];
            }
            None => {
                if parse(after).is_some() {
                    *failed += 1;
                }
                out.push_str(PREFIX);
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// `TYPE:base64url>` at the start of `s`: the type, the base64 part and the length consumed.
fn parse(s: &str) -> Option<(EntityType, &str, usize)> {
    let colon = s.bytes().take(24).position(|b| b == b':')?;
    let t: EntityType = s[..colon].parse().ok()?;
    let body = &s[colon + 1..];
    // Read base64url characters up to the closing '>' (and no further: a search for '>' past
    // other characters would make text full of "<tok:" quadratic).
    let len = body
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))?;
    if len == 0 || body.as_bytes()[len] != b'>' {
        return None;
    }
    Some((t, &body[..len], colon + 1 + len + 1))
}

fn open(siv: &mut Aes256Siv, t: EntityType, b64: &str) -> Option<String> {
    let ct = URL_SAFE_NO_PAD.decode(b64).ok()?;
    let pt = siv.decrypt([t.as_str().as_bytes()], &ct).ok()?;
    String::from_utf8(pt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(key: &[u8; 64], t: EntityType, v: &str) -> String {
        let mut s = String::new();
        write_token(key, t, v, &mut s).unwrap();
        s
    }

    #[test]
    fn tokens_are_deterministic_and_keyed() {
        let a = token(&[1; 64], EntityType::Email, "bob@example.com");
        assert!(a.starts_with("<tok:EMAIL:") && a.ends_with('>'));
        assert_eq!(a, token(&[1; 64], EntityType::Email, "bob@example.com"));
        assert_ne!(a, token(&[2; 64], EntityType::Email, "bob@example.com"));
        assert_ne!(a, token(&[1; 64], EntityType::Email, "bob@example.org"));
        assert!(!a.contains("bob"));
    }

    #[test]
    fn round_trip_inside_text() {
        let keys = PiiKeys::new([0; 32], [5; 64]);
        let tok = token(keys.token(), EntityType::UsSsn, "123-45-6789");
        let text = format!("ssn {tok}, again {tok}.");
        let out = deanonymize_text(&text, &keys).unwrap();
        assert_eq!(out.text, "ssn 123-45-6789, again 123-45-6789.");
        assert_eq!(out.restored.len(), 2);
        assert_eq!(
            &out.text[out.restored[1].start..out.restored[1].end],
            "123-45-6789"
        );
        assert_eq!(out.failed, 0);
    }

    #[test]
    fn other_keys_types_and_tampering_fail_closed() {
        let keys = PiiKeys::new([0; 32], [5; 64]);
        let other = token(&[6; 64], EntityType::Email, "x@y.io");
        let out = deanonymize_text(&other, &keys).unwrap();
        assert_eq!((out.text.as_str(), out.failed), (other.as_str(), 1));

        let moved = token(keys.token(), EntityType::Email, "x@y.io").replace("EMAIL", "PERSON");
        assert_eq!(deanonymize_text(&moved, &keys).unwrap().failed, 1);

        let mut tampered = token(keys.token(), EntityType::Email, "x@y.io");
        tampered.replace_range(12..13, if &tampered[12..13] == "A" { "B" } else { "A" });
        assert_eq!(deanonymize_text(&tampered, &keys).unwrap().failed, 1);

        let junk = "<tok:EMAIL:not base64> <tok:NOPE:abc> <tok:";
        let out = deanonymize_text(junk, &keys).unwrap();
        assert_eq!(out.text, junk);
    }

    #[test]
    fn many_unclosed_prefixes_stay_linear() {
        let keys = PiiKeys::new([0; 32], [5; 64]);
        let text = "<tok:EMAIL:aaaa".repeat(50_000);
        let t = std::time::Instant::now();
        assert_eq!(deanonymize_text(&text, &keys).unwrap().text, text);
        assert!(t.elapsed().as_secs() < 10);
    }

    #[test]
    fn known_answer_rfc5297_shape() {
        // Same key, same value, same type: same token, 16-byte SIV + value length.
        let tok = token(&[9; 64], EntityType::Person, "Ann");
        let b64 = &tok["<tok:PERSON:".len()..tok.len() - 1];
        assert_eq!(URL_SAFE_NO_PAD.decode(b64).unwrap().len(), 16 + 3);
    }
}
