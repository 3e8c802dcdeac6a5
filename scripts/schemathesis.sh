#!/usr/bin/env bash
# Fuzzes a running `crosshash serve` with schemathesis, from the server's own /openapi.json:
# every documented operation gets generated requests (valid and invalid), and every answer must be
# documented (status code, content type, headers) and match its schema; no 5xx other than the
# documented 503. Builds nothing: it takes the binary from $CROSSHASH_BIN (default
# .build/debug/crosshash). Loopback only; stops by itself; exit status 0 only when nothing failed.
#
#   bash scripts/schemathesis.sh
#   CROSSHASH_BIN=.build/release/crosshash SCHEMATHESIS_MAX_EXAMPLES=100 SCHEMATHESIS_SECONDS=600 bash scripts/schemathesis.sh
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 100 per operation and phase), SCHEMATHESIS_SECONDS
# (hard limit on the schemathesis run, default 300), SCHEMATHESIS_CHECKS (default: the five
# conformance checks below), SCHEMATHESIS_SEED, SCHEMATHESIS_SCHEMA (a local file to test instead of
# the served document, e.g. Sources/Service/openapi.json after editing it, without rebuilding),
# KEEP_TMP=1 keeps the temporary folder (server log, JUnit report).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

BIN=${CROSSHASH_BIN:-.build/debug/crosshash}
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-100}
SECONDS_BUDGET=${SCHEMATHESIS_SECONDS:-300}
CHECKS=${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance}
SEED=${SCHEMATHESIS_SEED:-}
SCHEMA=${SCHEMATHESIS_SCHEMA:-}
if [ -n "$SCHEMA" ]; then
    case "$SCHEMA" in /*) ;; *) SCHEMA="$REPO/$SCHEMA" ;; esac
    [ -r "$SCHEMA" ] || { echo "schemathesis.sh: cannot read $SCHEMA" >&2; exit 2; }
fi

case "$BIN" in /*) ;; *) BIN="$REPO/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
    echo "schemathesis.sh: no crosshash binary at $BIN (build it, or set CROSSHASH_BIN)" >&2
    exit 2
fi

if ! python3 -c 'import schemathesis' 2>/dev/null; then
    echo "schemathesis.sh: installing schemathesis from PyPI" >&2
    python3 -m pip install -q schemathesis 2>/dev/null \
        || python3 -m pip install -q --break-system-packages schemathesis
fi
command -v curl >/dev/null || { echo "schemathesis.sh: curl is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/crosshash-schemathesis.XXXXXX")
TMP=$(cd "$TMP" && pwd -P)
SERVER_PID=
cleanup() {
    local rc=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP_TMP:-0}" = 1 ]; then echo "schemathesis.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# An API key, so the 401 answers are exercised too (schemathesis sends the key; its auth checks
# also send none or a wrong one).
API_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
printf '# schemathesis.sh\n%s\n' "$API_KEY" > "$TMP/keys.txt"
AUTH="Authorization: Bearer $API_KEY"

mkdir -p "$TMP/images"
for f in calla.jpg city.png goldfish.jpg; do cp "Tests/Fixtures/images/real/$f" "$TMP/images/"; done

"$BIN" serve --no-store --listen 127.0.0.1:0 --root "$TMP" --api-key-file "$TMP/keys.txt" 2>"$TMP/server.log" >"$TMP/server.out" &
SERVER_PID=$!

URL=
for _ in $(seq 1 600); do   # 60 s at most
    URL=$(grep -m1 -o 'crosshash: listening on http://127\.0\.0\.1:[0-9]*' "$TMP/server.log" 2>/dev/null \
          | sed 's/^crosshash: listening on //') || true
    [ -n "$URL" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "schemathesis.sh: the server exited before listening:" >&2
        tail -n 20 "$TMP/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$URL" ]; then
    echo "schemathesis.sh: no 'crosshash: listening on' line within 60 s:" >&2
    tail -n 20 "$TMP/server.log" >&2
    exit 1
fi
echo "schemathesis.sh: server pid $SERVER_PID at $URL" >&2

# Wait until ready (bounded), then give the routes something to work on: dataset `demo`, scanned.
for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] && break
    sleep 0.2
done
curl -sS --fail-with-body -X PUT -H "$AUTH" -H 'Content-Type: application/json' \
    --data "{\"root\": \"$TMP/images\"}" "$URL/v1/datasets/demo" >/dev/null
JOB_JSON=$(curl -sS --fail-with-body -X POST -H "$AUTH" "$URL/v1/datasets/demo/scan")
JOB=$(printf '%s' "$JOB_JSON" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"])')
STATE=
for _ in $(seq 1 300); do   # 60 s at most
    STATE=$(curl -sS -H "$AUTH" "$URL/v1/jobs/$JOB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    case "$STATE" in done|failed) break ;; esac
    sleep 0.2
done
if [ "$STATE" != done ]; then
    echo "schemathesis.sh: the scan of dataset demo ended in state '$STATE'" >&2
    exit 1
fi

# One worker: hypothesis describes filters with ast.parse, which is not thread-safe on CPython
# before 3.11.8/3.12.1 ("AST constructor recursion depth mismatch").
ST_ARGS=(run "${SCHEMA:-$URL/openapi.json}" --url "$URL"
         --header "$AUTH"
         --checks "$CHECKS"
         --max-examples "$MAX_EXAMPLES"
         --request-timeout 30
         --workers 1
         --generation-database none
         --suppress-health-check all
         --report junit --report-dir "$TMP/report" --report-junit-path "$TMP/report/junit.xml"
         --no-color)
[ -n "$SEED" ] && ST_ARGS+=(--seed "$SEED")

set +e
(cd "$TMP" && timeout -k 10 "$SECONDS_BUDGET" python3 -m schemathesis.cli "${ST_ARGS[@]}") 2>&1 | tee "$TMP/schemathesis.out"
ST_RC=${PIPESTATUS[0]}
set -e

# A crashed child stays a zombie until reaped, so ask the server itself as well.
SERVER_ALIVE=yes
if ! kill -0 "$SERVER_PID" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$SERVER_PID/stat" 2>/dev/null)" = Z ] \
   || [ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/healthz")" != 200 ]; then
    SERVER_ALIVE=no
fi
SUMMARY=$(python3 - "$TMP/report/junit.xml" <<'EOF' 2>/dev/null || echo "no JUnit report"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) for s in suites)
e = sum(int(s.get("errors", 0)) for s in suites)
sk = sum(int(s.get("skipped", 0)) for s in suites)
print(f"{t} JUnit tests (operations + stateful), {f} failed, {e} errors, {sk} skipped")
EOF
)
CASES=$(grep -E '^ +[0-9]+ generated' "$TMP/schemathesis.out" | tail -1 | sed 's/^ *//') || true
[ -n "$CASES" ] && SUMMARY="$SUMMARY; test cases: $CASES"
if [ "$SERVER_ALIVE" = no ]; then
    echo "schemathesis.sh: the server died or stopped answering during the run:" >&2
    grep -m3 -E 'Fatal error|crashed|Signal' "$TMP/server.log" >&2 || tail -n 30 "$TMP/server.log" >&2
    [ "$ST_RC" = 0 ] && ST_RC=1
fi
if [ "$ST_RC" = 0 ]; then
    echo "schemathesis: PASS: $SUMMARY (max $MAX_EXAMPLES examples per operation, checks $CHECKS, server $URL)"
else
    [ "$ST_RC" = 124 ] && SUMMARY="timed out; $SUMMARY"
    echo "schemathesis: FAIL (exit $ST_RC): $SUMMARY (server log: KEEP_TMP=1 keeps $TMP/server.log)"
    exit 1
fi
