#!/usr/bin/env python3
"""FAISS IndexBinaryMultiHash beside `crosshash serve` (scripts/bench_serve_index.sh FAISS=1; not run by CI).

Builds one IndexBinaryMultiHash per family (phash 64 bits, blockmean 256 bits) on the very hashes
`load_serve.py fill --seed SEED --count N` stores (the same random sequence), in the fastest exact
configuration for threshold 8 (chosen on a sample, as scripts/bench_match.py does), then answers
lookups like the service's: one random image's two hashes, every stored hash within 8 of either,
for SECONDS, in PROCESSES forked workers (each one FAISS thread; the index is shared copy-on-write).
Prints one JSON line: lookups/s, latency percentiles (ms), the index's memory (RSS after adding
minus before) and the configuration.

    python3 scripts/bench_faiss_lookups.py --count 1000000 --seconds 15 [--processes 2] [--seed 1]
"""
import argparse
import json
import multiprocessing
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_serve import random_hashes  # noqa: E402  (the fill's own generator)

THRESHOLD = 8


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def codes(hexes, nbytes):
    return np.frombuffer(b"".join(int(h, 16).to_bytes(nbytes, "little") for h in hexes), dtype=np.uint8).reshape(-1, nbytes)


def best_index(faiss, xb, bits, sample_q):
    """The fastest exact (nhash * (nflip + 1) > threshold) MultiHash layout on a 20,000-hash sample."""
    configs = [(h, f) for h, f in [(THRESHOLD + 1, 0), (5, 1), (4, 2), (3, 2), (16, 0), (32, 0)]
               if h * (f + 1) > THRESHOLD and bits // h >= 1]
    timed = []
    for nhash, nflip in configs:
        idx = faiss.IndexBinaryMultiHash(bits, nhash, min(24, bits // nhash))
        idx.nflip = nflip
        idx.add(xb[:20000])
        t0 = time.time()
        for q in sample_q:
            idx.range_search(q, THRESHOLD + 1)
        timed.append((time.time() - t0, nhash, nflip))
    _, nhash, nflip = min(timed)
    return nhash, nflip


def worker(args):
    seed, seconds, queue = args
    rng = random.Random(seed)
    lat, found = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end and len(lat) < 10_000_000:
        ph, bm = random_hashes(rng)
        qp, qb = codes([ph], 8), codes([bm], 32)
        t0 = time.perf_counter()
        lp, _, _ = INDEXES[0].range_search(qp, THRESHOLD + 1)
        lb, _, _ = INDEXES[1].range_search(qb, THRESHOLD + 1)
        lat.append(time.perf_counter() - t0)
        found += int(lp[-1]) + int(lb[-1])
    return lat, found


INDEXES = []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    import faiss
    faiss.omp_set_num_threads(1)
    rng = random.Random(args.seed)
    ph, bm = zip(*(random_hashes(rng) for _ in range(args.count)))
    xp, xb = codes(ph, 8), codes(bm, 32)
    del ph, bm
    qrng = random.Random(99)
    samples = [random_hashes(qrng) for _ in range(200)]
    layout = {}
    before = rss_mib()
    for family, x, bits, k in (("phash", xp, 64, 0), ("blockmean", xb, 256, 1)):
        nhash, nflip = best_index(faiss, x, bits, [codes([s[k]], bits // 8) for s in samples])
        idx = faiss.IndexBinaryMultiHash(bits, nhash, min(24, bits // nhash))
        idx.nflip = nflip
        idx.add(x)
        INDEXES.append(idx)
        layout[family] = {"nhash": nhash, "b": min(24, bits // nhash), "nflip": nflip}
    index_mib = rss_mib() - before
    t0 = time.monotonic()
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        results = pool.map(worker, [(1000 + i, args.seconds, None) for i in range(args.processes)])
    elapsed = time.monotonic() - t0
    lat = sorted(x for r in results for x in r[0])
    pct = lambda p: round(1000 * lat[min(len(lat) - 1, int(p / 100 * (len(lat) - 1)))], 2) if lat else None
    print(json.dumps({"load": "faiss lookups", "faiss_version": faiss.__version__, "processes": args.processes,
                      "stored": args.count, "lookups": len(lat), "lookups_per_s": round(len(lat) / elapsed, 1),
                      "p50_ms": pct(50), "p99_ms": pct(99), "matches": sum(r[1] for r in results),
                      "index_mib": round(index_mib, 1), "layout": layout}))


if __name__ == "__main__":
    main()
