//! IPv4 and IPv6 addresses, parsed by `std::net` so only real addresses pass.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::EntityType;
use crate::detect::scan::{Hit, Scan};

pub(crate) const V4_PATTERN: &str = r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b";
pub(crate) const V6_PATTERN: &str =
    r"(?:[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3})?";

pub(crate) fn classify_v4(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    // Part of a longer dotted run (a version like 1.2.3.4.5, or an OID) is not an address.
    let dotted_before = scan.byte_before(start) == Some(b'.')
        && start >= 2
        && scan
            .byte_before(start - 1)
            .is_some_and(|b| b.is_ascii_digit());
    let dotted_after = scan.byte_at(end) == Some(b'.')
        && scan.byte_at(end + 1).is_some_and(|b| b.is_ascii_digit());
    if dotted_before || dotted_after {
        return None;
    }
    let s = scan.slice(start, end);
    s.parse::<Ipv4Addr>().ok()?;
    // "version 1.2.3.4", "build 10.0.19041.1": dotted numbers after those words are versions.
    let score = 0.9 - 0.6 * scan.not_pii(start);
    Some(Hit::new(EntityType::IpAddress, start, end, score))
}

pub(crate) fn classify_v6(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    // Standing alone: not glued to a word (`std::fmt`) or to more colons or dots.
    if scan
        .byte_before(start)
        .is_some_and(|b| word(b) || b == b':' || b == b'.')
        || scan.byte_at(end).is_some_and(|b| word(b) || b == b':')
    {
        return None;
    }
    let s = scan.slice(start, end);
    is_v6(s).then(|| Hit::new(EntityType::IpAddress, start, end, 0.9))
}

/// A parseable IPv6 address with at least three written groups (so `a::b` or `::1`-style
/// fragments of code and times do not pass).
pub(crate) fn is_v6(s: &str) -> bool {
    // an embedded IPv4 tail (::ffff:192.0.2.1) stands for two groups
    let groups = s
        .split(':')
        .filter(|g| !g.is_empty())
        .map(|g| if g.contains('.') { 2 } else { 1 })
        .sum::<usize>();
    groups >= 3 && s.parse::<Ipv6Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v6_needs_a_real_address() {
        assert!(is_v6("97bd:d982:cdac:6046:f990:3b73:f88e:ce64"));
        assert!(is_v6("2001:db8::8a2e:370:7334"));
        assert!(is_v6("::ffff:192.168.1.10"));
        assert!(!is_v6("12:30:45"));
        assert!(!is_v6("d::f"));
        assert!(!is_v6("97:c5:25:26:2e:6a"));
        assert!(!is_v6("2001:db8:::1"));
    }
}
