#!/usr/bin/env bash
# Runs every test of Coffer: formatting, lints, the Rust tests (the AWS backends against moto's
# server, which this script installs into .venv/, starts on a free loopback port, bootstraps and
# stops; the docs page in Debian's headless chromium, installed with apt; the hardening suites
# and the short fuzz run are among them), Schemathesis against the local stack's OpenAPI document,
# cfn-lint and `sam validate --lint` on template.yaml. Needs only Rust, Python 3 and apt.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_SPEC='moto[server]==5.2.5'
CFN_LINT_SPEC='cfn-lint==1.58.0'
SAM_SPEC='aws-sam-cli==1.170.0'
SCHEMATHESIS_SPEC='schemathesis==4.32.5'

step() { printf '\n==> %s\n' "$*"; }

step "Python tools in .venv (moto, cfn-lint, sam, schemathesis)"
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    # Debian's python3 ships venv separately.
    rm -rf .venv
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  fi
fi
if ! .venv/bin/python -c 'import moto, cfnlint, samcli, schemathesis' 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check "$MOTO_SPEC" "$CFN_LINT_SPEC" "$SAM_SPEC" \
    "$SCHEMATHESIS_SPEC"
fi

step "headless chromium (the docs page's browser test)"
if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export COFFER_TEST_CHROMIUM
COFFER_TEST_CHROMIUM=$(command -v chromium)

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo build (tests)"
cargo test --workspace --locked --no-run

step "moto server"
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p target
.venv/bin/python infra/moto_server.py "$port" >target/moto.log 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if .venv/bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
    break
  fi
  kill -0 "$moto_pid" 2>/dev/null || { cat target/moto.log; echo "moto server did not start" >&2; exit 1; }
  sleep 0.2
done
echo "moto on 127.0.0.1:$port (pid $moto_pid)"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_SESSION_TOKEN=test AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export COFFER_TEST_AWS_ENDPOINT="http://127.0.0.1:$port"

step "bootstrap the emulator (table, bucket, key) with coffer-local"
COFFER_BACKEND=aws COFFER_AWS_ENDPOINT="$COFFER_TEST_AWS_ENDPOINT" COFFER_TABLE=coffer-test \
  COFFER_BUCKET=coffer-test COFFER_KMS_KEY_ID=alias/coffer-test \
  cargo run --quiet --locked -p coffer-local -- bootstrap

step "cargo test (embedded and AWS-on-moto backends)"
cargo test --workspace --locked 2>&1 | tee target/test-output.log

step "schemathesis against the local stack's OpenAPI document (infra/schemathesis/)"
infra/schemathesis/run.sh

step "cfn-lint and sam validate --lint on template.yaml (offline)"
.venv/bin/cfn-lint template.yaml
SAM_CLI_TELEMETRY=0 AWS_REGION=us-east-1 .venv/bin/sam validate --lint --region us-east-1

step "all tests passed"
# One closing line for the whole run (cargo prints one per test binary, the last often a doc-test
# binary with nothing in it).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' target/test-output.log
