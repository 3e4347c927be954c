-- wrk script: POST /v1/auth/login (client `cli`) as the users of a file (one address a line, all
-- with the same password), thread k of n taking lines k+1, k+1+n, ... and going round them
-- again. The session token of each 200 is appended to <dir>/sessions-<thread>.txt, for the
-- logout scenario (a user keeps at most 10 live sessions: the run needs at least a tenth as
-- many users as logins for every captured session to stay live). Reports as common.lua does.
--   wrk ... -s loadtests/login.lua <base>/v1/auth/login -- <users-file> <threads> <dir> <password>

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local bodies, next_body, out = {}, 1, nil
init = function(args)
  local file, n, dir, password = args[1], tonumber(args[2]), args[3], args[4]
  assert(file and n and dir and password, "usage: -- <users-file> <threads> <dir> <password>")
  for _, email in ipairs(lines_of(file, id, n)) do
    bodies[#bodies + 1] = string.format(
      '{"email":"%s","password":"%s","client":"cli"}', email, password)
  end
  assert(#bodies > 0, file .. ": no users for thread " .. id)
  out = assert(io.open(string.format("%s/sessions-%d.txt", dir, id), "a"))
  out:setvbuf("line")
end

request = function()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, body)
end

response = function(status, headers, body)
  count_reply(status, body)
  if status == 200 then
    local token = body and body:match('"session_token":"([^"]+)"')
    if token then out:write(token, "\n") end
  end
end

done = report
