-- wrk script: POSTs the same JSON body (read from a file) on every request, and checks every
-- reply: non-2xx replies are counted and the first one's status and body are printed (stderr).
-- With `items`, a 2xx reply that holds an `"error"` field (a failed item of a batch) is counted
-- too. Reports as report.lua does, plus non2xx=, non2xx_pct= and item_errors=.
--   wrk -t2 ... -s loadtests/body.lua -H 'Authorization: Bearer ...' <url> -- <body-file> [items]

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/report.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

-- Main state: the threads, to ask them at the end.
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

-- Thread states (wrk builds the request once, after init).
non2xx, item_errors, first_status, first_body = 0, 0, 0, ""
local check_items = false
init = function(args)
  local name = assert(args[1], "usage: -- <body-file> [items]")
  local file = assert(io.open(name, "rb"))
  wrk.body = file:read("*a")
  file:close()
  assert(#wrk.body > 0, name .. ": empty body")
  check_items = args[2] == "items"
end

response = function(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_status == 0 then
      first_status = status
      first_body = string.sub(body or "", 1, 400)
    end
  elseif check_items and body and string.find(body, '"error"', 1, true) then
    item_errors = item_errors + 1
    if first_status == 0 then
      first_status = status
      first_body = string.sub(body, 1, 400)
    end
  end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
  local bad, bad_items = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    bad_items = bad_items + thread:get("item_errors")
    local status = thread:get("first_status")
    if status ~= 0 then
      io.stderr:write(string.format("first bad reply (a thread): status %d: %s\n", status,
          thread:get("first_body")))
    end
  end
  io.write(string.format(
    "requests=%d rps=%.0f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d"
      .. " non2xx=%d non2xx_pct=%.3f item_errors=%d\n",
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors + bad,
    bad, summary.requests > 0 and 100 * bad / summary.requests or 0, bad_items))
end
