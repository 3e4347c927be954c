#!/usr/bin/env bash
# Schemathesis against the local stack's generated OpenAPI document (issue #15).
#
#   infra/schemathesis/run.sh [max-examples-per-operation]   # default 15: the CI run
#
# Builds and starts target/debug/coffer-local (the build is a no-op when it is current) on a free
# loopback port over a temporary COFFER_DATA_DIR, waits for /v1/health, runs schemathesis with
# coffer_hooks.py (an authenticated world of real ids) and schemathesis.toml (checks, phases), then
# stops the server and removes the folder, whatever happened. Needs schemathesis in .venv (see
# README.md in this folder).
set -euo pipefail
cd "$(dirname "$0")/../.."

max_examples=${1:-15}
here=infra/schemathesis
sx=.venv/bin/schemathesis
[ -x "$sx" ] || { echo "schemathesis is not installed in .venv (see $here/README.md)" >&2; exit 1; }
# A no-op when the binary is current (infra/test.sh has built it); never tests a stale one.
cargo build --quiet --locked -p coffer-local

data_dir=$(mktemp -d "${TMPDIR:-/tmp}/coffer-schemathesis.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data_dir"
}
trap cleanup EXIT

port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

# Generated load is not abuse: the per-IP and per-account limits would answer 429 to most auth
# cases (they are tested by the Rust suites). Argon2 at its cheapest keeps logins fast in a debug
# build; the cleanup timer and the mailer run as usual.
env COFFER_DATA_DIR="$data_dir" COFFER_LISTEN="127.0.0.1:$port" COFFER_ISSUER="$base" \
  COFFER_LOG_FORMAT=text RUST_LOG="${RUST_LOG:-warn}" \
  COFFER_ARGON2_MEMORY_KIB=64 COFFER_ARGON2_ITERATIONS=1 \
  COFFER_LOGIN_LIMIT_PER_IP_HOUR=1000000 COFFER_LOGIN_FAILURE_LIMIT_PER_ACCOUNT_HOUR=10000 \
  COFFER_REGISTER_LIMIT_PER_IP_DAY=1000000 \
  COFFER_RESET_LIMIT_PER_IP_HOUR=1000000 COFFER_RESET_LIMIT_PER_ACCOUNT_HOUR=1000 \
  COFFER_VERIFY_LIMIT_PER_IP_HOUR=1000000 COFFER_VERIFY_LIMIT_PER_ACCOUNT_HOUR=1000 \
  COFFER_MAX_SESSIONS_PER_USER=40 \
  target/debug/coffer-local >"$data_dir/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 150); do
  if .venv/bin/python -c "import urllib.request; urllib.request.urlopen('$base/v1/health')" 2>/dev/null; then
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$data_dir/server.log"; echo "coffer-local did not start" >&2; exit 1; }
  sleep 0.2
done

status=0
PYTHONDONTWRITEBYTECODE=1 COFFER_SX_BASE_URL="$base" COFFER_SX_DATA_DIR="$data_dir" PYTHONPATH="$here" SCHEMATHESIS_HOOKS=coffer_hooks \
  "$sx" --config-file "$here/schemathesis.toml" run "$base/v1/openapi.json" \
  --url "$base" --max-examples "$max_examples" || status=$?

if [ "$status" -ne 0 ]; then
  echo "--- last lines of the server log ---" >&2
  tail -n 40 "$data_dir/server.log" >&2
fi
exit "$status"
