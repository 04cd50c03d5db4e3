-- wrk script: POST a ticket, each request with its own Idempotency-Key.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- gunicorn's sync workers close every connection; saying so lets wrk reconnect at once
-- instead of finding out on its next write.
wrk.headers["Connection"] = "close"
wrk.body = '{"subject": "Load test", "requester": {"email": "load@example.com"}, "priority": "normal"}'

local prefix, counter = "", 0

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  prefix = tostring({}):sub(8)  -- a per-thread table address: unique across threads
end

function request()
  counter = counter + 1
  -- wrk.format's headers argument would replace wrk.headers, so set the key on them instead
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter
  return wrk.format()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.0f %.0f %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
