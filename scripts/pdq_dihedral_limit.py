#!/usr/bin/env python3
"""How far Meta's own PDQ dihedral variants reach (not run by CI; needs pdqhash, Pillow, numpy).

crosshash's PDQ variants are, by definition, what `pdqhash.compute_dihedral` returns: sign flips
and a transpose of the original's 16x16 DCT. A turned copy's own PDQ is computed from turned
pixels, whose box filter windows and 64-point sampling fall differently, so the two need not
agree. This measures that gap with the reference library alone, on the pictures and turns
`scripts/bench_dihedral.sh` plants (every (files / N)-th file in path order, the turn chosen by
the CRC-32 of its path), and prints, for threshold 31:
  1. the nearest of compute_dihedral(original) to compute(turned pixels), no re-encoding;
  2. the same against the turned copy saved as JPEG quality 90 (what the benchmark plants);
  3. the control: compute(original) against compute(original saved as JPEG quality 90).

Usage: scripts/pdq_dihedral_limit.py CORPUS_OR_FOLDER [N]   (N default 200)
"""
import io
import os
import sys
import zlib

import numpy as np
import pdqhash
from PIL import Image

src = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
roots = [os.path.join(src, d) for d in ("iconography", "museum", "wiki") if os.path.isdir(os.path.join(src, d))] or [src]
files = sorted(os.path.join(dp, f) for r in roots for dp, _, fs in os.walk(r) for f in fs if not f.startswith("."))
step = max(1, len(files) // max(1, n))
files = files[::step] + [f for i, f in enumerate(files) if i % step]
T = Image.Transpose
turns = [("flip_h", T.FLIP_LEFT_RIGHT), ("flip_v", T.FLIP_TOP_BOTTOM), ("rot90", T.ROTATE_90),
         ("rot180", T.ROTATE_180), ("rot270", T.ROTATE_270), ("transpose", T.TRANSPOSE),
         ("transverse", T.TRANSVERSE)]


def jpeg90(img):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def distance(x, y):
    return int((np.asarray(x, dtype=np.uint8) != np.asarray(y, dtype=np.uint8)).sum())


rows = []
for path in files:
    if len(rows) >= n:
        break
    rel = os.path.relpath(path, src)
    try:
        img = Image.open(path)
        img.load()
    except Exception:
        continue
    name, method = turns[zlib.crc32(rel.encode()) % 7]
    rgb = img.convert("RGB")
    turned = rgb.transpose(method)
    variants, quality = pdqhash.compute_dihedral(np.asarray(rgb))
    exact, q_exact = pdqhash.compute(np.asarray(turned))
    saved, q_saved = pdqhash.compute(jpeg90(turned))
    plain, _ = pdqhash.compute(np.asarray(rgb))
    control, _ = pdqhash.compute(jpeg90(rgb))
    rows.append((rel, name, quality, q_saved, min(distance(v, exact) for v in variants),
                 min(distance(v, saved) for v in variants), distance(plain, control)))

total = len(rows)
matchable = [r for r in rows if r[2] >= 50 and r[3] >= 50]
print(f"{total} pictures; {len(matchable)} with quality >= 50 on both sides (PDQ's floor)")
for label, k in (("1. dihedral vs turned pixels", 4), ("2. dihedral vs turned JPEG q90", 5), ("3. control: plain vs JPEG q90", 6)):
    hit = sum(r[k] <= 31 for r in rows)
    hit_q = sum(r[k] <= 31 for r in matchable)
    print(f"  {label:<32} within 31: {hit}/{total} ({hit / max(1, total):.3f}); quality >= 50: {hit_q}/{len(matchable)} ({hit_q / max(1, len(matchable)):.3f})")
print("farther than 31 (file, turn, quality, turned quality, d pixels, d JPEG):")
for r in rows:
    if r[5] > 31:
        print(f"  {r[0]} {r[1]} {r[2]} {r[3]} {r[4]} {r[5]}")
