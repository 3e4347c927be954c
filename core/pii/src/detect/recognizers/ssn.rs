//! US Social Security numbers written `AAA-GG-SSSS` or `AAA GG SSSS` (bare nine digits are handled
//! with the other bare numbers, where context decides).

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b|\b[0-9]{3} [0-9]{2} [0-9]{4}\b";

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end).as_bytes();
    let mut buf = [0u8; 9];
    let digits = super::digits_of(s, &mut buf)?;
    if !is_valid_digits(digits) {
        return None;
    }
    // Dashes are the SSN's own format; spaces are shared with many other numbers.
    let base = if s.contains(&b'-') { 0.85 } else { 0.5 };
    let ctx = scan.context(kind::SSN, start, end);
    let score = base + 0.45 * ctx - 0.5 * scan.not_pii(start);
    Some(Hit::new(EntityType::UsSsn, start, end, score))
}

/// SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000.
pub(crate) fn is_valid_digits(d: &[u8]) -> bool {
    if d.len() != 9 {
        return false;
    }
    let num = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |a, &x| a * 10 + u32::from(x));
    let (area, group, serial) = (num(0..3), num(3..5), num(5..9));
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
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
    fn applies_area_group_serial_rules() {
        assert!(is_valid_digits(&d("195-24-8388")));
        assert!(is_valid_digits(&d("123-45-6789")));
        assert!(!is_valid_digits(&d("000-24-8388")));
        assert!(!is_valid_digits(&d("666-24-8388")));
        assert!(!is_valid_digits(&d("900-24-8388")));
        assert!(!is_valid_digits(&d("195-00-8388")));
        assert!(!is_valid_digits(&d("195-24-0000")));
        assert!(!is_valid_digits(&d("195-24-838")));
    }
}
