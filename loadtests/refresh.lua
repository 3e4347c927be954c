-- wrk script: POST /v1/tokens/refresh with chained refresh tokens. A refresh token is spent by
-- its refresh, so each thread keeps a queue: it starts with its slice of a file of refresh
-- tokens (one a line; thread k of n takes lines k+1, k+1+n, ...; at least one per connection),
-- each request takes the queue's oldest, and each 200 puts the new pair's refresh token at the
-- back. A connection sends its next request after its reply is read, so the queue never runs
-- dry while refreshes succeed; a thread whose queue does (failed refreshes) stops. Reports as
-- common.lua does.
--   wrk ... -s loadtests/refresh.lua <base>/v1/tokens/refresh -- <tokens-file> <threads>

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local queue, head, tail = {}, 1, 0
init = function(args)
  local file, n = args[1], tonumber(args[2])
  assert(file and n, "usage: -- <tokens-file> <threads>")
  for _, token in ipairs(lines_of(file, id, n)) do
    tail = tail + 1
    queue[tail] = token
  end
  assert(tail > 0, file .. ": no refresh tokens for thread " .. id)
end

request = function()
  mark_start()
  if head > tail then
    return spent()
  end
  local token = queue[head]
  queue[head] = nil
  head = head + 1
  return wrk.format(nil, nil, nil, '{"refresh_token":"' .. token .. '"}')
end

response = function(status, headers, body)
  if ran_out then return end
  count_reply(status, body)
  if status == 200 then
    local token = body and body:match('"refresh_token":"([^"]+)"')
    if token then
      tail = tail + 1
      queue[tail] = token
    end
  end
end

done = report
