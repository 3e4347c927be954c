//! Context words: the words near a candidate that make it more (or less) likely to be what its
//! shape says. They are looked up word by word during the same pre-scan that finds candidate
//! starts (an Aho-Corasick pass over a normalized copy measured three times slower on short
//! texts).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::names::{PackedHash, packed};

/// Kinds of context a word gives, as bits so one word can serve several kinds.
pub(crate) mod kind {
    pub const CARD: u32 = 1 << 0;
    pub const SSN: u32 = 1 << 1;
    pub const DOB: u32 = 1 << 2;
    pub const PASSPORT: u32 = 1 << 3;
    pub const LICENSE: u32 = 1 << 4;
    pub const PHONE: u32 = 1 << 5;
    pub const WALLET: u32 = 1 << 6;
    pub const SECRET: u32 = 1 << 7;
    pub const PERSON: u32 = 1 << 8;
    /// Words that introduce an identifier that is not PII: order, invoice, version...
    pub const NOT_PII: u32 = 1 << 9;
    pub const IBAN: u32 = 1 << 10;
    pub const EMAIL: u32 = 1 << 11;
    pub const IP: u32 = 1 << 12;
    pub const MAC: u32 = 1 << 13;
    pub const URL: u32 = 1 << 14;
    /// Words that follow a name: "John Smith wrote".
    pub const PERSON_AFTER: u32 = 1 << 15;
    /// No kind: for phrases that hold a context word but mean something else ("license
    /// plate"), so that their words give no context.
    pub const NOTHING: u32 = 0;
}

use kind::*;

/// Context words and what they suggest. Matched ASCII case-insensitively on word boundaries.
const WORDS: &[(&str, u32)] = &[
    // payment cards
    ("card", CARD),
    ("credit card", CARD),
    ("debit card", CARD),
    ("card number", CARD),
    ("card no", CARD),
    ("cc", CARD),
    ("ccn", CARD),
    ("visa", CARD),
    ("mastercard", CARD),
    ("amex", CARD),
    ("american express", CARD),
    ("discover", CARD),
    ("maestro", CARD),
    ("jcb", CARD),
    ("diners", CARD),
    ("pan", CARD),
    ("charge", CARD),
    ("payment", CARD),
    ("cardholder", CARD | PERSON),
    // social security
    ("ssn", SSN),
    ("ss#", SSN),
    ("ss no", SSN),
    ("social security", SSN),
    ("social security number", SSN),
    ("soc sec", SSN),
    ("social", SSN),
    ("tin", SSN),
    ("taxpayer", SSN),
    // birth
    ("born", DOB),
    ("dob", DOB),
    ("d.o.b", DOB),
    ("birth", DOB),
    ("birthday", DOB),
    ("birthdate", DOB),
    ("date of birth", DOB),
    ("birth date", DOB),
    ("b-day", DOB),
    ("bday", DOB),
    ("nacido", DOB),
    ("geboren", DOB),
    // passport
    ("passport", PASSPORT),
    ("passport no", PASSPORT),
    ("passport number", PASSPORT),
    ("passport#", PASSPORT),
    // driver's licence
    ("license", LICENSE),
    ("licence", LICENSE),
    ("driver", LICENSE),
    ("drivers", LICENSE),
    ("driver's", LICENSE),
    ("driving", LICENSE),
    ("dl", LICENSE),
    ("dl#", LICENSE),
    ("dln", LICENSE),
    ("dmv", LICENSE),
    ("cdl", LICENSE),
    ("lic", LICENSE),
    // "ID" alone introduces ids that are not PII; after a licence word it names the licence
    // ("Driver License ID", "DL/ID").
    ("license id", LICENSE),
    ("licence id", LICENSE),
    ("dl id", LICENSE),
    // a plate or a product key is not a driver's licence
    ("license plate", NOTHING),
    ("licence plate", NOTHING),
    ("license key", SECRET),
    ("licence key", SECRET),
    // phone
    ("phone", PHONE),
    ("telephone", PHONE),
    ("tel", PHONE),
    ("mobile", PHONE),
    ("cell", PHONE),
    ("cellphone", PHONE),
    ("call", PHONE),
    ("called", PHONE),
    ("callback", PHONE),
    ("call back", PHONE),
    ("fax", PHONE),
    ("sms", PHONE),
    ("text", PHONE),
    ("whatsapp", PHONE),
    ("ph", PHONE),
    ("contact", PHONE | PERSON | EMAIL),
    ("reach", PHONE),
    ("dial", PHONE),
    ("number", PHONE),
    // crypto
    ("wallet", WALLET),
    ("bitcoin", WALLET),
    ("btc", WALLET),
    ("ethereum", WALLET),
    ("eth", WALLET),
    ("crypto", WALLET),
    ("usdt", WALLET),
    ("ltc", WALLET),
    // secrets
    ("secret", SECRET),
    ("token", SECRET),
    ("api key", SECRET),
    ("apikey", SECRET),
    ("api_key", SECRET),
    ("key", SECRET),
    ("password", SECRET),
    ("passwd", SECRET),
    ("pwd", SECRET),
    ("credential", SECRET),
    ("credentials", SECRET),
    ("auth", SECRET),
    ("authorization", SECRET),
    ("bearer", SECRET),
    ("access key", SECRET),
    ("private key", SECRET),
    ("client secret", SECRET),
    ("leaked", SECRET),
    // people
    ("name", PERSON),
    ("full name", PERSON),
    ("customer", PERSON),
    ("patient", PERSON),
    ("client", PERSON),
    ("employee", PERSON),
    ("applicant", PERSON),
    ("member", PERSON),
    ("tenant", PERSON),
    ("guest", PERSON),
    ("passenger", PERSON),
    ("holder", PERSON),
    ("owner", PERSON),
    ("registered to", PERSON),
    ("dear", PERSON),
    ("hi", PERSON),
    ("hello", PERSON),
    ("attn", PERSON),
    ("signed", PERSON),
    ("regards", PERSON),
    ("sincerely", PERSON),
    ("thanks", PERSON),
    ("cheers", PERSON),
    ("wrote", PERSON_AFTER),
    ("said", PERSON_AFTER),
    ("says", PERSON_AFTER),
    ("asked", PERSON_AFTER),
    ("called", PERSON_AFTER),
    ("signed", PERSON_AFTER),
    // identifiers that are not PII
    ("order", NOT_PII),
    ("order #", NOT_PII),
    ("order no", NOT_PII),
    ("invoice", NOT_PII),
    ("ticket", NOT_PII),
    ("ref", NOT_PII),
    ("reference", NOT_PII),
    ("tracking", NOT_PII),
    ("version", NOT_PII),
    ("build", NOT_PII),
    ("release", NOT_PII),
    ("sku", NOT_PII),
    ("isbn", NOT_PII),
    ("serial", NOT_PII),
    ("item", NOT_PII),
    ("items", NOT_PII),
    ("po", NOT_PII),
    ("case", NOT_PII),
    ("confirmation", NOT_PII),
    ("receipt", NOT_PII),
    ("transaction", NOT_PII),
    ("txn", NOT_PII),
    ("commit", NOT_PII),
    ("sha", NOT_PII),
    ("hash", NOT_PII),
    ("checksum", NOT_PII),
    ("md5", NOT_PII),
    ("ver", NOT_PII),
    ("id", NOT_PII),
    // others, for records and scores
    ("iban", IBAN),
    ("bank", IBAN),
    ("account", IBAN),
    ("wire", IBAN),
    ("email", EMAIL),
    ("e-mail", EMAIL),
    ("mail", EMAIL),
    ("ip", IP),
    ("ipv4", IP),
    ("ipv6", IP),
    ("address", IP | WALLET),
    ("host", IP),
    ("mac", MAC),
    ("device", MAC),
    ("url", URL),
    ("link", URL),
    ("website", URL),
];

/// A context word found in a text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KwHit {
    pub start: usize,
    pub end: usize,
    pub kinds: u32,
}

/// The context words as a table of words, looked up while the single pre-scan walks the text
/// word by word (see `engine::prescan`): one hash probe per word, no second pass over the text.
/// Phrases ("date of birth") are found from their first word.
pub(crate) struct ContextMatcher {
    /// Keywords (first words of phrases), packed (at most [`MAX_WORD`] bytes).
    words: HashMap<u128, usize, BuildHasherDefault<PackedHash>>,
    entries: Vec<Entry>,
    /// Bit `n` set when some keyword (or phrase's first word) is `n` bytes long.
    lengths: u32,
    /// Bit `n` of `pairs[a][b]` set when some keyword `n` bytes long starts with the letters
    /// `a`, `b` (0-25): most words of prose fail this check and are never hashed.
    pairs: [[u32; 26]; 26],
}

#[derive(Default)]
struct Entry {
    /// Kinds of the word on its own (0 when it only starts phrases).
    alone: u32,
    /// Longer phrases that start with this word: the next words and their kinds.
    phrases: Vec<(Vec<Box<[u8]>>, u32)>,
}

/// A word's first two bytes as letter indexes (0-25, either case), when both are letters.
#[inline]
fn letter_pair(word: &[u8]) -> Option<(usize, usize)> {
    let [a, b, ..] = word else {
        return None;
    };
    let (a, b) = (a | 0x20, b | 0x20);
    (a.is_ascii_lowercase() && b.is_ascii_lowercase())
        .then(|| (usize::from(a - b'a'), usize::from(b - b'a')))
}

/// The longest word looked up.
const MAX_WORD: usize = 16;

impl ContextMatcher {
    pub(crate) fn new() -> Self {
        let mut m = Self {
            words: HashMap::default(),
            entries: Vec::new(),
            lengths: 0,
            pairs: [[0; 26]; 26],
        };
        for &(w, k) in WORDS {
            let lower = w.to_ascii_lowercase();
            let parts: Vec<Box<[u8]>> = lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|p| !p.is_empty())
                .map(|p| p.as_bytes().into())
                .collect();
            let Some((first, rest)) = parts.split_first() else {
                continue;
            };
            let Some(key) = packed(first) else {
                continue; // longer than any word looked up
            };
            let next = m.entries.len();
            let idx = *m.words.entry(key).or_insert(next);
            if idx == next {
                m.entries.push(Entry::default());
                m.lengths |= 1 << first.len().min(31);
                if let Some((a, b)) = letter_pair(first) {
                    m.pairs[a][b] |= 1 << first.len().min(31);
                }
            }
            let e = &mut m.entries[idx];
            if rest.is_empty() {
                e.alone |= k;
            } else {
                match e.phrases.iter_mut().find(|(r, _)| r.as_slice() == rest) {
                    Some((_, kk)) => *kk |= k,
                    None => e.phrases.push((rest.to_vec(), k)),
                }
            }
        }
        // Longest phrases first, so "social security number" wins over "social security".
        for e in &mut m.entries {
            e.phrases.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        }
        m
    }

    /// The context word (or phrase) starting with the word `hay[ws..we]`, if it is one.
    #[inline]
    pub(crate) fn word_at(&self, hay: &[u8], ws: usize, we: usize) -> Option<KwHit> {
        let len = we - ws;
        if len > MAX_WORD || self.lengths & (1 << len) == 0 {
            return None;
        }
        if let Some((a, b)) = letter_pair(&hay[ws..we])
            && self.pairs[a][b] & (1 << len) == 0
        {
            return None;
        }
        let mut buf = [0u8; MAX_WORD];
        let key = &mut buf[..len];
        key.copy_from_slice(&hay[ws..we]);
        key.make_ascii_lowercase();
        let e = &self.entries[*self.words.get(&u128::from_le_bytes(buf))?];
        for (rest, kinds) in &e.phrases {
            if let Some(end) = phrase_end(hay, we, rest) {
                return Some(KwHit {
                    start: ws,
                    end,
                    kinds: *kinds,
                });
            }
        }
        (e.alone != 0).then_some(KwHit {
            start: ws,
            end: we,
            kinds: e.alone,
        })
    }

    /// Every context word of `text`, in order (the same words the pre-scan finds).
    pub(crate) fn find_all(&self, text: &[u8]) -> Vec<KwHit> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            if !text[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let ws = i;
            while i < text.len() && text[i].is_ascii_alphanumeric() {
                i += 1;
            }
            if let Some(h) = self.word_at(text, ws, i) {
                i = h.end;
                out.push(h);
            }
        }
        out
    }

    /// The kinds that a field's key suggests, e.g. `date_of_birth` or `customerEmail`.
    pub(crate) fn key_kinds(&self, key: &str) -> u32 {
        let words = split_key(key);
        let mut kinds = 0;
        for w in words.split(' ') {
            kinds |= glued_key_word(w);
        }
        for hit in self.find_all(words.as_bytes()) {
            kinds |= hit.kinds;
        }
        // A key says what its value is; "not PII" and "after a name" make no sense there.
        kinds &= !(NOT_PII | PERSON_AFTER);
        if words.split(' ').any(names_a_thing) {
            kinds &= !PERSON;
        }
        kinds
    }
}

/// Key words that only occur as field names: glued words and abbreviations.
fn glued_key_word(w: &str) -> u32 {
    match w {
        "firstname" | "lastname" | "fullname" | "surname" | "givenname" | "familyname"
        | "first" | "last" | "given" | "family" | "middle" | "forename" => PERSON,
        "pan" | "ccnumber" | "cardnumber" | "cc" => CARD,
        "birthdate" | "dateofbirth" | "dob" => DOB,
        "ssn" | "socialsecurity" => SSN,
        "phonenumber" | "msisdn" | "mobile" | "cell" => PHONE,
        "ipaddress" | "ip" | "ipv4" | "ipv6" | "remoteaddr" => IP,
        "driverlicense" | "driverslicense" | "driverlicence" | "driverslicence"
        | "drivinglicence" | "drivinglicense" | "dlnumber" | "dlno" | "dlnum" | "licno"
        | "licnum" | "licensenumber" | "licenceno" | "licenseno" | "licencenumber" => LICENSE,
        "apikey" | "accesstoken" | "refreshtoken" | "secretkey" | "privatekey" => SECRET,
        _ => 0,
    }
}

/// Words that make a `name` key about a thing rather than a person (`product_name`, `username`).
fn names_a_thing(w: &str) -> bool {
    matches!(
        w,
        "user"
            | "username"
            | "file"
            | "filename"
            | "product"
            | "company"
            | "org"
            | "organization"
            | "host"
            | "hostname"
            | "domain"
            | "app"
            | "bucket"
            | "dataset"
            | "table"
            | "key"
            | "display"
            | "screen"
            | "nick"
            | "nickname"
            | "login"
            | "handle"
            | "brand"
            | "item"
            | "street"
            | "city"
            | "country"
            | "state"
            | "project"
            | "team"
            | "service"
            | "event"
            | "field"
            | "business"
            | "store"
            | "shop"
            | "plan"
            | "vault"
            | "bank"
    )
}

/// Where a phrase ends if the words after `at` are `rest` (each after one to three separators,
/// ignoring case), e.g. "of birth" after "date".
fn phrase_end(hay: &[u8], mut at: usize, rest: &[Box<[u8]>]) -> Option<usize> {
    for w in rest {
        let mut gap = 0;
        while at < hay.len() && !hay[at].is_ascii_alphanumeric() && gap < 3 {
            if hay[at] >= 0x80 {
                return None;
            }
            at += 1;
            gap += 1;
        }
        let end = at + w.len();
        if gap == 0
            || !hay.get(at..end).is_some_and(|s| s.eq_ignore_ascii_case(w))
            || hay.get(end).is_some_and(u8::is_ascii_alphanumeric)
        {
            return None;
        }
        at = end;
    }
    Some(at)
}

/// Lower-cases a key and splits it into words on `_`, `-`, `.`, spaces and camelCase humps.
pub(crate) fn split_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.chars().take(128) {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !out.ends_with(' ') {
                out.push(' ');
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            prev_lower = false;
        }
    }
    out.trim_end().to_owned()
}

/// How strongly the words in `hits` suggest `kinds` for a candidate at `start..end`: 1.0 for a word
/// just before it, fading to 0 at `before` bytes; words after count within `after` bytes.
pub(crate) fn nearness(
    hits: &[KwHit],
    kinds: u32,
    start: usize,
    end: usize,
    before: usize,
    after: usize,
) -> f32 {
    // Hits are sorted by start; look at the ones that end before `start` (within the window)
    // and the ones that start after `end` (within the window).
    let lo = start.saturating_sub(before);
    let first = hits.partition_point(|h| h.end < lo);
    let mut best: f32 = 0.0;
    for h in &hits[first..] {
        if h.start >= end.saturating_add(after) {
            break;
        }
        if h.kinds & kinds == 0 {
            continue;
        }
        let w = if h.end <= start {
            let gap = start - h.end;
            fade(gap, before)
        } else if h.start >= end {
            let gap = h.start - end;
            fade(gap, after)
        } else {
            // Overlapping the candidate: a word inside it (e.g. "card" in a URL) says nothing.
            0.0
        };
        best = best.max(w);
    }
    best
}

/// Full weight for the nearest half of the window, then linearly down to 0.25 at its edge.
fn fade(gap: usize, window: usize) -> f32 {
    if window == 0 || gap > window {
        return 0.0;
    }
    let half = window / 2;
    if gap <= half {
        1.0
    } else {
        1.0 - 0.75 * (gap - half) as f32 / (window - half).max(1) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_on_boundaries_only() {
        let m = ContextMatcher::new();
        let hits = m.find_all(b"Adobe DOB: 1990; my SSN, passport.");
        let words: Vec<_> = hits.iter().map(|h| h.start).collect();
        // "dob" inside "Adobe" is not a word
        assert_eq!(words, vec![6, 20, 25]);
    }

    #[test]
    fn phrases_need_their_words_in_order() {
        let m = ContextMatcher::new();
        let hits = m.find_all(b"Date-of-Birth: x; date of bird; Social Security Number");
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!(
            (hits[0].start, hits[0].end, hits[0].kinds & DOB != 0),
            (0, 13, true)
        );
        assert_eq!(
            (hits[1].start, hits[1].end, hits[1].kinds & SSN != 0),
            (32, 54, true)
        );
    }

    #[test]
    fn splits_keys_into_words() {
        assert_eq!(split_key("customerEmail"), "customer email");
        assert_eq!(split_key("date_of_birth"), "date of birth");
        assert_eq!(split_key("SSN"), "ssn");
        assert_eq!(split_key("user.ip-address"), "user ip address");
    }

    #[test]
    fn key_kinds_read_field_names() {
        let m = ContextMatcher::new();
        assert_ne!(m.key_kinds("ssn") & SSN, 0);
        assert_ne!(m.key_kinds("dateOfBirth") & DOB, 0);
        assert_ne!(m.key_kinds("first_name") & PERSON, 0);
        assert_eq!(m.key_kinds("username") & PERSON, 0);
        assert_eq!(m.key_kinds("product_name") & PERSON, 0);
        assert_eq!(
            m.key_kinds("order_id") & NOT_PII,
            0,
            "key kinds never say not-PII"
        );
    }

    #[test]
    fn licence_words_name_a_licence_and_only_a_licence() {
        let m = ContextMatcher::new();
        let kinds = |t: &[u8]| m.find_all(t).iter().fold(0, |k, h| k | h.kinds);
        // "ID" after a licence word names the licence; it does not say "not PII".
        assert_eq!(kinds(b"Driver License ID:"), LICENSE);
        assert_eq!(kinds(b"DL/ID"), LICENSE);
        assert_eq!(kinds(b"lic #"), LICENSE);
        // A plate or a product key is not a driver's licence.
        assert_eq!(kinds(b"license plate"), 0);
        assert_eq!(kinds(b"licence key"), SECRET);
        for key in [
            "driver_license",
            "dl_number",
            "drivers_license_number",
            "driverLicenseNo",
            "DLNumber",
            "licNo",
            "dln",
        ] {
            assert_ne!(m.key_kinds(key) & LICENSE, 0, "{key}");
        }
        assert_eq!(m.key_kinds("license_plate") & LICENSE, 0);
    }

    #[test]
    fn nearness_fades_with_distance() {
        let hits = [KwHit {
            start: 0,
            end: 3,
            kinds: SSN,
        }];
        assert_eq!(nearness(&hits, SSN, 4, 10, 40, 0), 1.0);
        assert!(nearness(&hits, SSN, 35, 40, 40, 0) < 1.0);
        assert_eq!(nearness(&hits, SSN, 60, 70, 40, 0), 0.0);
        assert_eq!(nearness(&hits, CARD, 4, 10, 40, 0), 0.0);
    }
}
