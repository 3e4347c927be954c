//! Property tests (proptest): offsets on character boundaries for any input, no detected value
//! survives anonymization, tokens round-trip, and nothing panics (the fuzz requirement).

use coffer_pii::{
    DetectOptions, Detector, Operator, Operators, PiiKeys, anonymize_text, deanonymize_record,
    deanonymize_text,
};
use proptest::prelude::*;
use serde_json::Value;

/// Values of every type, plus look-alikes and words, to build texts that exercise the matcher.
const FRAGMENTS: &[&str] = &[
    "lhayes@example.org",
    "774-999-7629",
    "(811) 702-4807",
    "+1 592 588 9546",
    "+44 20 7946 0958",
    "195-24-8388",
    "4921742180967924",
    "3586 0668 9283 8381",
    "GB82 WEST 1234 5698 7654 32",
    "214.182.1.74",
    "2001:db8:85a3::8a2e:370:7334",
    "97:c5:25:26:2e:6a",
    "Justin Glass",
    "Mr. Philip Paul",
    "born 1985-02-27",
    "DOB January 24, 1997",
    "passport Z09679290",
    "driver license D1234567",
    "https://fleming.info/account/settings",
    "AKIAMPB5U4MOS7AF5R2F",
    "sk_live_n6QMfStFUWSus4jowQUux6huTCKM658R6rCH",
    "T11NCue1cr3McRTrKwtPYKbPizDmbX1rpXjYd",
    "eyJhbGciOiAiRWREU0EiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiNTUyNDU0ZjEiLCAiZXhwIjogMTc4OTI3Nzc3NX0.A_ZowuweIj-0GQIPd8x8La6PMHKCMPy7xCFrpGIdZWv9",
    "wallet 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "Customer",
    "ticket 4538401916146107",
    "version 8.9.18",
    "at 02:19",
    "ssn",
    "Zoë",
    "日本語",
    "é",
    "\u{1F600}",
    "",
];

fn fragment_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => "[ -~]{0,12}",
        1 => any::<String>().prop_map(|s| s.chars().take(8).collect::<String>()),
    ];
    let sep = prop::sample::select(&[" ", ", ", "; ", "\n", "", ":", "(", ")", "é", "\t"][..]);
    prop::collection::vec((piece, sep), 0..12)
        .prop_map(|v| v.into_iter().map(|(p, s)| p + s).collect())
}

fn lossy_bytes() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..600)
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![fragment_text(), lossy_bytes(), any::<String>()]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any_text().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(
                    &[
                        "ssn", "email", "name", "dob", "note", "card", "x y", "phone"
                    ][..]
                ),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn keys() -> PiiKeys {
    PiiKeys::new(1, [7; 32], [11; 64])
}

fn every_operator() -> Vec<Operators> {
    vec![
        Operators::all(Operator::Redact),
        Operators::all(Operator::Mask {
            masking_char: '*',
            keep_last: 4,
        }),
        Operators::all(Operator::Replace {
            new_value: None,
            pseudonym: false,
        }),
        Operators::all(Operator::Replace {
            new_value: None,
            pseudonym: true,
        }),
        Operators::all(Operator::Hash),
        Operators::all(Operator::Tokenize),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn offsets_are_in_range_on_char_boundaries_and_disjoint(text in any_text()) {
        let opts = DetectOptions { min_score: 0.0, types: None };
        let found = Detector::shared().detect_text(&text, &opts).unwrap();
        let mut last_end = 0;
        for e in &found {
            prop_assert!(e.start < e.end && e.end <= text.len());
            prop_assert!(text.is_char_boundary(e.start) && text.is_char_boundary(e.end));
            prop_assert!(e.start >= last_end, "overlap in {:?}", found);
            prop_assert!((0.0..=1.0).contains(&e.score));
            last_end = e.end;
        }
    }

    #[test]
    fn no_detected_value_survives_anonymization(text in fragment_text()) {
        let det = Detector::shared();
        let found = det.detect_text(&text, &DetectOptions::default()).unwrap();
        let k = keys();
        for ops in every_operator() {
            let out = anonymize_text(&text, &found, &ops, Some(&k)).unwrap();
            prop_assert_eq!(out.changes.len(), found.len());
            for e in &found {
                let value = &text[e.start..e.end];
                // A value that also occurs where it was not detected (or overlapping another value)
                // is not this test's business.
                let elsewhere = text
                    .match_indices(value)
                    .any(|(i, _)| !found.iter().any(|f| f.start == i && f.end == i + value.len()));
                if !elsewhere {
                    prop_assert!(!out.text.contains(value), "{:?} survived {:?} in {:?}", value, ops, out.text);
                }
            }
        }
    }

    #[test]
    fn tokenize_then_deanonymize_round_trips(text in any_text()) {
        let k = keys();
        let det = Detector::shared();
        let out = det.anonymize_text(&text, &DetectOptions::default(), &Operators::all(Operator::Tokenize), Some(&k)).unwrap();
        let back = deanonymize_text(&out.text, &k).unwrap();
        prop_assert_eq!(back.text, text);
        prop_assert_eq!(back.restored.len(), out.changes.len());
    }

    #[test]
    fn tokens_open_only_under_the_org_and_version_that_made_them(text in any_text()) {
        let v2 = || PiiKeys::new(2, [8; 32], [12; 64]);
        let det = Detector::shared();
        let out = det.anonymize_text(&text, &DetectOptions::default(), &Operators::all(Operator::Tokenize), Some(&v2())).unwrap();
        // Every version the org has: each token finds its own.
        let back = deanonymize_text(&out.text, &[keys(), v2()][..]).unwrap();
        prop_assert_eq!(&back.text, &text);
        // Another org's keys of the same version open none of them.
        let elsewhere = deanonymize_text(&out.text, &PiiKeys::new(2, [8; 32], [13; 64])).unwrap();
        prop_assert_eq!(&elsewhere.text, &out.text);
        prop_assert!(elsewhere.restored.is_empty());
        prop_assert!(elsewhere.failed >= out.changes.len());
    }

    #[test]
    fn records_never_panic_and_round_trip(v in json_value()) {
        let det = Detector::shared();
        let found = det.detect_record(&v, &DetectOptions::default()).unwrap();
        for e in &found {
            prop_assert!(e.field.is_some());
        }
        let k = keys();
        let out = det.anonymize_record(&v, &DetectOptions::default(), &Operators::all(Operator::Tokenize), Some(&k)).unwrap();
        let back = deanonymize_record(&out.record, &k).unwrap();
        // Integers that were tokenized come back as strings; everything else is identical.
        if !contains_tokenized_number(&v, &found) {
            prop_assert_eq!(back.record, v);
        }
    }
}

/// Whether some entity sits in an integer leaf (those come back as strings).
fn contains_tokenized_number(v: &Value, found: &[coffer_pii::Entity]) -> bool {
    fn walk(v: &Value, path: &mut String, found: &[coffer_pii::Entity], hit: &mut bool) {
        match v {
            Value::Number(_) => {
                *hit |= found
                    .iter()
                    .any(|e| e.field.as_deref() == Some(path.as_str()))
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let n = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(x, path, found, hit);
                    path.truncate(n);
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    let n = path.len();
                    let plain = !k.is_empty()
                        && k.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                        && !k.as_bytes()[0].is_ascii_digit();
                    if plain {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(k);
                    } else {
                        path.push_str(&format!("[{}]", Value::from(k.as_str())));
                    }
                    walk(x, path, found, hit);
                    path.truncate(n);
                }
            }
            _ => {}
        }
    }
    let mut hit = false;
    walk(v, &mut String::new(), found, &mut hit);
    hit
}
