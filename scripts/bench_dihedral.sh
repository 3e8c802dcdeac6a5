#!/usr/bin/env bash
# What `analyze --dihedral` finds and costs (not run by CI):
#
#   scripts/bench_dihedral.sh BINARY [CORPUS_OR_FOLDER] [N] [FAMILIES]
#
# Takes N pictures (default 200; spread evenly over the files in path order) from the benchmark corpus's dataset
# folders (iconography, museum, wiki; default /work/bench/crossbench) or from any folder, and
# plants a copy of each turned by one of the 7 non-identity dihedral variants (chosen by the
# CRC-32 of its path, so deterministic), saved as JPEG quality 90 (Pillow). Then runs
# `analyze orig turned --no-store` without and with --dihedral and prints, per family: the recall
# of the planted pairs, the verified precision (verified pairs that are copies / verified pairs),
# the other raw pairs (not copies) without and with --dihedral, and the wall-time ratio. Copies are
# the planted pairs and, on the benchmark corpus, an original with the turned copy of a picture
# its ground_truth.json groups with it (copies of one picture in several datasets).
# KEEP_TMP=1 keeps the work folder (its name goes to stderr).
set -euo pipefail
bin=$(realpath "${1:?usage: bench_dihedral.sh BINARY [CORPUS_OR_FOLDER] [N] [FAMILIES]}")
src=${2:-/work/bench/crossbench}
n=${3:-200}
families=${4:-phash,blockmean,pdq}
work=$(mktemp -d)
[ -n "${KEEP_TMP:-}" ] && echo "work folder kept: $work" >&2 || trap 'rm -rf "$work"' EXIT

python3 - "$src" "$n" "$work" <<'PY'
import os, sys, zlib, shutil
from PIL import Image
src, n, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
roots = [os.path.join(src, d) for d in ("iconography", "museum", "wiki") if os.path.isdir(os.path.join(src, d))] or [src]
files = sorted(os.path.join(dp, f) for r in roots for dp, _, fs in os.walk(r) for f in fs if not f.startswith("."))
# Spread over the whole folder: every (len / n)-th file in path order, then the rest in order.
step = max(1, len(files) // max(1, n))
files = files[::step] + [f for i, f in enumerate(files) if i % step]
variants = [("flip_h", Image.Transpose.FLIP_LEFT_RIGHT), ("flip_v", Image.Transpose.FLIP_TOP_BOTTOM),
            ("rot90", Image.Transpose.ROTATE_90), ("rot180", Image.Transpose.ROTATE_180),
            ("rot270", Image.Transpose.ROTATE_270), ("transpose", Image.Transpose.TRANSPOSE),
            ("transverse", Image.Transpose.TRANSVERSE)]
os.makedirs(f"{work}/orig"); os.makedirs(f"{work}/turned")
planted = []
for path in files:
    if len(planted) >= n:
        break
    rel = os.path.relpath(path, src)
    try:
        img = Image.open(path)
        img.load()
    except Exception:
        continue
    name = rel.replace("/", "__")
    shutil.copyfile(path, f"{work}/orig/{name}")
    v, method = variants[zlib.crc32(rel.encode()) % 7]
    stem = os.path.splitext(name)[0]
    img.convert("RGB").transpose(method).save(f"{work}/turned/{stem}.jpg", quality=90)
    planted.append(f"{name}\t{stem}.jpg\t{v}")
open(f"{work}/planted.tsv", "w").write("\n".join(planted) + "\n")
print(f"{len(planted)} pictures, each planted turned (JPEG q90)", file=sys.stderr)
PY

run() {  # OUT EXTRA... -> seconds
  local s e
  s=$(date +%s.%N)
  "$bin" analyze "orig=$work/orig" "turned=$work/turned" --no-store --families "$families" --out "$work/$1" "${@:2}" 2>"$work/$1.log" >/dev/null
  e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}
plain=$(run plain)
dihedral=$(run dihedral --dihedral)

python3 - "$work" "$families" "$plain" "$dihedral" "$src" <<'PY'
import json, os, sys
work, families, plain_s, dihedral_s, src = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
planted = {}
source = {}  # turned file -> the original it was made from
for line in open(f"{work}/planted.tsv"):
    a, b, v = line.rstrip("\n").split("\t")
    planted[(a, b)] = v
    source[b] = a
# On the benchmark corpus, pictures that are copies of one another (its ground truth's groups)
# make copies of each other's turned copies too: such a pair is a true find, not a planted one.
group = {}
truth = os.path.join(src, "ground_truth.json")
if os.path.isfile(truth):
    for g, members in enumerate(json.load(open(truth)).get("groups", [])):
        for dataset, path in members:
            group[f"{dataset}/{path}".replace("/", "__")] = g
def copies(a, b):
    o = source.get(b)
    return (a, b) in planted or (o is not None and a in group and group.get(o) == group[a])
prefix = {"phash": "perceptual", "blockmean": "robust", "pdq": "pdq"}
print(f"{len(planted)} planted pairs; time: plain {plain_s:.1f} s, --dihedral {dihedral_s:.1f} s, ratio {dihedral_s / plain_s:.2f}")
print(f"{'family':<10} {'recall plain':>12} {'recall dihedral':>15} {'transform right':>15} {'verified precision':>18} {'other raw plain':>15} {'other raw dihedral':>18}")
for f in families:
    row = {}
    for run in ("plain", "dihedral"):
        doc = json.load(open(f"{work}/{run}/{prefix[f]}_cross_duplicates.json"))
        found = {(p["a"]["file"], p["b"]["file"]): p for p in doc["pairs"]}
        hits = [k for k in found if k in planted]
        right = sum(1 for k in hits if found[k].get("transform") == planted[k])
        verified = [k for k, p in found.items() if p.get("verified")]
        other = sum(1 for k in found if not copies(*k))
        row[run] = (len(hits), right, other, sum(1 for k in verified if copies(*k)), len(verified))
    n = len(planted)
    h, right, other, vp, v = row["dihedral"]
    precision = f"{vp}/{v} ({vp / v:.3f})" if v else "-"
    print(f"{f:<10} {row['plain'][0] / n:>12.3f} {h / n:>15.3f} {right:>15} {precision:>18} {row['plain'][2]:>15} {other:>18}")
    if f == "pdq":
        # PDQ never matches a picture under its quality floor (50), by design: the recall of
        # the pairs it may match, beside the recall of all of them.
        q = {}
        for side in ("orig", "turned"):
            for name, entry in json.load(open(f"{work}/dihedral/{side}/pdq_hashes.json")).items():
                q[(side, name)] = entry.get("quality", 100) if isinstance(entry, dict) else 100
        doc = json.load(open(f"{work}/dihedral/pdq_cross_duplicates.json"))
        found = {(p["a"]["file"], p["b"]["file"]) for p in doc["pairs"]}
        able = [k for k in planted if q.get(("orig", k[0]), 0) >= 50 and q.get(("turned", k[1]), 0) >= 50]
        hit = sum(1 for k in able if k in found)
        print(f"{'':<10} pdq: {len(able)} planted pairs with both pictures at quality >= 50; recall with --dihedral among them {hit / max(1, len(able)):.3f} ({hit}/{len(able)})")
PY
