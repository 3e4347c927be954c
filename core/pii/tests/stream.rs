//! Detection over texts of any size: fed in chunks of any size (cutting values and characters
//! anywhere), scanned in windows of any size, the stream reports exactly what `detect_text`
//! reports on the whole text; and a 10 MB export is detected in full.
#![allow(clippy::unwrap_used)]

use coffer_pii::detect::MIN_WINDOW;
use coffer_pii::{DetectOptions, Detector, Entity, EntityType};
use proptest::prelude::*;

/// Values of many types, and words around them: context words, look-alikes and non-ASCII text.
const PIECES: &[&str] = &[
    "lhayes@example.org",
    "774-999-7629",
    "(811) 702-4807",
    "+1 592 588 9546",
    "+44 20 7946 0958",
    "SSN 195-24-8388",
    "card 4921742180967924",
    "3586 0668 9283 8381",
    "GB82 WEST 1234 5698 7654 32",
    "214.182.1.74",
    "2001:db8:85a3::8a2e:370:7334",
    "97:c5:25:26:2e:6a",
    "Justin Glass",
    "Dr. Adèle Thomas",
    "Hanne-Lore Schäfer",
    "born 1985-02-27",
    "DOB January 24, 1997",
    "passport Z09679290",
    "driver license D1234567",
    "https://fleming.info/account/settings?id=4",
    "AKIAMPB5U4MOS7AF5R2F",
    "sk_live_n6QMfStFUWSus4jowQUux6huTCKM658R6rCH",
    "eyJhbGciOiAiRWREU0EiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiNTUyNDU0ZjEiLCAiZXhwIjogMTc4OTI3Nzc3NX0.A_ZowuweIj-0GQIPd8x8La6PMHKCMPy7xCFrpGIdZWv9",
    "wallet 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "Customer",
    "ticket 4538401916146107",
    "version 8.9.18",
    "at 02:19",
    "the",
    "asked to update the billing address",
    "order #739345074",
    "Zoë",
    "日本語",
    "\u{1F600}",
    "Ünïcödé",
];

const SEPARATORS: &[&str] = &[" ", ", ", "; ", "\n", ": ", "\t", " é ", "", "\r\n", " — "];
const SEPARATORS_ONE_LINE: &[&str] = &[" ", ", ", "; ", ": ", "\t", " é ", "", " — "];

fn text(
    pieces: std::ops::Range<usize>,
    separators: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::sample::select(PIECES).prop_map(str::to_owned),
        1 => "[ -~]{0,16}",
        1 => any::<String>().prop_map(|s| s.chars().take(6).collect::<String>()),
    ];
    prop::collection::vec((piece, prop::sample::select(separators)), pieces)
        .prop_map(|v| v.into_iter().map(|(p, s)| p + s).collect())
}

/// Lines of any length, and now and then one long line (the windows grow, then cut it).
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text(100..4000, SEPARATORS),
        1 => text(100..6000, SEPARATORS_ONE_LINE),
    ]
}

fn whole(text: &str) -> Vec<Entity> {
    Detector::shared()
        .detect_text(text, &DetectOptions::default())
        .unwrap()
}

/// Feeds `text` cut after each of `sizes` in turn (as bytes, so a cut may split a character).
fn streamed_bytes(text: &str, window: usize, sizes: &[usize]) -> Vec<Entity> {
    let mut stream = Detector::shared()
        .stream(DetectOptions::default())
        .with_window(window);
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, after) = rest.split_at(size.min(rest.len()));
        out.extend(stream.push_bytes(chunk).unwrap());
        rest = after;
    }
    out.extend(stream.finish().unwrap());
    out
}

/// Feeds `text` as `&str` chunks of about `sizes` (each cut moved back to a character boundary).
fn streamed_str(text: &str, window: usize, sizes: &[usize]) -> Vec<Entity> {
    let mut stream = Detector::shared()
        .stream(DetectOptions::default())
        .with_window(window);
    let mut out = Vec::new();
    let mut rest = text;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let mut cut = size.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut == 0 {
            cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let (chunk, after) = rest.split_at(cut);
        out.extend(stream.push(chunk));
        rest = after;
    }
    out.extend(stream.finish().unwrap());
    out
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![3 => 1usize..8, 2 => 8usize..600, 1 => 600usize..40_000],
        1..16,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn streamed_detection_equals_detection_of_the_whole_text(
        text in any_text(),
        window in prop::sample::select(vec![MIN_WINDOW, MIN_WINDOW + 777, 2 * MIN_WINDOW]),
        sizes in chunk_sizes(),
    ) {
        let expected = whole(&text);
        prop_assert_eq!(&streamed_bytes(&text, window, &sizes), &expected);
        prop_assert_eq!(&streamed_str(&text, window, &sizes), &expected);
    }
}

#[test]
fn a_text_under_one_window_is_detected_as_detect_text_does() {
    let text = "Card 4111 1111 1111 1111, mail jane.doe@example.com, SSN 123-45-6789.";
    let found = Detector::shared().detect_large_text(text, &DetectOptions::default());
    assert_eq!(found, whole(text));
    assert_eq!(streamed_bytes(text, MIN_WINDOW, &[3]), found);
}

/// A CSV export of about 10 MB: four values a row (email, phone, IPv4, SSN) between fields that
/// are not PII (ids, amounts, dates, a status).
fn csv_export(min_bytes: usize) -> (String, usize) {
    let mut out = String::with_capacity(min_bytes + 256);
    out.push_str("id,status,email,phone,ip,ssn,amount,created\n");
    let mut rows = 0;
    while out.len() < min_bytes {
        let i = rows;
        out.push_str(&format!(
            "{i},shipped,user{i}@example.com,({}) {}-{:04},10.{}.{}.{},{:03}-{:02}-{:04},{}.{:02},2024-03-{:02}\n",
            200 + i % 700,
            200 + (i * 7) % 700,
            i % 10_000,
            i % 256,
            (i / 256) % 256,
            1 + i % 254,
            100 + i % 500,
            10 + i % 89,
            1000 + i % 8000,
            i % 5000,
            i % 100,
            1 + i % 28,
        ));
        rows += 1;
    }
    (out, rows)
}

#[test]
fn a_10_mb_csv_export_is_detected_in_full_and_once() {
    let (text, rows) = csv_export(10 * 1024 * 1024);
    let opts = DetectOptions::default();
    let found = Detector::shared().detect_large_text(&text, &opts);
    let count = |t: EntityType| found.iter().filter(|e| e.entity_type == t).count();
    assert_eq!(
        (
            count(EntityType::Email),
            count(EntityType::Phone),
            count(EntityType::IpAddress),
            count(EntityType::UsSsn)
        ),
        (rows, rows, rows, rows),
        "{:?}",
        &found[..8.min(found.len())]
    );
    assert_eq!(found.len(), 4 * rows);
    assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
    assert!(
        found
            .iter()
            .filter(|e| e.entity_type == EntityType::Email)
            .all(|e| text[e.start..e.end].ends_with("@example.com"))
    );
    let mut stream = Detector::shared().stream(opts);
    let mut streamed = Vec::new();
    for chunk in text.as_bytes().chunks(64 * 1024 + 3) {
        streamed.extend(stream.push_bytes(chunk).unwrap());
    }
    streamed.extend(stream.finish().unwrap());
    assert_eq!(streamed, found);
}
