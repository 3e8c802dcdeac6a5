-- wrk script for `crosshash serve`'s POST /v1/query (used by scripts/bench_serve_index.sh).
-- Each request asks BATCH queries of uniformly random phash (64-bit) and blockmean (256-bit)
-- hashes against DATASET at the default thresholds (8 each). Environment: DATASET (default
-- "bench"), BATCH (default 1), SEED (default 1). Every thread draws its own random sequence.
-- done() prints one JSON line: requests/s, hashes/s, latency percentiles (ms), non-200 answers.
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local dataset, batch = "bench", 1
non200 = 0  -- global: done() reads it from each thread (thread:get)

function init(args)
  dataset = os.getenv("DATASET") or "bench"
  batch = tonumber(os.getenv("BATCH") or "1")
  math.randomseed((tonumber(os.getenv("SEED") or "1")) * 1000 + id)
end

local function hex(words16)
  local t = {}
  for i = 1, words16 do t[i] = string.format("%04x", math.random(0, 65535)) end
  return table.concat(t)
end

function request()
  local q = {}
  for i = 1, batch do
    q[i] = '{"phash":"' .. hex(4) .. '","blockmean":"' .. hex(16) .. '"}'
  end
  local body = '{"datasets":["' .. dataset .. '"],"queries":[' .. table.concat(q, ",") .. ']}'
  return wrk.format("POST", "/v1/query", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + (thread:get("non200") or 0) end
  local secs = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "requests_per_s": %.1f, "hashes_per_s": %.1f, ' ..
    '"p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "non200": %d, "socket_errors": %d}\n',
    summary.requests, secs, summary.requests / secs, summary.requests * tonumber(os.getenv("BATCH") or "1") / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    bad, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
