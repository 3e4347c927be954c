#!/usr/bin/env bash
# Load scenarios against a local Coffer stack (release build, embedded backends, loopback only).
# Each scenario runs for a bounded time and prints requests/s and p50/p95/p99 latency.
#   ./loadtests/run.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p coffer-local

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
COFFER_DATA_DIR="$data" COFFER_LISTEN="127.0.0.1:$port" RUST_LOG=warn ./target/release/coffer-local &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1 && break
  sleep 0.1
done

base="http://127.0.0.1:$port"
echo "machine: $(nproc) cores; ${duration}s per scenario, $connections connections, wrk 2 threads"
for scenario in "GET /v1/health" "GET /v1/health/ready"; do
  path=${scenario#GET }
  printf '%-28s ' "$scenario"
  wrk -t2 -c"$connections" -d"${duration}s" -s loadtests/report.lua "$base$path" | tail -n 1
done
