#!/usr/bin/env bash
# The test command (README): installs what is missing, then runs every check CI runs.
#   1. the Swift test suite (unit, golden fixtures vs the reference tools, OpenCL kernels on PoCL,
#      end-to-end runs of the built binary);
#   2. conformance: real pictures from Debian packages hashed by crosshash and by the Python
#      reference tools, 100% identical required; then the same on the generated GIF/BMP/TIFF/WebP
#      corpus (scripts/format_parity.sh: >= 99%, every intact file identical);
#   3. the Dask recipe (scripts/distributed) on a LocalCluster: output equal to one machine's;
#   4. the service's HTTP API fuzzed by schemathesis from its OpenAPI document (bounded in time),
#      then the Python client generated from that document (scripts/python_client.sh), then the
#      curators' web pages in headless Chromium (scripts/browser_test.sh: screenshots in docs/screenshots);
#   5. a bounded libFuzzer run over the decoders (CROSSHASH_FUZZ_SECONDS, default 60; 0 skips).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

step() { printf '\n==> %s\n' "$*" >&2; }

step "swift build"
swift build

# One PostgreSQL 15 cluster for every test of the PostgreSQL store (HashStoreTests.PostgresStoreTests,
# EndToEndTests.PostgresEndToEndTests): they find it in these variables (TestCluster) and make a
# database each; stopped and removed at exit, whatever happens.
step "a PostgreSQL cluster for the PostgreSQL store's tests (scripts/pg_server.sh)"
pg_dir=$(mktemp -d /tmp/crosshash-test-pg.XXXXXX)
chmod 755 "$pg_dir"
trap 'bash scripts/pg_server.sh stop "$pg_dir/cluster" >/dev/null 2>&1 || true; rm -rf "$pg_dir"' EXIT
CROSSHASH_TEST_PG_URL=$(bash scripts/pg_server.sh start "$pg_dir/cluster")
export CROSSHASH_TEST_PG_URL CROSSHASH_TEST_PG_PASSWORD_FILE="$pg_dir/cluster/password"

# Runs `swift test` with extra arguments, shows failures, fails unless every test passed.
run_swift_tests() {
  local log=$1; shift
  swift test "$@" 2>&1 | tee "$log" | grep -vE "^\[[0-9]+/[0-9]+\]|^Test Case .* (started|passed)" || true
  grep -qE "Executed [0-9]+ tests?, with ([0-9]+ tests? skipped and )?0 failures" "$log" \
    || { echo "swift test $* failed" >&2; tail -50 "$log" >&2; exit 1; }
  ! grep -qE "error: |Fatal error|failed \(|ERROR: AddressSanitizer" "$log" \
    || { grep -E "error: |Fatal error|failed \(|ERROR: AddressSanitizer" "$log" | head -40 >&2; exit 1; }
}

step "swift test"
run_swift_tests /tmp/crosshash-swift-test.log

if [ "${CROSSHASH_ASAN:-1}" != 0 ]; then
  # The whole suite again with AddressSanitizer (Swift and C targets, the end-to-end binary too),
  # less the load tests (TestEnvironment.underAddressSanitizer: memory figures mean nothing here).
  # Leak detection is off: PoCL's LLVM keeps allocations alive until exit by design.
  step "swift test under AddressSanitizer"
  export ASAN_OPTIONS=detect_leaks=0
  run_swift_tests /tmp/crosshash-swift-test-asan.log --sanitize=address --scratch-path .build-asan
  unset ASAN_OPTIONS
fi

step "conformance against imagehash + OpenCV on real pictures"
bash scripts/conformance.sh

step "GIF / BMP / TIFF / WebP parity with Pillow on the generated format corpus"
bash scripts/format_parity.sh

step "hashing fanned out over a Dask LocalCluster equals one machine (scripts/distributed)"
python3 scripts/distributed/test_dask_hash.py .build/debug/crosshash

step "the service's API fuzzed from its OpenAPI document (schemathesis)"
CROSSHASH_BIN=.build/debug/crosshash bash scripts/schemathesis.sh

step "the generated Python client, up to date and against a real server (clients/python)"
CROSSHASH_BIN=.build/debug/crosshash bash scripts/python_client.sh

step "the curators' pages in headless Chromium against a real server (scripts/browser_test.sh)"
CROSSHASH_BIN=.build/debug/crosshash bash scripts/browser_test.sh

if [ -x scripts/fuzz.sh ] && [ "${CROSSHASH_FUZZ_SECONDS:-60}" != 0 ]; then
  step "fuzzing the decoders for ${CROSSHASH_FUZZ_SECONDS:-60} s"
  bash scripts/fuzz.sh "${CROSSHASH_FUZZ_SECONDS:-60}"
fi

grep -E "Executed [0-9]+ tests?, with" /tmp/crosshash-swift-test.log | tail -1
