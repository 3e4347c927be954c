-- wrk script: POSTs the same JSON body (read from a file) on every request, and checks every
-- reply: non-2xx replies are counted and the first one's status and body are printed (stderr).
-- With `items`, a 2xx reply that holds an `"error"` field (a failed item of a batch) is counted
-- too. Reports as common.lua does.
--   wrk -t2 ... -s loadtests/body.lua -H 'Authorization: Bearer ...' <url> -- <body-file> [items]

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local check_items = false
init = function(args)
  wrk.body = read_file(assert(args[1], "usage: -- <body-file> [items]"))
  check_items = args[2] == "items"
end

response = function(status, headers, body)
  count_reply(status, body, check_items and body and string.find(body, '"error"', 1, true) ~= nil)
end

done = report
