//! Criterion benchmarks of Coffer's hot paths live in `benches/`; run them with
//! `cargo bench -p coffer-benches`.
