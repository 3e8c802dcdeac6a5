#!/usr/bin/env bash
# Replica lag (issue 17): two `crosshash serve` on one PostgreSQL store (a throwaway cluster from
# scripts/pg_server.sh, loopback only). N uploads of one picture under new keys go to replica A,
# one at a time; after each is acknowledged, replica B is queried (JSON, the picture's hashes,
# every 5 ms) until the new key is among its matches. Prints the delay from A's acknowledgement
# to B's answer: median, p99 and max over N. Bounded: each upload waits at most 10 s for B, and
# the whole run at most TIMEOUT seconds (default 300).
# Usage: scripts/bench_replicas.sh BINARY [N] [TIMEOUT]
set -euo pipefail
bin=$(realpath "${1:?usage: bench_replicas.sh BINARY [N] [TIMEOUT]}")
n=${2:-50}
timeout=${3:-300}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/bench_replicas.XXXXXX)
chmod 755 "$dir"  # as root the cluster belongs to postgres, which must reach it
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  bash "$here/pg_server.sh" stop "$dir/pg" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
url=$(bash "$here/pg_server.sh" start "$dir/pg" | tail -1)
picture="$here/../Tests/Fixtures/images/real/calla.jpg"
hashes=$("$bin" hash --json "$picture")

ports=()
for name in a b; do
  "$bin" serve --device cpu --store "$url" --store-password-file "$dir/pg/password" --listen 127.0.0.1:0 \
    > "$dir/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do
    port=$(sed -n 's|^crosshash: listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$dir/$name.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "serve $name did not start:"; cat "$dir/$name.log"; exit 1; }
  ports+=("$port")
done

timeout "$timeout" python3 - "${ports[0]}" "${ports[1]}" "$n" "$picture" "$hashes" <<'PY'
import json, sys, time, urllib.request, uuid
a, b, n, picture, hashes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5])
data = open(picture, "rb").read()

def call(port, method, path, body=b"", headers={}):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body if method != "GET" else None, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()

call(a, "PUT", "/v1/datasets/up")
query = json.dumps({"queries": [{"phash": hashes["phash"], "blockmean": hashes["blockmean"]}], "limit": 10000}).encode()
delays = []
for i in range(n):
    key = f"k{i}.jpg"
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{key}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    status, _ = call(a, "POST", "/v1/datasets/up/images", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 200, status
    acked = time.monotonic()
    while True:
        _, answer = call(b, "POST", "/v1/query", query, {"Content-Type": "application/json"})
        if any(m.get("file") == key for m in json.loads(answer)["results"][0]["matches"]):
            delays.append(time.monotonic() - acked)
            break
        if time.monotonic() - acked > 10:
            sys.exit(f"upload {key} not visible on B after 10 s")
        time.sleep(0.005)
delays.sort()
pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
print(f"replica lag over {n} uploads (ack on A -> answer on B, B polls every 200 ms): "
      f"median {pick(0.5) * 1000:.0f} ms, p99 {pick(0.99) * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms")
PY
