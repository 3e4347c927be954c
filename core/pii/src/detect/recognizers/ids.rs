//! Numbers whose shape says little on its own: bare runs of digits and letter-digit ids. Context
//! decides whether one is an SSN, a passport, a driver's licence or a phone number.

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::scan::{Hit, Scan};

use super::{phone, ssn};

/// Bare digits, 7 to 11 of them (cards take 12 and more).
pub(crate) const BARE_PATTERN: &str = r"\b[0-9]{7,11}\b";

/// Letters then digits: next-generation US passports (`A12345678`) and most state licence
/// formats; plus Florida-style grouped licences.
pub(crate) const LETTER_PATTERN: &str = concat!(
    r"\b[A-Z]{1,2}[0-9]{4,13}\b",
    r"|\b[A-Z][0-9]{3}-[0-9]{3}-[0-9]{2}-[0-9]{3}-[0-9]\b",
);

pub(crate) fn classify_bare(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let mut buf = [0u8; 11];
    let digits = super::digits_of(scan.slice(start, end).as_bytes(), &mut buf)?;
    let penalty = 0.5 * scan.not_pii(start);
    let mut best: Option<Hit> = None;
    let mut consider = |ty: EntityType, score: f32| {
        let hit = Hit::new(ty, start, end, score - penalty);
        if best.is_none_or(|b| hit.score > b.score) {
            best = Some(hit);
        }
    };
    if digits.len() == 9 {
        if ssn::is_valid_digits(digits) {
            consider(
                EntityType::UsSsn,
                0.3 + 0.65 * scan.context(kind::SSN, start, end),
            );
        }
        consider(
            EntityType::UsPassport,
            0.25 + 0.7 * scan.context(kind::PASSPORT, start, end),
        );
    }
    if phone::is_nanp(digits) {
        consider(
            EntityType::Phone,
            0.3 + 0.6 * scan.context(kind::PHONE, start, end),
        );
    }
    consider(
        EntityType::UsDriverLicense,
        0.2 + 0.75 * scan.context(kind::LICENSE, start, end),
    );
    best.filter(|h| h.score > 0.3)
}

pub(crate) fn classify_letters(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end).as_bytes();
    let penalty = 0.5 * scan.not_pii(start);
    let passport_shape =
        s.len() == 9 && s[0].is_ascii_uppercase() && s[1..].iter().all(u8::is_ascii_digit);
    let passport = if passport_shape {
        0.35 + 0.6 * scan.context(kind::PASSPORT, start, end)
    } else {
        0.0
    };
    let license = 0.2 + 0.75 * scan.context(kind::LICENSE, start, end);
    let (ty, score) = if passport >= license {
        (EntityType::UsPassport, passport)
    } else {
        (EntityType::UsDriverLicense, license)
    };
    let hit = Hit::new(ty, start, end, score - penalty);
    (hit.score > 0.3).then_some(hit)
}
