#!/usr/bin/env python3
"""Behaviour check for refactors: run two crosshash binaries through the same scenario on a corpus
and compare everything they write, byte for byte.

    python3 scripts/compare_outputs.py OLD_BINARY NEW_BINARY CORPUS [--work DIR]

CORPUS is a folder of dataset folders (the benchmark corpus layout: one folder per dataset).
The scenario, for each binary, into its own folder:
  - `hash` (text and --json --relative) of every dataset folder;
  - `analyze --no-store`, then `analyze` with a new store twice (first and second run);
  - `match` from the --json files, from the first analyze output's dataset folders and from the
    store (store:NAME);
  - `serve` on 127.0.0.1 with that corpus as --root: every route (datasets, scan, jobs, images as
    multipart and as JSON, hash, query, cross-duplicates, health, OpenAPI, metrics' status) and
    refusals (404, 405, 400, 413, 415), each answer saved as status + content type + body.
Fields that differ between two runs of the SAME binary (wall times, job ids, dates) are found by
running OLD twice, and only those are masked. Prints each differing file and exits 1 if any.
"""
import argparse, filecmp, http.client, json, os, re, shutil, signal, socket, subprocess, sys, time

VOLATILE_KEYS = {"seconds"}  # timing objects, known to vary; everything else is learned


def run(cmd, out=None, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if out:
        with open(out, "wb") as f:
            f.write(b"exit %d\n" % r.returncode + r.stdout)
    return r


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def multipart(files, boundary="crosshashcompareBOUNDARY"):
    body = b""
    for name, filename, data in files:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                 f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def serve_scenario(binary, corpus, names, out):
    os.makedirs(out, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--device", "cpu", "--store", os.path.join(out, "..", "serve.sqlite"),
                             "--listen", f"127.0.0.1:{port}", "--root", corpus, "--max-body-bytes", "20000000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    step = [0]

    def call(method, path, body=None, ctype=None, save=True):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Content-Type": ctype} if ctype else {}
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        if save:
            step[0] += 1
            safe = re.sub(r"[^A-Za-z0-9]+", "_", f"{method}{path}")[:80]
            with open(os.path.join(out, f"{step[0]:03d}_{safe}"), "wb") as f:
                f.write(f"{r.status} {r.getheader('Content-Type')}\n".encode() + data)
        return r.status, data

    try:
        for _ in range(600):
            try:
                if call("GET", "/healthz", save=False)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        call("GET", "/healthz"); call("GET", "/readyz"); call("GET", "/openapi.json")
        call("GET", "/v1/datasets")
        first, second = names[0], names[1]
        for n in names[:2]:
            call("PUT", f"/v1/datasets/{n}", json.dumps({"root": os.path.join(corpus, n)}).encode(), "application/json")
            st, data = call("POST", f"/v1/datasets/{n}/scan")
            job = json.loads(data).get("job") if st < 300 else None
            for _ in range(3000):
                st, data = call("GET", f"/v1/jobs/{job}", save=False)
                if json.loads(data).get("state") in ("done", "failed", "succeeded", "cancelled"):
                    break
                time.sleep(0.1)
            call("GET", f"/v1/jobs/{job}")
            call("GET", f"/v1/datasets/{n}")
        call("GET", "/v1/datasets")
        # a few real pictures of the third dataset, as uploads and as hashes
        third = names[2] if len(names) > 2 else names[0]
        root3 = os.path.join(corpus, third)
        pics = sorted(os.path.join(d, f) for d, _, fs in os.walk(root3) for f in fs)[:12]
        blobs = [(os.path.relpath(p, root3), open(p, "rb").read()) for p in pics]
        body, ctype = multipart([("file", rel, data) for rel, data in blobs])
        st, hashed = call("POST", "/v1/hash", body, ctype)
        call("PUT", "/v1/datasets/uploads")
        call("POST", "/v1/datasets/uploads/images", body, ctype)
        call("GET", "/v1/datasets/uploads")
        results = json.loads(hashed).get("results", []) if st == 200 else []
        items = [{"file": f"json/{i}.jpg", "phash": r["phash"], "blockmean": r["blockmean"]}
                 for i, r in enumerate(results) if "phash" in r]
        call("PUT", "/v1/datasets/hashes")
        call("POST", "/v1/datasets/hashes/images", json.dumps({"items": items}).encode(), "application/json")
        queries = [{"phash": i["phash"], "blockmean": i["blockmean"]} for i in items]
        call("POST", "/v1/query", json.dumps({"queries": queries}).encode(), "application/json")
        call("POST", "/v1/query", json.dumps({"queries": queries, "limit": 3, "thresholds": {"phash": 12, "blockmean": 20}}).encode(), "application/json")
        call("POST", "/v1/query", body, ctype)
        call("GET", "/v1/cross-duplicates")
        call("GET", f"/v1/cross-duplicates?datasets={first},{second}&phash=10&blockmean=12")
        for p in blobs[:3]:
            call("POST", f"/v1/hash?name={p[0]}", p[1], "image/jpeg")
        # refusals
        call("GET", "/v1/datasets/nope"); call("DELETE", "/v1/datasets/nope")
        call("PATCH", "/v1/datasets"); call("DELETE", "/v1/hash"); call("GET", "/nowhere")
        call("PUT", "/v1/datasets/bad", b"{\"root\": ", "application/json")
        call("PUT", "/v1/datasets/bad", json.dumps({"root": "/etc"}).encode(), "application/json")
        call("POST", "/v1/query", b"{}", "application/json")
        call("POST", "/v1/query", b"[1,2]", "text/plain")
        call("POST", "/v1/hash", b"not an image", "image/png")
        # a body over --max-body-bytes, declared: answered before it is sent
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"POST /v1/hash HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 20000001\r\n\r\nxx")
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < 4096:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
        s.close()
        step[0] += 1
        with open(os.path.join(out, f"{step[0]:03d}_oversized_body"), "wb") as f:
            f.write(answer.split(b"\r\n", 1)[0] + b"\n" + answer.partition(b"\r\n\r\n")[2])
        call("DELETE", "/v1/datasets/uploads")
        call("GET", "/v1/datasets")
        st, metrics = call("GET", "/metrics", save=False)
        with open(os.path.join(out, "metrics_status"), "w") as f:
            f.write(f"{st}\n")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def scenario(binary, corpus, names, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(f"{out}/hash")
    ds = [f"{n}={corpus}/{n}" for n in names]
    cpu = ["--device", "cpu"]
    for n in names:
        run([binary, "hash", *cpu, f"{corpus}/{n}"], f"{out}/hash/{n}.txt")
        r = run([binary, "hash", *cpu, "--json", "--relative", f"{corpus}/{n}"])
        with open(f"{out}/hash/{n}.jsonl", "wb") as f:
            f.write(r.stdout)
    run([binary, "analyze", *ds, *cpu, "--no-store", "--out", f"{out}/analyze-nostore"], f"{out}/analyze-nostore.log")
    store = f"{out}/store.sqlite"
    run([binary, "analyze", *ds, *cpu, "--store", store, "--out", f"{out}/analyze-store1"], f"{out}/analyze-store1.log")
    run([binary, "analyze", *ds, *cpu, "--store", store, "--out", f"{out}/analyze-store2"], f"{out}/analyze-store2.log")
    mstore = ["--store", f"{out}/match.sqlite"]
    run([binary, "match", *cpu, *mstore, *[f"{n}={out}/hash/{n}.jsonl" for n in names],
         *[f"--images={n}={corpus}/{n}" for n in names], "--out", f"{out}/match-jsonl"], f"{out}/match-jsonl.log")
    run([binary, "match", *cpu, *mstore, *[f"{n}={out}/analyze-nostore/{n}" for n in names],
         "--out", f"{out}/match-analyze"], f"{out}/match-analyze.log")
    run([binary, "match", *cpu, "--store", store, *[f"{n}=store:{n}" for n in names],
         "--out", f"{out}/match-store"], f"{out}/match-store.log")
    serve_scenario(binary, corpus, names, f"{out}/serve")
    for f in ("store.sqlite", "store.sqlite-wal", "store.sqlite-shm", "match.sqlite", "match.sqlite-wal",
              "match.sqlite-shm", "serve.sqlite", "serve.sqlite-wal", "serve.sqlite-shm"):
        if os.path.exists(f"{out}/{f}"):
            os.remove(f"{out}/{f}")


def files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def normalise(data, mask, root):
    """Bytes with the folder's own path replaced (the two runs write to different folders) and
    the masked JSON keys blanked."""
    data = data.replace(root.encode(), b"<OUT>")
    if not mask:
        return data
    head, sep, rest = data.partition(b"\n") if data[:1].isdigit() else (b"", b"", data)
    try:
        doc = json.loads(rest)
    except ValueError:
        return data

    def blank(x):
        if isinstance(x, dict):
            return {k: ("<masked>" if k in mask else blank(v)) for k, v in x.items()}
        if isinstance(x, list):
            return [blank(v) for v in x]
        return x
    return head + sep + json.dumps(blank(doc), sort_keys=True).encode()


def json_diff_keys(a, b, keys):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in set(a) | set(b):
            if k in a and k in b:
                if a[k] != b[k] and not isinstance(a[k], (dict, list)):
                    keys.add(k)
                json_diff_keys(a[k], b[k], keys)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for x, y in zip(a, b):
            json_diff_keys(x, y, keys)


def learn_mask(a, b):
    mask = set(VOLATILE_KEYS)
    for rel in set(files(a)) & set(files(b)):
        da, db = (open(os.path.join(r, rel), "rb").read().replace(r.encode(), b"<OUT>") for r in (a, b))
        if da == db:
            continue
        try:
            ja, jb = (json.loads(x.partition(b"\n")[2] if x[:1].isdigit() else x) for x in (da, db))
            json_diff_keys(ja, jb, mask)
        except ValueError:
            pass
    return mask


def compare(a, b, mask, label):
    fa, fb = files(a), files(b)
    bad = [f"only in {label[0]}: {x}" for x in sorted(set(fa) - set(fb))] + [f"only in {label[1]}: {x}" for x in sorted(set(fb) - set(fa))]
    for rel in sorted(set(fa) & set(fb)):
        da = normalise(open(os.path.join(a, rel), "rb").read(), mask, a)
        db = normalise(open(os.path.join(b, rel), "rb").read(), mask, b)
        if da != db:
            bad.append(f"differs: {rel}")
    return len(set(fa) & set(fb)), bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old"); ap.add_argument("new"); ap.add_argument("corpus")
    ap.add_argument("--work", default="/tmp/crosshash-compare")
    ap.add_argument("--reuse-old", action="store_true", help="keep the old binary's two runs from an earlier call with the same --work")
    ap.add_argument("--mask", action="append", default=[], help="a JSON key allowed to differ everywhere (an intended change, e.g. the store's size)")
    ap.add_argument("--allow", action="append", default=[], help="relative file paths allowed to differ (an intended change)")
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    names = sorted(d for d in os.listdir(corpus) if os.path.isdir(os.path.join(corpus, d)))
    gt = os.path.join(corpus, "ground_truth.json")
    if os.path.exists(gt):
        names = list(json.load(open(gt)).get("datasets", names)) or names
    w = args.work
    for tag, binary in (("old", args.old), ("old2", args.old), ("new", args.new)):
        if args.reuse_old and tag != "new" and os.path.isdir(f"{w}/{tag}/serve"):
            continue
        print(f"running {tag} ({binary}) ...", file=sys.stderr)
        scenario(os.path.abspath(binary), corpus, names, f"{w}/{tag}")
    mask = learn_mask(f"{w}/old", f"{w}/old2") | set(args.mask)
    n, same_binary = compare(f"{w}/old", f"{w}/old2", mask, ("old", "old2"))
    print(f"masked fields (vary between two runs of the old binary): {', '.join(sorted(mask))}")
    if same_binary:
        print("files that vary between two runs of the old binary even after masking (left out):")
        print("\n".join("  " + x for x in same_binary))
    skip = {x.split(": ", 1)[1] for x in same_binary} | set(args.allow)
    n, bad = compare(f"{w}/old", f"{w}/new", mask, ("old", "new"))
    bad = [x for x in bad if x.split(": ", 1)[1] not in skip]
    print(f"{n} files compared; {len(bad)} differ")
    print("\n".join("  " + x for x in bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
