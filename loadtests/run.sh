#!/usr/bin/env bash
# Load scenarios against a local Coffer stack (release build, embedded backends, loopback only).
# Each scenario runs for a bounded time and prints requests/s and p50/p95/p99 latency.
#   ./loadtests/run.sh [seconds] [connections]
# ASSERTIONS_PER_SECOND (default 6000) sizes the pre-signed client_credentials requests:
# seconds × that many are made right before that scenario (they expire 300 s after).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
assertions_per_second=${ASSERTIONS_PER_SECOND:-6000}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p coffer-local

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# The issuer is this address, so assertions' `aud` (the token endpoint) matches. The setup
# registers and logs in from 127.0.0.1: the per-IP limits are raised out of its way.
COFFER_DATA_DIR="$data" COFFER_LISTEN="127.0.0.1:$port" COFFER_ISSUER="$base" \
  COFFER_REGISTER_LIMIT_PER_IP_DAY=1000 COFFER_LOGIN_LIMIT_PER_IP_HOUR=1000 \
  RUST_LOG=warn ./target/release/coffer-local &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$base/v1/health" >/dev/null 2>&1 && break
  sleep 0.1
done

# api METHOD PATH [TOKEN] [JSON]: the reply's body in $data/reply, its status on stdout.
api() {
  local args=(-sS -o "$data/reply" -w '%{http_code}' -X "$1" "$base$2")
  [[ -n ${3:-} ]] && args+=(-H "Authorization: Bearer $3")
  [[ -n ${4:-} ]] && args+=(-H 'Content-Type: application/json' --data "$4")
  curl "${args[@]}"
}
# field NAME: a top-level string field of the last reply.
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$data/reply" "$1"; }
# expect STATUS WHAT CODE: stops the run unless the setup call answered STATUS.
expect() {
  [[ $3 == "$1" ]] && return
  echo "setup failed: $2 answered $3: $(head -c 500 "$data/reply")" >&2
  exit 1
}
# load NAME WRK-ARGS...: one scenario; prints its report line and keeps its req/s in $rps.
load() {
  local name=$1 line
  shift
  line=$(wrk -t2 -c"$connections" -d"${duration}s" "$@" | tail -n 1)
  printf '%-36s %s\n' "$name" "$line"
  rps=$(sed -n 's/.* rps=\([0-9]*\) .*/\1/p' <<<"$line")
}

# A user, a session and an access token (unbound, every scope).
password='Walnut-Orbit-Sparrow-Falcon-93'
expect 201 register "$(api POST /v1/auth/register '' "{\"email\":\"loadtest@example.com\",\"password\":\"$password\"}")"
expect 200 login "$(api POST /v1/auth/login '' "{\"email\":\"loadtest@example.com\",\"password\":\"$password\",\"client\":\"cli\"}")"
session=$(field session_token)
expect 201 'POST /v1/tokens' "$(api POST /v1/tokens "$session" '{}')"
access=$(field access_token)
expect 200 'GET /v1/auth/me with the access token' "$(api GET /v1/auth/me "$access")"

echo "machine: $(nproc) cores; ${duration}s per scenario, $connections connections, wrk 2 threads"
report=(-s loadtests/report.lua)
load "GET /v1/health" "${report[@]}" "$base/v1/health"
health_rps=$rps
load "GET /v1/health/ready" "${report[@]}" "$base/v1/health/ready"
load "GET /v1/auth/me (access token)" "${report[@]}" -H "Authorization: Bearer $access" "$base/v1/auth/me"
me_rps=$rps
load "GET /v1/auth/me (session)" "${report[@]}" -H "Authorization: Bearer $session" "$base/v1/auth/me"
awk -v me="$me_rps" -v health="$health_rps" 'BEGIN {
  printf "/me with an access token: %.0f%% of /v1/health'"'"'s req/s (goal: at least 50%%)\n", 100 * me / health }'

# client_credentials: an org, a machine client, a certificate; then one pre-signed assertion
# (unique jti) per request.
expect 201 'POST /v1/orgs' "$(api POST /v1/orgs "$session" '{"name":"loadtest"}')"
org=$(field id)
status=$(api POST "/v1/orgs/$org/clients" "$session" '{"name":"loadtest"}')
if [[ $status == 404 || $status == 405 ]]; then
  echo "POST /v1/oauth/token (client_credentials)  skipped: POST /v1/orgs/{org}/clients answered $status (functions/clients is not in this build)"
  exit 0
fi
expect 201 'POST /v1/orgs/{org}/clients' "$status"
client=$(field id)
expect 201 'POST .../certificates' "$(api POST "/v1/orgs/$org/clients/$client/certificates" "$session" '{}')"
kid=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r.get("kid") or r["id"])' "$data/reply")
python3 -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["private_key_pem"])' "$data/reply" >"$data/certificate.pem"

# The generator (benches/examples/assertions.rs) in the bench profile: no LTO, quick to build.
cargo build --profile bench --locked -q -p coffer-benches --example assertions
count=$((duration * assertions_per_second))
started=$(date +%s)
# One more than wrk gets: the last one checks that the grant works before the run.
cargo run --profile bench --locked -q -p coffer-benches --example assertions -- \
  "$data/certificate.pem" "$client" "$kid" "$base/v1/oauth/token" $((count + 1)) >"$data/all"
head -n "$count" "$data/all" >"$data/bodies"
tail -n 1 "$data/all" | tr -d '\n' >"$data/check"
rm "$data/all"
status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
  --data-binary "@$data/check" "$base/v1/oauth/token")
expect 200 'POST /v1/oauth/token (client_credentials)' "$status"
echo "$count assertions made in $(($(date +%s) - started)) s; they expire 300 s after they were made"
if ((duration > 240)); then
  echo "warning: runs over 240 s outlive the assertions (exp = 300 s)" >&2
fi
load "POST /v1/oauth/token (client_credentials)" -s loadtests/bodies.lua "$base/v1/oauth/token" -- "$data/bodies" 2
echo "client_credentials goal: at least 2,000 grants/s with p99 < 10 ms"
