//! Credentials: vendor tokens with a known prefix, and generic high-entropy strings that look
//! random (mixed character classes, high Shannon entropy, frequent class changes) rather than
//! like words, identifiers, hashes or ids.

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::scan::{Hit, Scan};

/// Vendor tokens with a fixed prefix.
pub(crate) const KNOWN_PATTERN: &str = concat!(
    r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}",
    r"|\bgh[pousr]_[0-9A-Za-z]{30,}",
    r"|\bgithub_pat_[0-9A-Za-z_]{40,}",
    r"|\bxox[abposr]-[0-9A-Za-z\-]{10,}",
    r"|\bAIza[0-9A-Za-z_\-]{35}",
    r"|\bglpat-[0-9A-Za-z_\-]{20,}",
    r"|\bnpm_[0-9A-Za-z]{36}",
    r"|\bSG\.[0-9A-Za-z_\-]{16,}\.[0-9A-Za-z_\-]{16,}",
    r"|\bhf_[0-9A-Za-z]{30,}",
    r"|\bshp(?:at|ss|ca|pa)_[0-9a-fA-F]{32}",
    r"|\bsk-(?:proj-|ant-)?[0-9A-Za-z_\-]{32,}",
    r"|\bpypi-[0-9A-Za-z_\-]{50,}",
    r"|\bdop_v1_[0-9a-f]{64}",
);

/// Anything long enough to be a secret: 20+ word characters, or exactly 40 base64 characters
/// (the shape of an AWS secret access key).
pub(crate) const GENERIC_PATTERN: &str =
    r"\b[A-Za-z0-9][A-Za-z0-9/+]{38}[A-Za-z0-9]\b|\b[A-Za-z0-9][A-Za-z0-9_\-]{19,}";

pub(crate) fn classify_known(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end);
    // The random part after the prefix must not be a placeholder like xxxx or 0000.
    let body = s.rsplit(['_', '-', '.']).next().unwrap_or(s);
    let body = if body.len() >= 16 { body } else { s };
    if entropy(body) < 3.0 {
        return None;
    }
    Some(Hit::new(EntityType::ApiSecret, start, end, 0.95))
}

pub(crate) fn classify_generic(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end);
    if s.len() > 512 {
        return None;
    }
    let ctx = scan.context(kind::SECRET, start, end);
    if encodes_prose(s) {
        return None;
    }
    let shape = shape(s);
    let base = match shape {
        Shape::Random => 0.65,
        // hashes, UUIDs and ids are secrets only when the text says so
        Shape::Hex | Shape::Uuid | Shape::Weak => {
            if ctx < 0.5 {
                return None;
            }
            0.3
        }
        Shape::NotSecret => return None,
    };
    let score = base
        + 0.3 * ctx
        + if shape == Shape::Random {
            0.0
        } else {
            0.2 * ctx
        }
        - 0.5 * scan.not_pii(start);
    Some(Hit::new(EntityType::ApiSecret, start, end, score))
}

/// Whether `s` is base64 of ordinary text ("aGVsbG8gd29ybGQ=" is "hello world"): random-looking
/// characters, but words with spaces inside, which no key is.
pub(crate) fn encodes_prose(s: &str) -> bool {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let t = s.trim_end_matches('=');
    let Ok(bytes) = STANDARD_NO_PAD
        .decode(t)
        .or_else(|_| URL_SAFE_NO_PAD.decode(t))
    else {
        return false;
    };
    let printable = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || **b == b' ')
        .count();
    let spaces = bytes.iter().filter(|&&b| b == b' ').count();
    bytes.len() >= 8 && printable * 100 >= bytes.len() * 95 && spaces * 12 >= bytes.len()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Looks machine-random: upper, lower and digits mixed, high entropy.
    Random,
    /// Hex only (a hash, an id, or a hex key).
    Hex,
    /// 8-4-4-4-12 hex.
    Uuid,
    /// Long and varied but not clearly random.
    Weak,
    /// Words, identifiers, repeated characters.
    NotSecret,
}

pub(crate) fn shape(s: &str) -> Shape {
    let b = s.as_bytes();
    if b.len() == 36 && is_uuid(b) {
        return Shape::Uuid;
    }
    if b.iter().all(u8::is_ascii_hexdigit) {
        return if entropy(s) >= 3.0 {
            Shape::Hex
        } else {
            Shape::NotSecret
        };
    }
    let upper = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    let lower = b.iter().filter(|c| c.is_ascii_lowercase()).count();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let letters = upper + lower;
    let h = entropy(s);
    // Class changes between neighbours: random base62 changes about 60% of the time, words and
    // camelCase identifiers far less.
    let class = |c: u8| match c {
        b'A'..=b'Z' => 0,
        b'a'..=b'z' => 1,
        b'0'..=b'9' => 2,
        _ => 3,
    };
    let changes = b.windows(2).filter(|w| class(w[0]) != class(w[1])).count();
    let change_rate = changes as f32 / (b.len().saturating_sub(1)).max(1) as f32;
    let longest_lower_run = b
        .split(|c| !c.is_ascii_lowercase())
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    let random = upper >= 2
        && lower >= 2
        && digits >= 1
        && h >= 3.7
        && change_rate >= 0.35
        && longest_lower_run <= 9
        && letters * 10 >= b.len() * 5;
    if random {
        Shape::Random
    } else if h >= 4.0 && change_rate >= 0.3 && (upper + digits) >= 4 && lower >= 2 {
        Shape::Weak
    } else {
        Shape::NotSecret
    }
}

fn is_uuid(b: &[u8]) -> bool {
    b.iter().enumerate().all(|(i, &c)| match i {
        8 | 13 | 18 | 23 => c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

/// Shannon entropy in bits per character.
pub(crate) fn entropy(s: &str) -> f32 {
    let mut counts = [0u32; 256];
    for &b in s.as_bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f32;
    if n == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f32 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_simple_strings() {
        assert_eq!(entropy(""), 0.0);
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abcd") - 2.0).abs() < 1e-6);
    }

    #[test]
    fn base64_of_prose_is_not_a_secret() {
        assert!(encodes_prose("aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Q"));
        assert!(
            !encodes_prose("dXNlcjpwYXNzd29yZA"),
            "user:password has no spaces"
        );
        assert!(!encodes_prose("T11NCue1cr3McRTrKwtPYKbPizDmbX1rpXjYd"));
    }

    #[test]
    fn random_tokens_are_random_and_words_are_not() {
        assert_eq!(
            shape("T11NCue1cr3McRTrKwtPYKbPizDmbX1rpXjYd"),
            Shape::Random
        );
        assert_eq!(shape("pVkOyRkunyBHsr4dEtUhtPjX6l6dWDbLE6"), Shape::Random);
        assert_eq!(
            shape("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            Shape::Random
        );
        assert_ne!(shape("AbstractSingletonProxyFactoryBean2"), Shape::Random);
        assert_eq!(shape("internationalization_strategy_v2"), Shape::NotSecret);
        assert_eq!(shape("very-long-kebab-case-identifier"), Shape::NotSecret);
        assert_eq!(shape("aaaaaaaaaaaaaaaaaaaaaaaaa"), Shape::NotSecret);
        assert_eq!(shape("d41d8cd98f00b204e9800998ecf8427e"), Shape::Hex);
        assert_eq!(shape("123e4567-e89b-12d3-a456-426614174000"), Shape::Uuid);
    }
}
