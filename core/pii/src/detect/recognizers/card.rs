//! Payment card numbers: 12 to 19 digits, contiguous or in groups, with a known issuer prefix for
//! their length and a valid Luhn check digit.

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = concat!(
    r"\b[0-9]{12,19}\b",
    r"|\b[0-9]{4}(?:[ \-][0-9]{4}){2}[ \-][0-9]{1,7}\b",
    r"|\b[0-9]{4}[ \-][0-9]{6}[ \-][0-9]{4,5}\b",
    r"|\b[0-9]{4}(?:[ \-][0-9]{4}){3}[ \-][0-9]{3}\b",
);

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end);
    if !one_separator(s) {
        return None;
    }
    let mut digits = [0u8; 19];
    let mut n = 0;
    for b in s.bytes().filter(u8::is_ascii_digit) {
        *digits.get_mut(n)? = b - b'0';
        n += 1;
    }
    let digits = &digits[..n];
    issuer(digits)?;
    if !luhn(digits) || digits.iter().all(|&d| d == digits[0]) {
        return None;
    }
    // Short Maestro numbers look like many other identifiers: they need more evidence.
    let base = if n <= 13 { 0.6 } else { 0.8 };
    let score = base + 0.2 * scan.context(kind::CARD, start, end) - 0.5 * scan.not_pii(start);
    Some(Hit::new(EntityType::CreditCard, start, end, score))
}

/// Groups are separated by one kind of separator (or none).
fn one_separator(s: &str) -> bool {
    let mut seps = s.bytes().filter(|b| !b.is_ascii_digit());
    match seps.next() {
        None => true,
        Some(first) => seps.all(|b| b == first),
    }
}

/// The Luhn (mod 10) check over decimal digits.
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// Card networks by number prefix and allowed lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Issuer {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Diners,
    Jcb,
    UnionPay,
    Maestro,
    Mir,
}

/// The issuer whose prefix and length fit `digits`, if any.
pub(crate) fn issuer(digits: &[u8]) -> Option<Issuer> {
    let len = digits.len();
    let prefix = |n: usize| -> u32 {
        digits
            .iter()
            .take(n)
            .fold(0, |acc, &d| acc * 10 + u32::from(d))
    };
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    let table: [(bool, &[usize], Issuer); 11] = [
        (p1 == 4, &[13, 16, 19], Issuer::Visa),
        (
            (51..=55).contains(&p2) || (2221..=2720).contains(&p4),
            &[16],
            Issuer::Mastercard,
        ),
        (p2 == 34 || p2 == 37, &[15], Issuer::Amex),
        (
            p4 == 6011
                || (644..=649).contains(&p3)
                || p2 == 65
                || (622_126..=622_925).contains(&p6),
            &[16, 17, 18, 19],
            Issuer::Discover,
        ),
        (
            (300..=305).contains(&p3) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39,
            &[14, 15, 16, 17, 18, 19],
            Issuer::Diners,
        ),
        // JCB's assigned range is 3528-3589; many issuers' test data (and generators) use all of 35.
        (p2 == 35, &[16, 17, 18, 19], Issuer::Jcb),
        (p4 == 2131 || p4 == 1800, &[15], Issuer::Jcb),
        (p2 == 62, &[16, 17, 18, 19], Issuer::UnionPay),
        ((2200..=2204).contains(&p4), &[16, 17, 18, 19], Issuer::Mir),
        (
            matches!(
                p4,
                5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761 | 6762 | 6763 | 6390 | 604
            ), // 604: "0604"
            &[12, 13, 14, 15, 16, 17, 18, 19],
            Issuer::Maestro,
        ),
        (
            p2 == 50 || (56..=69).contains(&p2),
            &[12, 13, 14, 15, 16, 17, 18, 19],
            Issuer::Maestro,
        ),
    ];
    table
        .into_iter()
        .find(|(fits, lens, _)| *fits && lens.contains(&len))
        .map(|(_, _, issuer)| issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u8> {
        s.bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect()
    }

    #[test]
    fn luhn_accepts_valid_and_rejects_one_digit_off() {
        assert!(luhn(&digits("4111111111111111")));
        assert!(luhn(&digits("4921742180967924")));
        assert!(luhn(&digits("378282246310005")));
        assert!(!luhn(&digits("4111111111111112")));
        assert!(!luhn(&digits("4538401916146107")));
        assert!(!luhn(&[]));
    }

    #[test]
    fn issuers_by_prefix_and_length() {
        assert_eq!(issuer(&digits("4111111111111111")), Some(Issuer::Visa));
        assert_eq!(issuer(&digits("4791601108434")), Some(Issuer::Visa));
        assert_eq!(
            issuer(&digits("5482189704340527")),
            Some(Issuer::Mastercard)
        );
        assert_eq!(
            issuer(&digits("2239309559729797")),
            Some(Issuer::Mastercard)
        );
        assert_eq!(issuer(&digits("378282246310005")), Some(Issuer::Amex));
        assert_eq!(issuer(&digits("6011111111111117")), Some(Issuer::Discover));
        assert_eq!(issuer(&digits("30137884828884")), Some(Issuer::Diners));
        assert_eq!(issuer(&digits("3543301467300240")), Some(Issuer::Jcb));
        assert_eq!(issuer(&digits("213163166277300")), Some(Issuer::Jcb));
        assert_eq!(issuer(&digits("060412345678")), Some(Issuer::Maestro));
        assert_eq!(issuer(&digits("4111111111111")), Some(Issuer::Visa));
        assert_eq!(
            issuer(&digits("41111111111111")),
            None,
            "Visa has no 14-digit numbers"
        );
        assert_eq!(issuer(&digits("9111111111111111")), None);
        assert_eq!(issuer(&digits("378282246310005")), Some(Issuer::Amex));
        assert_eq!(
            issuer(&digits("3782822463100051")),
            None,
            "Amex is 15 digits"
        );
    }

    #[test]
    fn separators_must_agree() {
        assert!(one_separator("4111 1111 1111 1111"));
        assert!(one_separator("4111-1111-1111-1111"));
        assert!(!one_separator("4111-1111 1111-1111"));
    }
}
