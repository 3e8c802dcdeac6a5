#!/usr/bin/env bash
# Soak test of `crosshash serve`: starts a server (--no-store, ephemeral loopback port), fills a
# dataset with 100000 random hashes (scripts/load_serve.py fill), then runs hash load (16
# connections, the pictures of Tests/Fixtures/images/real) and query load (4 connections, batches
# of 100 random hashes against that dataset) together for SECONDS, sampling the server's resident
# memory (VmRSS) every 10 s. Prints the RSS table, RSS at start / end / max and the load results;
# stops everything by itself. Builds nothing: the binary is $CROSSHASH_BIN (default
# .build/debug/crosshash; use a release build for meaningful numbers).
#
#   bash scripts/soak_serve.sh [SECONDS]          # default 600
#   CROSSHASH_BIN=.build/release/crosshash bash scripts/soak_serve.sh 120
#
# Environment: SOAK_FILL (hashes in the dataset, default 100000), SOAK_FILES (image folder),
# KEEP_TMP=1 keeps the temporary folder. Exit status 1 when the server died or a load client failed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

DURATION=${1:-600}
case "$DURATION" in ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 86400 ] || { echo "soak_serve.sh: SECONDS must be 1..86400" >&2; exit 2; }
BIN=${CROSSHASH_BIN:-.build/debug/crosshash}
case "$BIN" in /*) ;; *) BIN="$REPO/$BIN" ;; esac
FILL=${SOAK_FILL:-100000}
FILES=${SOAK_FILES:-$REPO/Tests/Fixtures/images/real}
[ -x "$BIN" ] || { echo "soak_serve.sh: no crosshash binary at $BIN (build it, or set CROSSHASH_BIN)" >&2; exit 2; }
[ -r /proc/self/status ] || { echo "soak_serve.sh: needs /proc (Linux)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/crosshash-soak.XXXXXX")
SERVER_PID=
LOAD_PIDS=()
cleanup() {
    local rc=$?
    for p in "${LOAD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    if [ "${KEEP_TMP:-0}" = 1 ]; then echo "soak_serve.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A crashed child stays a zombie until reaped: alive means running and not a zombie.
server_alive() {
    kill -0 "$SERVER_PID" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$SERVER_PID/stat" 2>/dev/null)" != Z ]
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

"$BIN" serve --no-store --listen 127.0.0.1:0 2>"$TMP/server.log" >"$TMP/server.out" &
SERVER_PID=$!
URL=
for _ in $(seq 1 600); do   # 60 s at most
    URL=$(grep -m1 -o 'crosshash: listening on http://127\.0\.0\.1:[0-9]*' "$TMP/server.log" 2>/dev/null \
          | sed 's/^crosshash: listening on //') || true
    [ -n "$URL" ] && break
    server_alive || { echo "soak_serve.sh: the server exited:" >&2; tail -n 20 "$TMP/server.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$URL" ] || { echo "soak_serve.sh: no 'listening' line within 60 s" >&2; exit 1; }
for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] && break
    sleep 0.2
done
RSS_START=$(rss_kib)
echo "soak: server pid $SERVER_PID at $URL, RSS $(mib "$RSS_START") MiB at start"

python3 scripts/load_serve.py fill --url "$URL" --dataset soak --count "$FILL" --seconds 600
RSS_FILLED=$(rss_kib)
echo "soak: RSS $(mib "$RSS_FILLED") MiB after adding $FILL hashes"

python3 scripts/load_serve.py hash --url "$URL" --files "$FILES" --connections 16 \
    --seconds "$DURATION" --max-requests $((DURATION * 5000)) >"$TMP/hash.out" 2>"$TMP/hash.err" &
LOAD_PIDS+=($!)
HASH_PID=$!
python3 scripts/load_serve.py query --url "$URL" --dataset soak --batch 100 --connections 4 \
    --seconds "$DURATION" --max-requests $((DURATION * 5000)) >"$TMP/query.out" 2>"$TMP/query.err" &
LOAD_PIDS+=($!)
QUERY_PID=$!

START=$(date +%s)
RSS_MAX=$RSS_FILLED
printf '%8s  %10s\n' "t (s)" "RSS (MiB)"
printf '%8s  %10s\n' 0 "$(mib "$RSS_FILLED")"
SERVER_DIED=no
# One sample every 10 s until both loads have ended (bounded: SECONDS + 120 s).
while :; do
    for _ in $(seq 1 100); do
        kill -0 "$HASH_PID" 2>/dev/null || kill -0 "$QUERY_PID" 2>/dev/null || break 2
        sleep 0.1
    done
    NOW=$(( $(date +%s) - START ))
    if ! server_alive; then SERVER_DIED=yes; break; fi
    RSS=$(rss_kib)
    [ "$RSS" -gt "$RSS_MAX" ] && RSS_MAX=$RSS
    printf '%8s  %10s\n' "$NOW" "$(mib "$RSS")"
    [ "$NOW" -ge $((DURATION + 120)) ] && { echo "soak: the load clients overran; stopping them" >&2; break; }
done
HASH_RC=0; wait "$HASH_PID" || HASH_RC=$?
QUERY_RC=0; wait "$QUERY_PID" || QUERY_RC=$?
LOAD_PIDS=()
server_alive || SERVER_DIED=yes
[ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ] || SERVER_DIED=yes
RSS_END=$(rss_kib)
[ "$RSS_END" -gt "$RSS_MAX" ] && RSS_MAX=$RSS_END

echo "--- hash load (16 connections, $DURATION s)"
cat "$TMP/hash.out"; sed -n '1,5p' "$TMP/hash.err"
echo "--- query load (4 connections, batches of 100, $DURATION s)"
cat "$TMP/query.out"; sed -n '1,5p' "$TMP/query.err"
echo "soak: RSS start $(mib "$RSS_START") MiB, after fill $(mib "$RSS_FILLED") MiB, end $(mib "$RSS_END") MiB, max $(mib "$RSS_MAX") MiB"
if [ "$SERVER_DIED" = yes ]; then
    echo "soak: FAIL: the server died or stopped answering" >&2
    grep -m3 -E 'Fatal error|crashed|Signal' "$TMP/server.log" >&2 || tail -n 30 "$TMP/server.log" >&2
    exit 1
fi
if [ "$HASH_RC" != 0 ] || [ "$QUERY_RC" != 0 ]; then
    echo "soak: FAIL: load client exit status hash=$HASH_RC query=$QUERY_RC" >&2
    exit 1
fi
echo "soak: PASS"
