//! Hot paths of the PII engine: detection throughput over the dev corpus, latency on a 1 KiB
//! text, and anonymizing a small record.
//! `cargo bench -p coffer-pii --bench detect`

use std::hint::black_box;
use std::path::PathBuf;

use coffer_pii::{DetectOptions, Detector, Operator, Operators, anonymize_record};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

/// The dev corpus texts, or a few built-in ones if the corpus is not there.
fn corpus() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pii-dev.jsonl");
    match std::fs::read_to_string(&path) {
        Ok(s) => s
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_owned))
            .collect(),
        Err(e) => {
            eprintln!("{}: {e}; using built-in texts", path.display());
            vec![
                "Customer Justin Glass (email lhayes@example.org, phone 774-999-7629) asked to update the billing address; 262 items.".to_owned(),
                "Please charge card 4921742180967924 for Sandra Brown; SSN on file is 195-24-8388. 324 items".to_owned(),
                "Login from 214.182.1.74 for user harrisontina@example.com failed three times, version 8.9.18.".to_owned(),
            ]
        }
    }
}

fn detect(c: &mut Criterion) {
    let det = Detector::shared();
    let opts = DetectOptions::default();
    let texts = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    // Warm the lazy DFA's cache, as a warm function would be.
    for t in &texts {
        let _ = det.detect_text(t, &opts);
    }

    let mut g = c.benchmark_group("detect");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("corpus_text_by_text", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in &texts {
                n += det.detect_text(black_box(t), &opts).map_or(0, |v| v.len());
            }
            n
        })
    });
    let whole = texts.join("\n");
    g.throughput(Throughput::Bytes(whole.len() as u64));
    g.bench_function("corpus_as_one_text", |b| {
        b.iter(|| det.detect_text(black_box(&whole), &opts))
    });

    let mut kib = String::new();
    for t in &texts {
        if kib.len() + t.len() + 1 > 1024 {
            break;
        }
        kib.push_str(t);
        kib.push(' ');
    }
    while kib.len() < 1024 {
        kib.push(' ');
    }
    g.throughput(Throughput::Bytes(kib.len() as u64));
    g.bench_function("text_1KiB", |b| {
        b.iter(|| det.detect_text(black_box(&kib), &opts))
    });
    g.finish();
}

fn anonymize(c: &mut Criterion) {
    let det = Detector::shared();
    let opts = DetectOptions::default();
    // About 200 bytes of JSON with three values to replace.
    let record = json!({
        "customer": {"name": "Justin Glass", "email": "lhayes@example.org", "plan": "pro"},
        "phone": "774-999-7629",
        "note": "asked to update the billing address before the next invoice",
        "items": 262
    });
    assert!(record.to_string().len() >= 180);
    let ops = Operators::default().with(
        coffer_pii::EntityType::Phone,
        Operator::Mask {
            masking_char: '*',
            keep_last: 4,
        },
    );
    let found = det.detect_record(&record, &opts).unwrap_or_default();
    assert_eq!(found.len(), 3, "{found:?}");

    let mut g = c.benchmark_group("anonymize");
    g.bench_function("record_200B_3_hits_detect_and_replace", |b| {
        b.iter(|| det.anonymize_record(black_box(&record), &opts, &ops, None))
    });
    g.bench_function("record_200B_3_hits_replace_only", |b| {
        b.iter(|| anonymize_record(black_box(&record), &found, &ops, None))
    });
    g.finish();
}

criterion_group!(benches, detect, anonymize);
criterion_main!(benches);
