-- wrk script for GETs and POSTs whose path or body changes per request. Each request's path
-- comes from a file of paths (one a line; wrk thread k of 2 takes lines k+1, k+3, ... and goes
-- round them again: the harness runs at most 2 threads), or is the URL's own path with `-`. Its
-- body is none (`-`), a file's contents, `customer` (a 10-field customer record made for this
-- request: a distinct name, ssn and email each time), or `unique:<file>`: the file's text with
-- every `@N@` replaced by a value unique to this request (a vault's name). Every reply is checked
-- (common.lua): non-2xx replies are counted and the first one's status and body printed
-- (stderr). With `items` (a batch write), a 207 reply (some records not written) counts as a
-- failed item.
--   wrk -t2 ... -s loadtests/requests.lua -H 'Authorization: Bearer ...' <url> \
--       -- <GET|POST> <paths-file|-> [<body-file>|customer|unique:<file>|-] [items]

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

wrk.headers["Accept"] = "application/json"

local method, paths, next_path = "GET", {}, 1
local body, template, make_customer, check_items, serial = nil, nil, false, false, 0

init = function(args)
  method = assert(args[1], "usage: -- <GET|POST> <paths-file|-> [<body-file>|customer|unique:<file>|-] [items]")
  local file, source = args[2] or "-", args[3] or "-"
  check_items = args[4] == "items"
  if file ~= "-" then
    paths = lines_of(file, id % 2, 2)
    assert(#paths > 0, file .. ": no paths for thread " .. id)
  end
  if source == "customer" then
    make_customer = true
  elseif source:sub(1, 7) == "unique:" then
    template = read_file(source:sub(8))
  elseif source ~= "-" then
    body = read_file(source)
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
  if #paths > 0 then
    path = paths[next_path]
    next_path = next_path % #paths + 1
  end
  local payload = body
  if make_customer then
    serial = serial + 1
    payload = customer(serial)
  elseif template then
    serial = serial + 1
    payload = template:gsub("@N@", id .. "-" .. serial)
  end
  return wrk.format(method, path, nil, payload)
end

response = function(status, headers, reply)
  count_reply(status, reply, check_items and status == 207)
end

done = report
