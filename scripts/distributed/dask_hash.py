#!/usr/bin/env python3
"""Hash datasets on a Dask cluster, then match them on this machine: crosshash fanned out.

Each dataset is cut into N deterministic shards (`crosshash hash --shard K/N`, by a hash of each
file's relative path); one Dask task per (dataset, shard) runs `crosshash hash --json --relative
--shard K/N FOLDER` on a worker and returns its JSON lines; the client writes them to
OUT/shards/NAME-K.jsonl and runs `crosshash match NAME=shard ... --out OUT`, which merges the
shards. The result is byte-identical to `crosshash analyze` on one machine (all but
manifest.json, whose timings and sources differ), because hashing is deterministic per file and
`match` sorts what it merges.

    # one machine, a local cluster (what the tests run):
    scripts/distributed/dask_hash.py --local-workers 2 --shards 4 --out OUT museum=/data/museum wiki=/data/wiki
    # a real cluster: every worker must see the dataset folders at the same paths (NFS, a
    # bucket mount, ...) and have crosshash at --crosshash (or on its PATH):
    scripts/distributed/dask_hash.py --scheduler tcp://scheduler:8786 --shards 64 --out OUT museum=/mnt/museum ...

Options after `--` go to `crosshash match` (thresholds, --max-pairs, ...).
Needs dask[distributed] on the client and the workers.
"""
import argparse
import os
import subprocess
import sys
import time


def hash_shard(crosshash, folder, shard, shards, device):
    """One task: the JSON lines of one shard of one dataset (runs on a worker)."""
    out = subprocess.run([crosshash, "hash", "--json", "--relative", "--device", device,
                          "--shard", f"{shard}/{shards}", folder],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return out.stdout


def parse_datasets(items):
    datasets = []
    for item in items:
        name, sep, folder = item.partition("=")
        if not sep or not name or "/" in name:
            sys.exit(f"dask_hash: '{item}': expected NAME=FOLDER")
        if not os.path.isdir(folder):
            sys.exit(f"dask_hash: dataset '{name}': {folder} is not a folder")
        datasets.append((name, os.path.abspath(folder)))
    return datasets


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description="Hash on a Dask cluster, match here (see the module docstring).")
    ap.add_argument("datasets", nargs="+", help="NAME=FOLDER, in the order analyze would take them")
    ap.add_argument("--out", required=True)
    ap.add_argument("--shards", type=int, default=8, help="shards per dataset (tasks = datasets x shards)")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler")
    ap.add_argument("--local-workers", type=int, default=2, help="without --scheduler: a LocalCluster of this many workers")
    ap.add_argument("--crosshash", default="crosshash", help="the crosshash binary, as the workers see it")
    ap.add_argument("--device", default="auto", help="--device for the hashing tasks")
    ap.add_argument("--match-crosshash", help="the crosshash binary for the match step (default: --crosshash)")
    args = ap.parse_args(argv)
    if args.shards < 1:
        sys.exit("dask_hash: --shards must be >= 1")
    datasets = parse_datasets(args.datasets)

    from dask.distributed import Client, LocalCluster
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        # Processes, not threads: each task is a subprocess anyway, and this is what a cluster runs.
        cluster = LocalCluster(n_workers=args.local_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
    started = time.time()
    try:
        futures = {}
        for name, folder in datasets:
            for k in range(1, args.shards + 1):
                futures[(name, k)] = client.submit(hash_shard, args.crosshash, folder, k, args.shards, args.device,
                                                   key=f"crosshash-hash-{name}-{k}-of-{args.shards}", pure=False)
        shard_dir = os.path.join(args.out, "shards")
        os.makedirs(shard_dir, exist_ok=True)
        match_args = []
        for (name, k), future in futures.items():
            path = os.path.join(shard_dir, f"{name}-{k}.jsonl")
            with open(path, "wb") as f:
                f.write(future.result())
            match_args.append(f"{name}={path}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    hashed = time.time() - started
    # The client sees the folders too (thumbnails, verification of candidate pairs from pixels).
    images = [f"--images={name}={folder}" for name, folder in datasets]
    subprocess.run([args.match_crosshash or args.crosshash, "match", *match_args, *images, "--out", args.out, *extra], check=True)
    print(f"dask_hash: {len(datasets)} datasets x {args.shards} shards hashed in {hashed:.1f} s, matched into {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
