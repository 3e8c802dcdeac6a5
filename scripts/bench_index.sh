#!/usr/bin/env bash
# HammingIndex single-hash lookups against the brute-force scan, at N uniformly random phash and
# blockmean hashes (default 1,000,000), threshold 8, plus load, write rates and bytes per image.
# Compiles Sources/CPUFallback/HammingIndex.swift with scripts/bench_index/main.swift alone
# (optimised; no package build). Usage: scripts/bench_index.sh [N] [QUERIES]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swiftc -O -wmo -module-name BenchIndex "$here/Sources/CPUFallback/HammingIndex.swift" \
  "$here/scripts/bench_index/main.swift" -o "$work/bench_index"
"$work/bench_index" "${1:-1000000}" "${2:-2000}"
