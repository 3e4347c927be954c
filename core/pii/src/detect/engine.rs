//! Candidate finding: one pre-scan walks the text once, word by word, noting where a value could
//! start and which context words it holds; then every family's pattern, compiled into one
//! multi-pattern lazy DFA (leftmost-first, earlier families win ties), runs anchored at each such
//! start. Each match goes to its family's validator; a rejected match may fall back to a family
//! that starts at the same place.

use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

use regex_automata::hybrid::dfa;
use regex_automata::hybrid::regex::{Cache, Regex};
use regex_automata::util::pool::Pool;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, Match, PatternID};

use super::context::{ContextMatcher, KwHit};
use super::recognizers::{
    aws, card, date, driver_license, email, iban, ids, ip, jwt, mac, phone, secret, ssn, url,
    wallet,
};
use super::scan::{Hit, Scan};

/// Families of candidates, in priority order (the order of the patterns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Jwt,
    KnownSecret,
    Url,
    Email,
    Aws,
    Iban,
    Mac,
    Ipv6,
    Ipv4,
    Card,
    Ssn,
    Phone,
    Date,
    /// Before the letter-digit ids, whose pattern would take the first group (`A1234`) of a
    /// grouped licence (`A1234 56789 01234`); its shapes and theirs otherwise do not meet.
    DriverLicense,
    BareNumber,
    LetterDigits,
    Wallet,
    Token,
}

const FAMILIES: [Family; 18] = [
    Family::Jwt,
    Family::KnownSecret,
    Family::Url,
    Family::Email,
    Family::Aws,
    Family::Iban,
    Family::Mac,
    Family::Ipv6,
    Family::Ipv4,
    Family::Card,
    Family::Ssn,
    Family::Phone,
    Family::Date,
    Family::DriverLicense,
    Family::BareNumber,
    Family::LetterDigits,
    Family::Wallet,
    Family::Token,
];

impl Family {
    fn pattern(self) -> String {
        match self {
            Self::Jwt => jwt::PATTERN.into(),
            Self::KnownSecret => secret::KNOWN_PATTERN.into(),
            Self::Url => url::PATTERN.into(),
            Self::Email => email::PATTERN.into(),
            Self::Aws => aws::PATTERN.into(),
            Self::Iban => iban::PATTERN.into(),
            Self::Mac => mac::PATTERN.into(),
            Self::Ipv6 => ip::V6_PATTERN.into(),
            Self::Ipv4 => ip::V4_PATTERN.into(),
            Self::Card => card::PATTERN.into(),
            Self::Ssn => ssn::PATTERN.into(),
            Self::Phone => phone::PATTERN.into(),
            Self::Date => date::pattern(),
            Self::DriverLicense => driver_license::PATTERN.into(),
            Self::BareNumber => ids::BARE_PATTERN.into(),
            Self::LetterDigits => ids::LETTER_PATTERN.into(),
            Self::Wallet => wallet::PATTERN.into(),
            Self::Token => secret::GENERIC_PATTERN.into(),
        }
    }

    fn classify(self, scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
        match self {
            Self::Jwt => jwt::classify(scan, start, end),
            Self::KnownSecret => secret::classify_known(scan, start, end),
            Self::Url => url::classify(scan, start, end),
            Self::Email => email::classify(scan, start, end),
            Self::Aws => aws::classify(scan, start, end),
            Self::Iban => iban::classify(scan, start, end),
            Self::Mac => mac::classify(scan, start, end),
            Self::Ipv6 => ip::classify_v6(scan, start, end),
            Self::Ipv4 => ip::classify_v4(scan, start, end),
            Self::Card => card::classify(scan, start, end),
            Self::Ssn => ssn::classify(scan, start, end),
            Self::Phone => phone::classify(scan, start, end),
            Self::Date => date::classify(scan, start, end),
            Self::DriverLicense => driver_license::classify(scan, start, end),
            Self::BareNumber => ids::classify_bare(scan, start, end),
            Self::LetterDigits => ids::classify_letters(scan, start, end),
            Self::Wallet => wallet::classify(scan, start, end),
            Self::Token => secret::classify_generic(scan, start, end),
        }
    }

    /// Families that may match at the same start when this one is rejected, tried in order.
    fn fallbacks(self) -> &'static [Family] {
        match self {
            Self::Jwt | Self::KnownSecret | Self::Wallet | Self::Aws => &[Family::Token],
            Self::Iban => &[Family::LetterDigits, Family::Token],
            Self::Mac => &[Family::Ipv6],
            Self::Email => &[Family::Token],
            // A licence shape without licence context may begin a longer token
            // (`WDLABCD456DG-...`); the letter-digit ids are not tried again, as their shorter
            // match (`A1234` of `A1234 56789 01234`) would cut a value in two.
            Self::DriverLicense => &[Family::Token],
            _ => &[],
        }
    }

    fn id(self) -> PatternID {
        PatternID::new_unchecked(self as usize)
    }
}

type CacheFn = Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// The compiled automaton: a lazy DFA (forward and reverse), with a pool of per-thread caches
/// so its states, once built, are reused by every later search on that thread.
pub(crate) struct Engine {
    re: Arc<Regex>,
    caches: Pool<Cache, CacheFn>,
}

impl Engine {
    pub(crate) fn new() -> Result<Self, Box<regex_automata::hybrid::BuildError>> {
        let patterns: Vec<String> = FAMILIES.iter().map(|f| f.pattern()).collect();
        let re = Regex::builder()
            // ASCII classes and ASCII word boundaries: every pattern matches ASCII only, so match
            // offsets always fall on character boundaries, and the lazy DFA never has to give
            // up on non-ASCII text the way a Unicode \b would.
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .dfa(
                dfa::Config::new()
                    .starts_for_each_pattern(true)
                    .cache_capacity(8 * 1024 * 1024)
                    // Never give up for the (much slower) NFA: the states fit the cache.
                    .minimum_cache_clear_count(None),
            )
            .build_many(&patterns)
            .map_err(Box::new)?;
        let re = Arc::new(re);
        let for_pool = Arc::clone(&re);
        let create: CacheFn = Box::new(move || for_pool.create_cache());
        Ok(Self {
            re,
            caches: Pool::new(create),
        })
    }

    fn search(&self, cache: &mut Cache, input: &Input<'_>) -> Option<Match> {
        // The DFA only quits on bytes it was told to (none) or when giving up (disabled), so an
        // error cannot happen; treat one as "no more matches" rather than panic.
        self.re.try_search(cache, input).ok().flatten()
    }

    /// All hits of at least `min_score` in the text, left to right, not overlapping.
    ///
    /// The automaton runs anchored at each plausible start (see [`starts`]): an anchored search
    /// needs no reverse pass to find where the match began, and skipping ordinary lower-case
    /// words saves most of the work on prose.
    pub(crate) fn scan(&self, scan: &Scan<'_>, starts: &[usize], min_score: f32) -> Vec<Hit> {
        let hay = scan.bytes;
        let mut hits = Vec::new();
        let mut cache = self.caches.get();
        let mut covered = 0;
        for &s in starts {
            if s < covered {
                continue;
            }
            let input = Input::new(hay)
                .range(s..span_end(hay, s))
                .anchored(Anchored::Yes);
            let Some(m) = self.search(&mut cache, &input) else {
                continue;
            };
            let family = FAMILIES[m.pattern().as_usize()];
            let mut hit = family
                .classify(scan, s, m.end())
                .filter(|h| h.score >= min_score);
            if hit.is_none() {
                hit = self.fallback(&mut cache, scan, family, s, min_score);
            }
            match hit {
                Some(h) => {
                    hits.push(h);
                    covered = h.end;
                }
                // A long rejected candidate is not searched again from each word inside it:
                // that would make crafted input ("a-a-a-...") quadratic.
                None if m.end() - s > LONG_CANDIDATE => covered = m.end(),
                None => {}
            }
        }
        hits
    }

    fn fallback(
        &self,
        cache: &mut Cache,
        scan: &Scan<'_>,
        family: Family,
        s: usize,
        min_score: f32,
    ) -> Option<Hit> {
        for &f in family.fallbacks() {
            let input = Input::new(scan.bytes)
                .range(s..span_end(scan.bytes, s))
                .anchored(Anchored::Pattern(f.id()));
            if let Some(m) = self.search(cache, &input)
                && let Some(h) = f.classify(scan, m.start(), m.end())
                && h.score >= min_score
            {
                return Some(h);
            }
        }
        None
    }
}

/// Longest candidate looked at, in bytes: bounds the work of one search on crafted input. Real
/// values are far shorter (the longest, URLs and JWTs, rarely pass 2 KiB).
const MAX_CANDIDATE: usize = 8 * 1024;

/// A rejected candidate longer than this covers the words inside it.
const LONG_CANDIDATE: usize = 64;

fn span_end(hay: &[u8], s: usize) -> usize {
    s.saturating_add(MAX_CANDIDATE).min(hay.len())
}

const ALNUM: u8 = 1;
const DIGIT: u8 = 2;
const UPPER: u8 = 4;
const HEX: u8 = 8;
const LOWER: u8 = 32;
/// Bytes that can be part of a token: printable ASCII except brackets, quotes and separators.
const TOK: u8 = 16;

/// Byte classes, so the start finder does one table load per byte.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b.is_ascii_alphanumeric() {
            c |= ALNUM;
        }
        if b.is_ascii_digit() {
            c |= DIGIT;
        }
        if b.is_ascii_uppercase() {
            c |= UPPER;
        }
        if b.is_ascii_hexdigit() {
            c |= HEX;
        }
        if b.is_ascii_lowercase() {
            c |= LOWER;
        }
        if b.is_ascii_graphic()
            && !matches!(
                b,
                b'<' | b'>'
                    | b'"'
                    | b'\''
                    | b'('
                    | b')'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b','
                    | b';'
                    | b'`'
            )
        {
            c |= TOK;
        }
        t[i] = c;
        i += 1;
    }
    t
};

fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

/// The single pre-scan of a text: walks it token by token and word by word, and returns
/// - the positions where a candidate may start, in order: the start of every word (a run of
///   ASCII letters and digits) that could begin some pattern, and `+`, `(` before a digit, `::`.
///   Lower-case words are skipped unless their token (the run of non-space characters) could be
///   an address, a URL, a key or a month; digit groups that continue a number (`168` in
///   `192.168.1.1`) are skipped too, since the number is tried from its first group;
/// - the context words, looked up as the words go by;
/// - where a capitalized word may start, for the PERSON recognizer, which reads names itself
///   (an ASCII capital after a non-word byte, or the lead byte of a non-ASCII character after
///   an ASCII non-word byte: `Águeda`).
pub(crate) fn prescan(hay: &[u8], words: &ContextMatcher) -> Prescan {
    let mut out = Vec::with_capacity(16);
    let mut kws = Vec::with_capacity(8);
    let mut capitals = Vec::new();
    let mut kw_end = 0;
    let n = hay.len();
    let next_is_digit = |i: usize| hay.get(i + 1).is_some_and(u8::is_ascii_digit);
    // The current token: where it started, whether an '@' or ':' was seen in it so far, and
    // whether it is rich (computed at most once per token, so long tokens stay linear).
    let (mut tok_start, mut tok_at, mut tok_colon) = (0, false, false);
    let mut tok_rich: Option<bool> = None;
    let mut i = 0;
    while i < n {
        let c = hay[i];
        let cl = class(c);
        if cl & ALNUM == 0 {
            if cl & TOK == 0 {
                (tok_start, tok_at, tok_colon, tok_rich) = (i + 1, false, false, None);
            }
            let special = match c {
                b'(' | b'+' => next_is_digit(i),
                b':' => {
                    hay.get(i + 1) == Some(&b':')
                        && (i == 0 || class(hay[i - 1]) & HEX == 0 && hay[i - 1] != b':')
                }
                _ => false,
            };
            if special {
                out.push(i);
            }
            tok_at |= c == b'@';
            // a colon inside a token (`http://`, `fe80::1`), not one that ends a label (`key:`)
            tok_colon |= c == b':' && hay.get(i + 1).is_some_and(|&b| class(b) & TOK != 0);
            if c >= 0xC3 && (i == 0 || hay[i - 1] < 0x80 && class(hay[i - 1]) & ALNUM == 0) {
                capitals.push(i);
            }
            i += 1;
            continue;
        }
        let ws = i;
        let (mut all, mut any) = (0xff, 0);
        // Prose is mostly lower-case letters: skip them eight at a time.
        while let Some(chunk) = hay.get(i..i + 8)
            && all_lowercase(chunk)
        {
            all &= ALNUM | LOWER;
            any |= ALNUM | LOWER;
            i += 8;
        }
        while i < n && class(hay[i]) & ALNUM != 0 {
            all &= class(hay[i]);
            any |= class(hay[i]);
            i += 1;
        }
        let plausible = if c.is_ascii_digit() {
            // not the 2nd+ group of a number already tried from its first group
            !(ws >= 2
                && matches!(hay[ws - 1], b'.' | b'-' | b'/' | b':')
                && hay[ws - 2].is_ascii_digit())
        } else {
            if c.is_ascii_uppercase() && (ws == 0 || hay[ws - 1] < 0x80) {
                capitals.push(ws);
            }
            // A word of letters, capitalized or not, begins no pattern unless its token could
            // be an address, a URL or a key, or it is a month (names are read apart).
            let word = &hay[ws..i];
            any & DIGIT != 0
                // hex groups of MAC and IPv6 addresses
                || word.len() <= 4 && all & HEX != 0 && matches!(hay.get(i), Some(b':' | b'-' | b'.'))
                || is_month(word)
                // a licence's letter before its digit groups (`A 123 456 789 012`)
                || word.len() == 1 && c.is_ascii_uppercase() && hay.get(i) == Some(&b' ') && next_is_digit(i)
                || *tok_rich.get_or_insert_with(|| rich_token(hay, tok_start, i, tok_at || tok_colon))
        };
        if plausible {
            out.push(ws);
        }
        if any & (UPPER | LOWER) != 0
            && ws >= kw_end
            && let Some(h) = words.word_at(hay, ws, i)
        {
            kw_end = h.end;
            kws.push(h);
        }
    }
    Prescan {
        starts: out,
        keywords: kws,
        capitals,
    }
}

/// What the pre-scan found: see [`prescan`].
pub(crate) struct Prescan {
    pub starts: Vec<usize>,
    pub keywords: Vec<KwHit>,
    pub capitals: Vec<usize>,
}

/// Whether all eight bytes are ASCII lower-case letters (SWAR: a byte passes when it is under
/// 0x80, at least `a` and at most `z`; a byte that fails may disturb its neighbour's carry,
/// but then the chunk fails anyway).
#[inline]
fn all_lowercase(chunk: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
        return false;
    };
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = u64::from_le_bytes(bytes);
    let at_least_a = x.wrapping_add(ONES * (0x80 - u64::from(b'a')));
    let past_z = x.wrapping_add(ONES * (0x80 - u64::from(b'z') - 1));
    (at_least_a & !past_z & !x & HIGH) == HIGH
}

/// Whether the token that started at `tok_start` and has reached `at` could hold an address, a
/// URL or a key: 12 bytes or more, an '@' or ':' (`seen` says one came before `at`), or `www.`.
/// Only when the token goes on after `at` is the rest of it read.
fn rich_token(hay: &[u8], tok_start: usize, at: usize, seen: bool) -> bool {
    if seen {
        return true;
    }
    let mut end = at;
    while end < hay.len() && class(hay[end]) & TOK != 0 {
        if hay[end] == b'@'
            || hay[end] == b':' && hay.get(end + 1).is_some_and(|&b| class(b) & TOK != 0)
        {
            return true;
        }
        end += 1;
    }
    let tok = &hay[tok_start..end];
    tok.len() >= 12 || tok.len() > 4 && tok[..4].eq_ignore_ascii_case(b"www.")
}

/// A month name or its abbreviation (three letters or more), any case.
fn is_month(word: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] = [
        b"january",
        b"february",
        b"march",
        b"april",
        b"may",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
    ];
    if word.len() < 3
        || word.len() > 9
        || !matches!(
            word[0] | 0x20,
            b'j' | b'f' | b'm' | b'a' | b's' | b'o' | b'n' | b'd'
        )
    {
        return false;
    }
    // The month its first three letters name, if any, then the rest of the word against it.
    let prefix = [word[0] | 0x20, word[1] | 0x20, word[2] | 0x20];
    let Some(month) = MONTHS.iter().find(|m| m[..3] == prefix) else {
        return false;
    };
    month.len() >= word.len() && month[..word.len()].eq_ignore_ascii_case(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_lower_case_letters_are_told_from_anything_else() {
        assert!(all_lowercase(b"abcdwxyz"));
        for other in [
            &b"abcdwxy{"[..],
            b"abcdwxy`",
            b"Abcdwxyz",
            b"abcd xyz",
            b"abcd1xyz",
            b"abc\xc3\xa9xyz",
            b"abc",
        ] {
            assert!(!all_lowercase(other), "{other:?}");
        }
        for b in 0..=255u8 {
            let chunk = [b'a', b'b', b, b'c', b'd', b'e', b'f', b'g'];
            assert_eq!(all_lowercase(&chunk), b.is_ascii_lowercase(), "{b}");
        }
    }

    #[test]
    fn family_order_matches_pattern_ids() {
        for (i, f) in FAMILIES.iter().enumerate() {
            assert_eq!(*f as usize, i);
        }
        assert!(Engine::new().is_ok());
    }

    #[test]
    fn starts_skip_plain_words_and_number_continuations() {
        let text =
            b"the user (811) 702-4807 at 192.168.1.1 mail x@y.io born june 5 Sam www.a.io ::1 +44";
        let got: Vec<&str> = prescan(text, &ContextMatcher::new())
            .starts
            .into_iter()
            .map(|s| std::str::from_utf8(&text[s..(s + 4).min(text.len())]).unwrap())
            .collect();
        assert_eq!(
            got,
            vec![
                "(811", "811)", "702-", "192.", "x@y.", "y.io", "io b", "june", "5 Sa", "www.",
                "a.io", "io :", "::1 ", "1 +4", "+44", "44"
            ]
        );
    }
}
