//! The single-pass candidate scanner: every family's pattern compiled into one multi-pattern
//! automaton (leftmost-first, earlier families win ties), walked once over the text; each match
//! goes to its family's validator, and a rejected match may fall back to a family that starts at
//! the same place.

use regex_automata::meta::{BuildError, Regex};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, PatternID};

use super::recognizers::{aws, card, date, email, iban, ids, ip, jwt, mac, person, phone, secret, ssn, url, wallet};
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
    BareNumber,
    LetterDigits,
    Wallet,
    Token,
    Person,
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
    Family::BareNumber,
    Family::LetterDigits,
    Family::Wallet,
    Family::Token,
    Family::Person,
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
            Self::BareNumber => ids::BARE_PATTERN.into(),
            Self::LetterDigits => ids::LETTER_PATTERN.into(),
            Self::Wallet => wallet::PATTERN.into(),
            Self::Token => secret::GENERIC_PATTERN.into(),
            Self::Person => person::pattern(),
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
            Self::BareNumber => ids::classify_bare(scan, start, end),
            Self::LetterDigits => ids::classify_letters(scan, start, end),
            Self::Wallet => wallet::classify(scan, start, end),
            Self::Token => secret::classify_generic(scan, start, end),
            Self::Person => person::classify(scan, start, end),
        }
    }

    /// Families that may match at the same start when this one is rejected, tried in order.
    fn fallbacks(self) -> &'static [Family] {
        match self {
            Self::Jwt | Self::KnownSecret | Self::Wallet | Self::Aws => &[Family::Token],
            Self::Iban => &[Family::LetterDigits, Family::Token],
            Self::Mac => &[Family::Ipv6],
            Self::Email => &[Family::Token],
            _ => &[],
        }
    }

    fn id(self) -> PatternID {
        PatternID::new_unchecked(self as usize)
    }
}

/// The compiled automaton.
pub(crate) struct Engine {
    re: Regex,
}

impl Engine {
    pub(crate) fn new() -> Result<Self, BuildError> {
        let patterns: Vec<String> = FAMILIES.iter().map(|f| f.pattern()).collect();
        let re = Regex::builder()
            // ASCII classes and ASCII word boundaries: every pattern matches ASCII only, so match
            // offsets always fall on character boundaries, and the lazy DFA never has to give
            // up on non-ASCII text the way a Unicode \b would.
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(Regex::config().utf8_empty(false))
            .build_many(&patterns)?;
        Ok(Self { re })
    }

    /// All hits of at least `min_score` in the text, left to right, not overlapping.
    pub(crate) fn scan(&self, scan: &Scan<'_>, min_score: f32) -> Vec<Hit> {
        let hay = scan.bytes;
        let mut hits = Vec::new();
        let mut at = 0;
        while at < hay.len() {
            let input = Input::new(hay).range(at..);
            let Some(m) = self.re.search(&input) else {
                break;
            };
            let family = FAMILIES[m.pattern().as_usize()];
            let (s, e) = (m.start(), m.end());
            let mut hit = family.classify(scan, s, e).filter(|h| h.score >= min_score);
            if hit.is_none() {
                hit = self.fallback(scan, family, s, min_score);
            }
            match hit {
                Some(h) => {
                    hits.push(h);
                    at = h.end.max(s + 1);
                }
                None if family == Family::Person => {
                    // Resume at the run's last word, which may start something else
                    // ("Born January 5, 1990").
                    at = scan.text[s..e]
                        .rfind([' ', '\t'])
                        .map_or(s + 1, |i| s + i + 1);
                }
                None => at = s + 1,
            }
            // Every pattern starts on an ASCII byte, so `at` stays on a char boundary except
            // after s + 1 inside a multi-byte char, which cannot happen for ASCII `s`.
            while at < hay.len() && !scan.text.is_char_boundary(at) {
                at += 1;
            }
        }
        hits
    }

    fn fallback(&self, scan: &Scan<'_>, family: Family, s: usize, min_score: f32) -> Option<Hit> {
        for &f in family.fallbacks() {
            let input = Input::new(scan.bytes).range(s..).anchored(Anchored::Pattern(f.id()));
            if let Some(m) = self.re.search(&input)
                && let Some(h) = f.classify(scan, m.start(), m.end())
                && h.score >= min_score
            {
                return Some(h);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_order_matches_pattern_ids() {
        for (i, f) in FAMILIES.iter().enumerate() {
            assert_eq!(*f as usize, i);
        }
        assert!(Engine::new().is_ok());
    }
}
