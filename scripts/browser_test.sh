#!/usr/bin/env bash
# The curators' pages in a real browser (scripts/browser_test.py): installs Debian's chromium and
# chromium-driver (apt-get) and selenium (PyPI) when missing, then drives headless Chromium
# against a real `crosshash serve` on 127.0.0.1 over a small corpus made from Tests/Fixtures.
# Builds nothing: the binary is $CROSSHASH_BIN (default .build/debug/crosshash). Screenshots of
# the three pages (1280x800) go to $BROWSER_SCREENSHOTS (default docs/screenshots). Bounded in
# time (BROWSER_TEST_SECONDS, default 150); prints one summary line.
#
#   CROSSHASH_BIN=.build/debug/crosshash bash scripts/browser_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)

BIN=${CROSSHASH_BIN:-.build/debug/crosshash}
if [ ! -x "$BIN" ]; then
    echo "browser_test.sh: no crosshash binary at $BIN (build it, or set CROSSHASH_BIN)" >&2
    exit 2
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "browser_test.sh: installing chromium and chromium-driver (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
if ! python3 -c 'import selenium' 2>/dev/null; then
    echo "browser_test.sh: installing selenium from PyPI" >&2
    python3 -m pip install -q selenium 2>/dev/null || python3 -m pip install -q --break-system-packages selenium
fi

LOG=$(mktemp "${TMPDIR:-/tmp}/crosshash-browser-test.XXXXXX")
trap 'rm -f "$LOG"' EXIT
set +e
# Selenium Manager must not try to download a browser or driver: the Debian ones are used.
SE_OFFLINE=true PYTHONDONTWRITEBYTECODE=1 timeout -k 10 "${BROWSER_TEST_SECONDS:-150}" \
    python3 scripts/browser_test.py "$(realpath "$BIN")" "${BROWSER_SCREENSHOTS:-docs/screenshots}" >"$LOG" 2>&1
RC=$?
set -e
if [ "$RC" = 0 ] && grep -q '^browser test: PASS' "$LOG"; then
    sed 's/^/  /' "$LOG" >&2
    echo "browser test: PASS ($(( $(date +%s) - START )) s)"
else
    cat "$LOG" >&2
    [ "$RC" = 124 ] && echo "browser_test.sh: the test ran past ${BROWSER_TEST_SECONDS:-150} s" >&2
    echo "browser test: FAIL (exit $RC)"
    exit 1
fi
