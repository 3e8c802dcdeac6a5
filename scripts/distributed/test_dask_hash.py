#!/usr/bin/env python3
"""CI check of the Dask recipe: a LocalCluster hashes shards of three datasets built from the
test fixtures, `crosshash match` merges them, and every output but manifest.json must equal
`crosshash analyze` on one machine byte for byte. Exits non-zero on any difference.

Usage: scripts/distributed/test_dask_hash.py [CROSSHASH_BINARY]
"""
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "images")
sys.path.insert(0, HERE)
import dask_hash  # noqa: E402


def build_datasets(root):
    """Three datasets with cross-dataset copies (the same fixture under other names)."""
    real = sorted(os.listdir(os.path.join(FIXTURES, "real")))
    layout = {
        "museum": [("real", f) for f in real] + [("jpeg", f) for f in sorted(os.listdir(os.path.join(FIXTURES, "jpeg")))[:12]],
        "archive": [("real", f) for f in real[::2]] + [("png", f) for f in sorted(os.listdir(os.path.join(FIXTURES, "png")))[:12]],
        "web": [("real", f) for f in real[1::3]] + [("hostile", f) for f in sorted(os.listdir(os.path.join(FIXTURES, "hostile")))[:6]],
    }
    for name, files in layout.items():
        for i, (sub, f) in enumerate(files):
            dest = os.path.join(root, name, f"part{i % 3}", f"{name}_{i:03d}_{f}")
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(os.path.join(FIXTURES, sub, f), dest)
    return list(layout)


def main():
    crosshash = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "crosshash"))
    with tempfile.TemporaryDirectory(prefix="crosshash-dask-") as tmp:
        env_home = os.path.join(tmp, "cache")
        os.environ["XDG_CACHE_HOME"] = env_home  # never the user's store
        names = build_datasets(os.path.join(tmp, "data"))
        specs = [f"{n}={os.path.join(tmp, 'data', n)}" for n in names]
        single = os.path.join(tmp, "single")
        subprocess.run([crosshash, "analyze", "--no-store", "--device", "cpu", *specs, "--out", single],
                       check=True, stderr=subprocess.DEVNULL)
        dask_out = os.path.join(tmp, "dask")
        dask_hash.main(["--local-workers", "2", "--shards", "3", "--crosshash", crosshash, "--device", "cpu",
                        "--out", dask_out, *specs])
        compared, differ = 0, []
        for dirpath, _, files in os.walk(single):
            for f in files:
                if not f.endswith(".json") or f == "manifest.json":
                    continue
                rel = os.path.relpath(os.path.join(dirpath, f), single)
                compared += 1
                if not os.path.exists(os.path.join(dask_out, rel)) or not filecmp.cmp(os.path.join(single, rel), os.path.join(dask_out, rel), shallow=False):
                    differ.append(rel)
        with open(os.path.join(single, "perceptual_cross_duplicates.json")) as f:
            pairs = f.read().count('"distance"')
        if differ or compared < 7 or pairs == 0:
            print(f"test_dask_hash: FAILED: {compared} files compared, differing: {differ}, {pairs} pairs", file=sys.stderr)
            sys.exit(1)
        print(f"test_dask_hash: ok: the Dask run (2 workers, 3 shards per dataset) equals analyze on one machine "
              f"({compared} JSON files, {pairs} phash pairs)")


if __name__ == "__main__":
    main()
