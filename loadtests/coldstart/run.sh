#!/usr/bin/env bash
# Cold start, binary sizes and memory of every function, next to the hello-world lambda_runtime
# binary: builds for the host (release: fat LTO), builds for arm64 with cargo-lambda, then runs
# measure.py. See README.md beside this file.
#
#   loadtests/coldstart/run.sh [rounds=20] [burst=200]
#
# Environment: SKIP_BUILD=1 uses the binaries already in target/release; ARM64=0 skips the
# arm64 build (sizes are then read from target/lambda/ or .aws-sam/build/ if present);
# OUT=<dir> is where logs and results.json go (default: target/coldstart, replaced each run).
set -euo pipefail

rounds="${1:-20}"
burst="${2:-200}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/loadtests/coldstart"
cd "$root"

functions=(auth pii orgs tokens clients crypto datasets audit cleanup mailer)
reference=hello-lambda
packages=()
for f in "${functions[@]}"; do packages+=(-p "coffer-function-$f"); done
packages+=(-p coffer-reference)

out="${OUT:-$root/target/coldstart}"
rm -rf "$out/logs" "$out"/data-*
mkdir -p "$out"

child=""
cleanup() {
  # Stop what this script started (measure.py stops its function processes on SIGTERM).
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command in the background and waits for it, so the trap can stop it.
run() {
  "$@" &
  child=$!
  wait "$child"
  child=""
}

echo "# Cold start, sizes and memory — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sm)"
echo "source: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!loadtests/coldstart' 2>/dev/null || echo ' + uncommitted changes')"
echo "load before: $(uptime)"
echo

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "building for the host: cargo build --release --locked ${packages[*]}" >&2
  run cargo build --release --locked "${packages[@]}"
fi

if [[ "${ARM64:-1}" != 0 ]]; then
  # One binary at a time, exactly as `sam build` runs it (template.yaml's rust-cargolambda
  # build), so both share target/ and the sizes are those of what is deployed.
  for f in "${functions[@]}" "$reference"; do
    echo "building for arm64: cargo lambda build --release --arm64 --bin $f" >&2
    run env PATH="$root/.venv/bin:$PATH" cargo-lambda lambda build --release --arm64 --bin "$f"
  done
fi

size_of() { stat -c %s "$1"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1000000 }'; }

echo "## Binary sizes (stripped)"
echo
echo "| binary | host $(uname -m) bytes | host MB | arm64 bootstrap bytes | arm64 MB | arm64 < 8 MB | arm64 gzip -9 MB |"
echo "|---|---:|---:|---:|---:|---|---:|"
stripped="$out/stripped"
for f in "$reference" "${functions[@]}"; do
  host="$root/target/release/$f"
  host_size="—"; host_mb="—"
  if [[ -f "$host" ]]; then
    strip -o "$stripped" "$host"  # the profile strips already; this makes sure
    host_size="$(size_of "$stripped")"; host_mb="$(mb "$host_size")"
  fi
  arm="$root/target/lambda/$f/bootstrap"
  arm_size="—"; arm_mb="—"; goal="—"; zipped="—"
  if [[ -f "$arm" ]]; then
    arm_size="$(size_of "$arm")"; arm_mb="$(mb "$arm_size")"
    if (( arm_size < 8000000 )); then goal="yes"; else goal="NO"; fi
    zipped="$(mb "$(gzip -9 -c "$arm" | wc -c)")"
  fi
  echo "| $f | $host_size | $host_mb | $arm_size | $arm_mb | $goal | $zipped |"
done
rm -f "$stripped"
echo
echo "arm64: target/lambda/<bin>/bootstrap from cargo lambda (aarch64-unknown-linux-gnu, zig linker;"
echo "the release profile strips). MB = 10^6 bytes;"
echo "the goal is < 8 MB; gzip -9 approximates the deployment zip."
if compgen -G "$root/.aws-sam/build/*/bootstrap" >/dev/null; then
  echo
  echo "sam build output (.aws-sam/build/<Function>/bootstrap), for comparison:"
  for b in "$root"/.aws-sam/build/*/bootstrap; do
    echo "- $(basename "$(dirname "$b")"): $(size_of "$b") bytes"
  done
fi
echo

run python3 "$here/measure.py" --bin-dir "$root/target/release" --rounds "$rounds" \
  --burst "$burst" --out "$out"

echo
echo "load after: $(uptime)"
