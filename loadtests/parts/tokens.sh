# shellcheck shell=bash
# Tokens: POST /v1/tokens with the session (an Ed25519-signed access token and a new refresh
# family written), and POST /v1/tokens/refresh, chained: each refresh spends the token the last
# reply on that connection's thread gave (refresh.lua), seeded with two per connection. SLO.md
# p95: generate token 600 ms; refresh 50 ms (Identity's P0 figure; Tokens' table says 250 ms).
tokens() {
  echo '{}' >"$data/empty.json"
  slo=600 load "POST /v1/tokens (session)" -s loadtests/body.lua -H "Authorization: Bearer $session" "$base/v1/tokens" -- "$data/empty.json"
  python3 loadtests/setup.py issue "$base" "$session" $((2 * connections + 8)) >"$data/refresh-seeds"
  slo=50 load "POST /v1/tokens/refresh (chained)" -s loadtests/refresh.lua "$base/v1/tokens/refresh" -- "$data/refresh-seeds" 2
}
