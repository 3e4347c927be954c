//! Applying operators to the spans of one string.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::keys::PiiKeys;
use super::operators::{Operator, OperatorKind, Operators};
use super::token;
use crate::{Entity, EntityType, MAX_INPUT_BYTES, PiiError};

/// One value that was changed. Offsets are into the original string; the value itself is never
/// repeated here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    /// What the value was.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// For records: the field's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// UTF-8 byte offset of the value in the original string.
    pub start: usize,
    /// End (exclusive) of the value in the original string.
    pub end: usize,
    /// What was done to it.
    pub operator: OperatorKind,
}

/// An anonymized text and what changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AnonymizedText {
    /// The text with every value replaced.
    pub text: String,
    /// What was replaced, in text order.
    pub changes: Vec<Change>,
}

/// Anonymizes `text` at the given entities (e.g. from [`crate::Detector::detect_text`]).
/// Overlapping entities keep the one that starts first (longest first on a tie). `keys` is only
/// needed for `hash` and `tokenize`.
pub fn anonymize_text(
    text: &str,
    entities: &[Entity],
    operators: &Operators,
    keys: Option<&PiiKeys>,
) -> Result<AnonymizedText, PiiError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(PiiError::InputTooLarge {
            len: text.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    operators.validate()?;
    let mut rw = Rewriter::new(operators, keys);
    let spans: Vec<(usize, &Entity)> = entities.iter().enumerate().collect();
    let mut changes = Vec::with_capacity(entities.len());
    let text = rw.rewrite(text, &spans, None, &mut changes)?;
    Ok(AnonymizedText { text, changes })
}

/// Applies operators; one per request, so pseudonyms stay consistent across a record's fields.
pub(crate) struct Rewriter<'a> {
    operators: &'a Operators,
    keys: Option<&'a PiiKeys>,
    /// Pseudonym numbers by type and SHA-256 of the value (no copy of the value is kept).
    pseudonyms: HashMap<(EntityType, [u8; 32]), usize>,
    next: [usize; EntityType::ALL.len()],
}

impl<'a> Rewriter<'a> {
    pub(crate) fn new(operators: &'a Operators, keys: Option<&'a PiiKeys>) -> Self {
        Self {
            operators,
            keys,
            pseudonyms: HashMap::new(),
            next: [0; EntityType::ALL.len()],
        }
    }

    /// The string with every span replaced; `spans` pairs each entity with its index in the
    /// caller's list (for errors).
    pub(crate) fn rewrite(
        &mut self,
        text: &str,
        spans: &[(usize, &Entity)],
        field: Option<&str>,
        changes: &mut Vec<Change>,
    ) -> Result<String, PiiError> {
        let mut order: Vec<(usize, &Entity)> = spans.to_vec();
        for &(i, e) in &order {
            if e.start > e.end
                || e.end > text.len()
                || !text.is_char_boundary(e.start)
                || !text.is_char_boundary(e.end)
            {
                return Err(PiiError::InvalidEntity { index: i });
            }
        }
        order.sort_by(|a, b| a.1.start.cmp(&b.1.start).then(b.1.end.cmp(&a.1.end)));
        let mut out = String::with_capacity(text.len() + 16 * order.len());
        let mut at = 0;
        for (_, e) in order {
            if e.start < at || e.start == e.end {
                continue;
            }
            out.push_str(&text[at..e.start]);
            let value = &text[e.start..e.end];
            let op = self.operators.for_type(e.entity_type);
            self.apply(op, e.entity_type, value, &mut out)?;
            changes.push(Change {
                entity_type: e.entity_type,
                field: field.map(str::to_owned),
                start: e.start,
                end: e.end,
                operator: op.kind(),
            });
            at = e.end;
        }
        out.push_str(&text[at..]);
        Ok(out)
    }

    fn apply(
        &mut self,
        op: &Operator,
        t: EntityType,
        value: &str,
        out: &mut String,
    ) -> Result<(), PiiError> {
        match op {
            Operator::Redact => {}
            Operator::Mask {
                masking_char,
                keep_last,
            } => mask(value, *masking_char, *keep_last, out),
            Operator::Replace {
                new_value: Some(v), ..
            } => out.push_str(v),
            Operator::Replace {
                new_value: None,
                pseudonym: false,
            } => {
                out.push('<');
                out.push_str(t.as_str());
                out.push('>');
            }
            Operator::Replace {
                new_value: None,
                pseudonym: true,
            } => {
                let digest: [u8; 32] = Sha256::digest(value.as_bytes()).into();
                let next = &mut self.next[t.index()];
                let n = *self.pseudonyms.entry((t, digest)).or_insert_with(|| {
                    *next += 1;
                    *next
                });
                out.push('<');
                out.push_str(t.as_str());
                out.push('_');
                out.push_str(&n.to_string());
                out.push('>');
            }
            Operator::Hash => {
                let keys = self.keys.ok_or(PiiError::MissingKeys("hash"))?;
                out.push_str(&hash_hex(keys.hmac(), value.as_bytes()));
            }
            Operator::Tokenize => {
                let keys = self.keys.ok_or(PiiError::MissingKeys("tokenize"))?;
                token::write_token(keys, t, value, out)?;
            }
        }
        Ok(())
    }
}

/// Masks all characters but the last `keep_last`, which is capped at half the value so a mask
/// always hides most of it.
pub(crate) fn mask(value: &str, c: char, keep_last: usize, out: &mut String) {
    let n = value.chars().count();
    let keep = keep_last.min(n / 2);
    out.extend(std::iter::repeat_n(c, n - keep));
    if keep > 0 {
        let tail_start = value
            .char_indices()
            .nth(n - keep)
            .map_or(value.len(), |(i, _)| i);
        out.push_str(&value[tail_start..]);
    }
}

/// Hex HMAC-SHA256.
pub(crate) fn hash_hex(key: &[u8; 32], value: &[u8]) -> String {
    // HMAC takes keys of any length; 32 bytes cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(value);
    let tag = mac.finalize().into_bytes();
    let mut s = String::with_capacity(64);
    for b in tag {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(t: EntityType, start: usize, end: usize) -> Entity {
        Entity {
            entity_type: t,
            start,
            end,
            score: 1.0,
            field: None,
        }
    }

    fn masked(v: &str, c: char, keep: usize) -> String {
        let mut s = String::new();
        mask(v, c, keep, &mut s);
        s
    }

    #[test]
    fn mask_keeps_at_most_half() {
        assert_eq!(masked("4111111111111111", '*', 4), "************1111");
        assert_eq!(masked("4111 1111", '#', 0), "#########");
        assert_eq!(masked("1234", '*', 4), "**34");
        assert_eq!(masked("Zoë Ünal", '*', 3), "*****nal");
        assert_eq!(masked("", '*', 3), "");
    }

    #[test]
    fn hash_is_keyed_hmac() {
        let a = hash_hex(&[1; 32], b"bob@example.com");
        let b = hash_hex(&[2; 32], b"bob@example.com");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b, "different org keys give different hashes");
        assert_eq!(a, hash_hex(&[1; 32], b"bob@example.com"));
        // RFC 4231 test case 2 (key "Jefe") checks this is HMAC-SHA256, not a bare hash
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn operators_replace_spans_and_report_without_values() {
        let text = "mail bob@example.com or call 774-999-7629";
        let es = [
            ent(EntityType::Email, 5, 20),
            ent(EntityType::Phone, 29, 41),
        ];
        let ops = Operators::default().with(
            EntityType::Phone,
            Operator::Mask {
                masking_char: '*',
                keep_last: 4,
            },
        );
        let out = anonymize_text(text, &es, &ops, None).unwrap();
        assert_eq!(out.text, "mail <EMAIL> or call ********7629");
        assert_eq!(out.changes.len(), 2);
        assert_eq!(out.changes[1].operator, OperatorKind::Mask);
        let json = serde_json::to_string(&out.changes).unwrap();
        assert!(!json.contains("bob@"));

        let redacted = anonymize_text(text, &es, &Operators::all(Operator::Redact), None).unwrap();
        assert_eq!(redacted.text, "mail  or call ");
        let fixed = Operators::all(Operator::Replace {
            new_value: Some("[x]".into()),
            pseudonym: false,
        });
        assert_eq!(
            anonymize_text(text, &es, &fixed, None).unwrap().text,
            "mail [x] or call [x]"
        );
    }

    #[test]
    fn pseudonyms_are_consistent_per_value() {
        let text = "Ann met Bob; Ann left";
        let es = [
            ent(EntityType::Person, 0, 3),
            ent(EntityType::Person, 8, 11),
            ent(EntityType::Person, 13, 16),
        ];
        let ops = Operators::all(Operator::Replace {
            new_value: None,
            pseudonym: true,
        });
        let out = anonymize_text(text, &es, &ops, None).unwrap();
        assert_eq!(out.text, "<PERSON_1> met <PERSON_2>; <PERSON_1> left");
    }

    #[test]
    fn keyed_operators_need_keys() {
        let es = [ent(EntityType::Email, 0, 5)];
        assert_eq!(
            anonymize_text("a@b.c", &es, &Operators::all(Operator::Hash), None),
            Err(PiiError::MissingKeys("hash"))
        );
        assert_eq!(
            anonymize_text("a@b.c", &es, &Operators::all(Operator::Tokenize), None),
            Err(PiiError::MissingKeys("tokenize"))
        );
        let keys = PiiKeys::new(1, [3; 32], [4; 64]);
        let out =
            anonymize_text("a@b.c", &es, &Operators::all(Operator::Hash), Some(&keys)).unwrap();
        assert_eq!(out.text, hash_hex(&[3; 32], b"a@b.c"));
    }

    #[test]
    fn bad_offsets_are_refused() {
        let es = [ent(EntityType::Email, 0, 99)];
        assert_eq!(
            anonymize_text("short", &es, &Operators::default(), None),
            Err(PiiError::InvalidEntity { index: 0 })
        );
        let es = [ent(EntityType::Person, 0, 1)];
        assert_eq!(
            anonymize_text("é", &es, &Operators::default(), None),
            Err(PiiError::InvalidEntity { index: 0 })
        );
    }

    #[test]
    fn overlapping_entities_keep_the_first() {
        let es = [ent(EntityType::Phone, 0, 12), ent(EntityType::UsSsn, 4, 15)];
        let out = anonymize_text("774-999-7629 xx", &es, &Operators::default(), None).unwrap();
        assert_eq!(out.text, "<PHONE> xx");
        assert_eq!(out.changes.len(), 1);
    }
}
