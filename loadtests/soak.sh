#!/usr/bin/env bash
# Soak: a steady mixed load for N minutes (default 10) against coffer-local, one wrk run a minute,
# sampling after each minute the server's memory (/proc/<pid>/status: VmRSS, VmHWM, RssAnon) and
# the minute's p95. Prints the RSS growth from minute 1 to the last minute (goal < 10%), the p95
# drift over the same span (goal < 10%) and the peak RSS (goal < 200 MB). Documented, not in CI.
#   ./loadtests/soak.sh [minutes]
# The mix, in turn on every connection: GET /v1/auth/me (access token), POST /v1/encrypt and
# /v1/decrypt of 1 KiB (the decrypt writes an audit event), POST a record to a dataset and GET
# one, and GET /v1/orgs: two writes in six requests, so the table grows through the soak as it
# would in use.
# SOAK_CONNECTIONS (default 16) connections, each waiting SOAK_DELAY_MS (default 40) before each
# request: a steady load under saturation (about 390 req/s here) rather than as fast as the
# server answers. The embedded table's WAL grows with every write while readers never leave it
# idle (about 30-120 KB a write, see README.md), so the soak stops early, saying so, when its
# folder passes SOAK_MAX_DISK_MB (default 12000) or the disk has less than 5 GB free.
# SOAK_SAMPLE_SECONDS (default 60) is the length of one wrk run and sample (a shorter one tries
# the script out). QUIET_WAIT (default 0) as in run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
soak_connections=${SOAK_CONNECTIONS:-16}
delay_ms=${SOAK_DELAY_MS:-40}
max_disk_mb=${SOAK_MAX_DISK_MB:-12000}
sample=${SOAK_SAMPLE_SECONDS:-60}
quiet_wait=${QUIET_WAIT:-0}
((minutes >= 2)) || { echo "a soak needs at least 2 minutes" >&2; exit 2; }

source loadtests/lib.sh
ensure_wrk
build_servers
start_coffer
make_user soak@example.com

make_crypto_bodies soak
expect 201 'POST /v1/datasets' "$(api POST /v1/datasets "$access" "{\"org_id\":\"$org\",\"name\":\"soak\",\"fields\":{\"ssn\":\"encrypt\",\"email\":\"tokenize\",\"name\":\"plain\",\"country\":\"plain\",\"plan\":\"plain\"}}")"
dataset=$(field id)
printf '%s' '{"data":{"name":"Soak Customer","ssn":"078-05-1120","email":"soak@example.com","country":"FR","plan":"pro"}}' >"$data/record.json"
status=$(curl -sS -o "$data/reply" -w '%{http_code}' -H "Authorization: Bearer $access" \
  -H 'Content-Type: application/json' --data-binary "@$data/record.json" "$base/v1/datasets/$dataset/records")
expect 201 'POST .../records' "$status"
record=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r.get("id") or r["ids"][0])' "$data/reply")
expect 200 'GET .../records/{rid}' "$(api GET "/v1/datasets/$dataset/records/$record" "$access")"
{
  printf 'GET\t/v1/auth/me\t%s\t-\n' "$access"
  printf 'POST\t/v1/encrypt\t%s\t%s\n' "$access" "$data/encrypt.json"
  printf 'POST\t/v1/decrypt\t%s\t%s\n' "$access" "$data/decrypt.json"
  printf 'POST\t/v1/datasets/%s/records\t%s\t%s\n' "$dataset" "$access" "$data/record.json"
  printf 'GET\t/v1/datasets/%s/records/%s\t%s\t-\n' "$dataset" "$record" "$access"
  printf 'GET\t/v1/orgs\t%s\t-\n' "$access"
} >"$data/spec"

echo "soak: $minutes minutes (samples of ${sample}s), $soak_connections connections, ${delay_ms} ms before each request; mix: /me, encrypt, decrypt, record write, record read, list orgs; at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC')"
wait_quiet "$quiet_wait"
printf '%-7s %-9s %-9s %-9s %-9s %-9s %-8s %-11s %-11s %-11s %s\n' minute req/s p50_ms p95_ms p99_ms errors non2xx rss_mb hwm_mb anon_mb "load/rustc"
: >"$data/minutes.tsv"
for ((m = 1; m <= minutes * 60 / sample; m++)); do
  line=$(MIXED_DELAY_MS=$delay_ms wrk -t2 -c"$soak_connections" -d"${sample}s" -s loadtests/mixed.lua "$base" -- "$data/spec" | grep '^requests=')
  rss=$(status_kb "$server" VmRSS) hwm=$(status_kb "$server" VmHWM) anon=$(status_kb "$server" RssAnon)
  get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
  printf '%-7s %-9s %-9s %-9s %-9s %-9s %-8s %-11.1f %-11.1f %-11.1f %s\n' "$m" "$(get rps)" "$(get p50_ms)" "$(get p95_ms)" \
    "$(get p99_ms)" "$(get errors)" "$(get non2xx)" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
    "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')" "$(awk -v k="$anon" 'BEGIN { print k / 1024 }')" "$(machine_note)"
  printf '%s\t%s\t%s\t%s\t%s\n' "$m" "$(get p95_ms)" "$rss" "$hwm" "$(get error_pct)" >>"$data/minutes.tsv"
  used_mb=$(du -sm "$data" | cut -f1)
  free_mb=$(df -Pm "$data" | awk 'NR == 2 { print $4 }')
  if ((used_mb > max_disk_mb || free_mb < 5000)); then
    echo "stopped early after sample $m: the server's folder holds $used_mb MB (SOAK_MAX_DISK_MB=$max_disk_mb), $free_mb MB free on the disk"
    break
  fi
done
echo "the server's folder at the end: $(du -sh "$data" | cut -f1) (the table's WAL: $(du -sh "$data/table.sqlite3-wal" 2>/dev/null | cut -f1))"
python3 - "$data/minutes.tsv" <<'PY'
import sys
rows = [line.split("\t") for line in open(sys.argv[1]) if line.strip()]
p95 = [float(r[1]) for r in rows]
rss = [int(r[2]) for r in rows]
hwm = max(int(r[3]) for r in rows)
errors = max(float(r[4]) for r in rows)
growth = 100 * (rss[-1] - rss[0]) / rss[0]
drift = 100 * (p95[-1] - p95[0]) / p95[0]
def verdict(ok, text):
    print(f"{'PASS' if ok else 'FAIL'}  {text}")
print()
verdict(growth < 10, f"RSS growth from minute 1 to minute {len(rows)}: {rss[0] / 1024:.1f} MB -> {rss[-1] / 1024:.1f} MB = {growth:+.1f}% (goal < 10%)")
verdict(drift < 10, f"p95 drift from minute 1 to minute {len(rows)}: {p95[0]:.3f} ms -> {p95[-1]:.3f} ms = {drift:+.1f}% (goal < 10%); "
        f"range over the minutes {min(p95):.3f}-{max(p95):.3f} ms")
verdict(hwm < 200 * 1024, f"peak RSS (VmHWM): {hwm / 1024:.1f} MB (goal < 200 MB)")
verdict(errors < 0.1, f"error rate: at most {errors:.3f}% in a minute (SLO.md: < 0.1%)")
PY
