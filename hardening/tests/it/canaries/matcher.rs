//! Every form of every canary looked for in one pass over a text: the stores and the logs of a
//! shared emulator run to tens of megabytes, and a debug build searching each of a thousand
//! needles apart would take minutes. Each needle is filed under its first 8 bytes; a bit table
//! of those prefixes' hashes lets the pass skip almost every position with one multiply.

use std::collections::{BTreeMap, HashMap};

use super::values::{Canaries, forms};

const BITS: u32 = 22;

pub struct Matcher {
    folded: Prefixes,
    exact: Prefixes,
}

/// Needles (canary index, form) by their first 8 bytes, with the bit table of those.
struct Prefixes {
    table: Vec<u64>,
    needles: HashMap<u64, Vec<(usize, String)>>,
}

impl Prefixes {
    fn new() -> Self {
        Self {
            table: vec![0; 1 << (BITS - 6)],
            needles: HashMap::new(),
        }
    }

    fn add(&mut self, canary: usize, needle: String) {
        let bytes = needle.as_bytes();
        assert!(bytes.len() >= 8, "a needle of at least 8 bytes: {needle}");
        let word = word(bytes);
        let slot = slot(word);
        self.table[slot >> 6] |= 1 << (slot & 63);
        self.needles.entry(word).or_default().push((canary, needle));
    }

    /// Each canary found in `bytes`, with the form found.
    fn scan(&self, bytes: &[u8], found: &mut BTreeMap<usize, String>) {
        if bytes.len() < 8 {
            return;
        }
        for at in 0..=bytes.len() - 8 {
            let word = word(&bytes[at..]);
            let slot = slot(word);
            if self.table[slot >> 6] & (1 << (slot & 63)) == 0 {
                continue;
            }
            for (canary, needle) in self.needles.get(&word).into_iter().flatten() {
                if bytes[at..].starts_with(needle.as_bytes()) {
                    found.entry(*canary).or_insert_with(|| needle.clone());
                }
            }
        }
    }
}

fn word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ])
}

fn slot(word: u64) -> usize {
    (word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BITS)) as usize
}

impl Matcher {
    pub fn new(canaries: &Canaries) -> Self {
        let (mut folded, mut exact) = (Prefixes::new(), Prefixes::new());
        for (index, canary) in canaries.all.iter().enumerate() {
            let forms = forms(&canary.value);
            for form in forms.folded {
                folded.add(index, form);
            }
            for form in forms.exact {
                exact.add(index, form);
            }
        }
        Self { folded, exact }
    }

    /// The canaries (by index) `text` holds in any form, any case, each with the form found.
    pub fn find(&self, text: &str) -> BTreeMap<usize, String> {
        let mut found = BTreeMap::new();
        self.exact.scan(text.as_bytes(), &mut found);
        self.folded
            .scan(&text.as_bytes().to_ascii_lowercase(), &mut found);
        found
    }
}

#[test]
fn a_planted_value_is_found_in_every_encoding_and_only_there() {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    use super::values::{hex, percent};

    let mut canaries = Canaries::new();
    let email = canaries.email("probe");
    let card = canaries.card("card");
    let phone = canaries.phone("phone");
    let luhn: u32 = card
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 1 {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                d
            }
        })
        .sum();
    assert_eq!(luhn % 10, 0, "{card} passes the Luhn check");
    let matcher = Matcher::new(&canaries);
    for haystack in [
        format!("x {} y", email.to_uppercase()),
        format!("x{}y", STANDARD.encode(format!("ab{email}cd"))),
        format!("x{}y", URL_SAFE_NO_PAD.encode(format!("a{email}"))),
        format!("x{}y", hex(email.as_bytes()).to_uppercase()),
        format!("x{}y", percent(&email)),
    ] {
        assert_eq!(
            matcher.find(&haystack).keys().collect::<Vec<_>>(),
            [&0],
            "found in {haystack}"
        );
    }
    assert_eq!(
        matcher
            .find(&format!("{{\"n\":\"{card}\"}}"))
            .keys()
            .collect::<Vec<_>>(),
        [&1]
    );
    assert_eq!(
        matcher
            .find(&STANDARD.encode(format!("tel {phone}")))
            .keys()
            .collect::<Vec<_>>(),
        [&2]
    );
    let other = "canary.01aaaaaaaaaaaaaaaaaaaaaaaa.probex@example.com 4111111111111111";
    assert!(matcher.find(other).is_empty());
}
