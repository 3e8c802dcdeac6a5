#!/usr/bin/env bash
# Start-to-ready time and memory of `crosshash serve` on an existing store (issue 17): the
# server is started on 127.0.0.1 (loopback only), /readyz is polled every 50 ms until it answers
# 200 (the server listens only once every dataset is in its match index), then its resident
# memory (VmRSS), peak (VmHWM) and CPU time are read from /proc, one query is timed, and the server is
# stopped. Bounded: gives up after TIMEOUT seconds (default 600).
# Usage: scripts/bench_serve_start.sh BINARY STORE [PORT] [TIMEOUT]
#   (make a store with scripts/make_big_store.py STORE N)
set -euo pipefail
bin=${1:?usage: bench_serve_start.sh BINARY STORE [PORT] [TIMEOUT]}
store=${2:?usage: bench_serve_start.sh BINARY STORE [PORT] [TIMEOUT]}
port=${3:-18417}
timeout=${4:-600}

start=$(date +%s.%N)
"$bin" serve --store "$store" --listen "127.0.0.1:$port" --threads 1 > /tmp/bench_serve_start.$$.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f /tmp/bench_serve_start.$$.log' EXIT
ready=""
while [ -z "$ready" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then echo "serve exited:"; cat /tmp/bench_serve_start.$$.log; exit 1; fi
  if curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; then ready=$(date +%s.%N); break; fi
  if [ "$(echo "$(date +%s.%N) - $start > $timeout" | bc -l)" = 1 ]; then echo "not ready after $timeout s"; exit 1; fi
  sleep 0.05
done
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
# CPU seconds the server spent until ready (user + system): steadier than the wall time on a
# machine shared with other work.
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$pid/stat")
# One query (a phash and a blockmean, phash threshold 20: some thousands of matches at 1M
# images, the best 1000 kept, ties ordered by key) against every dataset; its answer's digest
# tells whether two builds answer byte for byte alike.
q0=$(date +%s.%N)
answer=$(curl -sf -X POST "http://127.0.0.1:$port/v1/query" -H 'content-type: application/json' \
  -d "{\"queries\": [{\"phash\": \"0123456789abcdef\", \"blockmean\": \"$(printf '0f%.0s' $(seq 32))\"}], \"thresholds\": {\"phash\": 20}, \"limit\": 1000}")
q1=$(date +%s.%N)
printf 'binary %s store %s (%s MB)\n' "$bin" "$store" "$(( $(stat -c %s "$store") / 1000000 ))"
matches=$(printf '%s' "$answer" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['results'][0]['matches']))" || echo "?")
printf '  start to ready %7.2f s (CPU %.1f s)   VmRSS %6d MB   VmHWM %6d MB   one query %.3f s (%s matches, answer md5 %s)\n' \
  "$(echo "$ready - $start" | bc -l)" "$cpu" $((rss / 1024)) $((hwm / 1024)) "$(echo "$q1 - $q0" | bc -l)" "$matches" \
  "$(printf '%s' "$answer" | md5sum | cut -c1-12)"
