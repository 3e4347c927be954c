# shellcheck shell=bash
# ring_calls: the data-key cache's key-ring calls so far: the highest `ring_calls=` of its `key
# ring call` lines (two threads' lines can reach the log in either order).
ring_calls() {
  server_log | sed -n 's/.*key ring call.* ring_calls=\([0-9]*\).*/\1/p' | sort -n | tail -n 1 | grep . || echo 0
}
# Encryption as a service: an org and a key; 1 KiB and 100 KiB random plaintexts (base64), their
# ciphertexts from one encrypt each, and a batch of 1000 distinct 1 KiB plaintexts. Every request
# uses the access token (unbound, every scope) of the org's owner and the same body; body.lua
# counts non-2xx replies (and, for the batch, failed items). The data-key cache logs each call
# that reaches the key ring: its count is read before and after each scenario. SLO.md p95:
# encrypt 100 KB 60 ms, decrypt 100 KB 50 ms.
crypto() {
  expect 201 'POST /v1/orgs' "$(api POST /v1/orgs "$session" '{"name":"loadtest-keys"}')"
  local org key status
  org=$(field id)
  status=$(api POST /v1/keys "$session" "{\"org_id\":\"$org\",\"name\":\"loadtest\"}")
  if [[ $status == 404 || $status == 405 ]]; then
    echo "crypto scenarios  skipped: POST /v1/keys answered $status (functions/crypto is not in this build)"
    return
  fi
  expect 201 'POST /v1/keys' "$status"
  key=$(field id)
  python3 - "$data" "$key" <<'PY'
import base64, json, os, sys
folder, key = sys.argv[1], sys.argv[2]
def write(name, body):
    with open(os.path.join(folder, name), "w") as f:
        json.dump(body, f, separators=(",", ":"))
b64 = lambda n: base64.b64encode(os.urandom(n)).decode()
write("encrypt-1k.json", {"key": key, "plaintext": b64(1024)})
write("encrypt-100k.json", {"key": key, "plaintext": b64(100 * 1024)})
write("encrypt-batch.json", {"key": key, "batch": [{"plaintext": b64(1024)} for _ in range(1000)]})
PY
  # decrypt bodies from one encrypt each, and the batch tried once, every item checked.
  local size
  for size in 1k 100k; do
    status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
      -H 'Content-Type: application/json' --data-binary "@$data/encrypt-$size.json" "$base/v1/encrypt")
    expect 200 "POST /v1/encrypt ($size, access token)" "$status"
    python3 -c 'import json, sys; print(json.dumps({"key": sys.argv[2], "ciphertext": json.load(open(sys.argv[1]))["ciphertext"]}, separators=(",", ":")))' \
      "$data/reply" "$key" >"$data/decrypt-$size.json"
    status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
      -H 'Content-Type: application/json' --data-binary "@$data/decrypt-$size.json" "$base/v1/decrypt")
    expect 200 "POST /v1/decrypt ($size)" "$status"
    python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["plaintext"] != json.load(open(sys.argv[2]))["plaintext"])' \
      "$data/reply" "$data/encrypt-$size.json" || { echo "setup failed: decrypt ($size) did not give the plaintext back" >&2; exit 1; }
  done
  status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
    -H 'Content-Type: application/json' --data-binary "@$data/encrypt-batch.json" "$base/v1/encrypt")
  expect 200 'POST /v1/encrypt (batch of 1000)' "$status"
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["batch_results"]
bad = [x for x in r if not x.get("ciphertext")]
if len(r) != 1000 or bad:
    sys.exit(f"setup failed: the batch gave {len(r)} results, {len(bad)} without a ciphertext: {bad[:1]}")' "$data/reply"
  echo "crypto bodies: 1 KiB plaintext $(stat -c %s "$data/encrypt-1k.json") B, 100 KiB $(stat -c %s "$data/encrypt-100k.json") B," \
    "ciphertexts $(stat -c %s "$data/decrypt-1k.json") / $(stat -c %s "$data/decrypt-100k.json") B, batch $(stat -c %s "$data/encrypt-batch.json") B (JSON bodies)"

  local auth=(-H "Authorization: Bearer $access") before names=() counts=() calls=()
  # crypto_load NAME PATH BODY [items]: one scenario; keeps its requests and key-ring calls.
  crypto_load() {
    before=$(ring_calls)
    load "$1" -s loadtests/body.lua "${auth[@]}" "$base$2" -- "$data/$3" ${4:-}
    names+=("$1") counts+=("$requests") calls+=($(($(ring_calls) - before)))
  }
  local total_before
  total_before=$(ring_calls)
  crypto_load "POST /v1/encrypt (1 KiB)" /v1/encrypt encrypt-1k.json
  encrypt_rps=$rps
  slo=60 crypto_load "POST /v1/encrypt (100 KiB)" /v1/encrypt encrypt-100k.json
  encrypt_100k_p95=$last_p95
  crypto_load "POST /v1/decrypt (1 KiB)" /v1/decrypt decrypt-1k.json
  slo=50 crypto_load "POST /v1/decrypt (100 KiB)" /v1/decrypt decrypt-100k.json
  load_connections=$batch_connections crypto_load "POST /v1/encrypt (batch 1000×1 KiB, ${batch_connections} c)" /v1/encrypt encrypt-batch.json items
  batch_p95=$last_p95 batch_p99=$last_p99 batch_rps=$rps
  # The latency goals at one connection: the time a request takes when it does not queue.
  slo=60 load_connections=1 crypto_load "POST /v1/encrypt (100 KiB, 1 c)" /v1/encrypt encrypt-100k.json
  load_connections=1 crypto_load "POST /v1/encrypt (batch 1000×1 KiB, 1 c)" /v1/encrypt encrypt-batch.json items
  echo "key-ring calls (the data-key cache's count; max age ${COFFER_DATA_KEY_MAX_AGE_SECONDS:-300} s, max uses ${COFFER_DATA_KEY_MAX_USES:-100000}):"
  local i
  for i in "${!names[@]}"; do
    printf '  %-52s %8d requests  %4d ring calls\n' "${names[$i]}" "${counts[$i]}" "${calls[$i]}"
  done
  echo "  all crypto scenarios: $(($(ring_calls) - total_before)) ring calls; the process's total so far: $(ring_calls); their lines (the first 20):"
  server_log | grep 'key ring call' | awk -v n="$total_before" '{ c = $0; sub(/.* ring_calls=/, "", c) } c + 0 > n' |
    head -n 20 | sed 's/^/    /'
  awk -v rps="$encrypt_rps" -v p95="$encrypt_100k_p95" -v bp95="$batch_p95" -v bp99="$batch_p99" -v brps="$batch_rps" 'BEGIN {
    printf "goal 1 KiB encrypt >= 15,000 req/s: %d (%s)\n", rps, (rps >= 15000 ? "hit" : "missed")
    printf "goal 100 KiB encrypt p95 < 6 ms: %.2f ms (%s); SLO.md 60 ms p95: %s\n", p95, (p95 < 6 ? "hit" : "missed"), (p95 < 60 ? "hit" : "missed")
    printf "goal batch of 1000 < 20 ms: p95 %.2f ms, p99 %.2f ms (%s at p95); %d batches/s = %d items/s\n", bp95, bp99, (bp95 < 20 ? "hit" : "missed"), brps, brps * 1000 }'
}
