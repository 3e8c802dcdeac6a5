#!/usr/bin/env bash
# The service at scale (issue 17's figures; not run by CI): one `serve` on a new SQLite store
# holding N stored images with uniformly random phash and blockmean hashes, loaded by wrk on
# loopback (scripts/wrk/*.lua). Prints, one JSON line each:
#   fill       N images added through POST /v1/datasets/bench/images (load_serve.py fill, 5,000 a request)
#   lookups    one query with both families of one random image, thresholds 8, 8 connections
#   batches    100 such queries a request, 4 connections
#   batches+w  the same while another connection adds 5,000 images/s to the queried dataset
#   ingest     5,000 precomputed items a request into another dataset, 2 connections
#   restart    seconds from a new process to /readyz 200 on the same store, and its RSS
#   faiss      with FAISS=1: scripts/bench_faiss_lookups.py on the same stored hashes, right after
#              the lookups (IndexBinaryMultiHash from Python, 2 processes), and its index's memory
# with the server's resident memory (VmRSS) after the fill and after the loads. Every load runs
# SECONDS (default 20) and stops by itself; the server and its folder go away at the end.
#
#   CROSSHASH_BIN=.build/release/crosshash bash scripts/bench_serve_index.sh 1000000 [SECONDS]
#
# Needs wrk (Debian package wrk; scripts/setup.sh installs it) and curl. KEEP_TMP=1 keeps the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
N=${1:?usage: bench_serve_index.sh N [SECONDS]}
SECS=${2:-20}
case "$N$SECS" in *[!0-9]*) echo "bench_serve_index.sh: N and SECONDS are whole numbers" >&2; exit 2 ;; esac
BIN=${CROSSHASH_BIN:-.build/release/crosshash}
case "$BIN" in /*) ;; *) BIN="$REPO/$BIN" ;; esac
[ -x "$BIN" ] || { echo "bench_serve_index.sh: no crosshash binary at $BIN" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench_serve_index.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/crosshash-index-bench.XXXXXX")
SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
cleanup() {
    local rc=$?
    stop_server
    if [ "${KEEP_TMP:-0}" = 1 ]; then echo "bench_serve_index.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0; }

# Starts the server on the store; sets SERVER_PID, URL and READY (seconds until /readyz answers 200).
start_server() {
    local t0 t1 log="$TMP/server.$(date +%s%N).log"
    t0=$(date +%s.%N)
    "$BIN" serve --store "$TMP/store.sqlite" --listen 127.0.0.1:0 --max-images-per-request 5000 \
        --queue-images 20000 2>"$log" >/dev/null &
    SERVER_PID=$!
    URL=
    for _ in $(seq 1 3000); do   # 300 s at most
        URL=$(grep -m1 -o 'crosshash: listening on http://127\.0\.0\.1:[0-9]*' "$log" 2>/dev/null \
              | sed 's/^crosshash: listening on //') || true
        [ -n "$URL" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench_serve_index.sh: the server exited:" >&2; tail -n 20 "$log" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$URL" ] || { echo "bench_serve_index.sh: no 'listening' line within 300 s" >&2; exit 1; }
    for _ in $(seq 1 6000); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] && break
        sleep 0.05
    done
    t1=$(date +%s.%N)
    READY=$(echo "$t1 - $t0" | bc -l)
}

load() {  # NAME SCRIPT CONNECTIONS [ENV=VALUE...] -> one JSON line
    local name=$1 script=$2 c=$3
    shift 3
    local out
    out=$(env "$@" wrk -t "$(( c < 2 ? c : 2 ))" -c "$c" -d "${SECS}s" --timeout 10s -s "scripts/wrk/$script" "$URL" | tail -n 1)
    echo "{\"load\": \"$name\", \"connections\": $c, $(echo "$out" | sed 's/^{//')"
}

start_server
echo "{\"server\": \"$URL\", \"images\": $N, \"seconds_per_load\": $SECS, \"rss_mib_empty\": $(rss_mib)}"
python3 scripts/load_serve.py fill --url "$URL" --dataset bench --count "$N" --chunk 5000 --seconds 3600 --json
echo "{\"rss_mib_after_fill\": $(rss_mib)}"
load lookups query.lua 8 BATCH=1
if [ "${FAISS:-0}" = 1 ]; then
    python3 scripts/bench_faiss_lookups.py --count "$N" --seed 1 --seconds "$SECS" --processes 2
fi
load batches query.lua 4 BATCH=100
# The writer runs a little longer than the batches beside it, so it covers them.
env DATASET=bench ITEMS=5000 PACE_MS=1000 SEED=7 wrk -t 1 -c 1 -d "$((SECS + 2))s" --timeout 30s \
    -s scripts/wrk/ingest.lua "$URL" >"$TMP/writer.out" &
WRITER=$!
sleep 1
load "batches+w" query.lua 4 BATCH=100 SEED=3
wait "$WRITER" || true
echo "{\"load\": \"writer beside batches+w\", $(tail -n 1 "$TMP/writer.out" | sed 's/^{//')"
curl -s -o /dev/null -X PUT "$URL/v1/datasets/ingest"
load ingest ingest.lua 2 DATASET=ingest ITEMS=5000
echo "{\"rss_mib_after_loads\": $(rss_mib)}"
stop_server
start_server
echo "{\"restart_seconds\": $READY, \"rss_mib_after_restart\": $(rss_mib)}"
