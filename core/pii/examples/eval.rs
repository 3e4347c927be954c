//! Prints the evaluation table for a labelled JSONL corpus (default: the dev corpus).
//! `cargo run -p coffer-pii --release --example eval [-- path.jsonl] [--verbose]`

#[path = "../tests/support/evaluation.rs"]
mod evaluation;

use std::path::PathBuf;
use std::time::Instant;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or_else(evaluation::corpus_path, PathBuf::from);
    let samples = match evaluation::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let t = Instant::now();
    let counts = evaluation::evaluate(&samples, verbose);
    println!(
        "{} texts from {} in {:?}\n",
        samples.len(),
        path.display(),
        t.elapsed()
    );
    print!("{}", evaluation::table(&counts));
    std::process::ExitCode::SUCCESS
}
