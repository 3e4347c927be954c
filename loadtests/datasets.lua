-- wrk script for the data vault's scenarios: each request's path comes from a file of paths
-- (one a line; wrk thread k takes lines k+1, k+3, k+5, ... and goes round them again: run.sh
-- uses at most 2 threads, and a lone thread takes every other line), or is
-- the URL's own path with `-`; its body is none, a file's contents, or `customer`: a 10-field
-- customer record made for this request (a distinct name, ssn and email each time). Every reply
-- is checked as body.lua does: non-2xx replies are counted and the first one's status and body
-- printed (stderr). With `items` (a batch write), a 207 reply (some records not written) counts
-- as a failed item too. Reports as body.lua does.
--   wrk -t2 ... -s loadtests/datasets.lua -H 'Authorization: Bearer ...' <url> \
--       -- <GET|POST> <paths-file|-> [<body-file>|customer|-] [items]

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/report.lua")

wrk.headers["Accept"] = "application/json"

-- Main state: number the threads and keep them, to ask them at the end.
local threads = {}
setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- Thread states.
non2xx, item_errors, first_status, first_body = 0, 0, 0, ""
local method, paths, count, next_path = "GET", {}, 0, 1
local body, make_customer, check_items, serial = nil, false, false, 0

init = function(args)
  method = assert(args[1], "usage: -- <GET|POST> <paths-file|-> [<body-file>|customer|-] [items]")
  local file, source = args[2] or "-", args[3] or "-"
  check_items = args[4] == "items"
  local n = 2
  if file ~= "-" then
    local line_no = 0
    for line in io.lines(file) do
      if line_no % n == id then
        count = count + 1
        paths[count] = line
      end
      line_no = line_no + 1
    end
    assert(count > 0, file .. ": no paths for thread " .. id)
  end
  if source == "customer" then
    make_customer = true
  elseif source ~= "-" then
    local f = assert(io.open(source, "rb"))
    body = f:read("*a")
    f:close()
    assert(#body > 0, source .. ": empty body")
  end
  if method == "POST" then
    wrk.headers["Content-Type"] = "application/json"
  end
end

-- A customer record like functions/datasets/tests/it/main.rs `customer(n)`: 10 fields, of which
-- ssn (encrypt), email (tokenize) and card (mask) are sealed; country is a searchable plain field.
local function customer(n)
  return string.format(
    '{"data":{"name":"Load %d-%d","ssn":"078-05-%04d","email":"load%d-%d@example.com",'
      .. '"card":"4111111111111111","country":"%s","age":%d,"plan":"pro","city":"Lyon",'
      .. '"zip":"69001","notes":"prefers mail"}}',
    id, n, n % 10000, id, n, n % 2 == 0 and "FR" or "DE", 30 + n % 50)
end

request = function()
  local path = nil
  if count > 0 then
    path = paths[next_path]
    next_path = next_path % count + 1
  end
  local payload = body
  if make_customer then
    serial = serial + 1
    payload = customer(serial)
  end
  return wrk.format(method, path, nil, payload)
end

response = function(status, headers, reply)
  local bad = status < 200 or status > 299
  if bad then
    non2xx = non2xx + 1
  elseif check_items and status == 207 then
    item_errors = item_errors + 1
  else
    return
  end
  if first_status == 0 then
    first_status = status
    first_body = string.sub(reply or "", 1, 400)
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
