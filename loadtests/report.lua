-- wrk reporter without a response hook (a hook costs wrk time on every reply, which would
-- lower the cheapest routes' figures and the hello-world reference alike): the same line as
-- common.lua's, its non-2xx count being wrk's own count of replies with status >= 400 (the
-- routes measured with it answer no 1xx or 3xx).
--   wrk ... -s loadtests/report.lua <url>
done = function(summary, latency, requests)
  local sockets = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
  local bad = summary.errors.status
  local errors = sockets + bad
  io.write(string.format(
    "requests=%d rps=%.0f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d"
      .. " non2xx=%d error_pct=%.3f item_errors=0\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors, bad,
    summary.requests > 0 and 100 * errors / summary.requests or 0))
end
