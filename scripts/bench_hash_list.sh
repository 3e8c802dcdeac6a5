#!/usr/bin/env bash
# Hash lists at scale: generates a 1M-line random PDQ list (fixed seed, canonical form: lowercase
# hex, IDs in byte order, so export must give the same bytes back), then times
# `crosshash import` and `crosshash export` on a fresh store and checks the round trip with cmp.
#
# Usage: scripts/bench_hash_list.sh [BINARY] [LINES]   (default .build/release/crosshash, 1000000)
set -euo pipefail
bin=${1:-.build/release/crosshash}
lines=${2:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/list.txt" "$lines" <<'PY'
import random, sys
path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(20)
with open(path, "w") as f:
    for i in range(n):
        f.write("%064x,id-%07d\n" % (rng.getrandbits(256), i))
PY

seconds() { date +%s.%N; }
t0=$(seconds)
"$bin" import bench "$work/list.txt" --store "$work/store.sqlite" >"$work/import.txt"
t1=$(seconds)
"$bin" export bench --family pdq --store "$work/store.sqlite" -o "$work/out.txt"
t2=$(seconds)
cmp "$work/list.txt" "$work/out.txt"
echo "lines:        $lines"
echo "import:       $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s   ($(cat "$work/import.txt"))"
echo "export:       $(awk "BEGIN{printf \"%.1f\", $t2 - $t1}") s   (cmp: identical)"
echo "store size:   $(du -h "$work/store.sqlite" | cut -f1)"
