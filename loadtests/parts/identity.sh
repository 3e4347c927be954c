# shellcheck shell=bash
# Identity: register (a new address each request), login (as the users just registered), logout
# (each with a session the logins made). Register and login run Argon2id (m=19 MiB, t=2: about
# 18 ms of one core each), so two cores serve about 100 a second; they also run with 2
# connections (one per core: their latency without a queue). SLO.md p95: register 400 ms,
# login 200 ms, logout 100 ms.
identity() {
  local users sessions
  # At 32 connections and ~100/s a reply waits ~0.3 s, more on a busy machine: wrk's default
  # 2 s timeout would count the slowest as errors instead of measuring them.
  local timeout=(--timeout 10s)
  slo=400 load "POST /v1/auth/register" "${timeout[@]}" -s loadtests/register.lua "$base/v1/auth/register" -- "$data" r "$password"
  slo=400 load_connections=2 load "POST /v1/auth/register (2 c)" "${timeout[@]}" -s loadtests/register.lua "$base/v1/auth/register" -- "$data" r2 "$password"
  cat "$data"/users-r-*.txt "$data"/users-r2-*.txt >"$data/users.txt"
  users=$(wc -l <"$data/users.txt")
  echo "registered: $users users"
  ((users > 0)) || { echo "no user was registered: the identity scenarios stop here" >&2; return; }
  slo=200 load "POST /v1/auth/login" "${timeout[@]}" -s loadtests/login.lua "$base/v1/auth/login" -- "$data/users.txt" 2 "$data" "$password"
  slo=200 load_connections=2 load "POST /v1/auth/login (2 c)" "${timeout[@]}" -s loadtests/login.lua "$base/v1/auth/login" -- "$data/users.txt" 2 "$data" "$password"
  cat "$data"/sessions-*.txt >"$data/sessions.txt"
  sessions=$(wc -l <"$data/sessions.txt")
  echo "logged in: $sessions sessions for the logout scenario (each ends one; it stops when they are spent)"
  ((sessions > 0)) || return
  slo=100 load "POST /v1/auth/logout ($sessions sessions)" -s loadtests/logout.lua "$base/v1/auth/logout" -- "$data/sessions.txt" 2
}
