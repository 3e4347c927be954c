//! Writes every target's seeds as libFuzzer corpus files: `<dir>/<target>/seed-<n>`
//! (`cargo run -p coffer-fuzz --bin coffer-fuzz-seeds -- fuzz/libfuzzer/corpus`).

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/libfuzzer/corpus".to_owned()),
    );
    for target in coffer_fuzz::TARGETS {
        let folder = dir.join(target.name);
        std::fs::create_dir_all(&folder)?;
        for (n, seed) in (target.seeds)().iter().enumerate() {
            std::fs::write(folder.join(format!("seed-{n}")), seed)?;
        }
    }
    Ok(())
}
