-- bench_http's wrk script: `wrk -s requests.lua URL -- REQUESTS_FILE EXPECTED_STATUS`.
--
-- REQUESTS_FILE (written by the benchmark) has one request a line, tab-separated:
--   METHOD <tab> PATH <tab> BODY <tab> Header: value <tab> Header: value ...
-- Each request sent takes the next line (wrapping around at the end), so bearer tokens and ids
-- rotate per request. Requests are formatted once in init(): the load generator shares the
-- server's two cores, so request() only picks a prepared string.
-- A response counts as unexpected when its status is not EXPECTED_STATUS (default 200), and as a
-- GraphQL error when its body has an "errors" entry. done() prints one line for the Python side:
--   BENCH_JSON {"requests": ..., "p99_us": ..., ...}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  prepared = {}
  for line in io.lines(args[1]) do
    local fields = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do
      fields[#fields + 1] = field
    end
    local headers = {}
    for i = 4, #fields do
      local name, value = fields[i]:match("^([^:]+):%s*(.*)$")
      headers[name] = value
    end
    local body = fields[3] ~= "" and fields[3] or nil
    prepared[#prepared + 1] = wrk.format(fields[1], fields[2], headers, body)
  end
  expected = tonumber(args[2] or "200")
  lines = #prepared
  cursor, wrapped, unexpected, graphql_errors = 0, 0, 0, 0
end

function request()
  cursor = cursor + 1
  if cursor > lines then
    cursor, wrapped = 1, wrapped + 1
  end
  return prepared[cursor]
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  elseif body and body:find('"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local unexpected_total, graphql_total, wrapped_total, lines_total = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    unexpected_total = unexpected_total + thread:get("unexpected")
    graphql_total = graphql_total + thread:get("graphql_errors")
    wrapped_total = wrapped_total + thread:get("wrapped")
    lines_total = lines_total + thread:get("lines")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, "unexpected_status": %d,'
      .. ' "graphql_errors": %d, "wrapped": %d, "lines": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    unexpected_total, graphql_total, wrapped_total, lines_total,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
end
