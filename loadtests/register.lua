-- wrk script: POST /v1/auth/register with a new address each request
-- (lt-<tag>-<thread>-<n>@example.com, the same strong password). The address of each 201 is
-- appended to <dir>/users-<tag>-<thread>.txt, for the login scenario and the members of the
-- orgs part. Reports as common.lua does.
--   wrk ... -s loadtests/register.lua <base>/v1/auth/register -- <dir> <tag> <password>

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local out, tag, password, serial = nil, nil, nil, 0
init = function(args)
  local dir = assert(args[1], "usage: -- <dir> <tag> <password>")
  tag, password = assert(args[2]), assert(args[3])
  out = assert(io.open(string.format("%s/users-%s-%d.txt", dir, tag, id), "a"))
  out:setvbuf("line")
end

request = function()
  serial = serial + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"email":"lt-%s-%d-%d@example.com","password":"%s"}', tag, id, serial, password))
end

response = function(status, headers, body)
  count_reply(status, body)
  if status == 201 then
    local email = body and body:match('"email":"([^"]+)"')
    if email then out:write(email, "\n") end
  end
end

done = report
