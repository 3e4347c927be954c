//! Rough single-core throughput over the dev corpus (criterion in benches/ is the real measure).
#[allow(dead_code)]
#[path = "../tests/support/evaluation.rs"]
mod evaluation;
use coffer_pii::{DetectOptions, Detector};
use std::time::Instant;
fn main() {
    let samples = evaluation::load(&evaluation::corpus_path()).unwrap_or_default();
    let det = Detector::shared();
    let opts = DetectOptions::default();
    let bytes: usize = samples.iter().map(|s| s.text.len()).sum();
    let mut n = 0;
    let t = Instant::now();
    let iters: usize = std::env::var("ITER").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    for _ in 0..iters {
        for s in &samples {
            n += det.detect_text(&s.text, &opts).map(|v| v.len()).unwrap_or(0);
        }
    }
    let el = t.elapsed().as_secs_f64();
    println!("{n} entities, {:.1} MB/s, {:.2} us/text", iters as f64 * bytes as f64 as f64 / el / 1e6, el * 1e6 / (iters as f64 * samples.len() as f64));
}
