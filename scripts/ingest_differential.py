#!/usr/bin/env python3
"""Differential check of POST /v1/datasets/NAME/images (JSON items) between two crosshash
binaries (e.g. before and after a change to the route): 27 bodies (plain, other spellings, and
hostile or wrong ones) get the same status and answer bytes from both, and the two stores end
with the same rows. Loopback only, temporary stores. usage: ingest_differential.py BIN_A BIN_B"""
import json, os, random, re, subprocess, sys, tempfile, time, http.client

def start(binary, folder):
    log = open(os.path.join(folder, "log"), "w+")
    p = subprocess.Popen([binary, "serve", "--store", os.path.join(folder, "s.sqlite"), "--listen", "127.0.0.1:0",
                          "--max-images-per-request", "20"], stderr=log, stdout=subprocess.DEVNULL)
    for _ in range(600):
        log.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
        if m:
            return p, int(m.group(1))
        time.sleep(0.1)
    sys.exit("no listening line")

def req(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body is not None else {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data

rng = random.Random(4)
def h(bits): return f"{rng.getrandbits(bits):0{bits // 4}x}"
def item(i, **kw):
    d = {"file": f"k/{i}.jpg", "phash": h(64), "blockmean": h(256)}
    d.update(kw)
    return d
good = [item(i) for i in range(1500)]
plain = json.dumps({"items": good}).encode()
bodies = [
    ("plain", plain),
    ("compact", json.dumps({"items": good[:300]}, separators=(",", ":")).encode()),
    ("pretty", json.dumps({"items": good[300:600]}, indent=2).encode()),
    ("escaped file", json.dumps({"items": [dict(x, file=x["file"].replace("/", "\\u002f")) for x in good[:10]]}).encode().replace(b"\\\\u002f", b"\\u002f")),
    ("upper hex", json.dumps({"items": [dict(x, phash=x["phash"].upper()) for x in good[:10]]}).encode()),
    ("empty", b'{"items": []}'),
    ("bad hex after good", json.dumps({"items": good[:700] + [item(9999, phash="zz" * 8)]}).encode()),
    ("short hex", json.dumps({"items": good[:5] + [item(9998, phash="00")]}).encode()),
    ("bad file", json.dumps({"items": good[:5] + [item(9997, file="../x.jpg")]}).encode()),
    ("abs file", json.dumps({"items": [item(9996, file="/x.jpg")]}).encode()),
    ("missing blockmean", json.dumps({"items": [{"file": "a.jpg", "phash": h(64)}]}).encode()),
    ("null value", json.dumps({"items": [dict(good[0], blockmean=None)]}).encode()),
    ("duplicate key", b'{"items": [{"file": "d.jpg", "file": "e.jpg", "phash": "' + h(64).encode() + b'", "blockmean": "' + h(256).encode() + b'"}]}'),
    ("extra key", json.dumps({"items": [dict(good[1], extra=1)]}).encode()),
    ("pdq", json.dumps({"items": [dict(good[2], pdq=h(256), pdq_quality=80), {"file": "list.jpg", "pdq": h(256)}]}).encode()),
    ("items twice", b'{"items": [], "items": ' + json.dumps(good[:3]).encode() + b'}'),
    ("other root key", json.dumps({"items": good[:3], "x": 1}).encode()),
    ("not json", b'{"items": [{"file"'),
    ("trailing", plain + b" x"),
    ("over count", json.dumps({"items": [item(i) for i in range(2001)]}).encode()),
    ("not an object item", b'{"items": [1]}'),
    ("no items", b'{}'),
    ("array root", b'[]'),
    ("same key twice", json.dumps({"items": [item(5), dict(item(5), phash=h(64))]}).encode()),
    ("nul in file", json.dumps({"items": [item(6, file="a\u0000b")]}).encode()),
    ("control char", b'{"items": [{"file": "a\tb.jpg", "phash": "' + h(64).encode() + b'", "blockmean": "' + h(256).encode() + b'"}]}'),
    ("deep", b'{"items": [' + b'[' * 40 + b']' * 40 + b']}'),
]
with tempfile.TemporaryDirectory() as ta, tempfile.TemporaryDirectory() as tb:
    pa, porta = start(sys.argv[1], ta)
    pb, portb = start(sys.argv[2], tb)
    try:
        failures = 0
        for port in (porta, portb):
            req(port, "PUT", "/v1/datasets/d")
        for name, body in bodies:
            a, b = req(porta, "POST", "/v1/datasets/d/images", body), req(portb, "POST", "/v1/datasets/d/images", body)
            same = a == b
            failures += not same
            print(f"{'same' if same else 'DIFFERENT'} {a[0]} {name}: {a[1][:120]!r}" + ("" if same else f" vs {b[0]} {b[1][:120]!r}"))
        a, b = req(porta, "GET", "/v1/datasets/d"), req(portb, "GET", "/v1/datasets/d")
        n = json.loads(a[1]).get("images") if a[0] == 200 else -1
        print(f"{'same' if a == b else 'DIFFERENT'} dataset after all requests ({n} images, {len(a[1])} bytes)")
        failures += a != b
    finally:
        pa.terminate(); pb.terminate(); pa.wait(); pb.wait()
    import sqlite3
    def rows(folder):
        db = sqlite3.connect(os.path.join(folder, "s.sqlite"))
        return db.execute("""SELECT f.path, hex(f.digest), f.code_version, f.error, c.error, c.warnings, h.family, hex(h.value), h.quality
                             FROM file f LEFT JOIN content c ON c.digest = f.digest LEFT JOIN content_hash h ON h.digest = f.digest
                             ORDER BY f.path, h.family""").fetchall()
    ra, rb = rows(ta), rows(tb)
    print(f"{'same' if ra == rb else 'DIFFERENT'} store rows ({len(ra)} file x hash rows)")
    failures += ra != rb
    sys.exit(1 if failures else 0)
