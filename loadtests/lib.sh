# What run.sh, spike.sh and soak.sh share (sourced from the repository root): the build, the
# servers (coffer-local on a free loopback port with the embedded backends in a temporary folder,
# and the bare axum hello-world), setup calls with curl, one wrk scenario with its report line,
# the summary table, and the server's memory. Every process started here is stopped at exit.
# shellcheck shell=bash

lt_pids=()
data=$(mktemp -d)
password='Walnut-Orbit-Sparrow-Falcon-93'

# lt_finish: stops what the run started (each by its id), prints the server's warnings and
# errors, and removes the temporary folder.
lt_finish() {
  local status=$? pid
  for pid in "${lt_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${lt_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ -f $data/server.log ]] && server_log | grep -qE ' (WARN|ERROR) '; then
    echo "server warnings and errors ($(server_log | grep -cE ' (WARN|ERROR) ') lines; the first 20):"
    server_log | grep -E ' (WARN|ERROR) ' | head -n 20
  fi
  rm -rf "$data"
  return "$status"
}
trap lt_finish EXIT

# ensure_wrk: wrk from apt if missing.
ensure_wrk() {
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
}

# build_servers: coffer-local and the hello-world reference, release profile (LOADTEST_NO_BUILD=1
# uses the binaries already in target/release, e.g. while another build holds cargo's lock).
build_servers() {
  [[ ${LOADTEST_NO_BUILD:-0} == 1 ]] && return
  cargo build --release --locked -p coffer-local -p coffer-reference
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_up URL: until URL answers (10 s at most).
wait_up() {
  local _
  for _ in $(seq 1 100); do
    curl -fsS "$1" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "$1 did not answer within 10 s" >&2
  exit 1
}

# start_coffer [VAR=value...]: coffer-local on a free port, data in $data; sets $port, $base,
# $server. The issuer is this address (client assertions name its token endpoint as `aud`); the
# setup and the identity scenarios register, log in and verify addresses from 127.0.0.1, so the
# per-IP limits are raised out of their way. Its log (warnings, and the data-key cache's `key ring call` lines)
# goes to $data/server.log.
start_coffer() {
  port=$(free_port)
  base="http://127.0.0.1:$port"
  env COFFER_DATA_DIR="$data" COFFER_LISTEN="127.0.0.1:$port" COFFER_ISSUER="$base" \
    COFFER_REGISTER_LIMIT_PER_IP_DAY=1000000 COFFER_LOGIN_LIMIT_PER_IP_HOUR=1000000 \
    COFFER_VERIFY_LIMIT_PER_IP_HOUR=1000000 \
    RUST_LOG=warn,coffer_core::keys::cache=info "$@" ./target/release/coffer-local >"$data/server.log" 2>&1 &
  server=$!
  lt_pids+=("$server")
  wait_up "$base/v1/health"
}

# start_hello: the bare axum hello-world on a free port; sets $hello_base, $hello.
start_hello() {
  local hello_port
  hello_port=$(free_port)
  hello_base="http://127.0.0.1:$hello_port"
  ./target/release/hello-axum "127.0.0.1:$hello_port" >/dev/null 2>&1 &
  hello=$!
  lt_pids+=("$hello")
  wait_up "$hello_base/v1/health"
}

# stop_hello: the reference is measured first; it need not idle through the rest.
stop_hello() {
  kill "$hello" 2>/dev/null || true
  wait "$hello" 2>/dev/null || true
}

# server_log: the server's log so far, without colour codes.
server_log() { sed 's/\x1b\[[0-9;]*m//g' "$data/server.log"; }

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

# make_user EMAIL: registers EMAIL, logs in (`cli`) and issues an unbound access token with
# every scope; sets $session and $access.
make_user() {
  expect 201 register "$(api POST /v1/auth/register '' "{\"email\":\"$1\",\"password\":\"$password\"}")"
  expect 200 login "$(api POST /v1/auth/login '' "{\"email\":\"$1\",\"password\":\"$password\",\"client\":\"cli\"}")"
  session=$(field session_token)
  expect 201 'POST /v1/tokens' "$(api POST /v1/tokens "$session" '{}')"
  access=$(field access_token)
  expect 200 'GET /v1/auth/me with the access token' "$(api GET /v1/auth/me "$access")"
}

# make_crypto_bodies NAME: an org and a named key called NAME, a 1 KiB plaintext's encrypt body
# ($data/encrypt.json) and its ciphertext's decrypt body ($data/decrypt.json), both checked once;
# sets $org and $key.
make_crypto_bodies() {
  expect 201 'POST /v1/orgs' "$(api POST /v1/orgs "$session" "{\"name\":\"$1\"}")"
  org=$(field id)
  expect 201 'POST /v1/keys' "$(api POST /v1/keys "$session" "{\"org_id\":\"$org\",\"name\":\"$1\"}")"
  key=$(field id)
  python3 -c 'import base64, json, os, sys; print(json.dumps({"key": sys.argv[1], "plaintext": base64.b64encode(os.urandom(1024)).decode()}))' \
    "$key" >"$data/encrypt.json"
  local status
  status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
    -H 'Content-Type: application/json' --data-binary "@$data/encrypt.json" "$base/v1/encrypt")
  expect 200 'POST /v1/encrypt' "$status"
  python3 -c 'import json, sys; print(json.dumps({"key": sys.argv[2], "ciphertext": json.load(open(sys.argv[1]))["ciphertext"]}))' \
    "$data/reply" "$key" >"$data/decrypt.json"
  status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
    -H 'Content-Type: application/json' --data-binary "@$data/decrypt.json" "$base/v1/decrypt")
  expect 200 'POST /v1/decrypt' "$status"
}

# machine_note: the 1-minute load average, and how many rustc processes run beside us.
machine_note() {
  printf 'load %s, rustc %s' "$(cut -d' ' -f1 /proc/loadavg)" "$(pgrep -xc rustc || true)"
}

# wait_quiet SECONDS: waits (at most SECONDS) for the machine to be quiet: a 1-minute load
# average under 1.5 and no rustc running. Prints what it found.
wait_quiet() {
  local until=$((SECONDS + $1))
  while ((SECONDS < until)); do
    if ! pgrep -x rustc >/dev/null && awk '{ exit !($1 < 1.5) }' /proc/loadavg; then
      break
    fi
    sleep 10
  done
  echo "machine before the load: $(machine_note) ($(nproc) cores)"
}

# status_kb PID FIELD: a /proc/PID/status field (VmRSS, VmHWM, RssAnon) in kB.
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# wal_reset: the embedded table's WAL size (MB) on stdout; then, the server being idle between
# scenarios, a TRUNCATE checkpoint from this process (SQLite's WAL works across processes) gives
# the file back. Under a steady write load the server's own PASSIVE checkpoints never bring the
# WAL back to its start (a reader or a writer is always there), so it grows by every write
# (30-120 KB each; README.md): without this a full run would fill the disk, and each scenario
# would start behind the previous ones' WAL.
wal_reset() {
  local wal=$data/table.sqlite3-wal
  [[ -f $wal ]] || { echo 0; return; }
  echo $(($(stat -c %s "$wal") / 1048576))
  python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1], timeout=10).execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()' \
    "$data/table.sqlite3" 2>/dev/null || true
}

# load NAME WRK-ARGS...: one scenario, with $load_connections connections if set (else
# $connections; 2 wrk threads, or 1 for one connection) for $duration seconds. Prints its report
# line with the load average at its start, the WAL its writes left and the server's memory
# after it; keeps req/s in $rps,
# completed requests in $requests, latency in $last_p50/$last_p95/$last_p99 and the error rate
# in $last_err. Every scenario is a row of the summary; `slo=MS` before the call names its
# SLO.md p95.
load() {
  local name=$1 line c=${load_connections:-$connections} note wal
  shift
  wal_reset >/dev/null
  note=$(machine_note)
  line=$(wrk -t$((c < 2 ? c : 2)) -c"$c" -d"${duration}s" "$@" | grep '^requests=' | tail -n 1)
  wal=$(wal_reset)
  printf '%-52s %s (%s; WAL %s MB; server RSS %s MB, anon %s MB)\n' "$name" "$line" "$note" "$wal" \
    "$(($(status_kb "$server" VmRSS) / 1024))" "$(($(status_kb "$server" RssAnon) / 1024))"
  rps=$(sed -n 's/.* rps=\([0-9]*\) .*/\1/p' <<<"$line")
  requests=$(sed -n 's/^requests=\([0-9]*\) .*/\1/p' <<<"$line")
  last_p50=$(sed -n 's/.* p50_ms=\([0-9.]*\) .*/\1/p' <<<"$line")
  last_p95=$(sed -n 's/.* p95_ms=\([0-9.]*\) .*/\1/p' <<<"$line")
  last_p99=$(sed -n 's/.* p99_ms=\([0-9.]*\) .*/\1/p' <<<"$line")
  last_err=$(sed -n 's/.* error_pct=\([0-9.]*\) .*/\1/p' <<<"$line")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$c" "$rps" "$last_p50" "$last_p95" \
    "$last_p99" "$last_err" "${slo:--}" "$(cut -d' ' -f1 /proc/loadavg)" >>"$data/summary.tsv"
}

# print_summary: every scenario of the run as a Markdown table: its SLO.md p95, Coffer's goal
# (a tenth of it) and whether the measured p95 met it; SLO.md's error budget is 0.1%.
print_summary() {
  python3 - "$data/summary.tsv" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
def ms(v):
    v = float(v)
    return f"{v:.2f} ms" if v < 100 else f"{v:.0f} ms"
print("| scenario | conns | req/s | p50 | p95 | p99 | errors | SLO p95 | goal (SLO/10) | p95 vs goal | load |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
met = missed = 0
for name, c, rps, p50, p95, p99, err, slo, load in rows:
    if not rps:
        print(f"| {name} | {c} | no figures (wrk failed) | | | | | | | | {load} |")
        continue
    err_text = f"{float(err):.2f}%" + (" (over 0.1%)" if float(err) >= 0.1 else "")
    if slo == "-":
        slo_text = goal_text = verdict = "—"
    else:
        goal = float(slo) / 10
        ok = float(p95) <= goal
        met += ok
        missed += not ok
        slo_text, goal_text = f"{float(slo):.0f} ms", f"{goal:g} ms"
        verdict = "met" if ok else "**missed**"
    print(f"| {name} | {c} | {float(rps):,.0f} | {ms(p50)} | {ms(p95)} | {ms(p99)} | {err_text} | {slo_text} | {goal_text} | {verdict} | {load} |")
print(f"\n{met} rows met a tenth of their SLO.md p95, {missed} missed.")
PY
}
