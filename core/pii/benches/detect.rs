//! Hot paths of the PII engine: detection throughput over the dev corpus, latency on a 1 KiB
//! text, a 10 MB log through the large-text path (windows) beside the same bytes through
//! `detect_text` piece by piece, and detecting and anonymizing a small record.
//! `cargo bench -p coffer-pii --bench detect -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;
use std::path::PathBuf;

use coffer_pii::{DetectOptions, Detector, Operator, Operators, PiiKeys, anonymize_record};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

/// The dev corpus texts, or a few built-in ones if the corpus is not there.
fn corpus() -> Vec<String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pii-dev-2.jsonl");
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

/// About 10 MB of log lines, each a corpus text with a timestamp and a request id, in corpus
/// order over and over: the same bytes on every run.
fn log_10mb(texts: &[String]) -> String {
    const SIZE: usize = 10_000_000;
    let mut out = String::with_capacity(SIZE + 1024);
    for (i, t) in texts.iter().cycle().enumerate() {
        if out.len() >= SIZE {
            break;
        }
        out.push_str(&format!(
            "2024-05-{:02}T{:02}:{:02}:{:02}.{:03}Z INFO req={i:08x} msg=\"{t}\"\n",
            1 + i % 28,
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 60,
            i % 1000
        ));
    }
    out
}

/// `text` cut at line breaks into pieces of at most 1 MiB, what `detect_text` accepts.
fn pieces_of_1mib(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > coffer_pii::MAX_INPUT_BYTES {
        // Every line is far shorter than 1 MiB; a line break is ASCII, so a character boundary.
        let cut = rest.as_bytes()[..coffer_pii::MAX_INPUT_BYTES]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let (piece, after) = rest.split_at(cut);
        out.push(piece);
        rest = after;
    }
    out.push(rest);
    out
}

fn large(c: &mut Criterion) {
    let det = Detector::shared();
    let opts = DetectOptions::default();
    let log = log_10mb(&corpus());
    let pieces = pieces_of_1mib(&log);
    let found = det.detect_large_text(&log, &opts).len();
    let by_pieces: usize = pieces
        .iter()
        .map(|p| det.detect_text(p, &opts).map_or(0, |v| v.len()))
        .sum();
    // Pieces cut at line breaks see what the windows see: the same values.
    assert_eq!(found, by_pieces);

    let mut g = c.benchmark_group("large");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.bench_function("log_10MB_detect_large_text", |b| {
        b.iter(|| det.detect_large_text(black_box(&log), &opts).len())
    });
    g.bench_function("log_10MB_stream_64KiB_chunks", |b| {
        b.iter(|| {
            let mut stream = det.stream(opts.clone());
            let mut n = 0;
            for chunk in black_box(&log).as_bytes().chunks(64 * 1024) {
                n += stream.push_bytes(chunk).map_or(0, |v| v.len());
            }
            n + stream.finish().map_or(0, |v| v.len())
        })
    });
    g.bench_function("log_10MB_detect_text_per_1MiB_piece", |b| {
        b.iter(|| {
            pieces
                .iter()
                .map(|p| det.detect_text(black_box(p), &opts).map_or(0, |v| v.len()))
                .sum::<usize>()
        })
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
    // The keyed operators an org's request uses: an HMAC per value, a deterministic AES-SIV token.
    let keys = PiiKeys::new(1, [7; 32], [9; 64]);
    let keyed =
        Operators::all(Operator::Hash).with(coffer_pii::EntityType::Email, Operator::Tokenize);
    g.bench_function("record_200B_3_hits_detect_and_hash_or_tokenize", |b| {
        b.iter(|| det.anonymize_record(black_box(&record), &opts, &keyed, Some(&keys)))
    });
    g.finish();
}

criterion_group!(benches, detect, large, anonymize);
criterion_main!(benches);
