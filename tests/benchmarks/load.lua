-- wrk script of the benchmarks (rounds.wrk_round). Headers come from wrk's -H; the arguments after `--` are
--   get                                      the URL's GET as it is
--   create <run>                             POST a ticket, each with its own Idempotency-Key
--   act <run> <path with {key}> <KEY:VERSION:STATUS,...>
--                                            pend and open in turn, one ticket per thread, with
--                                            the version the previous answer carried
--   assign <run> <path with {key}> <ID:VERSION:STATE:ASSIGNEE,...>
--                                            assign (to ASSIGNEE, no window) and unassign in
--                                            turn, one task per thread; STATE is assigned or
--                                            unassigned, the version as for `act`
-- Run `act` and `assign` with as many threads as connections (-t8 -c8), so a thread has one
-- request in flight.
local mode, run, counter, index = "get", "", 0, 0
local path, key, version, status, assignee

-- Per acting mode: the state in which the first body is sent; a 200 moves to the other state.
local TOGGLED = {act = {"open", "pending"}, assign = {"assigned", "unassigned"}}

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local function on_answer(code, headers, body)
  local seen = body:match('"version":%s*(%d+)') or body:match('"current_version":%s*(%d+)')
  if seen then
    version = tonumber(seen)
  end
  if code == 200 then
    local on, off = TOGGLED[mode][1], TOGGLED[mode][2]
    status = (status == on) and off or on
  end
end

function init(args)
  mode, run, index = args[1] or "get", args[2] or "", thread_number
  if mode ~= "get" then
    wrk.headers["Content-Type"] = "application/json"
  end
  if TOGGLED[mode] then
    local n = 0
    for item in string.gmatch(args[4], "[^,]+") do
      n = n + 1
      if n == index then
        key, version, status, assignee = item:match("([^:]+):(%d+):(%a+):?(%d*)")
        version = tonumber(version)
      end
    end
    path = args[3]:gsub("{key}", key)
    response = on_answer
  end
end

local PEND = '{"action": "pend", "payload": {"reason": "Waiting for the customer"}, "expected_version": %d}'
local OPEN = '{"action": "open", "expected_version": %d}'
local UNASSIGN = '{"action": "unassign", "expected_version": %d}'
local ASSIGN = '{"action": "assign", "payload": {"assign_to": %s}, "expected_version": %d}'
local TICKET = '{"subject": "Load test", "requester": {"email": "load@example.com"}, "priority": "normal"}'

local function action_body()
  if mode == "assign" then
    if status == "assigned" then
      return string.format(UNASSIGN, version)
    end
    return string.format(ASSIGN, assignee, version)
  end
  return string.format(status == "open" and PEND or OPEN, version)
end

function request()
  if mode == "create" then
    counter = counter + 1
    -- wrk.format's headers argument would replace wrk.headers, so set the key on them instead
    wrk.headers["Idempotency-Key"] = run .. "-" .. index .. "-" .. counter
    return wrk.format("POST", nil, nil, TICKET)
  elseif TOGGLED[mode] then
    return wrk.format("POST", path, nil, action_body())
  end
  return wrk.format()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.0f %.0f %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
