//! US driver's licence numbers, in the written forms that the bare-number and letter-digit
//! families of `ids` do not reach.
//!
//! A licence number carries no check digit, and every state format is a shape that order
//! numbers, invoice numbers and account numbers share. So a licence is reported only with
//! licence context: a word such as "driver's license", "driving licence", "DL#", "DLN", "lic #"
//! near it, or a record field named like `driver_license` or `dl_number`. Without it a candidate
//! scores below every threshold and is dropped; with it the score reaches 0.95.
//!
//! The state formats covered, and which family's pattern finds each shape (the plain shapes
//! were already candidates of `ids`, whose `classify_*` weigh licence context against passport,
//! SSN and phone context; this module adds the grouped, long and lettered ones):
//!
//! | State | Format | Example | Family |
//! |-------|--------|---------|--------|
//! | California | letter + 7 digits | `A1234567` | `ids` letters |
//! | Florida | letter + 12 digits, or grouped 3-3-2-3-1 | `W426545307610`, `W426-545-30-761-0` | `ids` letters |
//! | Illinois | letter + 11 digits, or grouped 3-4-4 | `S12345678901`, `S123-4567-8901` | `ids` letters, this |
//! | New York | 9 digits, or 3-3-3 as printed; letter + 7 or 18 digits | `123456789`, `123 456 789`, `A123456789012345678` | `ids` bare, this |
//! | Texas | 8 digits | `12345678` | `ids` bare |
//! | Pennsylvania | 8 digits, or 2-3-3 as printed | `12345678`, `12 345 678` | `ids` bare, this |
//! | Washington | `WDL` + 9 letters or digits (since 2018); before: 5 letters of the surname (padded with `*`), 2 initials, 3 digits, 2 check characters | `WDLABCD456DG`, `SMITHJD123AB`, `DOE**JM123AB` | this |
//! | New Jersey | letter + 14 digits, or grouped 4-5-5 as printed | `A12345678901234`, `A1234 56789 01234` | this |
//! | Michigan | letter + 12 digits, or grouped 3-3-3-3 as printed | `A123456789012`, `A 123 456 789 012` | `ids` letters, this |
//! | Ohio | 2 letters + 6 digits | `AB123456` | `ids` letters |
//! | Massachusetts | `S` + 8 digits | `S12345678` | `ids` letters |
//! | Wisconsin | letter + 13 digits, or grouped 3-4-4-2 | `A1234567890123`, `A123-4567-8901-23` | `ids` letters, this |
//! | Virginia | letter + 8 digits, or 9 digits | `A12345678`, `123456789` | `ids` letters, `ids` bare |
//! | Georgia, Maryland, Minnesota... | 7 to 9 digits; letter + 12 digits | `1234567`, `A123456789012` | `ids` bare, `ids` letters |
//!
//! A letter + 8 digits or a bare 9-digit number is also a US passport's shape: `ids` decides by
//! which context is nearer ("passport" or "driver's license"). None of the shapes below is a
//! passport's, but one named a passport is not reported as a licence either.

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::scan::{Hit, Scan};

/// Candidate shapes. ASCII only and anchored on word boundaries, and each alternative starts
/// with a fixed class, so the combined automaton leaves them after a byte or two on other words.
pub(crate) const PATTERN: &str = concat!(
    // Illinois (S123-4567-8901) and Wisconsin (A123-4567-8901-23): a letter, then 3-4-4(-2).
    r"\b[A-Z][0-9]{3}[ \-][0-9]{4}[ \-][0-9]{4}(?:[ \-][0-9]{2})?\b",
    // New Jersey as printed: A1234 56789 01234.
    r"|\b[A-Z][0-9]{4}[ \-][0-9]{5}[ \-][0-9]{5}\b",
    // New Jersey (letter + 14 digits) and New York (letter + 18 digits): longer than the
    // letter-digit ids go.
    r"|\b[A-Z][0-9]{14}(?:[0-9]{4})?\b",
    // Michigan as printed: A 123 456 789 012.
    r"|\b[A-Z] [0-9]{3} [0-9]{3} [0-9]{3} [0-9]{3}\b",
    // New York (123 456 789) and Pennsylvania (12 345 678) as printed.
    r"|\b[0-9]{2,3} [0-9]{3} [0-9]{3}\b",
    // Washington since 2018.
    r"|\bWDL[A-Z0-9]{9}\b",
    // Washington before 2018: surname (padded with *), initials, 3 digits, 2 check characters.
    r"|\b[A-Z][A-Z*]{4}[A-Z][A-Z*][0-9]{3}[A-Z0-9]{2}\b",
);

/// Score of the shape alone: below [`FLOOR`], so a licence is never found without context,
/// whatever `min_score` a caller asks for. The same weights as the licence scores of `ids`, so
/// that every shape of licence scores alike in the same text.
const SHAPE: f32 = 0.2;
/// Weight of licence context: a licence word right next to the number gives 0.95, one at the
/// edge of the window about 0.39 (below the default `min_score` of 0.5).
const CONTEXT: f32 = 0.75;
/// Scores at or below this are dropped, as in `ids`: the shape with faint context is no evidence.
const FLOOR: f32 = 0.3;

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end).as_bytes();
    if !consistent_separators(s) || continues_a_number(scan, s, start, end) {
        return None;
    }
    if s.contains(&b'*') && !padded_surname(s) {
        return None;
    }
    let license = scan.context(kind::LICENSE, start, end);
    // A number its text calls a passport is not a licence, whatever else is said nearby.
    if scan.context(kind::PASSPORT, start, end) > license {
        return None;
    }
    let score = SHAPE + CONTEXT * license - 0.5 * scan.not_pii(start);
    let hit = Hit::new(EntityType::UsDriverLicense, start, end, score);
    (hit.score > FLOOR).then_some(hit)
}

/// Grouped forms use one separator throughout: `S123-4567 8901` is two values, not one.
fn consistent_separators(s: &[u8]) -> bool {
    let mut seps = s.iter().filter(|b| matches!(b, b' ' | b'-'));
    match seps.next() {
        Some(first) => seps.all(|b| b == first),
        None => true,
    }
}

/// Whether the candidate is only part of a longer number: `123 456 789` inside
/// `123 456 789 012`, or `S123-4567-8901` inside `S123-4567-8901-2345`. Digit groups go on with
/// `-`, `.` or `/`, and with a space when the candidate itself is grouped with spaces.
fn continues_a_number(scan: &Scan<'_>, s: &[u8], start: usize, end: usize) -> bool {
    let spaced = s.contains(&b' ');
    let joins = |b: u8| matches!(b, b'-' | b'.' | b'/') || spaced && b == b' ';
    let after = scan.byte_at(end).is_some_and(joins)
        && scan.byte_at(end + 1).is_some_and(|b| b.is_ascii_digit());
    let before = scan.byte_before(start).is_some_and(joins)
        && start >= 2
        && scan
            .byte_before(start - 1)
            .is_some_and(|b| b.is_ascii_digit());
    after || before
}

/// An old Washington number pads a short surname with `*` (`DOE**JM123AB`): within the five
/// surname characters no letter follows a `*`.
fn padded_surname(s: &[u8]) -> bool {
    let surname = s.get(..5).unwrap_or(s);
    let first_star = surname.iter().position(|&b| b == b'*').unwrap_or(5);
    surname[first_star..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_forms_use_one_separator() {
        assert!(consistent_separators(b"S123-4567-8901"));
        assert!(consistent_separators(b"A1234 56789 01234"));
        assert!(consistent_separators(b"A12345678901234"));
        assert!(!consistent_separators(b"S123-4567 8901"));
    }

    #[test]
    fn surname_padding_comes_last() {
        assert!(padded_surname(b"DOE**JM123AB"));
        assert!(padded_surname(b"SMITHJ*123AB"));
        assert!(!padded_surname(b"D*OEXJM123AB"));
    }
}
