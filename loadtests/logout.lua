-- wrk script: POST /v1/auth/logout, each request with its own session token from a file (one a
-- line; thread k of n takes lines k+1, k+1+n, ...), each used once: a session ends with its
-- logout. A thread that has spent its sessions stops, and req/s is then over the span the
-- sessions lasted (common.lua). Reports as common.lua does.
--   wrk ... -s loadtests/logout.lua <base>/v1/auth/logout -- <sessions-file> <threads>

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

wrk.method = "POST"
wrk.headers["Accept"] = "application/json"

local tokens, count, next_token = {}, 0, 1
init = function(args)
  local file, n = args[1], tonumber(args[2])
  assert(file and n, "usage: -- <sessions-file> <threads>")
  tokens = lines_of(file, id, n)
  count = #tokens
  assert(count > 0, file .. ": no sessions for thread " .. id)
end

request = function()
  mark_start()
  if next_token > count then
    return spent()
  end
  local token = tokens[next_token]
  tokens[next_token] = nil
  next_token = next_token + 1
  return wrk.format(nil, nil, with_headers({ Authorization = "Bearer " .. token }), nil)
end

response = function(status, headers, body)
  if not ran_out then count_reply(status, body) end
end

done = report
