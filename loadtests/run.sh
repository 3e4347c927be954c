#!/usr/bin/env bash
# Load scenarios against a local Coffer stack (release build, embedded backends, loopback only).
# Each scenario runs for a bounded time and prints requests/s and p50/p95/p99 latency.
#   ./loadtests/run.sh [seconds] [connections] [parts]
# parts: a comma-separated list of `me`, `grants`, `crypto`, or `all` (default). The reference
# (`/v1/health`, `/v1/health/ready`) always runs first.
# ASSERTIONS_PER_SECOND (default 6000) sizes the pre-signed client_credentials requests:
# seconds × that many are made right before that scenario (they expire 300 s after).
# BATCH_CONNECTIONS (default 4) is the connections of the 1000-item batch encrypt; the 100 KiB
# encrypt and the batch also run with one connection (their latency without queueing).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
parts=${3:-all}
assertions_per_second=${ASSERTIONS_PER_SECOND:-6000}
batch_connections=${BATCH_CONNECTIONS:-4}
# selected PART: whether the run includes PART.
selected() { [[ ,$parts, == *,all,* || ,$parts, == *,$1,* ]]; }
for part in ${parts//,/ }; do
  [[ $part =~ ^(all|me|grants|crypto)$ ]] || { echo "unknown part $part: use me, grants, crypto or all" >&2; exit 2; }
done

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p coffer-local

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# The issuer is this address, so assertions' `aud` (the token endpoint) matches. The setup
# registers and logs in from 127.0.0.1: the per-IP limits are raised out of its way.
COFFER_DATA_DIR="$data" COFFER_LISTEN="127.0.0.1:$port" COFFER_ISSUER="$base" \
  COFFER_REGISTER_LIMIT_PER_IP_DAY=1000 COFFER_LOGIN_LIMIT_PER_IP_HOUR=1000 \
  RUST_LOG=warn,coffer_core::keys::cache=info ./target/release/coffer-local >"$data/server.log" 2>&1 &
server=$!
# The server's log (warnings, and the data-key cache's `key ring call` lines) goes to a file:
# its warnings and errors are printed at the end.
finish() {
  local status=$?
  kill "$server" 2>/dev/null || true
  if [[ -f $data/server.log ]] && server_log | grep -qE ' (WARN|ERROR) '; then
    echo "server warnings and errors ($(server_log | grep -cE ' (WARN|ERROR) ') lines; the first 20):"
    server_log | grep -E ' (WARN|ERROR) ' | head -n 20
  fi
  rm -rf "$data"
  return "$status"
}
trap finish EXIT
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
# load NAME WRK-ARGS...: one scenario (with $load_connections connections if set; 2 wrk threads,
# or 1 for one connection); prints its report line and keeps its req/s in $rps, its completed
# requests in $requests and its p95/p99 in $last_p95/$last_p99.
load() {
  local name=$1 line c=${load_connections:-$connections}
  shift
  line=$(wrk -t$((c < 2 ? c : 2)) -c"$c" -d"${duration}s" "$@" | tail -n 1)
  printf '%-44s %s\n' "$name" "$line"
  rps=$(sed -n 's/.* rps=\([0-9]*\) .*/\1/p' <<<"$line")
  requests=$(sed -n 's/^requests=\([0-9]*\) .*/\1/p' <<<"$line")
  last_p95=$(sed -n 's/.* p95_ms=\([0-9.]*\) .*/\1/p' <<<"$line")
  last_p99=$(sed -n 's/.* p99_ms=\([0-9.]*\) .*/\1/p' <<<"$line")
}
# server_log: the server's log so far, without colour codes.
server_log() { sed 's/\x1b\[[0-9;]*m//g' "$data/server.log"; }
# ring_calls: the data-key cache's key-ring calls so far: the highest `ring_calls=` of its `key
# ring call` lines (two threads' lines can reach the log in either order).
ring_calls() {
  server_log | sed -n 's/.*key ring call.* ring_calls=\([0-9]*\).*/\1/p' | sort -n | tail -n 1 | grep . || echo 0
}

# A user, a session and an access token (unbound, every scope).
password='Walnut-Orbit-Sparrow-Falcon-93'
expect 201 register "$(api POST /v1/auth/register '' "{\"email\":\"loadtest@example.com\",\"password\":\"$password\"}")"
expect 200 login "$(api POST /v1/auth/login '' "{\"email\":\"loadtest@example.com\",\"password\":\"$password\",\"client\":\"cli\"}")"
session=$(field session_token)
expect 201 'POST /v1/tokens' "$(api POST /v1/tokens "$session" '{}')"
access=$(field access_token)
expect 200 'GET /v1/auth/me with the access token' "$(api GET /v1/auth/me "$access")"

echo "machine: $(nproc) cores; ${duration}s per scenario, $connections connections, wrk 2 threads; parts: $parts"
report=(-s loadtests/report.lua)
load "GET /v1/health" "${report[@]}" "$base/v1/health"
health_rps=$rps
load "GET /v1/health/ready" "${report[@]}" "$base/v1/health/ready"

me() {
  load "GET /v1/auth/me (access token)" "${report[@]}" -H "Authorization: Bearer $access" "$base/v1/auth/me"
  me_rps=$rps
  load "GET /v1/auth/me (session)" "${report[@]}" -H "Authorization: Bearer $session" "$base/v1/auth/me"
  awk -v me="$me_rps" -v health="$health_rps" 'BEGIN {
    printf "/me with an access token: %.0f%% of /v1/health'"'"'s req/s (goal: at least 50%%)\n", 100 * me / health }'
}

# Encryption as a service: an org and a key; 1 KiB and 100 KiB random plaintexts (base64), their
# ciphertexts from one encrypt each, and a batch of 1000 distinct 1 KiB plaintexts. Every request
# uses the access token (unbound, every scope) of the org's owner and the same body; body.lua
# counts non-2xx replies (and, for the batch, failed items). The data-key cache logs each call
# that reaches the key ring: its count is read before and after each scenario.
crypto() {
  expect 201 'POST /v1/orgs' "$(api POST /v1/orgs "$session" '{"name":"loadtest-keys"}')"
  local org key status
  org=$(field id)
  status=$(api POST /v1/keys "$session" "{\"org_id\":\"$org\",\"name\":\"loadtest\"}")
  if [[ $status == 404 || $status == 405 ]]; then
    echo "crypto scenarios  skipped: POST /v1/keys answered $status (functions/crypto is not in this build)"
    return
  fi
  expect 201 'POST /v1/keys' "$status"
  key=$(field id)
  python3 - "$data" "$key" <<'PY'
import base64, json, os, sys
folder, key = sys.argv[1], sys.argv[2]
def write(name, body):
    with open(os.path.join(folder, name), "w") as f:
        json.dump(body, f, separators=(",", ":"))
b64 = lambda n: base64.b64encode(os.urandom(n)).decode()
write("encrypt-1k.json", {"key": key, "plaintext": b64(1024)})
write("encrypt-100k.json", {"key": key, "plaintext": b64(100 * 1024)})
write("encrypt-batch.json", {"key": key, "batch": [{"plaintext": b64(1024)} for _ in range(1000)]})
PY
  # decrypt bodies from one encrypt each, and the batch tried once, every item checked.
  local size
  for size in 1k 100k; do
    status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
      -H 'Content-Type: application/json' --data-binary "@$data/encrypt-$size.json" "$base/v1/encrypt")
    expect 200 "POST /v1/encrypt ($size, access token)" "$status"
    python3 -c 'import json, sys; print(json.dumps({"key": sys.argv[2], "ciphertext": json.load(open(sys.argv[1]))["ciphertext"]}, separators=(",", ":")))' \
      "$data/reply" "$key" >"$data/decrypt-$size.json"
    status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
      -H 'Content-Type: application/json' --data-binary "@$data/decrypt-$size.json" "$base/v1/decrypt")
    expect 200 "POST /v1/decrypt ($size)" "$status"
    python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["plaintext"] != json.load(open(sys.argv[2]))["plaintext"])' \
      "$data/reply" "$data/encrypt-$size.json" || { echo "setup failed: decrypt ($size) did not give the plaintext back" >&2; exit 1; }
  done
  status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
    -H 'Content-Type: application/json' --data-binary "@$data/encrypt-batch.json" "$base/v1/encrypt")
  expect 200 'POST /v1/encrypt (batch of 1000)' "$status"
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["batch_results"]
bad = [x for x in r if not x.get("ciphertext")]
if len(r) != 1000 or bad:
    sys.exit(f"setup failed: the batch gave {len(r)} results, {len(bad)} without a ciphertext: {bad[:1]}")' "$data/reply"
  echo "crypto bodies: 1 KiB plaintext $(stat -c %s "$data/encrypt-1k.json") B, 100 KiB $(stat -c %s "$data/encrypt-100k.json") B," \
    "ciphertexts $(stat -c %s "$data/decrypt-1k.json") / $(stat -c %s "$data/decrypt-100k.json") B, batch $(stat -c %s "$data/encrypt-batch.json") B (JSON bodies)"

  local auth=(-H "Authorization: Bearer $access") before names=() counts=() calls=()
  # crypto_load NAME PATH BODY [items]: one scenario; keeps its requests and key-ring calls.
  crypto_load() {
    before=$(ring_calls)
    load "$1" -s loadtests/body.lua "${auth[@]}" "$base$2" -- "$data/$3" ${4:-}
    names+=("$1") counts+=("$requests") calls+=($(($(ring_calls) - before)))
  }
  local total_before
  total_before=$(ring_calls)
  crypto_load "POST /v1/encrypt (1 KiB)" /v1/encrypt encrypt-1k.json
  encrypt_rps=$rps
  crypto_load "POST /v1/encrypt (100 KiB)" /v1/encrypt encrypt-100k.json
  encrypt_100k_p95=$last_p95
  crypto_load "POST /v1/decrypt (1 KiB)" /v1/decrypt decrypt-1k.json
  crypto_load "POST /v1/decrypt (100 KiB)" /v1/decrypt decrypt-100k.json
  load_connections=$batch_connections crypto_load "POST /v1/encrypt (batch 1000×1 KiB, ${batch_connections} c)" /v1/encrypt encrypt-batch.json items
  batch_p95=$last_p95 batch_p99=$last_p99 batch_rps=$rps
  # The latency goals at one connection: the time a request takes when it does not queue.
  load_connections=1 crypto_load "POST /v1/encrypt (100 KiB, 1 c)" /v1/encrypt encrypt-100k.json
  load_connections=1 crypto_load "POST /v1/encrypt (batch 1000×1 KiB, 1 c)" /v1/encrypt encrypt-batch.json items
  echo "key-ring calls (the data-key cache's count; max age ${COFFER_DATA_KEY_MAX_AGE_SECONDS:-300} s, max uses ${COFFER_DATA_KEY_MAX_USES:-100000}):"
  local i
  for i in "${!names[@]}"; do
    printf '  %-52s %8d requests  %4d ring calls\n' "${names[$i]}" "${counts[$i]}" "${calls[$i]}"
  done
  echo "  all crypto scenarios: $(($(ring_calls) - total_before)) ring calls; the process's total so far: $(ring_calls); their lines (the first 20):"
  server_log | grep 'key ring call' | awk -v n="$total_before" '{ c = $0; sub(/.* ring_calls=/, "", c) } c + 0 > n' |
    head -n 20 | sed 's/^/    /'
  awk -v rps="$encrypt_rps" -v p95="$encrypt_100k_p95" -v bp95="$batch_p95" -v bp99="$batch_p99" -v brps="$batch_rps" 'BEGIN {
    printf "goal 1 KiB encrypt >= 15,000 req/s: %d (%s)\n", rps, (rps >= 15000 ? "hit" : "missed")
    printf "goal 100 KiB encrypt p95 < 6 ms: %.2f ms (%s); SLO.md 60 ms p95: %s\n", p95, (p95 < 6 ? "hit" : "missed"), (p95 < 60 ? "hit" : "missed")
    printf "goal batch of 1000 < 20 ms: p95 %.2f ms, p99 %.2f ms (%s at p95); %d batches/s = %d items/s\n", bp95, bp99, (bp95 < 20 ? "hit" : "missed"), brps, brps * 1000 }'
}

# client_credentials: an org, a machine client, a certificate; then one pre-signed assertion
# (unique jti) per request.
grants() {
  expect 201 'POST /v1/orgs' "$(api POST /v1/orgs "$session" '{"name":"loadtest"}')"
  org=$(field id)
  status=$(api POST "/v1/orgs/$org/clients" "$session" '{"name":"loadtest"}')
  if [[ $status == 404 || $status == 405 ]]; then
    echo "POST /v1/oauth/token (client_credentials)  skipped: POST /v1/orgs/{org}/clients answered $status (functions/clients is not in this build)"
    return
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
}

selected me && me
selected crypto && crypto
selected grants && grants
exit 0
