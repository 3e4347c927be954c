//! Hand-made held-out texts for US driver's licence numbers, written apart from the dev corpus
//! (which never labels a licence): every state format with licence context in prose and in a
//! record field, the same values without context, and the look-alikes that must stay unflagged.

use proptest::prelude::*;
use serde_json::json;

use super::heldout_support::{expect_where, found_where};
use super::{DetectOptions, Detector};
use crate::EntityType::{self, *};

/// One value of each state format, as it is written (see `recognizers/driver_license.rs`).
const FORMATS: &[(&str, &str)] = &[
    ("California", "A1234567"),
    ("Florida", "W426545307610"),
    ("Florida, grouped", "W426-545-30-761-0"),
    ("Illinois", "S12345678901"),
    ("Illinois, grouped", "S123-4567-8901"),
    ("New York", "123456789"),
    ("New York, printed", "123 456 789"),
    ("New York, letter + 18", "A123456789012345678"),
    ("Texas", "12345678"),
    ("Pennsylvania", "87654321"),
    ("Pennsylvania, printed", "12 345 678"),
    ("Washington", "WDLABCD456DG"),
    ("Washington, before 2018", "SMITHJD123AB"),
    ("Washington, padded surname", "DOE**JM123AB"),
    ("New Jersey", "A12345678901234"),
    ("New Jersey, printed", "A1234 56789 01234"),
    ("Michigan", "A123456789012"),
    ("Michigan, printed", "A 123 456 789 012"),
    ("Ohio", "AB123456"),
    ("Massachusetts", "S12345678"),
    ("Wisconsin", "A1234567890123"),
    ("Wisconsin, grouped", "A123-4567-8901-23"),
    ("Virginia", "A12345678"),
];

/// Ways people introduce a licence number in prose; `{}` is the value.
const PROSE: &[&str] = &[
    "Driver's license: {}",
    "Please verify DL# {} before the rental.",
    "her driving licence number is {}, expiring in May",
    "lic # {} (class C)",
    "DLN {} was scanned at the counter",
    "license no. {} on file",
    "Driver License ID: {}",
    "The applicant's driver's licence ({}) was suspended.",
];

/// Record keys that name a licence field.
const KEYS: &[&str] = &[
    "driver_license",
    "dl_number",
    "drivers_license_number",
    "driverLicenseNo",
    "DLN",
    "licNo",
    "DriversLicense",
];

/// What a text is found to hold, as (type, value). PERSON is left out: names are another
/// recognizer's concern, and these texts are about what a number is found as.
fn found(text: &str) -> Vec<(EntityType, String)> {
    found_where(text, |t| t != Person)
}

/// What a one-field record is found to hold, as (type, field, value).
fn found_in_field(key: &str, value: &str) -> Vec<(EntityType, String, String)> {
    Detector::shared()
        .detect_record(&json!({ key: value }), &DetectOptions::default())
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.entity_type,
                e.field.unwrap_or_default(),
                value[e.start..e.end].to_owned(),
            )
        })
        .collect()
}

/// Checks one text (PERSON left out), collecting a mismatch instead of stopping.
fn expect(failures: &mut Vec<String>, text: &str, want: &[(EntityType, &str)]) {
    expect_where(failures, text, want, |t| t != Person);
}

fn report(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_state_format_is_found_with_licence_context_in_prose() {
    let mut f = Vec::new();
    for (_, value) in FORMATS {
        for template in PROSE {
            expect(
                &mut f,
                &template.replace("{}", value),
                &[(UsDriverLicense, value)],
            );
        }
    }
    report(&f);
}

#[test]
fn every_state_format_is_found_in_a_record_field_named_for_a_licence() {
    let mut f = Vec::new();
    for (state, value) in FORMATS {
        for key in KEYS {
            let got = found_in_field(key, value);
            let want = vec![(UsDriverLicense, (*key).to_owned(), (*value).to_owned())];
            if got != want {
                f.push(format!("{state}: {{{key:?}: {value:?}}}\n   got {got:?}"));
            }
        }
    }
    report(&f);
}

#[test]
fn the_same_values_without_context_are_not_found() {
    let mut f = Vec::new();
    for (_, value) in FORMATS {
        for template in [
            "{}",
            "Please quote {} when you write back.",
            "the code {} was printed on the box",
        ] {
            expect(&mut f, &template.replace("{}", value), &[]);
        }
        for key in ["code", "value", "reference", "notes"] {
            let got = found_in_field(key, value);
            if !got.is_empty() {
                f.push(format!("{{{key:?}: {value:?}}}\n   got {got:?}"));
            }
        }
    }
    report(&f);
}

#[test]
fn order_and_tracking_numbers_are_not_licences_even_near_a_licence_word() {
    let mut f = Vec::new();
    for text in [
        "Order #A1234567 shipped",
        "Order S123-4567-8901 ships with the driver's manual",
        "Invoice 12345678 for the license renewal fee",
        "Tracking number 1Z999AA10123456784 (driver: Sam)",
        "tracking 123 456 789 for the printer driver",
        "Item A1234 56789 01234 is a device driver",
        "Ticket WDLABCD456DG closed",
        "Order SMITHJD123AB, receipt A123-4567-8901-23",
    ] {
        expect(&mut f, text, &[]);
    }
    report(&f);
}

#[test]
fn a_number_named_a_passport_stays_a_passport() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "Passport number: 912803456",
        &[(UsPassport, "912803456")],
    );
    expect(&mut f, "passport A12345678", &[(UsPassport, "A12345678")]);
    expect(
        &mut f,
        "Passport no. S12345678",
        &[(UsPassport, "S12345678")],
    );
    expect(
        &mut f,
        "Passport 912803456, driver's license 123456789",
        &[(UsPassport, "912803456"), (UsDriverLicense, "123456789")],
    );
    expect(
        &mut f,
        "driver's license D1234567 and passport C03005988",
        &[(UsDriverLicense, "D1234567"), (UsPassport, "C03005988")],
    );
    // Passports are not written grouped; one named a passport is not a licence either.
    expect(&mut f, "passport 123 456 789", &[]);
    report(&f);
    let got = found_in_field("passport_number", "123456789");
    assert_eq!(
        got,
        vec![(UsPassport, "passport_number".into(), "123456789".into())]
    );
}

#[test]
fn a_nine_digit_number_next_to_a_licence_word_is_a_licence_not_an_ssn_or_passport() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "driver's license 123456789",
        &[(UsDriverLicense, "123456789")],
    );
    expect(
        &mut f,
        "DL: 123 456 789",
        &[(UsDriverLicense, "123 456 789")],
    );
    report(&f);
}

#[test]
fn spans_hold_the_value_only_not_its_prefix_or_punctuation() {
    let cases = [
        ("DL#A1234567", "A1234567"),
        ("DL#: S123-4567-8901.", "S123-4567-8901"),
        ("(DL 123 456 789)", "123 456 789"),
        ("lic#WDLABCD456DG;", "WDLABCD456DG"),
        (
            "Driver's license: \"A1234 56789 01234\"",
            "A1234 56789 01234",
        ),
        ("DLN=DOE**JM123AB", "DOE**JM123AB"),
    ];
    for (text, value) in cases {
        let got = Detector::shared()
            .detect_text(text, &DetectOptions::default())
            .unwrap();
        assert_eq!(got.len(), 1, "{text:?}: {got:?}");
        let want_start = text.find(value).unwrap();
        assert_eq!(
            (got[0].entity_type, got[0].start, got[0].end),
            (UsDriverLicense, want_start, want_start + value.len()),
            "{text:?}"
        );
    }
}

#[test]
fn a_grouped_number_inside_a_longer_one_is_not_cut_out_as_a_licence() {
    let mut f = Vec::new();
    expect(&mut f, "driver's license 123 456 789 012 345", &[]);
    expect(&mut f, "DL# S123-4567-8901-2345", &[]);
    expect(&mut f, "DL# A1234 56789 01234 56789", &[]);
    expect(&mut f, "DL# S123-4567 8901", &[]);
    report(&f);
}

#[test]
fn licence_words_in_other_phrases_give_no_licence_context() {
    let mut f = Vec::new();
    expect(&mut f, "license plate AB12345 was seen leaving", &[]);
    expect(&mut f, "their licence plate A1234567 again", &[]);
    report(&f);
    assert!(found_in_field("license_plate", "AB12345").is_empty());
}

#[test]
fn faint_context_at_the_edge_of_the_window_is_not_enough() {
    // The licence word ends 48 bytes before the value, at the edge of the 48-byte
    // window: too faint to make a number a licence at the default threshold.
    let text = "driver's license photo was blurry and dark, we will retry; code A1234567";
    assert_eq!(found(text), vec![]);
}

/// A value of one of the state formats, random within its shape.
fn any_licence() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][0-9]{7}",
        "[A-Z][0-9]{12}",
        "[A-Z][0-9]{3}-[0-9]{3}-[0-9]{2}-[0-9]{3}-[0-9]",
        "[A-Z][0-9]{3}-[0-9]{4}-[0-9]{4}",
        "[A-Z][0-9]{3}-[0-9]{4}-[0-9]{4}-[0-9]{2}",
        "[0-9]{3} [0-9]{3} [0-9]{3}",
        "[1-9][0-9]{7}",
        "[0-9]{2} [0-9]{3} [0-9]{3}",
        "WDL[A-Z0-9]{9}",
        "[A-Z]{7}[0-9]{3}[A-Z0-9]{2}",
        "[A-Z][0-9]{14}",
        "[A-Z][0-9]{4} [0-9]{5} [0-9]{5}",
        "[A-Z][0-9]{18}",
        "[A-Z] [0-9]{3} [0-9]{3} [0-9]{3} [0-9]{3}",
        "[A-Z]{2}[0-9]{6}",
    ]
}

proptest! {
    #[test]
    fn any_value_of_a_state_format_is_found_after_dl_and_not_after_order(v in any_licence()) {
        let with = ["DL# ", v.as_str(), " on file"].concat();
        prop_assert_eq!(found(&with), vec![(UsDriverLicense, v.clone())], "{}", with);
        let without = ["Order #", v.as_str(), " on file"].concat();
        prop_assert!(
            found(&without).iter().all(|(t, _)| *t != UsDriverLicense),
            "{}", without
        );
    }
}
