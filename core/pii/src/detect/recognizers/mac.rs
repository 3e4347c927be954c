//! MAC (EUI-48) addresses: six hex pairs split by `:` or `-`, or three quads split by `.`.

use crate::EntityType;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = concat!(
    r"\b[0-9A-Fa-f]{2}(?:[:\-][0-9A-Fa-f]{2}){5}\b",
    r"|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b",
);

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    // More hex groups right after: this is an IPv6 address or a longer identifier.
    if matches!(scan.byte_at(end), Some(b':' | b'-' | b'.'))
        && scan.byte_at(end + 1).is_some_and(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    if matches!(scan.byte_before(start), Some(b':' | b'-' | b'.')) {
        return None;
    }
    is_mac(scan.slice(start, end)).then(|| Hit::new(EntityType::MacAddress, start, end, 0.9))
}

/// One separator throughout; with `-` or `.` it needs a hex letter, since all-decimal groups
/// split that way are more often dates, versions or serial numbers.
pub(crate) fn is_mac(s: &str) -> bool {
    let seps: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_hexdigit()).collect();
    let Some(&first) = seps.first() else {
        return false;
    };
    if !seps.iter().all(|&b| b == first) {
        return false;
    }
    first == b':' || s.bytes().any(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_separator_and_not_a_dash_number() {
        assert!(is_mac("97:c5:25:26:2e:6a"));
        assert!(is_mac("97-C5-25-26-2E-6A"));
        assert!(is_mac("0011.2233.44aa"));
        assert!(!is_mac("97:c5-25:26:2e:6a"));
        assert!(!is_mac("12-05-20-19-10-30"));
        assert!(!is_mac("1234.5678.9012"));
    }
}
