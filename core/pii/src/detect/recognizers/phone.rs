//! Telephone numbers: North American (NANP) numbers in their usual written forms, and
//! international numbers written with a `+` country code.

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = concat!(
    // NANP: optional +1 / 1, area code (with or without parentheses), exchange, line
    r"(?:\+1[ .\-]?|\b1[ .\-])?(?:\([2-9][0-9]{2}\)[ .\-]?|\b[2-9][0-9]{2}[ .\-]?)[2-9][0-9]{2}[ .\-][0-9]{4}\b",
    // international: +CC then groups
    r"|\+[2-9][0-9]{0,2}[ .\-]?(?:\(0\)[ .\-]?)?[0-9]{1,4}(?:[ .\-][0-9]{2,6}){1,5}\b",
    r"|\+[2-9][0-9]{7,13}\b",
);

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end);
    // A `+` glued to a word or digit before it is arithmetic or an identifier.
    if s.starts_with('+')
        && scan
            .byte_before(start)
            .is_some_and(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let mut buf = [0u8; 16];
    let digits = super::digits_of(s.as_bytes(), &mut buf)?;
    let base = if s.starts_with('+') && !s.starts_with("+1") {
        if !(8..=15).contains(&digits.len()) {
            return None;
        }
        0.75
    } else {
        if !is_nanp(digits) {
            return None;
        }
        // N11 codes (411, 911...) are never assigned, but people and generators write them.
        let n11 = if has_n11(digits) { 0.1 } else { 0.0 };
        (if s.starts_with('+') || s.contains('(') {
            0.85
        } else {
            0.75
        }) - n11
    };
    let ctx = scan.context(kind::PHONE, start, end);
    let score = base + 0.15 * ctx - 0.45 * scan.not_pii(start);
    Some(Hit::new(EntityType::Phone, start, end, score))
}

/// A North American number: optional leading 1, then area code and exchange starting 2-9.
pub(crate) fn is_nanp(digits: &[u8]) -> bool {
    nanp_digits(digits).is_some_and(|d| d[0] >= 2 && d[3] >= 2)
}

/// Whether the area code or exchange is an N11 service code (211...911).
pub(crate) fn has_n11(digits: &[u8]) -> bool {
    nanp_digits(digits).is_some_and(|d| d[1] == 1 && d[2] == 1 || d[4] == 1 && d[5] == 1)
}

fn nanp_digits(digits: &[u8]) -> Option<&[u8]> {
    match digits.len() {
        10 => Some(digits),
        11 if digits[0] == 1 => Some(&digits[1..]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Vec<u8> {
        s.bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect()
    }

    #[test]
    fn nanp_rules() {
        assert!(is_nanp(&d("774-999-7629")));
        assert!(is_nanp(&d("+1 592 588 9546")));
        assert!(!is_nanp(&d("174-999-7629")), "area code starts 2-9");
        assert!(!is_nanp(&d("774-199-7629")), "exchange starts 2-9");
        assert!(has_n11(&d("911-555-7629")), "N11 area");
        assert!(has_n11(&d("774-411-7629")), "N11 exchange");
        assert!(!has_n11(&d("774-999-7629")));
        assert!(!is_nanp(&d("2774-999-7629")));
    }
}
