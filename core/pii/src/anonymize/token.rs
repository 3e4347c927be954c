//! Reversible tokens: AES-SIV (RFC 5297, deterministic AEAD) of the value under the
//! organization's token key, with the entity type and the key version as associated data,
//! written `<tok:TYPE:v<version>:base64url>`. The same value, type and key always give the same
//! token (so tokens can be joined and searched), a token cannot be moved to another type or
//! version or forged, and it names the key version that opens it, so tokens made before a key
//! rotation still open. Tokens of the first format (`<tok:TYPE:base64url>`, no version) are
//! recognised but never open: they count as failed.

use aes_siv::KeyInit;
use aes_siv::siv::Aes256Siv;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::keys::{KeyLookup, PiiKeys};
use crate::{EntityType, MAX_INPUT_BYTES, PiiError};

/// What every token starts with.
pub(crate) const PREFIX: &str = "<tok:";

/// Longest version number written in a token (`u32::MAX` has 10 digits).
const MAX_VERSION_DIGITS: usize = 10;

/// Writes the token for `value` under `keys` to `out`.
pub(crate) fn write_token(
    keys: &PiiKeys,
    t: EntityType,
    value: &str,
    out: &mut String,
) -> Result<(), PiiError> {
    let mut siv = Aes256Siv::new_from_slice(keys.token()).map_err(|_| PiiError::Crypto)?;
    let version = keys.version().to_be_bytes();
    let ct = siv
        .encrypt([t.as_str().as_bytes(), &version], value.as_bytes())
        .map_err(|_| PiiError::Crypto)?;
    out.push_str(PREFIX);
    out.push_str(t.as_str());
    out.push_str(":v");
    out.push_str(&keys.version().to_string());
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
    /// The text with every token this organization's keys open replaced by its value.
    pub text: String,
    /// What was restored, in order.
    pub restored: Vec<Restored>,
    /// Tokens left as they are: another organization's, a key version the caller did not
    /// supply, the unversioned first format, or tampered with.
    pub failed: usize,
}

/// Puts back every `<tok:...>` token in `text` whose key version `keys` has and opens.
pub fn deanonymize_text<K: KeyLookup + ?Sized>(
    text: &str,
    keys: &K,
) -> Result<DeanonymizedText, PiiError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(PiiError::InputTooLarge {
            len: text.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    let mut opener = Opener::new(keys);
    let mut out = String::with_capacity(text.len());
    let mut restored = Vec::new();
    let mut failed = 0;
    restore_into(
        text,
        &mut opener,
        None,
        &mut out,
        &mut restored,
        &mut failed,
    );
    Ok(DeanonymizedText {
        text: out,
        restored,
        failed,
    })
}

/// Opens tokens with the keys of the version each names, building each version's cipher once
/// per call.
pub(crate) struct Opener<'k, K: ?Sized> {
    keys: &'k K,
    ciphers: Vec<(u32, Aes256Siv)>,
}

impl<'k, K: KeyLookup + ?Sized> Opener<'k, K> {
    pub(crate) fn new(keys: &'k K) -> Self {
        Self {
            keys,
            ciphers: Vec::new(),
        }
    }

    fn open(&mut self, t: EntityType, version: u32, b64: &str) -> Option<String> {
        let i = match self.ciphers.iter().position(|(v, _)| *v == version) {
            Some(i) => i,
            None => {
                let keys = self.keys.keys(version)?;
                let siv = Aes256Siv::new_from_slice(keys.token()).ok()?;
                self.ciphers.push((version, siv));
                self.ciphers.len() - 1
            }
        };
        let ct = URL_SAFE_NO_PAD.decode(b64).ok()?;
        let siv = &mut self.ciphers[i].1;
        let pt = siv
            .decrypt([t.as_str().as_bytes(), &version.to_be_bytes()], &ct)
            .ok()?;
        String::from_utf8(pt).ok()
    }
}

/// Appends `text` to `out` with its tokens opened.
pub(crate) fn restore_into<K: KeyLookup + ?Sized>(
    text: &str,
    opener: &mut Opener<'_, K>,
    field: Option<&str>,
    out: &mut String,
    restored: &mut Vec<Restored>,
    failed: &mut usize,
) {
    let mut rest = text;
    while let Some(i) = rest.find(PREFIX) {
        out.push_str(&rest[..i]);
        let after = &rest[i + PREFIX.len()..];
        let parsed = parse(after);
        let opened = parsed.as_ref().and_then(|token| {
            let version = token.version?;
            opener.open(token.entity_type, version, token.body)
        });
        match (parsed, opened) {
            (Some(token), Some(value)) => {
                let start = out.len();
                out.push_str(&value);
                restored.push(Restored {
                    entity_type: token.entity_type,
                    field: field.map(str::to_owned),
                    start,
                    end: out.len(),
                });
                rest = &after[token.len..];
            }
            (parsed, _) => {
                if parsed.is_some() {
                    *failed += 1;
                }
                out.push_str(PREFIX);
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// A token's parts, as read after its prefix.
struct Parsed<'s> {
    entity_type: EntityType,
    /// `None` for the unversioned first format, which no key opens.
    version: Option<u32>,
    body: &'s str,
    /// Bytes consumed after the prefix, through the closing `>`.
    len: usize,
}

/// `TYPE:v<version>:base64url>` (or the first format, `TYPE:base64url>`) at the start of `s`.
fn parse(s: &str) -> Option<Parsed<'_>> {
    let colon = s.bytes().take(24).position(|b| b == b':')?;
    let entity_type: EntityType = s[..colon].parse().ok()?;
    let after_type = colon + 1;
    let (version, body_at) = match version_at(&s[after_type..]) {
        Some((version, len)) => (Some(version), after_type + len),
        None => (None, after_type),
    };
    let body = &s[body_at..];
    // Read base64url characters up to the closing '>' (and no further: a search for '>' past
    // other characters would make text full of "<tok:" quadratic).
    let len = body
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))?;
    if len == 0 || body.as_bytes()[len] != b'>' {
        return None;
    }
    Some(Parsed {
        entity_type,
        version,
        body: &body[..len],
        len: body_at + len + 1,
    })
}

/// `v<digits>:` at the start of `s`: the version and the bytes it takes.
fn version_at(s: &str) -> Option<(u32, usize)> {
    let digits = s.strip_prefix('v')?;
    let n = digits
        .bytes()
        .take(MAX_VERSION_DIGITS + 1)
        .take_while(u8::is_ascii_digit)
        .count();
    if n == 0 || n > MAX_VERSION_DIGITS || digits.as_bytes().get(n) != Some(&b':') {
        return None;
    }
    // One spelling per version, so equal tokens stay equal strings.
    if n > 1 && digits.starts_with('0') {
        return None;
    }
    let version = digits[..n].parse().ok()?;
    Some((version, 1 + n + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(version: u32, token: u8) -> PiiKeys {
        PiiKeys::new(version, [0; 32], [token; 64])
    }

    fn token(keys: &PiiKeys, t: EntityType, v: &str) -> String {
        let mut s = String::new();
        write_token(keys, t, v, &mut s).unwrap();
        s
    }

    /// The base64url part of a token.
    fn body(tok: &str) -> &str {
        &tok[tok.rfind(':').unwrap() + 1..tok.len() - 1]
    }

    #[test]
    fn tokens_are_deterministic_keyed_and_name_their_key_version() {
        let k = keys(1, 1);
        let a = token(&k, EntityType::Email, "bob@example.com");
        assert!(a.starts_with("<tok:EMAIL:v1:") && a.ends_with('>'), "{a}");
        assert_eq!(a, token(&k, EntityType::Email, "bob@example.com"));
        assert_ne!(a, token(&keys(1, 2), EntityType::Email, "bob@example.com"));
        assert_ne!(a, token(&k, EntityType::Email, "bob@example.org"));
        assert!(!a.contains("bob"));
        let v7 = token(&keys(7, 1), EntityType::Email, "bob@example.com");
        assert!(v7.starts_with("<tok:EMAIL:v7:"), "{v7}");
        assert_ne!(body(&a), body(&v7), "the version is bound into the token");
    }

    #[test]
    fn round_trip_inside_text() {
        let keys = keys(1, 5);
        let tok = token(&keys, EntityType::UsSsn, "123-45-6789");
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
    fn each_token_opens_under_the_version_it_names() {
        let (v1, v2) = (keys(1, 5), keys(2, 6));
        let old = token(&v1, EntityType::Email, "old@example.com");
        let new = token(&v2, EntityType::Email, "new@example.com");
        let text = format!("{old} {new}");
        let out = deanonymize_text(&text, &[v1, v2][..]).unwrap();
        assert_eq!(out.text, "old@example.com new@example.com");
        assert_eq!(out.failed, 0);

        // Without version 2's keys its token stays as it is and counts as failed.
        let only_v1 = keys(1, 5);
        let out = deanonymize_text(&text, &only_v1).unwrap();
        assert_eq!(out.text, format!("old@example.com {new}"));
        assert_eq!(out.failed, 1);
    }

    #[test]
    fn other_keys_types_versions_and_tampering_fail_closed() {
        let keys = keys(1, 5);
        let other = token(
            &PiiKeys::new(1, [0; 32], [6; 64]),
            EntityType::Email,
            "x@y.io",
        );
        let out = deanonymize_text(&other, &keys).unwrap();
        assert_eq!((out.text.as_str(), out.failed), (other.as_str(), 1));

        let moved = token(&keys, EntityType::Email, "x@y.io").replace("EMAIL", "PERSON");
        assert_eq!(deanonymize_text(&moved, &keys).unwrap().failed, 1);

        // Relabelled to another version the caller has: the version is bound, so it fails.
        let v2 = PiiKeys::new(2, [0; 32], [5; 64]);
        let relabelled = token(&keys, EntityType::Email, "x@y.io").replace(":v1:", ":v2:");
        let both = [PiiKeys::new(1, [0; 32], [5; 64]), v2];
        assert_eq!(deanonymize_text(&relabelled, &both[..]).unwrap().failed, 1);

        let mut tampered = token(&keys, EntityType::Email, "x@y.io");
        let at = tampered.rfind(':').unwrap() + 2;
        let swap = if &tampered[at..=at] == "A" { "B" } else { "A" };
        tampered.replace_range(at..=at, swap);
        assert_eq!(deanonymize_text(&tampered, &keys).unwrap().failed, 1);

        let junk =
            "<tok:EMAIL:not base64> <tok:NOPE:abc> <tok:EMAIL:v1:> <tok:EMAIL:v01:abc> <tok:";
        let out = deanonymize_text(junk, &keys).unwrap();
        assert_eq!((out.text.as_str(), out.failed), (junk, 0));
    }

    #[test]
    fn unversioned_tokens_of_the_first_format_count_as_failed() {
        let keys = keys(1, 5);
        let tok = token(&keys, EntityType::Email, "x@y.io");
        let first_format = format!("<tok:EMAIL:{}>", body(&tok));
        let out = deanonymize_text(&format!("a {first_format} b"), &keys).unwrap();
        assert_eq!(out.text, format!("a {first_format} b"));
        assert_eq!((out.restored.len(), out.failed), (0, 1));
    }

    #[test]
    fn many_unclosed_prefixes_stay_linear() {
        let keys = keys(1, 5);
        for unit in [
            "<tok:EMAIL:aaaa",
            "<tok:EMAIL:v1:aaaa",
            "<tok:EMAIL:v111111111",
        ] {
            let text = unit.repeat(1_000_000 / unit.len());
            let t = std::time::Instant::now();
            assert_eq!(deanonymize_text(&text, &keys).unwrap().text, text);
            assert!(t.elapsed().as_secs() < 10);
        }
    }

    #[test]
    fn known_answer_rfc5297_shape() {
        // Same key, same value, same type: same token, 16-byte SIV + value length.
        let tok = token(&keys(1, 9), EntityType::Person, "Ann");
        assert!(tok.starts_with("<tok:PERSON:v1:"));
        assert_eq!(URL_SAFE_NO_PAD.decode(body(&tok)).unwrap().len(), 16 + 3);
    }
}
