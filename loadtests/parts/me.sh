# shellcheck shell=bash
# GET /v1/auth/me with the access token (an EdDSA token verified) and with the session token (a
# session read), read against the hello-world reference of the same run (goal: the token one at
# least half its req/s). SLO.md: p95 100 ms.
me() {
  local report=(-s loadtests/report.lua) me_rps
  slo=100 load "GET /v1/auth/me (access token)" "${report[@]}" -H "Authorization: Bearer $access" "$base/v1/auth/me"
  me_rps=$rps
  slo=100 load "GET /v1/auth/me (session)" "${report[@]}" -H "Authorization: Bearer $session" "$base/v1/auth/me"
  awk -v me="$me_rps" -v hello="$hello_rps" -v health="$health_rps" 'BEGIN {
    printf "/me with an access token: %.0f%% of hello-world'"'"'s req/s (goal: at least 50%%: %s), %.0f%% of Coffer'"'"'s /v1/health\n",
      100 * me / hello, (me >= hello / 2 ? "met" : "missed"), 100 * me / health }'
}
