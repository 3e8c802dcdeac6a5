#!/usr/bin/env bash
# The Python client's CI step: installs its dependencies when missing, checks that the committed
# generated client (clients/python/crosshash_client) is what Sources/Service/openapi.json
# generates, then runs clients/python/tests against a real `crosshash serve` on a loopback port.
# Builds nothing: the binary is $CROSSHASH_BIN (default .build/debug/crosshash). Bounded in time
# (PYTHON_CLIENT_SECONDS, default 150, for the tests); prints one summary line.
#
#   CROSSHASH_BIN=.build/debug/crosshash bash scripts/python_client.sh
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)

BIN=${CROSSHASH_BIN:-.build/debug/crosshash}
if [ ! -x "$BIN" ]; then
    echo "python_client.sh: no crosshash binary at $BIN (build it, or set CROSSHASH_BIN)" >&2
    exit 2
fi

if ! python3 -c 'import httpx, attrs, dateutil' 2>/dev/null; then
    echo "python_client.sh: installing httpx, attrs, python-dateutil from PyPI" >&2
    python3 -m pip install -q httpx attrs python-dateutil 2>/dev/null \
        || python3 -m pip install -q --break-system-packages httpx attrs python-dateutil
fi

bash scripts/generate_python_client.sh --check >/dev/null

LOG=$(mktemp "${TMPDIR:-/tmp}/crosshash-pyclient-tests.XXXXXX")
trap 'rm -f "$LOG"' EXIT
set +e
PYTHONDONTWRITEBYTECODE=1 CROSSHASH_BIN="$BIN" timeout -k 10 "${PYTHON_CLIENT_SECONDS:-150}" \
    python3 -m unittest discover -s clients/python/tests >"$LOG" 2>&1
RC=$?
set -e
TESTS=$(grep -oE '^Ran [0-9]+ tests?' "$LOG" | tail -1 || true)
if [ "$RC" = 0 ] && grep -q '^OK' "$LOG"; then
    echo "python client: PASS: ${TESTS:-no tests}, generated client up to date ($(( $(date +%s) - START )) s)"
else
    cat "$LOG" >&2
    [ "$RC" = 124 ] && echo "python_client.sh: the tests ran past ${PYTHON_CLIENT_SECONDS:-150} s" >&2
    echo "python client: FAIL (exit $RC): ${TESTS:-no tests}"
    exit 1
fi
