#!/usr/bin/env bash
# The time of analyze beyond hashing, on a benchmark corpus (make_corpus.py layout), as medians
# of RUNS alternating runs (page cache warm):
#   1. the stage split of `analyze --no-store` (manifest.json "seconds") and the share of
#      verify + report in its wall time;
#   2. `python3 REFERENCE hash CORPUS` wall time / `analyze --no-store` wall time, measured in the
#      same alternation (the reference hashes only: no matching, verification or report);
#   3. a second `analyze --store` on an unchanged store / the first (a fresh store each round);
#   4. the reference against `crosshash hash` of the same folders (decode and hash only, the work
#      the reference does): the ceiling of ratio 2, which no verify or report speed-up can pass.
# Usage: scripts/bench_analysis.sh CORPUS [RUNS] [REFERENCE_PY]   (RUNS default 5;
#        REFERENCE_PY default ../shared/bench/reference.py; CROSSHASH_BIN picks the binary)
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
bench_setup "${1:?usage: bench_analysis.sh CORPUS [RUNS] [REFERENCE_PY]}"
runs=${2:-5}
ref=${3:-$here/../shared/bench/reference.py}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "crosshash analysis benchmark: ${#names[@]} datasets in $corpus ($(find "$corpus" -type f | wc -l) files), $(nproc) cores, $runs alternating runs"
wall=() refs=() first=() second=() stages=() hashonly=()
folders=(); for n in "${names[@]}"; do folders+=("$corpus/$n"); done
for i in $(seq "$runs"); do
  refs+=("$(seconds python3 "$ref" hash "$corpus")")
  wall+=("$(seconds "$bin" analyze "${datasets[@]}" --out "$work/nostore" --no-store)")
  stages+=("$(python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['seconds']; print(' '.join(str(s.get(k, 0)) for k in ('scan','decode','hash','match','verify','report','total')))" "$work/nostore/manifest.json")")
  rm -f "$work/store.sqlite"*
  first+=("$(seconds "$bin" analyze "${datasets[@]}" --out "$work/s1" --store "$work/store.sqlite")")
  second+=("$(seconds "$bin" analyze "${datasets[@]}" --out "$work/s2" --store "$work/store.sqlite")")
  hashonly+=("$(seconds "$bin" hash "${folders[@]}")")
done
python3 - "$runs" "${wall[*]}" "${refs[*]}" "${first[*]}" "${second[*]}" "${hashonly[*]}" "${stages[@]}" <<'PY'
import statistics as st, sys
runs = int(sys.argv[1])
wall, refs, first, second, hashonly = ([float(x) for x in a.split()] for a in sys.argv[2:7])
stages = [[float(x) for x in s.split()] for s in sys.argv[7:]]
keys = ('scan', 'decode', 'hash', 'match', 'verify', 'report', 'total')
med = {k: st.median(s[i] for s in stages) for i, k in enumerate(keys)}
w = st.median(wall)
print(f"  analyze --no-store wall: {' '.join(f'{x:.2f}' for x in wall)} s, median {w:.2f} s")
print("  stages (median seconds): " + ", ".join(f"{k} {med[k]:.2f}" for k in keys))
vr = st.median((s[4] + s[5]) / x for s, x in zip(stages, wall))
print(f"  1. verify + report = {100 * vr:.1f}% of analyze --no-store wall time (median of per-run shares)")
r = st.median(rf / x for rf, x in zip(refs, wall))
print(f"  2. reference.py hash {st.median(refs):.2f} s median; analyze --no-store is {r:.2f}x faster (median of per-run ratios)")
q = st.median(b / a for a, b in zip(first, second))
print(f"  3. store: first run {st.median(first):.2f} s, second run {st.median(second):.2f} s: second / first = {q:.3f} (median of per-run ratios)")
h = st.median(rf / x for rf, x in zip(refs, hashonly))
print(f"  4. crosshash hash (decode + hash only) {st.median(hashonly):.2f} s median: reference / hash = {h:.2f}x, the ceiling of 2.")
PY
