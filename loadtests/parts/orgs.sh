# shellcheck shell=bash
# Orgs: an org (tier enterprise: no vault limit) with MEMBERS members (the users the identity
# part registered, and more registered here when they are fewer; each logs in and verifies its
# address through the local mailer's files, since an org adds only verified addresses); then GET /v1/orgs, the first
# page (50) of GET /v1/orgs/{org}/members, and POST /v1/orgs/{org}/vaults with a new name each
# request. SLO.md p95: list members 180 ms, create vault 350 ms; it names no list-orgs figure:
# list vaults' 180 ms stands for it. The org is also the audit part's (its member and vault
# events).
members_org=
orgs_setup() {
  [[ -n $members_org ]] && return
  expect 201 'POST /v1/orgs' "$(api POST /v1/orgs "$session" '{"name":"loadtest-members","tier":"enterprise"}')"
  members_org=$(field id)
  local have=0 started
  started=$(date +%s.%N)
  [[ -f $data/users.txt ]] && have=$(wc -l <"$data/users.txt")
  head -n "$members" "$data/users.txt" 2>/dev/null >"$data/members.txt" || true
  if ((have < members)); then
    python3 loadtests/setup.py register "$base" lt-m $((members - have)) "$password" >>"$data/members.txt"
  fi
  python3 loadtests/setup.py verify "$base" "$data/members.txt" "$password" "$data/mail"
  echo "members org: $(python3 loadtests/setup.py add-members "$base" "$access" "$members_org" "$data/members.txt")" \
    "($(wc -l <"$data/members.txt") users; setup took $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s)"
}
orgs() {
  orgs_setup
  local script=(-s loadtests/requests.lua -H "Authorization: Bearer $access")
  slo=180 load "GET /v1/orgs" "${script[@]}" "$base/v1/orgs" -- GET -
  slo=180 load "GET /v1/orgs/{org}/members ($members, first 50)" "${script[@]}" "$base/v1/orgs/$members_org/members" -- GET -
  echo '{"name":"vault-@N@"}' >"$data/vault.json"
  expect 201 'POST /v1/orgs/{org}/vaults' "$(api POST "/v1/orgs/$members_org/vaults" "$access" '{"name":"vault-check"}')"
  slo=350 load "POST /v1/orgs/{org}/vaults" "${script[@]}" "$base/v1/orgs/$members_org/vaults" -- POST - "unique:$data/vault.json"
}
