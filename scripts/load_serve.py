#!/usr/bin/env python3
"""A bounded load client for `crosshash serve` (Python 3 standard library only, loopback only).

    python3 scripts/load_serve.py hash  --url http://127.0.0.1:PORT --files DIR --connections 16 --seconds 20
    python3 scripts/load_serve.py query --url http://127.0.0.1:PORT --dataset NAME --batch 100 --connections 4 --seconds 20
    python3 scripts/load_serve.py fill  --url http://127.0.0.1:PORT --dataset NAME --count 100000 --connections 2 --pregenerate

hash:  POSTs the images of DIR (raw bodies, Content-Type image/jpeg or image/png from the first bytes)
       round-robin to /v1/hash over N keep-alive connections; prints requests, images/s, MB/s, latency
       percentiles and status counts, and checks that every answer for one file carries the same hashes.
query: POSTs JSON /v1/query batches of random hashes against one dataset; prints hashes/s, batches/s
       and latency percentiles.
fill:  creates the dataset (PUT) and adds COUNT random precomputed hashes (keys r000000.jpg, ...)
       through POST /v1/datasets/NAME/images JSON items, in chunks over N connections; prints the time
       taken, hashes/s and the client's own CPU seconds. --pregenerate makes the bodies before timing.

Every loop is bounded in time (--seconds) and count (--max-requests / --count). The exit status is 1
when a request failed at the transport level, the server answered a 5xx other than 503 (queue full),
an answer was malformed, or nothing succeeded; 2 for bad arguments.
"""
import argparse
import http.client
import json
import os
import random
import socket
import sys
import threading
import time
import urllib.parse

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_url(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http":
        sys.exit(f"load_serve.py: only http:// URLs are supported, not {url!r}")
    host = parts.hostname
    if host not in LOOPBACK:
        sys.exit(f"load_serve.py: refusing {url!r}: the host must be 127.0.0.1, localhost or ::1 (loopback only)")
    try:
        port = parts.port or 80
    except ValueError:
        sys.exit(f"load_serve.py: bad port in {url!r}")
    return host, port


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


class Stats:
    """Shared counters; `take()` hands out request slots until the count or the time is spent."""

    def __init__(self, max_requests, seconds):
        self.lock = threading.Lock()
        self.max_requests = max_requests
        self.deadline = time.monotonic() + seconds
        self.issued = 0
        self.latencies = []
        self.statuses = {}
        self.bytes_sent = 0
        self.bytes_received = 0
        self.transport_errors = 0
        self.bad_answers = 0
        self.first_problem = None
        self.ok_units = 0  # images (hash) or hashes (query) answered with 200
        self.ok_bytes = 0  # request bytes answered with 200

    def take(self):
        with self.lock:
            if self.issued >= self.max_requests or time.monotonic() >= self.deadline:
                return None
            n = self.issued
            self.issued += 1
            return n

    def record(self, status, latency, sent, received, ok_units=0):
        with self.lock:
            self.latencies.append(latency)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.bytes_sent += sent
            self.bytes_received += received
            self.ok_units += ok_units
            if status == 200:
                self.ok_bytes += sent

    def problem(self, kind, message):
        with self.lock:
            if kind == "transport":
                self.transport_errors += 1
            elif kind == "answer":
                self.bad_answers += 1
            if self.first_problem is None:
                self.first_problem = message

    def failed(self):
        server_errors = sum(n for s, n in self.statuses.items() if isinstance(s, int) and s >= 500 and s != 503)
        ok = self.statuses.get(200, 0)
        return self.transport_errors > 0 or self.bad_answers > 0 or server_errors > 0 or ok == 0


class Client:
    """One keep-alive connection; reconnects after a transport error."""

    def __init__(self, host, port, api_key, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.conn = None

    def request(self, method, path, body=None, content_type=None):
        """Returns (status, headers, body bytes); raises OSError / HTTPException on transport errors."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, response, data
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_workers(n, target):
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start


def summarize(mode, stats, elapsed, unit_name, extra=None, as_json=False):
    lat = sorted(stats.latencies)
    requests = len(lat)
    result = {
        "mode": mode,
        "seconds": round(elapsed, 3),
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1) if elapsed > 0 else 0.0,
        f"{unit_name}_per_s": round(stats.ok_units / elapsed, 1) if elapsed > 0 else 0.0,
        "mb_per_s": round(stats.ok_bytes / elapsed / 1e6, 2) if elapsed > 0 else 0.0,
        "mb_sent_per_s": round(stats.bytes_sent / elapsed / 1e6, 2) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(lat, 50) * 1000, 2),
        "p90_ms": round(percentile(lat, 90) * 1000, 2),
        "p99_ms": round(percentile(lat, 99) * 1000, 2),
        "max_ms": round(lat[-1] * 1000, 2) if lat else float("nan"),
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items(), key=lambda kv: str(kv[0]))},
        "transport_errors": stats.transport_errors,
        "bad_answers": stats.bad_answers,
    }
    if extra:
        result.update(extra)
    if as_json:
        print(json.dumps(result))
    else:
        statuses = " ".join(f"{k}:{v}" for k, v in result["statuses"].items()) or "none"
        print(f"{mode}: {requests} requests in {elapsed:.1f} s ({result['requests_per_s']}/s), "
              f"{result[unit_name + '_per_s']} {unit_name}/s, {result['mb_per_s']} MB/s answered with 200 "
              f"({result['mb_sent_per_s']} MB/s sent)")
        print(f"{mode}: latency p50 {result['p50_ms']} ms, p90 {result['p90_ms']} ms, p99 {result['p99_ms']} ms, "
              f"max {result['max_ms']} ms")
        print(f"{mode}: status codes {statuses}; transport errors {stats.transport_errors}; "
              f"malformed answers {stats.bad_answers}")
        for k, v in (extra or {}).items():
            print(f"{mode}: {k} {v}")
    if stats.first_problem:
        print(f"{mode}: first problem: {stats.first_problem}", file=sys.stderr)
    return 1 if stats.failed() else 0


# --- hash ---------------------------------------------------------------------------------------

def image_type(data):
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def load_images(folder, limit=10000, max_bytes=512 * 1024 * 1024):
    images, total = [], 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or len(images) >= limit:
                continue
            path = os.path.join(dirpath, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            ctype = image_type(data)
            if ctype is None or total + len(data) > max_bytes:
                continue
            total += len(data)
            images.append((os.path.relpath(path, folder), data, ctype))
    return images


def cmd_hash(args, host, port):
    images = load_images(args.files)
    if not images:
        sys.exit(f"load_serve.py: no JPEG or PNG files in {args.files}")
    stats = Stats(args.max_requests, args.seconds)
    seen = {}
    seen_lock = threading.Lock()
    mismatches = [0]

    def worker(_):
        client = Client(host, port, args.api_key, args.timeout)
        try:
            while True:
                n = stats.take()
                if n is None:
                    return
                name, data, ctype = images[n % len(images)]
                path = "/v1/hash?name=" + urllib.parse.quote(name, safe="")
                t0 = time.monotonic()
                try:
                    status, response, body = client.request("POST", path, data, ctype)
                except (OSError, http.client.HTTPException) as e:
                    stats.problem("transport", f"POST {path}: {type(e).__name__}: {e}")
                    time.sleep(0.05)
                    continue
                latency = time.monotonic() - t0
                units = 0
                if status == 200:
                    try:
                        entry = json.loads(body)["images"][0]
                        hashes = (entry["phash"], entry["blockmean"])
                        units = 1
                    except (ValueError, KeyError, IndexError, TypeError):
                        stats.problem("answer", f"POST {path}: 200 with body {body[:200]!r}")
                        hashes = None
                    if hashes is not None:
                        with seen_lock:
                            first = seen.setdefault(name, hashes)
                            if first != hashes:
                                mismatches[0] += 1
                elif status == 503:
                    time.sleep(0.01)
                elif status >= 500 or status == 422:
                    stats.problem("answer" if status >= 500 else "note", f"POST {path}: {status} {body[:300]!r}")
                stats.record(status, latency, len(data), len(body), units)
        finally:
            client.close()

    elapsed = run_workers(args.connections, worker)
    if mismatches[0]:
        stats.problem("answer", f"{mismatches[0]} answers gave other hashes than the first one for the same file")
    return summarize("hash", stats, elapsed, "images", {"files": len(images), "hash_mismatches": mismatches[0]},
                     args.json)


# --- query --------------------------------------------------------------------------------------

def random_hashes(rng):
    return f"{rng.getrandbits(64):016x}", f"{rng.getrandbits(256):064x}"


def cmd_query(args, host, port):
    stats = Stats(args.max_requests, args.seconds)
    matches = [0]

    def worker(i):
        rng = random.Random(args.seed * 1000 + i)
        bodies = []
        for b in range(16):  # a few bodies per connection, reused round-robin: the client stays cheap
            queries = []
            for q in range(args.batch):
                ph, bm = random_hashes(rng)
                query = {"id": f"c{i}b{b}q{q}"}
                if args.families in ("both", "phash"):
                    query["phash"] = ph
                if args.families in ("both", "blockmean"):
                    query["blockmean"] = bm
                queries.append(query)
            payload = {"queries": queries, "datasets": [args.dataset], "limit": args.limit}
            bodies.append(json.dumps(payload).encode())
        client = Client(host, port, args.api_key, args.timeout)
        try:
            while True:
                n = stats.take()
                if n is None:
                    return
                body = bodies[n % len(bodies)]
                t0 = time.monotonic()
                try:
                    status, response, data = client.request("POST", "/v1/query", body, "application/json")
                except (OSError, http.client.HTTPException) as e:
                    stats.problem("transport", f"POST /v1/query: {type(e).__name__}: {e}")
                    time.sleep(0.05)
                    continue
                latency = time.monotonic() - t0
                units = 0
                if status == 200:
                    try:
                        results = json.loads(data)["results"]
                        if len(results) != args.batch:
                            raise ValueError(f"{len(results)} results for {args.batch} queries")
                        found = sum(len(r["matches"]) for r in results)
                        units = args.batch
                        with stats.lock:
                            matches[0] += found
                    except (ValueError, KeyError, TypeError) as e:
                        stats.problem("answer", f"POST /v1/query: 200 but {e}: {data[:200]!r}")
                elif status == 503:
                    time.sleep(0.01)
                else:
                    stats.problem("answer" if status >= 500 or status in (400, 404, 413) else "note",
                                  f"POST /v1/query: {status} {data[:300]!r}")
                stats.record(status, latency, len(body), len(data), units)
        finally:
            client.close()

    elapsed = run_workers(args.connections, worker)
    batches = stats.statuses.get(200, 0)
    extra = {"batch": args.batch,
             "batches_per_s": round(batches / elapsed, 1) if elapsed > 0 else 0.0,
             "matches": matches[0]}
    return summarize("query", stats, elapsed, "hashes", extra, args.json)


# --- fill ---------------------------------------------------------------------------------------

def fill_body(rng_seed, start, n, width):
    """The JSON body of items start..start+n-1; the hashes depend only on the seed and the index,
    so a chunk split after a 413 (or made by another connection) sends the same hashes."""
    items = []
    for k in range(start, start + n):
        ph, bm = random_hashes(random.Random(rng_seed * 1_000_003 + k))
        items.append({"file": f"r{k:0{width}d}.jpg", "phash": ph, "blockmean": bm})
    return json.dumps({"items": items}).encode()


def cmd_fill(args, host, port):
    name = urllib.parse.quote(args.dataset, safe="")
    deadline = time.monotonic() + args.seconds
    first = Client(host, port, args.api_key, args.timeout)
    status, _, data = first.request("PUT", f"/v1/datasets/{name}")
    first.close()
    if status not in (200, 201):
        sys.exit(f"load_serve.py: PUT /v1/datasets/{name}: {status} {data[:300]!r}")
    width = max(6, len(str(args.count - 1)))
    # Chunks (start, n) still to send, taken by the connections in order; a chunk answered 413 is
    # split in two and put back in front.
    pending = [(s, min(args.chunk, args.count - s)) for s in range(0, args.count, args.chunk)]
    pending.reverse()  # pop() takes the first
    bodies = {}
    if args.pregenerate:
        # Made before the clock starts, so the client's JSON work is not measured; bounded in memory.
        made = 0
        for start, n in pending:
            body = fill_body(args.seed, start, n, width)
            made += len(body)
            if made > args.pregenerate_bytes:
                sys.exit(f"load_serve.py: the pregenerated bodies pass --pregenerate-bytes {args.pregenerate_bytes}; "
                         "fill fewer items or raise the limit")
            bodies[(start, n)] = body
    lock = threading.Lock()
    state = {"added": 0, "requests": 0, "chunk": args.chunk, "failed": None, "stopped": False}
    max_requests = 4 * (args.count // max(1, args.chunk) + 1) + 64

    def worker(_):
        client = Client(host, port, args.api_key, args.timeout)
        try:
            while True:
                with lock:
                    if state["failed"] or not pending:
                        return
                    if time.monotonic() >= deadline or state["requests"] >= max_requests:
                        state["stopped"] = True
                        return
                    start, n = pending.pop()
                    state["requests"] += 1
                body = bodies.pop((start, n), None) or fill_body(args.seed, start, n, width)
                status, _, data = client.request("POST", f"/v1/datasets/{name}/images", body, "application/json")
                if status == 413 and n > 1:
                    half = n // 2
                    with lock:
                        pending.extend([(start + half, n - half), (start, half)])
                        state["chunk"] = min(state["chunk"], half)
                    print(f"fill: 413 for {n} items; split in chunks of {half} and {n - half}", file=sys.stderr)
                    continue
                if status == 503:
                    with lock:
                        pending.append((start, n))
                    time.sleep(0.2)
                    continue
                problem = None
                if status != 200:
                    problem = f"fill: POST /v1/datasets/{name}/images: {status} {data[:300]!r}"
                else:
                    try:
                        got = json.loads(data)["added"]
                    except (ValueError, KeyError, TypeError):
                        got, problem = None, f"fill: malformed answer {data[:200]!r}"
                    if problem is None and got != n:
                        problem = f"fill: added {got} for {n} items"
                with lock:
                    if problem:
                        state["failed"] = state["failed"] or problem
                        return
                    state["added"] += n
        except (OSError, http.client.HTTPException) as e:
            with lock:
                state["failed"] = state["failed"] or f"fill: {type(e).__name__}: {e}"
        finally:
            client.close()

    cpu0 = os.times()
    t0 = time.monotonic()
    elapsed = run_workers(args.connections, worker)
    cpu1 = os.times()
    client_cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    if state["failed"]:
        print(state["failed"], file=sys.stderr)
        return 1
    added = state["added"]
    if state["stopped"] or added < args.count:
        print(f"fill: stopped after {added} of {args.count} hashes ({args.seconds} s or {max_requests} requests)",
              file=sys.stderr)
        return 1
    result = {"mode": "fill", "dataset": args.dataset, "added": added, "seconds": round(elapsed, 3),
              "hashes_per_s": round(added / elapsed, 1) if elapsed > 0 else 0.0, "chunk": state["chunk"],
              "requests": state["requests"], "connections": args.connections,
              "pregenerated": bool(args.pregenerate), "client_cpu_s": round(client_cpu, 2)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"fill: added {added} hashes to dataset {args.dataset!r} in {elapsed:.2f} s "
              f"({result['hashes_per_s']} hashes/s, {state['requests']} requests of up to {state['chunk']} items, "
              f"{args.connections} connections, client CPU {client_cpu:.2f} s)")
    return 0


def main():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", required=True, help="http://127.0.0.1:PORT (loopback only)")
    common.add_argument("--api-key", help="sent as Authorization: Bearer KEY")
    common.add_argument("--seconds", type=float, help="time limit (default 20; fill: 600)")
    common.add_argument("--max-requests", type=int, default=100000, help="request limit (default 100000)")
    common.add_argument("--timeout", type=float, default=60, help="per-request socket timeout in seconds")
    common.add_argument("--seed", type=int, default=1)
    common.add_argument("--json", action="store_true", help="print the result as one JSON line")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("hash", parents=[common], help="POST images to /v1/hash")
    p.add_argument("--files", required=True, help="folder of JPEG/PNG files")
    p.add_argument("--connections", type=int, default=16)
    p = sub.add_parser("query", parents=[common], help="POST batches of random hashes to /v1/query")
    p.add_argument("--dataset", required=True)
    p.add_argument("--batch", type=int, default=100, help="hashes per request (default 100)")
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--limit", type=int, default=100, help="matches per query (default 100)")
    p.add_argument("--families", choices=["both", "phash", "blockmean"], default="both")
    p = sub.add_parser("fill", parents=[common], help="create a dataset and add random precomputed hashes")
    p.add_argument("--dataset", required=True)
    p.add_argument("--count", type=int, default=100000)
    p.add_argument("--chunk", type=int, default=5000, help="items per request (default 5000; halved on 413)")
    p.add_argument("--connections", type=int, default=1, help="keep-alive connections sending chunks (default 1)")
    p.add_argument("--pregenerate", action="store_true",
                   help="make every request body before the clock starts (the client's JSON work is not timed)")
    p.add_argument("--pregenerate-bytes", type=int, default=512 * 1024 * 1024,
                   help="memory bound of --pregenerate (default 512 MiB)")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 600 if args.mode == "fill" else 20
    for name in ("connections", "batch", "count", "chunk", "max_requests"):
        if getattr(args, name, 1) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 < args.seconds <= 86400:
        parser.error("--seconds must be in (0, 86400]")
    if getattr(args, "connections", 1) > 256:
        parser.error("--connections must be at most 256")
    host, port = parse_url(args.url)
    handler = {"hash": cmd_hash, "query": cmd_query, "fill": cmd_fill}[args.mode]
    try:
        return handler(args, host, port)
    except (OSError, http.client.HTTPException) as e:
        print(f"load_serve.py: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
