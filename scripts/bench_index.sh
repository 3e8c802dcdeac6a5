#!/usr/bin/env bash
# HammingIndex single-hash lookups against the brute-force scan, at N uniformly random phash and
# blockmean hashes (default 1,000,000), threshold 8, plus load, write rates and bytes per image.
# Compiles Sources/CPUFallback/HammingIndex.swift and the C kernels it calls (CHashKernels) with
# scripts/bench_index/main.swift alone, optimised: no package build.
# Usage: scripts/bench_index.sh [N] [QUERIES] [FAMILIES: phash,blockmean] [SUBSTRINGS: forces m]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kernels=$here/Sources/CHashKernels
mkdir -p "$work/include"
printf 'module CHashKernels {\n  header "%s/include/chashkernels.h"\n  export *\n}\n' "$kernels" > "$work/include/module.modulemap"
for c in kernels mih pdq; do clang -O2 -c -I "$kernels/include" "$kernels/$c.c" -o "$work/$c.o"; done
swiftc -O -wmo -module-name BenchIndex -I "$work/include" "$here/Sources/CPUFallback/HammingIndex.swift" \
  "$here/scripts/bench_index/main.swift" "$work"/kernels.o "$work"/mih.o "$work"/pdq.o -o "$work/bench_index"
"$work/bench_index" "${1:-1000000}" "${2:-2000}" "${3:-phash,blockmean}" ${4:+"$4"}
