-- wrk script: POST a ~3 KB article with a URL unique per request, so nothing is a duplicate.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  body_text = string.rep("Air defence units reported intercepting drones over the region overnight. ", 40)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"url":"https://bench.example.org/%d/%d/%d","title":"Bench article","text":"%s","source":"bench"}',
    tid, counter, os.time(), body_text)
  return wrk.format("POST", "/v1/articles", {["Content-Type"] = "application/json"}, body)
end
