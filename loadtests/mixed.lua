-- wrk script for a mixed load (spike.sh, soak.sh): the requests of a spec file in turn, one
-- request per line, each line `METHOD<tab>PATH<tab>BEARER-TOKEN<tab>BODY-FILE` (`-` for no token
-- or no body). Every reply's status is counted (a histogram) and a 429 or 503 without
-- `retry-after` is counted apart. With MIXED_DELAY_MS > 0 in the environment, each connection
-- waits that long before each request (a steady rate rather than as fast as the server answers;
-- read when the script loads, since wrk asks whether a `delay` hook exists before `init`).
-- Prints common.lua's line, then `statuses=200:n,503:n,...` and `no_retry_after=n`.
--   [MIXED_DELAY_MS=n] wrk ... -s loadtests/mixed.lua <base> -- <spec-file>

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

wrk.headers["Accept"] = "application/json"

local prepared, turn = {}, 0
statuses, no_retry_after = {}, 0

init = function(args)
  local spec = assert(args[1], "usage: -- <spec-file>")
  for line in io.lines(spec) do
    local method, path, token, body_file = line:match("^(%S+)\t(%S+)\t(%S+)\t(%S+)$")
    assert(method, spec .. ": not METHOD<tab>PATH<tab>TOKEN<tab>BODY-FILE: " .. line)
    local headers = with_headers({})
    if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
    local body = nil
    if body_file ~= "-" then
      body = read_file(body_file)
      headers["Content-Type"] = "application/json"
    end
    prepared[#prepared + 1] = wrk.format(method, path, headers, body)
  end
  assert(#prepared > 0, spec .. ": no requests")
  -- Threads start at different places in the list, so the mix holds from the first request.
  turn = id % #prepared
end

request = function()
  turn = turn % #prepared + 1
  return prepared[turn]
end

local pause = tonumber(os.getenv("MIXED_DELAY_MS") or "0") or 0
if pause > 0 then
  delay = function()
    return pause
  end
end

response = function(status, headers, body)
  count_reply(status, body)
  statuses[status] = (statuses[status] or 0) + 1
  if (status == 429 or status == 503)
      and not (headers["retry-after"] or headers["Retry-After"]) then
    no_retry_after = no_retry_after + 1
  end
end

local threads_seen = {}
local base_setup = setup
setup = function(thread)
  base_setup(thread)
  table.insert(threads_seen, thread)
end

done = function(summary, latency, requests)
  report(summary, latency, requests)
  local total, missing = {}, 0
  for _, thread in ipairs(threads_seen) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
    missing = missing + thread:get("no_retry_after")
  end
  local keys = {}
  for status in pairs(total) do keys[#keys + 1] = status end
  table.sort(keys)
  local parts = {}
  for _, status in ipairs(keys) do parts[#parts + 1] = status .. ":" .. total[status] end
  io.write(string.format("statuses=%s no_retry_after=%d\n", table.concat(parts, ","), missing))
end
