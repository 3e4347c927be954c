//! Evaluation on the labelled dev corpus (`shared/data/pii-dev-2.jsonl`): precision, recall and F1
//! per type on exact byte spans, against the targets of the PII engine.
//! `cargo test -p coffer-pii --test eval -- --nocapture` prints the table;
//! `PII_EVAL_VERBOSE=1` also prints every miss and false alarm.

#[path = "support/evaluation.rs"]
mod evaluation;

use coffer_pii::EntityType;
use evaluation::{corpus_path, evaluate, load, table};

/// Minimum F1 per type (types absent from the corpus are skipped).
const TARGETS: &[(EntityType, f64)] = &[
    (EntityType::CreditCard, 0.98),
    (EntityType::Iban, 0.98),
    (EntityType::Email, 0.98),
    (EntityType::UsSsn, 0.98),
    (EntityType::IpAddress, 0.98),
    (EntityType::MacAddress, 0.98),
    (EntityType::Jwt, 0.98),
    (EntityType::AwsAccessKey, 0.98),
    (EntityType::Url, 0.98),
    (EntityType::Phone, 0.95),
    (EntityType::DateOfBirth, 0.95),
    (EntityType::UsPassport, 0.95),
    (EntityType::ApiSecret, 0.95),
    (EntityType::CryptoWallet, 0.95),
    (EntityType::Person, 0.95),
];

#[test]
fn dev_corpus_meets_the_per_type_targets() {
    let path = corpus_path();
    let samples = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(!samples.is_empty(), "{} is empty", path.display());
    let verbose = std::env::var_os("PII_EVAL_VERBOSE").is_some();
    let counts = evaluate(&samples, verbose);
    println!(
        "{} texts from {}\n{}",
        samples.len(),
        path.display(),
        table(&counts)
    );

    let mut failures = Vec::new();
    for &(t, min_f1) in TARGETS {
        let Some(c) = counts.get(&t) else { continue };
        if c.support() == 0 {
            continue;
        }
        if c.f1() < min_f1 {
            failures.push(format!("{t}: F1 {:.4} < {min_f1}", c.f1()));
        }
    }
    if let Some(c) = counts.get(&EntityType::Person)
        && c.support() > 0
        && c.precision() < 0.95
    {
        failures.push(format!("PERSON: precision {:.4} < 0.95", c.precision()));
    }
    // Types the corpus does not label must not be invented either.
    for (t, c) in &counts {
        if c.support() == 0 && c.fp > 0 {
            failures.push(format!(
                "{t}: {} false alarms of a type the corpus never labels",
                c.fp
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "targets missed:\n{}",
        failures.join("\n")
    );
}
