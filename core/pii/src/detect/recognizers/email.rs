//! E-mail addresses: a permissive shape, then the RFC 5321 length limits and dot rules.

use crate::EntityType;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = r"\b[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b";

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    is_valid(scan.slice(start, end)).then(|| Hit::new(EntityType::Email, start, end, 0.95))
}

/// Local part at most 64 bytes without `..` or a trailing dot; domain at most 253 bytes with
/// labels of at most 63.
pub(crate) fn is_valid(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains("..")
        && !local.ends_with('.')
        && domain.len() <= 253
        && domain.split('.').all(|l| !l.is_empty() && l.len() <= 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_local_part_and_labels() {
        assert!(is_valid("lhayes@example.org"));
        assert!(is_valid("first.last+tag@mail.example.co.uk"));
        assert!(!is_valid("a..b@example.com"));
        assert!(!is_valid("a.@example.com"));
        assert!(!is_valid(&format!("{}@example.com", "a".repeat(65))));
        assert!(!is_valid(&format!("a@{}.com", "b".repeat(64))));
    }
}
