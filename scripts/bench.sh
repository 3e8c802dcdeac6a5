#!/usr/bin/env bash
# Throughput of crosshash against the Python reference tools, measured in the same run, plus the
# exactness check on the same corpus.
#   bash scripts/bench.sh CORPUS [REFERENCE_PY] [DEVICE...]
# CORPUS is a folder of dataset folders (e.g. from the benchmark corpus generator). REFERENCE_PY
# is a reference program with `hash CORPUS` printing {"datasets": {d: {file: {phash, blockmean}}}}
# (the benchmark's reference.py); default: ../shared/bench/reference.py when present.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(cd "$1" && pwd)
ref=${2:-../shared/bench/reference.py}
shift $(( $# >= 2 ? 2 : 1 ))
devices=("$@")
[ ${#devices[@]} -gt 0 ] || devices=(cpu)
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release >&2
bin="$(swift build -c release --show-bin-path)/crosshash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

echo "== reference: python3 $ref hash ($(nproc) processes)"
t0=$(now); python3 "$ref" hash "$corpus" > "$tmp/ref.json"; t1=$(now)
ref_s=$(awk "BEGIN{print $t1 - $t0}")

echo "== crosshash hash --device ${devices[0]}"
t0=$(now); "$bin" hash --json --device "${devices[0]}" "$corpus" > "$tmp/ch.jsonl"; t1=$(now)
ch_s=$(awk "BEGIN{print $t1 - $t0}")

echo "== crosshash bench"
dev_args=(); for d in "${devices[@]}"; do dev_args+=(--device "$d"); done
"$bin" bench "${dev_args[@]}" "$corpus"

python3 - "$tmp/ref.json" "$tmp/ch.jsonl" "$corpus" "$ref_s" "$ch_s" <<'PY'
import json, os, sys
ref = json.load(open(sys.argv[1]))
corpus, ref_s, ch_s = sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
ours = {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    ours[os.path.relpath(o["file"], corpus)] = o
n = {"phash": 0, "blockmean": 0}
total = 0
bad = []
for d, files in ref["datasets"].items():
    for f, h in files.items():
        total += 1
        o = ours.get(f"{d}/{f}", {})
        for alg in n:
            if o.get(alg) == h[alg]:
                n[alg] += 1
            else:
                bad.append((alg, f"{d}/{f}", h[alg], o.get(alg, o.get("error"))))
images = sum(1 for o in ours.values() if "phash" in o)
print()
print(f"exactness on {total} reference images: " + ", ".join(f"{a} {n[a]}/{total} ({100.0*n[a]/max(total,1):.2f}%)" for a in n))
for b in bad[:20]:
    print("  mismatch", *b)
print(f"reference.py hash: {ref_s:.2f} s ({total/ref_s:.1f} images/s)")
print(f"crosshash hash:    {ch_s:.2f} s ({images/ch_s:.1f} images/s)  -> {ref_s/ch_s:.2f}x the reference")
PY
