-- wrk script: POSTs one pre-made form body per request, each used once (client_credentials
-- assertions carry a unique jti, so a body sent twice is refused). Each wrk thread takes a
-- disjoint slice of the file: thread k of n sends lines k+1, k+1+n, k+1+2n, ...
--   wrk -t2 ... -s loadtests/bodies.lua <url> -- <bodies-file> <threads>
-- A thread that runs out of bodies stops (req/s is then over the span it was sending) and the
-- report says so. Reports as common.lua does.

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

local bodies, count, next_body = {}, 0, 1
init = function(args)
  local file, n = args[1], tonumber(args[2])
  assert(file and n, "usage: -- <bodies-file> <threads>")
  bodies = lines_of(file, id, n)
  count = #bodies
  assert(count > 0, file .. ": no bodies for thread " .. id)
end

request = function()
  mark_start()
  if next_body > count then
    return spent()
  end
  local body = bodies[next_body]
  bodies[next_body] = nil
  next_body = next_body + 1
  return wrk.format(nil, nil, nil, body)
end

response = function(status, headers, body)
  if not ran_out then count_reply(status, body) end
end

done = report
