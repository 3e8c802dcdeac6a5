#!/usr/bin/env python3
"""FAISS beside crosshash on the same synthetic hash sets (issue: exact matching at scale).

Runs `crosshash bench --match-size N --export-sets DIR` (the sets: uniform and clustered, per
hash family, plus crosshash's own times and pair counts), then FAISS's binary indexes on the very
same files in the same run:
  - IndexBinaryFlat (exhaustive) range search,
  - IndexBinaryMultiHash (multi-index hashing) range search, in its fastest exact configuration
    (tables x bits and probe flips, chosen on a sample; exact when tables x (flips + 1) > threshold),
both with radius = threshold + 1 (FAISS keeps distances < radius; crosshash <= threshold).
Prints seconds, pair counts (which must equal crosshash's: both are exact) and the ratios.

Usage: scripts/bench_match.py [--size N] [--crosshash PATH] [--families LIST] [--flat-max N] [--json]
(--families goes to `crosshash bench`: e.g. `pdq` for 256-bit sets at PDQ's threshold 31.)
Needs faiss-cpu (pip install faiss-cpu) and numpy. Peak memory of each FAISS search is the
process's resident peak, read after the run (ru_maxrss, so it only grows).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np


def load(path, bits):
    raw = np.fromfile(path, dtype=np.uint8)
    return raw.reshape(-1, bits // 8)


def faiss_range(index, xb, xq, radius, threads):
    import faiss
    faiss.omp_set_num_threads(threads)
    t0 = time.time()
    index.add(xb)
    lims, _, _ = index.range_search(xq, radius)
    return time.time() - t0, int(lims[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--crosshash", default=".build/release/crosshash")
    ap.add_argument("--flat-max", type=int, default=200_000,
                    help="run IndexBinaryFlat only up to this size (it is an N x N scan)")
    ap.add_argument("--families", default=None,
                    help="hash families of the sets, passed to `crosshash bench --families` (default: its own, phash,blockmean)")
    ap.add_argument("--faiss-queries", type=int, default=0,
                    help="time FAISS MultiHash on the first Q queries only and scale by N / Q (0: all)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import faiss

    with tempfile.TemporaryDirectory(prefix="crosshash-bench-") as tmp:
        families = ["--families", args.families] if args.families else []
        subprocess.run([args.crosshash, "bench", "--match-size", str(args.size), "--brute-force-max", "0",
                        "--export-sets", tmp] + families, check=True, stdout=subprocess.DEVNULL)
        sets = json.load(open(os.path.join(tmp, "sets.json")))
        rows = []
        for s in sets:
            bits, t = s["bits"], s["threshold"]
            xa, xb = load(os.path.join(tmp, s["a"]), bits), load(os.path.join(tmp, s["b"]), bits)
            row = dict(family=s["family"], shape=s["shape"], size=s["size"], threshold=t,
                       crosshash_seconds=s["crosshash_index_seconds"], crosshash_pairs=s["pairs"])
            if args.size <= args.flat_max:
                sec, pairs = faiss_range(faiss.IndexBinaryFlat(bits), xb, xa, t + 1, args.threads)
                row.update(faiss_flat_seconds=sec, faiss_flat_pairs=pairs)
            # IndexBinaryMultiHash(nhash tables of b bits, probing keys within nflip bits) is
            # exact when some substring must be within nflip: nhash * (nflip + 1) > threshold.
            # The fastest exact configuration is chosen on a 20,000-hash sample, then run in full.
            # At a wide radius (PDQ's 31) none of the small configurations is exact: more tables
            # with a few flips each (16 x 16 bits flip 1, 11 x 23 flip 2, 8 x 24 flip 3) are.
            wide = [(16, 1), (11, 2), (8, 3)] if t >= 16 else []
            configs = [(h, f) for h, f in [(t + 1, 0), (5, 1), (4, 2), (3, 2), (3, 3)] + wide if h * (f + 1) > t]
            sample = min(20_000, len(xa))
            timed = []
            for nhash, nflip in configs:
                idx = faiss.IndexBinaryMultiHash(bits, nhash, min(24, bits // nhash))
                idx.nflip = nflip
                sec, _ = faiss_range(idx, xb[:sample], xa[:sample], t + 1, args.threads)
                timed.append((sec, nhash, nflip))
            _, nhash, nflip = min(timed)
            b = min(24, bits // nhash)
            idx = faiss.IndexBinaryMultiHash(bits, nhash, b)
            idx.nflip = nflip
            q = args.faiss_queries if 0 < args.faiss_queries < len(xa) else len(xa)
            sec, pairs = faiss_range(idx, xb, xa[:q], t + 1, args.threads)
            if q < len(xa):
                # Adding the index is part of `sec` and is not per query: measured apart, so
                # only the search is scaled.
                t0 = time.time()
                idx2 = faiss.IndexBinaryMultiHash(bits, nhash, b)
                idx2.nflip = nflip
                idx2.add(xb)
                add = time.time() - t0
                sec = add + (sec - add) * len(xa) / q
            row.update(faiss_multihash_seconds=sec, faiss_multihash_pairs=pairs, faiss_multihash_nhash=nhash,
                       faiss_multihash_b=b, faiss_multihash_nflip=nflip, faiss_multihash_queries=q)
            rows.append(row)
            print(f"faiss: {s['family']} {s['shape']} done", file=sys.stderr) if sys.stderr.isatty() else None
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if args.json:
        print(json.dumps(dict(rows=rows, faiss_version=faiss.__version__, peak_rss_mb=round(peak_mb)), indent=2))
        return
    print(f"crosshash index vs FAISS {faiss.__version__}, {args.size} x {args.size}, threshold per family, {args.threads} threads")
    ok = True
    for r in rows:
        print(f"\n{r['family']} {r['shape']} (threshold {r['threshold']}):")
        print(f"  crosshash index           {r['crosshash_seconds']:9.2f} s {r['crosshash_pairs']:14d} pairs")
        for name in ("flat", "multihash"):
            if f"faiss_{name}_seconds" in r:
                sec, pairs = r[f"faiss_{name}_seconds"], r[f"faiss_{name}_pairs"]
                sampled = name == "multihash" and r.get("faiss_multihash_queries", r["size"]) < r["size"]
                same = sampled or pairs == r["crosshash_pairs"]
                ok &= same
                label = "IndexBinaryFlat" if name == "flat" else \
                    f"MultiHash({r['faiss_multihash_nhash']}x{r['faiss_multihash_b']},flip {r['faiss_multihash_nflip']})"
                note = f"  (search of {r['faiss_multihash_queries']} queries scaled to {r['size']}; pairs of those queries)" if sampled else ""
                print(f"  faiss {label:20s}{sec:9.2f} s {pairs:14d} pairs"
                      f"  {sec / max(r['crosshash_seconds'], 1e-9):7.1f}x crosshash's time{'' if same else '  PAIR COUNT DIFFERS'}{note}")
    print(f"\nFAISS process peak resident memory: {peak_mb:.0f} MB")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
