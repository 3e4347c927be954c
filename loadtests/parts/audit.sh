# shellcheck shell=bash
# Audit: GET /v1/audit/logs?org_id= of the members org (the orgs part's; made here when that part
# did not run): the newest page (50) of its member and vault events. SLO.md p95: 200 ms.
audit() {
  orgs_setup
  expect 200 'GET /v1/audit/logs' "$(api GET "/v1/audit/logs?org_id=$members_org" "$access")"
  python3 -c 'import json, sys; n = len(json.load(open(sys.argv[1]))["items"])
sys.exit(None if n > 0 else "setup failed: the org has no audit event")' "$data/reply"
  slo=200 load "GET /v1/audit/logs?org_id= (first 50)" -s loadtests/requests.lua -H "Authorization: Bearer $access" \
    "$base/v1/audit/logs?org_id=$members_org" -- GET -
}
