# shellcheck shell=bash
# PII: POST /v1/anonymize of a ~200-byte record (a name, an email, a phone, an SSN, a card and a
# note; the default operator, `replace`), with the access token. SLO.md p95: 80 ms per record.
pii() {
  printf '%s' '{"record":{"name":"Jane Doe","email":"jane.doe@example.com","phone":"+1 415 555 0132","ssn":"078-05-1120","card":"4111 1111 1111 1111","note":"call after 5 pm about the renewal"}}' >"$data/anonymize.json"
  local status
  status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
    -H 'Content-Type: application/json' --data-binary "@$data/anonymize.json" "$base/v1/anonymize")
  expect 200 'POST /v1/anonymize' "$status"
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
sys.exit(None if len(r["changes"]) >= 4 and "jane.doe@example.com" not in json.dumps(r["record"]) else f"setup failed: anonymize gave {r}")' "$data/reply"
  slo=80 load "POST /v1/anonymize ($(stat -c %s "$data/anonymize.json") B record)" -s loadtests/body.lua \
    -H "Authorization: Bearer $access" "$base/v1/anonymize" -- "$data/anonymize.json"
}
