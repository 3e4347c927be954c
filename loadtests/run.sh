#!/usr/bin/env bash
# Load scenarios against a local Coffer stack (release build, embedded backends, loopback only),
# read against a bare axum hello-world served the same way in the same run. Each scenario runs
# for a bounded time and prints requests/s, p50/p95/p99 latency and its error rate; a summary
# table at the end puts each beside its SLO.md p95 and Coffer's goal (a tenth of it).
#   ./loadtests/run.sh [seconds] [connections] [parts]
# parts: a comma-separated list of `me`, `identity`, `tokens`, `orgs`, `pii`, `audit`,
# `crypto`, `grants`, `datasets`, or `all` (default). The references (hello-world's
# `/v1/health`, then Coffer's `/v1/health` and `/v1/health/ready`) always run first.
# QUIET_WAIT (default 0): seconds to wait, at most, for a load average under 1.5 and no rustc
# before the first scenario (the machine is shared with builds).
# MEMBERS (default 1000): the members of the org whose member list the `orgs` part reads.
# ASSERTIONS_PER_SECOND (default 6000) sizes the pre-signed client_credentials requests:
# seconds × that many are made right before that scenario (they expire 300 s after).
# BATCH_CONNECTIONS (default 4) is the connections of the 1000-item batch encrypt; the 100 KiB
# encrypt and the batch also run with one connection (their latency without queueing).
# DATASET_RECORDS (default 10000, a multiple of 1000) is how many records the `datasets` part
# writes before it measures (in batches of 1000; also the dataset's `expected_records`); its
# 1000-item batch write uses BATCH_CONNECTIONS too.
# The spike and the soak are loadtests/spike.sh and loadtests/soak.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
parts=${3:-all}
quiet_wait=${QUIET_WAIT:-0}
members=${MEMBERS:-1000}
assertions_per_second=${ASSERTIONS_PER_SECOND:-6000}
batch_connections=${BATCH_CONNECTIONS:-4}
dataset_records=${DATASET_RECORDS:-10000}
all_parts=(me identity tokens orgs pii audit crypto grants datasets)
# selected PART: whether the run includes PART.
selected() { [[ ,$parts, == *,all,* || ,$parts, == *,$1,* ]]; }
for part in ${parts//,/ }; do
  [[ " all ${all_parts[*]} " == *" $part "* ]] || { echo "unknown part $part: use ${all_parts[*]// /, } or all" >&2; exit 2; }
done
((dataset_records >= 1000 && dataset_records % 1000 == 0)) || { echo "DATASET_RECORDS must be a multiple of 1000" >&2; exit 2; }
((connections >= 2)) || { echo "use at least 2 connections" >&2; exit 2; }

source loadtests/lib.sh
for part in "${all_parts[@]}"; do
  source "loadtests/parts/$part.sh"
done
ensure_wrk
build_servers
start_hello
start_coffer
make_user loadtest@example.com

echo "machine: $(nproc) cores; ${duration}s per scenario, $connections connections, wrk 2 threads; parts: $parts; at $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' with local changes'), $(date -u '+%Y-%m-%d %H:%M UTC')"
wait_quiet "$quiet_wait"
report=(-s loadtests/report.lua)
load "GET /v1/health (hello-axum, reference)" "${report[@]}" "$hello_base/v1/health"
hello_rps=$rps
stop_hello
load "GET /v1/health" "${report[@]}" "$base/v1/health"
health_rps=$rps
load "GET /v1/health/ready" "${report[@]}" "$base/v1/health/ready"

for part in "${all_parts[@]}"; do
  if selected "$part"; then
    "$part"
  fi
done

echo
echo "summary ($(date -u '+%Y-%m-%d %H:%M UTC'); hello-world reference: $hello_rps req/s; the load column is the 1-minute load average when each scenario ended, our own wrk and server included):"
print_summary
echo "coffer-local memory at the end: peak RSS (VmHWM) $(($(status_kb "$server" VmHWM) / 1024)) MB, RSS now $(($(status_kb "$server" VmRSS) / 1024)) MB (goal: under 200 MB)"
exit 0
