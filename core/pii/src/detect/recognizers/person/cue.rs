//! The words right next to a capitalized run that say whether it is a person: `Customer …`,
//! `payee …`, `Dear …`, `Name: …`, `thanks, …`, `it's …`, `registered to …` before it;
//! `… wrote`, `…, born` after it. Read straight from the text around the run (a handful of
//! bytes), so they cost nothing where there is no run.

use super::lists::{is_cue_after, is_cue_before, is_cue_pair, is_weak_cue_before};

/// How strongly the neighbouring words say "a person".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Cue {
    None,
    /// `for`, `from`, `by`, a possessive `'s`: people are often there, so are other things.
    Weak,
    /// A word that names a person's role or greets one.
    Strong,
}

/// Longest cue word read, in bytes.
const MAX_CUE: usize = 12;

/// The cue before `start` (the run's first byte, its title included).
pub(crate) fn before(text: &[u8], start: usize) -> Cue {
    let mut at = start;
    // "Name: X", "thanks, X", "Dear X", "Thanks,\nX": spaces, then at most one ',' or ':'
    at = skip_back(text, at, |b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'), 4);
    if at > 0 && matches!(text[at - 1], b',' | b':') {
        at = skip_back(text, at - 1, |b| b == b' ', 2);
    }
    let mut buf = [0u8; MAX_CUE];
    let Some((last, from)) = word_before(text, at, &mut buf) else {
        return Cue::None;
    };
    if is_cue_before(last) {
        return Cue::Strong;
    }
    let mut prev_buf = [0u8; MAX_CUE];
    let prev = word_before(text, skip_back(text, from, |b| b == b' ', 2), &mut prev_buf);
    if let Some((prev, _)) = prev
        && is_cue_pair(prev, last)
    {
        return Cue::Strong;
    }
    // a preposition, or any lower-case word: a capitalized run inside prose is a proper noun
    if is_weak_cue_before(last) || text[from].is_ascii_lowercase() {
        Cue::Weak
    } else {
        Cue::None
    }
}

/// The cue after `end` (the run's last byte, exclusive).
pub(crate) fn after(text: &[u8], end: usize) -> Cue {
    let rest = text.get(end..).unwrap_or_default();
    if rest.starts_with(b"'s") || rest.starts_with("’s".as_bytes()) {
        return Cue::Weak;
    }
    let mut i = 0;
    if rest.first() == Some(&b',') {
        i = 1;
    }
    while i < rest.len().min(4) && rest[i] == b' ' {
        i += 1;
    }
    if rest.get(i) == Some(&b'(') {
        i += 1;
    }
    let word_end = rest[i..]
        .iter()
        .take(MAX_CUE + 1)
        .position(|b| !b.is_ascii_alphabetic())
        .map_or(rest.len(), |n| i + n);
    if i == 0 && rest.first().is_some_and(|b| *b != b' ') || word_end == i {
        return Cue::None;
    }
    let word = &rest[i..word_end];
    let mut buf = [0u8; MAX_CUE];
    if lower(word, &mut buf).is_some_and(is_cue_after) {
        Cue::Strong
    } else if word.first().is_some_and(u8::is_ascii_lowercase) {
        // prose goes on in lower case: the run is a proper noun, not a title-cased heading
        Cue::Weak
    } else {
        Cue::None
    }
}

/// Moves back over at most `max` bytes for which `skip` holds.
fn skip_back(text: &[u8], mut at: usize, skip: impl Fn(u8) -> bool, max: usize) -> usize {
    let floor = at.saturating_sub(max);
    while at > floor && skip(text[at - 1]) {
        at -= 1;
    }
    at
}

/// The word (ASCII letters and an apostrophe, lower-cased) that ends at `at`, and where it
/// starts.
fn word_before<'b>(text: &[u8], at: usize, buf: &'b mut [u8; MAX_CUE]) -> Option<(&'b str, usize)> {
    let mut from = at;
    while from > 0
        && at - from <= MAX_CUE
        && (text[from - 1].is_ascii_alphabetic() || text[from - 1] == b'\'')
    {
        from -= 1;
    }
    if from == at || at - from > MAX_CUE {
        return None;
    }
    // a word glued to what precedes it ("x@y.com,Name") is no cue
    if from > 0
        && (text[from - 1].is_ascii_alphanumeric()
            || text[from - 1] >= 0x80
            || matches!(text[from - 1], b'@' | b'.' | b'_' | b'/' | b'-'))
    {
        return None;
    }
    lower(&text[from..at], buf).map(|w| (w, from))
}

fn lower<'b>(word: &[u8], buf: &'b mut [u8; MAX_CUE]) -> Option<&'b str> {
    let out = buf.get_mut(..word.len())?;
    out.copy_from_slice(word);
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue_before(text: &str) -> Cue {
        before(text.as_bytes(), text.len())
    }

    #[test]
    fn role_and_greeting_words_before_a_run_are_strong_cues() {
        for text in [
            "Customer ",
            "payee ",
            "Dear ",
            "Name: ",
            "thanks, ",
            "Thanks,\n",
            "Hi, it's ",
            "registered to ",
            "my name is ",
            "Signed by ",
        ] {
            assert_eq!(cue_before(text), Cue::Strong, "{text:?}");
        }
    }

    #[test]
    fn prepositions_are_weak_cues_and_other_words_none() {
        assert_eq!(cue_before("charge card 4111 for "), Cue::Weak);
        assert_eq!(cue_before("email from "), Cue::Weak);
        assert_eq!(cue_before("the "), Cue::Weak);
        assert_eq!(cue_before("The "), Cue::None);
        assert_eq!(cue_before(""), Cue::None);
        assert_eq!(cue_before("x@customer "), Cue::None);
    }

    #[test]
    fn reporting_verbs_after_a_run_are_strong_cues() {
        let cue_after = |text: &str| after(text.as_bytes(), 0);
        assert_eq!(cue_after(" wrote: hi"), Cue::Strong);
        assert_eq!(cue_after(", born 1970"), Cue::Strong);
        assert_eq!(cue_after(" (born 1970)"), Cue::Strong);
        assert_eq!(cue_after("'s account"), Cue::Weak);
        assert_eq!(cue_after(" Street"), Cue::None);
        assert_eq!(cue_after(" approved it"), Cue::Weak);
        assert_eq!(cue_after(", our head"), Cue::Weak);
        assert_eq!(cue_after("wrote"), Cue::None);
    }
}
