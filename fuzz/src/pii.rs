//! The PII detector and anonymizer (coffer-pii), on any text and any JSON record.
//!
//! - [`pii_detect`]: every entity lies within the text on character boundaries, in order and
//!   without overlap, scored within [min_score, 1]; records are walked without panicking.
//! - [`pii_anonymize`]: the first byte picks the operator; the rest is the text (and, if it is
//!   JSON, a record). Every valid operator succeeds, and its changes lie within the text, apart;
//!   `tokenize` then `deanonymize` gives the original text (and record) back; tokens a caller
//!   forges (any `<tok:...>` in the input) never open.

use std::sync::LazyLock;

use coffer_pii::{
    DetectOptions, Detector, Entity, Operator, Operators, PiiKeys, deanonymize_record,
    deanonymize_text,
};
use serde_json::Value;

static KEYS: LazyLock<PiiKeys> = LazyLock::new(|| PiiKeys::new(1, [5; 32], [6; 64]));

pub fn detect_seeds() -> Vec<Vec<u8>> {
    [
        "mail bob@example.com or call +1 415 555 0100; card 4111 1111 1111 1111",
        "SSN 123-45-6789, IBAN GB82 WEST 1234 5698 7654 32, ip 192.168.0.1 and 2001:db8::1",
        "John Smith was born on 1990-02-03; passport 123456789; driver's license D1234567",
        r#"{"customer": {"name": "Jane Doe", "emails": ["a@b.co", 12], "ssn": "123456789"}}"#,
        "ééé <tok:EMAIL:v1:AAAA> \u{1F600} bob@exämple.com",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

pub fn anonymize_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (op, text) in (0u8..).zip(detect_seeds()) {
        let mut seed = vec![op];
        seed.extend(text);
        seeds.push(seed);
    }
    seeds
}

/// The detector target (see the module doc).
pub fn pii_detect(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let opts = DetectOptions {
        min_score: if data.first().is_some_and(|b| b & 1 == 1) {
            0.0
        } else {
            0.5
        },
        types: None,
    };
    let entities = Detector::shared()
        .detect_text(&text, &opts)
        .unwrap_or_else(|e| panic!("detect_text refused {} bytes: {e}", text.len()));
    check_entities(&text, &entities, opts.min_score);
    if let Ok(record) = serde_json::from_slice::<Value>(data)
        && let Ok(entities) = Detector::shared().detect_record(&record, &opts)
    {
        for entity in &entities {
            assert!(entity.start < entity.end, "{entity:?}");
            assert!(entity.field.is_some(), "{entity:?}");
        }
    }
}

fn check_entities(text: &str, entities: &[Entity], min_score: f32) {
    let mut previous_end = 0;
    for entity in entities {
        assert!(
            entity.start < entity.end && entity.end <= text.len(),
            "{entity:?}"
        );
        assert!(
            text.is_char_boundary(entity.start) && text.is_char_boundary(entity.end),
            "{entity:?} splits a character"
        );
        assert!(
            entity.start >= previous_end,
            "entities overlap or are out of order: {entities:?}"
        );
        assert!((min_score..=1.0).contains(&entity.score), "{entity:?}");
        previous_end = entity.end;
    }
}

/// The operator the first byte picks.
fn operator(selector: u8, data: &[u8]) -> Operator {
    match selector % 5 {
        0 => Operator::Redact,
        1 => Operator::Mask {
            masking_char: char::from(data.get(1).copied().unwrap_or(b'*')),
            keep_last: usize::from(data.get(2).copied().unwrap_or(0) % 8),
        },
        2 => Operator::Replace {
            new_value: (selector & 0x10 == 0).then(|| "<X>".to_owned()),
            pseudonym: selector & 0x20 != 0,
        },
        3 => Operator::Hash,
        _ => Operator::Tokenize,
    }
}

/// The anonymizer target (see the module doc).
pub fn pii_anonymize(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let detector = Detector::shared();
    let opts = DetectOptions::default();
    let operators = Operators::all(operator(selector, data));
    let keys = &*KEYS;

    let anonymized = detector.anonymize_text(&text, &opts, &operators, Some(keys));
    let anonymized = match (anonymized, operators.validate()) {
        (Ok(anonymized), Ok(())) => anonymized,
        // An operator the API refuses (a control character as the mask) refuses the request.
        (Err(_), Err(_)) => return,
        (outcome, valid) => panic!("anonymize_text: {outcome:?} with operators {valid:?}"),
    };
    // Offsets are into the original text: in order, apart, on character boundaries.
    let mut previous_end = 0;
    for change in &anonymized.changes {
        assert!(
            previous_end <= change.start && change.start < change.end && change.end <= text.len(),
            "{change:?} outside the text or overlapping"
        );
        assert!(text.is_char_boundary(change.start) && text.is_char_boundary(change.end));
        previous_end = change.end;
    }
    let tokenizing = matches!(operator(selector, data), Operator::Tokenize);
    if tokenizing {
        let restored = deanonymize_text(&anonymized.text, keys)
            .unwrap_or_else(|e| panic!("deanonymize_text failed: {e}"));
        assert_eq!(restored.text, text, "tokenize then deanonymize");
    }
    // Tokens in the caller's own text are forgeries: none opens.
    if let Ok(restored) = deanonymize_text(&text, keys) {
        assert!(
            restored.restored.is_empty(),
            "a forged token opened: {text:?}"
        );
        assert_eq!(restored.text, text);
    }

    let Ok(record) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    let Ok(anonymized) = detector.anonymize_record(&record, &opts, &operators, Some(keys)) else {
        return;
    };
    if tokenizing {
        let restored = deanonymize_record(&anonymized.record, keys)
            .unwrap_or_else(|e| panic!("deanonymize_record failed: {e}"));
        assert_eq!(
            restored.record, record,
            "tokenize then deanonymize a record"
        );
    }
}
