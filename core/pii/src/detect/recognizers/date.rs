//! Dates of birth: a real calendar date (numeric or with a month name) that context words such as
//! "born" or "DOB" mark as a birth date. A date alone is not PII.

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::scan::{Hit, Scan};

const MONTH: &str = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\\.?";

pub(crate) fn pattern() -> String {
    format!(
        concat!(
            r"\b[0-9]{{4}}[\-/.][0-9]{{1,2}}[\-/.][0-9]{{1,2}}\b",
            r"|\b[0-9]{{1,2}}[\-/.][0-9]{{1,2}}[\-/.][0-9]{{4}}\b",
            r"|(?i:\b{m}[ \t]+[0-9]{{1,2}}(?:st|nd|rd|th)?,?[ \t]+[0-9]{{4}}\b)",
            r"|(?i:\b[0-9]{{1,2}}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{m},?[ \t]+[0-9]{{4}}\b)",
        ),
        m = MONTH
    )
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end);
    if !is_date(s) {
        return None;
    }
    let ctx = birth_context(scan, start, end);
    let score = 0.25 + 0.7 * ctx - 0.5 * scan.not_pii(start);
    Some(Hit::new(EntityType::DateOfBirth, start, end, score))
}

/// The strongest birth word near the date, ignoring one that another number stands between
/// ("born 1980-01-01, issued 2019-05-01": the second date is not the birth date).
fn birth_context(scan: &Scan<'_>, start: usize, end: usize) -> f32 {
    if scan.field_kinds & kind::DOB != 0 {
        return 1.0;
    }
    let before = scan.context_within(kind::DOB, start, start, 40, 0);
    let before = if before > 0.0 {
        let kws = scan.keywords();
        let before_start = kws.partition_point(|h| h.end <= start);
        let kw_end = kws[..before_start]
            .iter()
            .rev()
            .take_while(|h| h.end + 40 >= start)
            .filter(|h| h.kinds & kind::DOB != 0)
            .map(|h| h.end)
            .max()
            .unwrap_or(start);
        let gap = scan.slice(kw_end, start);
        if gap.bytes().any(|b| b.is_ascii_digit()) {
            0.0
        } else {
            before
        }
    } else {
        0.0
    };
    // "01/02/1990 (date of birth)"
    let after = scan.context_within(kind::DOB, end, end, 0, 16);
    before.max(after)
}

/// A valid calendar date between 1890 and 2100 in one of the written forms of the pattern:
/// `YYYY-MM-DD` (also `/` `.`), `MM/DD/YYYY` or `DD/MM/YYYY`, `Month D, YYYY`, `D Month YYYY`.
pub(crate) fn is_date(s: &str) -> bool {
    let mut parts = ["", "", "", ""];
    let mut n = 0;
    for w in s
        .split([' ', '\t', ',', '-', '/', '.'])
        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("of"))
    {
        match parts.get_mut(n) {
            Some(p) => *p = w,
            None => return false,
        }
        n += 1;
    }
    let words = &parts[..n];
    let num = |w: &str| -> Option<u32> {
        let w = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if w.is_empty() || w.len() > 4 {
            None
        } else {
            w.parse().ok()
        }
    };
    match words {
        [a, b, c] if a.len() == 4 && a.bytes().all(|x| x.is_ascii_digit()) => {
            match (num(a), num(b), num(c)) {
                (Some(y), Some(m), Some(d)) => valid(y, m, d),
                _ => false,
            }
        }
        [a, b, c]
            if c.len() == 4
                && a.bytes().all(|x| x.is_ascii_digit())
                && b.bytes().all(|x| x.is_ascii_digit()) =>
        {
            match (num(a), num(b), num(c)) {
                (Some(x), Some(y2), Some(y)) => valid(y, x, y2) || valid(y, y2, x),
                _ => false,
            }
        }
        [a, b, c] => {
            // Month D YYYY or D Month YYYY
            let (m, d) = if a.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
                (*a, *b)
            } else {
                (*b, *a)
            };
            match (month(m), num(d), num(c)) {
                (Some(m), Some(d), Some(y)) => valid(y, m, d),
                _ => false,
            }
        }
        _ => false,
    }
}

/// The month a word names: a full name or a prefix of at least three letters ("Sept", "Jan").
fn month(w: &str) -> Option<u32> {
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            m.len() >= w.len() && m.as_bytes()[..w.len()].eq_ignore_ascii_case(w.as_bytes())
        })
        .map(|i| i as u32 + 1)
}

fn valid(y: u32, m: u32, d: u32) -> bool {
    if !(1890..=2100).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_dates_in_common_forms() {
        for s in [
            "1985-02-27",
            "04/24/1949",
            "24/04/1949",
            "January 24, 1997",
            "May 02, 1997",
            "Sept 3 1980",
            "3rd of March, 1985",
            "29 February 2000",
            "1990/1/2",
            "12.05.1990",
            "July 26, 1976",
            "June 5 1990",
        ] {
            assert!(is_date(s), "{s}");
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        for s in [
            "1985-02-30",
            "13/13/1990",
            "29 February 1900",
            "Janx 3, 1990",
            "1776-07-04",
            "00/12/1990",
            "Ma 3, 1990",
        ] {
            assert!(!is_date(s), "{s}");
        }
    }
}
