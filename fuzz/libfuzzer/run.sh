#!/usr/bin/env bash
# The long run: every target in turn (one process, one core each), RUNS executions each
# (default 10 million) or CAP seconds, whichever comes first. Seeds come from the library
# (`coffer-fuzz-seeds`); corpora, crash artifacts and logs stay in this folder, gitignored.
#
#   fuzz/libfuzzer/run.sh                      # all targets
#   TARGETS="jws cursor" CAP=600 fuzz/libfuzzer/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-10000000}
CAP=${CAP:-3600}
TARGETS=${TARGETS:-"jws access_token client_assertion envelope ciphertext pii_detect pii_anonymize json_body cursor idempotency_key"}
dir=fuzz/libfuzzer
mkdir -p "$dir/logs"
cargo run -q -p coffer-fuzz --bin coffer-fuzz-seeds -- "$dir/corpus"
cargo +nightly fuzz build --fuzz-dir "$dir" --debug-assertions
for target in $TARGETS; do
  echo "== $target"
  cargo +nightly fuzz run --fuzz-dir "$dir" --debug-assertions "$target" -- \
    -runs="$RUNS" -max_total_time="$CAP" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$dir/logs/$target.log" 2>&1 || { echo "   FAILED: see $dir/logs/$target.log"; continue; }
  grep -E '^(Done|#[0-9]+ +DONE)' "$dir/logs/$target.log" | sed 's/^/   /'
done
