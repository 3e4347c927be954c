-- Shared by the wrk scripts (dofile'd into each of wrk's Lua states): thread numbering, reply
-- counting, a monotonic clock, and the report line. A script that uses it calls
-- `count_reply(status, body[, item_failed])` from its `response` hook, returns `spent()` from its
-- `request` hook once a thread has spent a finite set of requests (logout's sessions), and ends with
-- `done = report`. The line:
--   requests= rps= p50_ms= p95_ms= p99_ms= max_ms= errors= non2xx= error_pct= item_errors=
-- errors = socket errors (connect, read, write, timeout) + non-2xx replies; error_pct is errors
-- over the requests answered. When a thread ran out, rps is the replies counted over the span
-- from the first request to the last reply (wrk's own duration would include the idle tail).

if not coffer_common_loaded then
  coffer_common_loaded = true
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } coffer_timespec;
    int clock_gettime(int clock, coffer_timespec *ts);
  ]]
  local ts = ffi.new("coffer_timespec")
  -- Seconds on CLOCK_MONOTONIC (1), the same clock in every thread.
  function now()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
  end
end

-- Main state: number the threads and keep them, to ask them at the end.
local threads = {}
setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- Thread state.
non2xx, item_errors, answered, first_status, first_body = 0, 0, 0, 0, ""
first_at, last_at, ran_out = 0, 0, false

-- What `request` returns once the thread has spent its inputs: the thread stops (`ran_out`), and
-- the call it must still make is a cheap GET whose reply is not counted.
function spent()
  if not ran_out then
    ran_out = true
    wrk.thread:stop()
  end
  return wrk.format("GET", "/v1/health", nil, nil)
end

-- Call once per reply. A 2xx whose `item_failed` is true (a batch with a failed item) counts in
-- item_errors.
function count_reply(status, body, item_failed)
  answered = answered + 1
  last_at = now()
  local bad = status < 200 or status > 299
  if bad then
    non2xx = non2xx + 1
  elseif item_failed then
    item_errors = item_errors + 1
  else
    return
  end
  if first_status == 0 then
    first_status = status
    first_body = string.sub(body or "", 1, 400)
  end
end

-- Call from `request` before the first request is made.
function mark_start()
  if first_at == 0 then first_at = now() end
end

-- lines_of(file, id, n): the lines k with k % n == id (0-based): thread id's slice.
function lines_of(file, id, n)
  local out, line_no = {}, 0
  for line in io.lines(file) do
    if line ~= "" then
      if line_no % n == id then out[#out + 1] = line end
      line_no = line_no + 1
    end
  end
  return out
end

-- read_file(name): a file's whole contents.
function read_file(name)
  local file = assert(io.open(name, "rb"))
  local text = file:read("*a")
  file:close()
  assert(#text > 0, name .. ": empty")
  return text
end

-- with_headers(extra): wrk's headers (the -H ones) plus `extra`, as wrk.format wants them.
function with_headers(extra)
  local out = {}
  for k, v in pairs(wrk.headers) do out[k] = v end
  for k, v in pairs(extra) do out[k] = v end
  return out
end

function report(summary, latency, requests)
  local sockets = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
  local bad, bad_items, counted, first, last, short = 0, 0, 0, nil, 0, false
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    bad_items = bad_items + thread:get("item_errors")
    counted = counted + thread:get("answered")
    local started = thread:get("first_at")
    if started > 0 and (first == nil or started < first) then first = started end
    last = math.max(last, thread:get("last_at"))
    if thread:get("ran_out") then short = true end
    local status = thread:get("first_status")
    if status ~= 0 then
      io.stderr:write(string.format("first bad reply (a thread): status %d: %s\n", status,
          thread:get("first_body")))
    end
  end
  local rps = summary.requests / (summary.duration / 1e6)
  if short and first and last > first then
    rps = counted / (last - first)
    io.stderr:write(string.format(
      "a thread spent its requests: %d replies in %.2f s (req/s over that span)\n", counted,
      last - first))
  end
  local errors = sockets + bad
  io.write(string.format(
    "requests=%d rps=%.0f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d"
      .. " non2xx=%d error_pct=%.3f item_errors=%d\n",
    summary.requests, rps, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors, bad,
    summary.requests > 0 and 100 * errors / summary.requests or 0, bad_items))
end
