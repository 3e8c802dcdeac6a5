-- wrk script for `crosshash serve`'s POST /v1/datasets/{DATASET}/images (JSON items; used by
-- scripts/bench_serve_index.sh). Each request adds ITEMS precomputed random phash/blockmean
-- hashes under new keys (w<thread>-<n>.jpg). PACE_MS (default 0) spaces the requests' starts
-- that far apart on the clock (a request that took longer starts the next at once), so one
-- connection with ITEMS=5000 and PACE_MS=1000 adds 5,000 images/s while the server keeps up.
-- done() prints one JSON line: requests, images/s, latency percentiles (ms), non-200 answers.
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_usec; } timeval_t;
  int gettimeofday(timeval_t *tv, void *tz);
]]
local tv = ffi.new("timeval_t")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local dataset, items, pace, n, due = "bench", 5000, 0, 0, nil
non200 = 0  -- global: done() reads it from each thread (thread:get)

function init(args)
  dataset = os.getenv("DATASET") or "bench"
  items = tonumber(os.getenv("ITEMS") or "5000")
  pace = tonumber(os.getenv("PACE_MS") or "0")
  math.randomseed((tonumber(os.getenv("SEED") or "1")) * 1000 + id + 500)
end

local function hex(words16)
  local t = {}
  for i = 1, words16 do t[i] = string.format("%04x", math.random(0, 65535)) end
  return table.concat(t)
end

-- wrk asks before each request how long to wait: until the next start on the schedule.
function delay()
  if pace <= 0 then return 0 end
  local t = now_ms()
  if due == nil or due < t then due = t end
  local wait = due - t
  due = due + pace
  return math.floor(wait)
end

function request()
  local q = {}
  for i = 1, items do
    n = n + 1
    q[i] = '{"file":"w' .. id .. "-" .. n .. '.jpg","phash":"' .. hex(4) .. '","blockmean":"' .. hex(16) .. '"}'
  end
  local body = '{"items":[' .. table.concat(q, ",") .. ']}'
  return wrk.format("POST", "/v1/datasets/" .. dataset .. "/images", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + (thread:get("non200") or 0) end
  local secs = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "images_per_s": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, "non200": %d, "socket_errors": %d}\n',
    summary.requests, secs, summary.requests * tonumber(os.getenv("ITEMS") or "5000") / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
