#!/usr/bin/env bash
# The test command (README): installs what is missing, then runs every check CI runs.
#   1. the Swift test suite (unit, golden fixtures vs the reference tools, OpenCL kernels on PoCL,
#      end-to-end runs of the built binary);
#   2. conformance: real pictures from Debian packages hashed by crosshash and by the Python
#      reference tools, 100% identical required;
#   3. a bounded libFuzzer run over the decoders (CROSSHASH_FUZZ_SECONDS, default 60; 0 skips).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

step() { printf '\n==> %s\n' "$*" >&2; }

step "swift build"
swift build

step "swift test"
swift test 2>&1 | tee /tmp/crosshash-swift-test.log | grep -vE "^\[[0-9]+/[0-9]+\]|^Test Case .* (started|passed)" || true
grep -qE "Executed [0-9]+ tests?, with 0 failures" /tmp/crosshash-swift-test.log \
  || { echo "swift test failed" >&2; tail -50 /tmp/crosshash-swift-test.log >&2; exit 1; }
! grep -qE "error: |Fatal error|failed \(" /tmp/crosshash-swift-test.log \
  || { grep -E "error: |Fatal error|failed \(" /tmp/crosshash-swift-test.log | head -40 >&2; exit 1; }

step "conformance against imagehash + OpenCV on real pictures"
bash scripts/conformance.sh

if [ -x scripts/fuzz.sh ] && [ "${CROSSHASH_FUZZ_SECONDS:-60}" != 0 ]; then
  step "fuzzing the decoders for ${CROSSHASH_FUZZ_SECONDS:-60} s"
  bash scripts/fuzz.sh "${CROSSHASH_FUZZ_SECONDS:-60}"
fi

grep -E "Executed [0-9]+ tests?, with" /tmp/crosshash-swift-test.log | tail -1
