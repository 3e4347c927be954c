#!/usr/bin/env bash
# Spike: from SPIKE_FROM to SPIKE_TO connections within SPIKE_RAMP seconds against a mixed set
# of routes (GET /v1/auth/me with an access token, POST /v1/encrypt and /v1/decrypt of 1 KiB:
# a decrypt writes its audit event through the embedded table's one writer, so requests pile
# up), held SPIKE_HOLD seconds, with COFFER_MAX_IN_FLIGHT lowered so shedding happens. wrk
# cannot ramp, so staged wrk processes start one after the other (SPIKE_FROM connections, then
# SPIKE_STEPS more stages at even intervals). Meanwhile a separate client polls GET /v1/health
# every 100 ms on a new connection each time (as a liveness probe does). After the spike, a light
# probe (GET /v1/auth/me, 4 connections, 1 s windows) runs until its p95 is back within twice its
# pre-spike value. One verdict line per criterion of SLO.md's spike:
#   the server did not crash; health answered 200 throughout (its max latency); overload answers
#   were 429 or 503 with retry-after and no other 5xx (nor socket errors); recovery under 10 s.
#   ./loadtests/spike.sh
# SPIKE_MAX_IN_FLIGHT (default 64), SPIKE_FROM (10), SPIKE_TO (500), SPIKE_RAMP (10 s),
# SPIKE_STEPS (5), SPIKE_HOLD (10 s), QUIET_WAIT (0: seconds to wait for a quiet machine).
set -euo pipefail
cd "$(dirname "$0")/.."
max_in_flight=${SPIKE_MAX_IN_FLIGHT:-64}
from=${SPIKE_FROM:-10}
to=${SPIKE_TO:-500}
ramp=${SPIKE_RAMP:-10}
steps=${SPIKE_STEPS:-5}
hold=${SPIKE_HOLD:-10}
quiet_wait=${QUIET_WAIT:-0}
((steps >= 1 && to > from && ramp >= steps && hold >= 1)) || { echo "need SPIKE_STEPS >= 1, SPIKE_TO > SPIKE_FROM, SPIKE_RAMP >= SPIKE_STEPS, SPIKE_HOLD >= 1" >&2; exit 2; }

source loadtests/lib.sh
ensure_wrk
build_servers
start_coffer COFFER_MAX_IN_FLIGHT="$max_in_flight"
make_user spike@example.com

# An org, a key, a 1 KiB plaintext and its ciphertext.
make_crypto_bodies spike
printf 'GET\t/v1/auth/me\t%s\t-\nPOST\t/v1/encrypt\t%s\t%s\nPOST\t/v1/decrypt\t%s\t%s\n' \
  "$access" "$access" "$data/encrypt.json" "$access" "$data/decrypt.json" >"$data/spec"

# probe SECONDS: the light probe's p95 (ms) over SECONDS.
probe() {
  wrk -t1 -c4 -d"$1s" -s loadtests/report.lua -H "Authorization: Bearer $access" "$base/v1/auth/me" |
    sed -n 's/.* p95_ms=\([0-9.]*\) .*/\1/p'
}

echo "spike: $from -> $to connections in ${ramp}s ($steps steps), held ${hold}s; COFFER_MAX_IN_FLIGHT=$max_in_flight; mix: GET /v1/auth/me, POST /v1/encrypt 1 KiB, POST /v1/decrypt 1 KiB; at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC')"
wait_quiet "$quiet_wait"
probe 2 >/dev/null # warm-up
pre_p95=$(probe 3)
echo "light probe before the spike (GET /v1/auth/me, 4 connections, 3 s): p95 $pre_p95 ms"

python3 loadtests/setup.py poll "$base/v1/health" 100 "$data/health.txt" "$data/poll-stop" &
poller=$!
lt_pids+=("$poller")
sleep 1

# The stages: SPIKE_FROM connections at 0 s, then SPIKE_STEPS stages of an even share of the
# rest at even intervals; every stage ends at SPIKE_RAMP + SPIKE_HOLD seconds.
end=$((ramp + hold))
stage_pids=()
spike_started=$(date +%s.%N)
for ((i = 0; i <= steps; i++)); do
  at=$((i * ramp / steps))
  if ((i == 0)); then
    n=$from
  else
    n=$(((to - from) * i / steps - (to - from) * (i - 1) / steps))
  fi
  now=$(awk -v s="$spike_started" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
  sleep "$(awk -v at="$at" -v now="$now" 'BEGIN { d = at - now; print (d > 0 ? d : 0) }')"
  wrk -t1 -c"$n" -d"$((end - at))s" --timeout 5s -s loadtests/mixed.lua "$base" -- "$data/spec" >"$data/stage-$i.txt" 2>&1 &
  stage_pids+=($!)
  lt_pids+=($!)
  echo "  +${at}s: +$n connections ($(machine_note))"
done
for pid in "${stage_pids[@]}"; do
  wait "$pid" || true
done
spike_ended=$(date +%s.%N)

# Recovery: 1 s probe windows until the p95 is within twice the pre-spike one (30 s at most).
recovered=""
for _ in $(seq 1 30); do
  p95=$(probe 1)
  elapsed=$(awk -v s="$spike_ended" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  echo "  probe window ending ${elapsed}s after the spike: p95 $p95 ms"
  if awk -v p="$p95" -v pre="$pre_p95" 'BEGIN { exit !(p <= 2 * pre) }'; then
    recovered=$elapsed
    break
  fi
done
touch "$data/poll-stop"
wait "$poller" || true

alive=no
if kill -0 "$server" 2>/dev/null && curl -fsS "$base/v1/health" >/dev/null; then alive=yes; fi

echo
echo "stages (each wrk's line; statuses of every reply):"
for ((i = 0; i <= steps; i++)); do
  sed -n 's/^/  stage '"$i"': /p' "$data/stage-$i.txt" | grep -E 'requests=|statuses=' || true
done
python3 - "$data" "$steps" "$alive" "${recovered:-}" "$pre_p95" "$max_in_flight" "$(status_kb "$server" VmHWM)" <<'PY'
import re, sys
folder, steps, alive, recovered, pre_p95, bound, hwm_kb = sys.argv[1:8]
statuses, sockets, no_retry, requests = {}, 0, 0, 0
for i in range(int(steps) + 1):
    text = open(f"{folder}/stage-{i}.txt").read()
    m = re.search(r"requests=(\d+) .* errors=(\d+) non2xx=(\d+)", text)
    if m:
        requests += int(m[1])
        sockets += int(m[2]) - int(m[3])
    m = re.search(r"statuses=(\S*) no_retry_after=(\d+)", text)
    if m:
        no_retry += int(m[2])
        for part in filter(None, m[1].split(",")):
            code, n = part.split(":")
            statuses[int(code)] = statuses.get(int(code), 0) + int(n)
polls = [line.split() for line in open(f"{folder}/health.txt")]
failed = [p for p in polls if p[1] != "200"]
latencies = sorted(float(p[2]) for p in polls)
ok = sum(n for c, n in statuses.items() if 200 <= c < 300)
shed = sum(n for c, n in statuses.items() if c in (429, 503))
other_5xx = sum(n for c, n in statuses.items() if c >= 500 and c != 503)
other = sum(n for c, n in statuses.items() if not (200 <= c < 300) and c not in (429, 503) and c < 500)
total = sum(statuses.values())
print(f"\nreplies: {total} ({', '.join(f'{c}: {n}' for c, n in sorted(statuses.items()))}); "
      f"socket errors (timeouts, resets): {sockets}")
print(f"shed (429/503): {shed} = {100 * shed / max(total, 1):.1f}% of replies; 2xx: {ok}")
def verdict(ok, text):
    print(f"{'PASS' if ok else 'FAIL'}  {text}")
print()
verdict(alive == "yes", f"no crash: the server {'answered after the spike' if alive == 'yes' else 'is gone or does not answer'}; peak RSS {int(hwm_kb) // 1024} MB")
p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0
verdict(bool(polls) and not failed,
        f"health: {len(polls)} polls of GET /v1/health every 100 ms, {len(failed)} failed"
        f"{' (' + ', '.join(f'{p[0]} s: {p[1]}' for p in failed[:5]) + ')' if failed else ''}; "
        f"latency max {latencies[-1] if latencies else 0:.1f} ms, p99 {p99:.1f} ms")
verdict(other_5xx == 0 and other == 0 and no_retry == 0 and sockets == 0,
        f"overload answers: {shed} shed (429/503), {no_retry} without retry-after, {other_5xx} other 5xx, "
        f"{other} other non-2xx, {sockets} socket errors"
        + ("" if shed else f" (nothing was shed: {bound} in flight was never reached)"))
verdict(recovered != "" and float(recovered) < 10,
        f"recovery: the light probe's p95 back within 2x its pre-spike {float(pre_p95):.2f} ms "
        + (f"{recovered} s after the spike ended (goal < 10 s)" if recovered else "not within 30 s"))
PY
