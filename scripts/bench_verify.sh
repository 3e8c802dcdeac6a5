#!/usr/bin/env bash
# Verification on a benchmark corpus (make_corpus.py layout: one folder per dataset, plus
# ground_truth.json when there is one):
#   - precision and recall of the raw pairs of each hash and of the verified pairs
#     (`crosshash evaluate`, which scores both side by side);
#   - what verification adds to analyze's wall time: analyze --no-store with and without
#     verification in alternating runs (page cache warm), median of each, and their ratio.
# Usage: scripts/bench_verify.sh CORPUS [RUNS]     (RUNS alternating pairs, default 3)
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
bench_setup "${1:?usage: bench_verify.sh CORPUS [RUNS]}"
runs=${2:-3}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "crosshash verification benchmark: ${#names[@]} datasets in $corpus ($(find "$corpus" -type f | wc -l) files), $(nproc) cores"
with=() without=()
for i in $(seq "$runs"); do
  without+=("$(seconds "$bin" analyze "${datasets[@]}" --out "$work/raw" --no-store --no-verify)")
  with+=("$(seconds "$bin" analyze "${datasets[@]}" --out "$work/verified" --no-store --verify)")
done
mw=$(median "${with[@]}"); mo=$(median "${without[@]}")
printf '  analyze --no-verify   %s s (median of %s)\n' "$(printf '%.2f ' "${without[@]}")" "$runs"
printf '  analyze --verify      %s s (median of %s)\n' "$(printf '%.2f ' "${with[@]}")" "$runs"
python3 - "$work/verified/manifest.json" "$mw" "$mo" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); w, o = float(sys.argv[2]), float(sys.argv[3])
v = m.get("verification", {})
print(f"  verification: {v.get('candidates')} candidate pairs, {v.get('verified')} verified, "
      f"{m['seconds'].get('verify', 0):.2f} s in the last run's verify stage")
print(f"  wall time with / without verification: {w:.2f} / {o:.2f} s = {w / o:.3f} (+{100 * (w / o - 1):.1f}%)")
PY
if [ -f "$corpus/ground_truth.json" ]; then
  echo
  "$bin" evaluate --ground-truth "$corpus/ground_truth.json" "$work/verified" | sed -n '/^hash/,/^$/p;/^Raw and verified/,/^$/p'
fi
