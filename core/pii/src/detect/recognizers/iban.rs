//! IBANs (ISO 13616): a country's exact length and the mod-97 check, in compact or grouped form.

use crate::EntityType;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b";

/// IBAN length per country code (SWIFT IBAN registry).
const LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end).as_bytes();
    let len = country_length(s.get(..2)?)?;
    // Walk the candidate until `len` letters and digits are taken; the IBAN ends there, and must
    // end where a group ends (not inside a longer run).
    let mut taken = 0;
    let mut cut = None;
    for (i, &b) in s.iter().enumerate() {
        if b != b' ' {
            taken += 1;
        }
        if taken == len {
            cut = Some(i + 1);
            break;
        }
    }
    let cut = cut?;
    if s.get(cut).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let compact: Vec<u8> = s[..cut].iter().copied().filter(|&b| b != b' ').collect();
    mod97_ok(&compact).then(|| Hit::new(EntityType::Iban, start, start + cut, 0.99))
}

fn country_length(cc: &[u8]) -> Option<usize> {
    LENGTHS
        .iter()
        .find(|(c, _)| c.as_slice() == cc)
        .map(|&(_, l)| l)
}

/// The ISO 7064 mod-97-10 check of an IBAN in compact upper-case form.
pub(crate) fn mod97_ok(iban: &[u8]) -> bool {
    if iban.len() < 5 || !iban.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let rearranged = iban[4..].iter().chain(&iban[..4]);
    let mut rem: u32 = 0;
    for &b in rearranged {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            b'a'..=b'z' => u32::from(b - b'a') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// Whether `s` (spaces allowed) is a valid IBAN of its country's length.
#[cfg(test)]
pub(crate) fn is_valid(s: &str) -> bool {
    let compact: Vec<u8> = s
        .bytes()
        .filter(|&b| b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    compact.get(..2).and_then(country_length) == Some(compact.len()) && mod97_ok(&compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_length_and_mod97() {
        assert!(is_valid("GB82WEST12345698765432"));
        assert!(is_valid("GB82 WEST 1234 5698 7654 32"));
        assert!(is_valid("DE89370400440532013000"));
        assert!(is_valid("FR1420041010050500013M02606"));
        assert!(!is_valid("GB82WEST12345698765433"), "one digit off");
        assert!(!is_valid("GB82WEST1234569876543"), "one short");
        assert!(!is_valid("XX82WEST12345698765432"), "no such country");
    }
}
