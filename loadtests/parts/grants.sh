# shellcheck shell=bash
# client_credentials: an org, a machine client, a certificate; then one pre-signed assertion
# (unique jti) per request. SLO.md p95: generate token 600 ms.
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

  # The generator (benches/examples/assertions.rs) in the bench profile: no LTO, quick to build
  # (its binary lands in target/release/examples; LOADTEST_NO_BUILD=1 uses the one there).
  [[ ${LOADTEST_NO_BUILD:-0} == 1 ]] || cargo build --profile bench --locked -q -p coffer-benches --example assertions
  count=$((duration * assertions_per_second))
  started=$(date +%s)
  # One more than wrk gets: the last one checks that the grant works before the run.
  target/release/examples/assertions \
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
  slo=600 load "POST /v1/oauth/token (client_credentials)" -s loadtests/bodies.lua "$base/v1/oauth/token" -- "$data/bodies" 2
  echo "client_credentials goal: at least 2,000 grants/s with p99 < 10 ms"
}
