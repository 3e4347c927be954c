//! What the held-out suites share: what a text is found to hold, as (type, value), and a check
//! that collects a mismatch instead of stopping, so one run shows them all.

use super::{DetectOptions, Detector};
use crate::EntityType;

/// The entities of `text` whose type `keep` accepts, as (type, covered text), in order.
pub(super) fn found_where(
    text: &str,
    keep: impl Fn(EntityType) -> bool,
) -> Vec<(EntityType, String)> {
    Detector::shared()
        .detect_text(text, &DetectOptions::default())
        .unwrap()
        .into_iter()
        .filter(|e| keep(e.entity_type))
        .map(|e| (e.entity_type, text[e.start..e.end].to_owned()))
        .collect()
}

/// Checks that `text` holds exactly `want` among the types `keep` accepts.
pub(super) fn expect_where(
    failures: &mut Vec<String>,
    text: &str,
    want: &[(EntityType, &str)],
    keep: impl Fn(EntityType) -> bool,
) {
    let got = found_where(text, keep);
    let want: Vec<(EntityType, String)> = want.iter().map(|(t, v)| (*t, (*v).to_owned())).collect();
    if got != want {
        failures.push(format!("{text:?}\n   got {got:?}\n  want {want:?}"));
    }
}

/// Checks that `text` holds exactly `want`.
pub(super) fn expect(failures: &mut Vec<String>, text: &str, want: &[(EntityType, &str)]) {
    expect_where(failures, text, want, |_| true);
}
