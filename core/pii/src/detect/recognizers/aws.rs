//! AWS access key ids: `AKIA` (long-term) or `ASIA` (temporary) and 16 base32 characters.

use crate::EntityType;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b";

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    is_access_key(scan.slice(start, end))
        .then(|| Hit::new(EntityType::AwsAccessKey, start, end, 0.95))
}

/// The shape the pattern promises, checked again for callers outside the scanner; a run of one
/// repeated character is a placeholder, not a key.
pub(crate) fn is_access_key(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && (b.starts_with(b"AKIA") || b.starts_with(b"ASIA"))
        && b[4..]
            .iter()
            .all(|c| matches!(c, b'A'..=b'Z' | b'2'..=b'7'))
        && b[4..].iter().any(|&c| c != b[4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_prefix_and_base32() {
        assert!(is_access_key("AKIAMPB5U4MOS7AF5R2F"));
        assert!(is_access_key("ASIAMPB5U4MOS7AF5R2F"));
        assert!(!is_access_key("AKIAMPB5U4MOS7AF5R2"));
        assert!(!is_access_key("AKIAMPB5U4MOS7AF5R21"), "1 is not base32");
        assert!(!is_access_key("AKIAAAAAAAAAAAAAAAAA"));
        assert!(!is_access_key("ABCDMPB5U4MOS7AF5R2F"));
    }
}
