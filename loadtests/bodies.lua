-- wrk script: POSTs one pre-made form body per request, each used once (client_credentials
-- assertions carry a unique jti, so a body sent twice is refused). Each wrk thread takes a
-- disjoint slice of the file: thread k of n sends lines k+1, k+1+n, k+1+2n, ...
--   wrk -t2 ... -s loadtests/bodies.lua <url> -- <bodies-file> <threads>
-- A thread that runs out of bodies stops (its figures then cover less than the whole run) and
-- the report says so. Reports as report.lua does.

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/report.lua")
local report = done

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

-- Main state: number the threads and keep them, to ask them at the end.
local threads = {}
setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- Thread states.
local bodies, next_body, count = {}, 1, 0
init = function(args)
  local file, n = args[1], tonumber(args[2])
  assert(file and n, "usage: -- <bodies-file> <threads>")
  local line_no = 0
  for line in io.lines(file) do
    if line_no % n == id then
      count = count + 1
      bodies[count] = line
    end
    line_no = line_no + 1
  end
  assert(count > 0, file .. ": no bodies for thread " .. id)
end

exhausted = false
request = function()
  if next_body > count then
    if not exhausted then
      exhausted = true
      wrk.thread:stop()
    end
    return wrk.format(nil, nil, nil, bodies[count])
  end
  local body = bodies[next_body]
  bodies[next_body] = nil
  next_body = next_body + 1
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  report(summary, latency, requests)
  for _, thread in ipairs(threads) do
    if thread:get("exhausted") then
      io.stderr:write(string.format(
        "warning: wrk thread %d ran out of bodies before the end: make more (req/s is a floor)\n",
        thread:get("id")))
    end
  end
end
