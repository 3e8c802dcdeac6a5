#!/usr/bin/env python3
"""The curators' pages' two speed figures, measured on a real `crosshash serve` on 127.0.0.1.

    python3 scripts/bench_ui.py CROSSHASH_BIN IMAGE_FOLDER [PAIR_SIDE]

1. Thumbnails: IMAGE_FOLDER (e.g. the benchmark corpus, ~3,000 pictures) is one dataset; after a
   scan every picture's thumbnail is asked for once (made and cached), then once more (from the
   cache). Prints the per-request times of both passes, measured by the client over one
   keep-alive connection (loopback), so they include the HTTP round trip.
2. The gallery: two datasets of PAIR_SIDE (default 317) precomputed entries with one hash each
   give PAIR_SIDE^2 (100,489) cross-dataset pairs; prints the time and size of /ui/pairs' first
   page and of a middle page (the pairs are matched anew for each page).

Loopback only; the server is stopped at the end; bounded by the folder's size. Prints numbers,
asserts nothing: speed is measured by benchmarks, never by tests.
"""
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse


def start(binary, store, root):
    log = open(os.path.join(os.path.dirname(store), "server.log"), "w+")
    proc = subprocess.Popen([binary, "serve", "--store", store, "--listen", "127.0.0.1:0", "--root", root],
                            stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        log.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            sys.exit("bench_ui: the server exited before listening")
        time.sleep(0.1)
    proc.kill()
    sys.exit("bench_ui: the server did not listen within 60 s")


def request(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    return r.status, data


def ms(values):
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return f"median {statistics.median(values) * 1000:.2f} ms, p95 {p(0.95) * 1000:.2f} ms, max {values[-1] * 1000:.2f} ms"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, folder = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
    side = int(sys.argv[3]) if len(sys.argv) > 3 else 317
    tmp = tempfile.mkdtemp(prefix="crosshash-bench-ui.")
    proc = None
    try:
        proc, port = start(binary, os.path.join(tmp, "store.sqlite"), os.path.dirname(folder))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        json_headers = {"Content-Type": "application/json"}

        # 1. Thumbnails of one scanned dataset.
        status, _ = request(conn, "PUT", "/v1/datasets/corpus", json.dumps({"root": folder}), json_headers)
        assert status in (200, 201), status
        status, body = request(conn, "POST", "/v1/datasets/corpus/scan")
        job = json.loads(body)["job"]
        while True:
            status, body = request(conn, "GET", f"/v1/jobs/{job}")
            state = json.loads(body)["state"]
            if state in ("done", "failed"):
                break
            time.sleep(0.2)
        keys = sorted(os.path.relpath(os.path.join(d, f), folder)
                      for d, _, files in os.walk(folder) for f in files
                      if f.lower().endswith((".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp")))
        passes = []
        for _ in range(2):
            times, sizes, statuses = [], [], {}
            for key in keys:
                path = f"/v1/datasets/corpus/images/{urllib.parse.quote(key, safe='')}/thumbnail"
                t0 = time.perf_counter()
                status, data = request(conn, "GET", path)
                times.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
                sizes.append(len(data))
            passes.append((times, sizes, statuses))
        print(f"thumbnails: {len(keys)} pictures (scan {state}); statuses {passes[1][2]}")
        print(f"  first request (decoded, made, cached): {ms(passes[0][0])}; total {sum(passes[0][0]):.1f} s")
        print(f"  second request (from the cache):       {ms(passes[1][0])}; mean size {statistics.mean(passes[1][1]) / 1024:.1f} KiB")

        # 2. The gallery over ~100,000 pairs.
        phash, blockmean = "a471d9e7810b671e", "1f001f001f000f80078000e000f000f800f878f878f870f8e0fcc0ffc0ffc0ff"
        for name in ("left", "right"):
            request(conn, "PUT", f"/v1/datasets/{name}", None, {})
            items = [{"file": f"{name}/{i:05d}.jpg", "phash": phash, "blockmean": blockmean} for i in range(side)]
            status, body = request(conn, "POST", f"/v1/datasets/{name}/images", json.dumps({"items": items}), json_headers)
            assert status in (200, 201), (status, body[:300])
        pairs = side * side
        for label, page in (("first page", 1), ("middle page", pairs // 100)):
            times, size = [], 0
            for _ in range(5):
                t0 = time.perf_counter()
                status, data = request(conn, "GET", f"/ui/pairs?datasets=left,right&family=phash&page={page}")
                times.append(time.perf_counter() - t0)
                size = len(data)
            print(f"gallery over {pairs:,} pairs, {label} (page={page}), status {status}: {ms(times)} (5 requests); {size / 1024:.1f} KiB of HTML")
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
