//! Precision, recall and F1 per entity type on exact byte spans, over a JSONL corpus of
//! `{"id", "text", "entities": [{"type", "start", "end"}]}`. Shared by `tests/eval.rs` and
//! `examples/eval.rs`.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use coffer_pii::{DetectOptions, Detector, EntityType};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Sample {
    pub id: String,
    pub text: String,
    pub entities: Vec<Label>,
}

#[derive(Deserialize)]
pub struct Label {
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    pub start: usize,
    pub end: usize,
}

#[derive(Default, Clone, Copy)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    pub fn support(&self) -> usize {
        self.tp + self.fn_
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// `shared/data/pii-dev-2.jsonl`, found from this crate's manifest directory.
pub fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pii-dev-2.jsonl")
}

/// Reads the corpus, or says clearly where it was expected.
pub fn load(path: &std::path::Path) -> Result<Vec<Sample>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the PII dev corpus at {}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// Counts per type; with `verbose`, prints every miss and false alarm.
pub fn evaluate(samples: &[Sample], verbose: bool) -> BTreeMap<EntityType, Counts> {
    let det = Detector::shared();
    let opts = DetectOptions::default();
    let mut counts: BTreeMap<EntityType, Counts> = BTreeMap::new();
    for s in samples {
        let found = match det.detect_text(&s.text, &opts) {
            Ok(f) => f,
            Err(e) => panic!("{}: {e}", s.id),
        };
        let got: HashSet<(EntityType, usize, usize)> = found
            .iter()
            .map(|e| (e.entity_type, e.start, e.end))
            .collect();
        let want: HashSet<(EntityType, usize, usize)> = s
            .entities
            .iter()
            .map(|e| (e.entity_type, e.start, e.end))
            .collect();
        for g in &got {
            let c = counts.entry(g.0).or_default();
            if want.contains(g) {
                c.tp += 1;
            } else {
                c.fp += 1;
                if verbose {
                    println!(
                        "FP {} {:?} {:?} in {:?}",
                        s.id,
                        g.0,
                        &s.text[g.1..g.2],
                        s.text
                    );
                }
            }
        }
        for w in &want {
            if !got.contains(w) {
                counts.entry(w.0).or_default().fn_ += 1;
                if verbose {
                    println!(
                        "FN {} {:?} {:?} in {:?}",
                        s.id,
                        w.0,
                        &s.text[w.1..w.2],
                        s.text
                    );
                }
            }
        }
    }
    counts
}

/// The table as printed by the test and the example.
pub fn table(counts: &BTreeMap<EntityType, Counts>) -> String {
    let mut out = format!(
        "{:<18} {:>7} {:>6} {:>6} {:>6} {:>9} {:>7} {:>7}\n",
        "type", "support", "tp", "fp", "fn", "precision", "recall", "f1"
    );
    let mut total = Counts::default();
    for (t, c) in counts {
        total.tp += c.tp;
        total.fp += c.fp;
        total.fn_ += c.fn_;
        out += &format!(
            "{:<18} {:>7} {:>6} {:>6} {:>6} {:>9.4} {:>7.4} {:>7.4}\n",
            t.as_str(),
            c.support(),
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall(),
            c.f1()
        );
    }
    out += &format!(
        "{:<18} {:>7} {:>6} {:>6} {:>6} {:>9.4} {:>7.4} {:>7.4}\n",
        "ALL (micro)",
        total.support(),
        total.tp,
        total.fp,
        total.fn_,
        total.precision(),
        total.recall(),
        total.f1()
    );
    out
}
