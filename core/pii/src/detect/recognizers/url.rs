//! Web addresses with a scheme or a `www.` start; trailing punctuation belongs to the sentence.

use crate::EntityType;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = r#"(?i:\b(?:https?|ftps?|sftp|wss?)://|\bwww\.)[^\s<>"'`{}|\\^]+"#;

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end);
    let len = trimmed_len(s);
    let url = &s[..len];
    let (score, host) = match url.find("://") {
        Some(i) => (0.9, &url[i + 3..]),
        None => (0.8, url),
    };
    let host = host.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    // A host needs a letter or digit, and `www.` alone is no address.
    let ok = host.bytes().any(|b| b.is_ascii_alphanumeric())
        && (url.contains("://")
            || host.matches('.').count() >= 2
            || host.len() > 4 && host.contains('.'));
    ok.then(|| Hit::new(EntityType::Url, start, start + len, score))
}

/// Length of `s` without the punctuation that ends a sentence or closes an aside: `.,;:!?'"*`
/// and a `)`, `]` or `}` that the URL does not open itself.
pub(crate) fn trimmed_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut end = b.len();
    while end > 0 {
        let c = b[end - 1];
        let strip = match c {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'"' | b'*' => true,
            b')' => count(&b[..end], b'(') < count(&b[..end], b')'),
            b']' => count(&b[..end], b'[') < count(&b[..end], b']'),
            _ => false,
        };
        if !strip {
            break;
        }
        end -= 1;
    }
    end
}

fn count(b: &[u8], c: u8) -> usize {
    b.iter().filter(|&&x| x == c).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_sentence_punctuation_but_keeps_balanced_parens() {
        assert_eq!(trimmed_len("https://a.io/x."), 14);
        assert_eq!(trimmed_len("https://a.io/x)."), 14);
        assert_eq!(
            trimmed_len("https://en.wikipedia.org/wiki/Rust_(language)"),
            45
        );
        assert_eq!(trimmed_len("http://a.io/?q=1,"), 16);
    }
}
