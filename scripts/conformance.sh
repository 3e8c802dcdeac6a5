#!/usr/bin/env bash
# Compare crosshash's hashes with the Python reference tools (Pillow 13 / imagehash / OpenCV).
#
#   scripts/conformance.sh [IMAGE_DIR]
#
# Builds crosshash in release, runs `crosshash hash --json IMAGE_DIR` (one JSON object per line:
# {"file": PATH, "phash": HEX, "blockmean": HEX} or {"file": PATH, "error": MSG}) and
# scripts/reference_hashes.py on the same folder, then prints per hash
#   phash: N/M identical (P%)
# and the mismatching files. A file both sides reject counts as agreeing; one side failing (or a
# file only one side lists) is a mismatch. Exit status: 0 all identical, 1 some mismatch,
# 2 usage/build/run failure.
# Without IMAGE_DIR, real pictures from Debian packages are used
# (scripts/fetch_debian_images.sh into ~/.cache/crosshash-conformance-images).
#
# Environment (all optional):
#   CROSSHASH_BIN      use this crosshash binary instead of building
#   CROSSHASH_SCRATCH  --scratch-path for swift build
#   CROSSHASH_OUTPUT   use this file as crosshash's JSON-lines output (skips build and run)
#   REFERENCE_JSON     use this reference_hashes.py output instead of computing it
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

if [ $# -gt 1 ]; then
    echo "usage: $0 [IMAGE_DIR]" >&2
    exit 2
fi
if [ $# -eq 1 ]; then
    dir=$1
else
    dir=${XDG_CACHE_HOME:-$HOME/.cache}/crosshash-conformance-images
    if [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
        "$here/fetch_debian_images.sh" "$dir" 40 || { echo "error: cannot fetch test images" >&2; exit 2; }
    fi
fi
if [ ! -d "$dir" ]; then
    echo "error: $dir is not a directory" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "${CROSSHASH_OUTPUT:-}" ]; then
    cp "$CROSSHASH_OUTPUT" "$work/crosshash.jsonl"
else
    bin=${CROSSHASH_BIN:-}
    if [ -z "$bin" ]; then
        scratch=()
        [ -n "${CROSSHASH_SCRATCH:-}" ] && scratch=(--scratch-path "$CROSSHASH_SCRATCH")
        (cd "$repo" && swift build -c release "${scratch[@]}" >&2) || { echo "error: swift build failed" >&2; exit 2; }
        bin="$(cd "$repo" && swift build -c release "${scratch[@]}" --show-bin-path)/crosshash"
    fi
    # crosshash exits non-zero when some files fail; that is data, not a failure of this script,
    # so only a missing or empty output is fatal.
    set +e
    "$bin" hash --json "$dir" > "$work/crosshash.jsonl" 2> "$work/crosshash.stderr"
    rc=$?
    set -e
    if [ ! -s "$work/crosshash.jsonl" ]; then
        echo "error: crosshash produced no output (exit $rc):" >&2
        tail -n 20 "$work/crosshash.stderr" >&2
        exit 2
    fi
fi

if [ -n "${REFERENCE_JSON:-}" ]; then
    cp "$REFERENCE_JSON" "$work/reference.json"
else
    python3 "$here/reference_hashes.py" "$dir" > "$work/reference.json"
fi

python3 - "$dir" "$work/crosshash.jsonl" "$work/reference.json" <<'PY'
import json, os, sys

root, ours_path, ref_path = sys.argv[1:4]
ref = json.load(open(ref_path))
ref.pop("versions", None)


def rel(p):
    # crosshash prints IMAGE_DIR joined with the path inside it; accept absolute paths too
    base = os.path.abspath(root) if os.path.isabs(p) else os.path.normpath(root)
    return os.path.relpath(os.path.normpath(p), base).replace(os.sep, "/")


ours, bad_lines = {}, 0
for n, line in enumerate(open(ours_path, encoding="utf-8", errors="replace"), 1):
    line = line.strip()
    if not line:
        continue
    try:
        obj = json.loads(line)
        ours[rel(obj["file"])] = obj
    except (ValueError, KeyError, TypeError):
        bad_lines += 1
        print(f"warning: crosshash output line {n} is not a {{\"file\": ...}} JSON object: {line[:120]}")

files = sorted(set(ours) | set(ref))
status = 0
for alg in ("phash", "blockmean"):
    same, bad = 0, []
    for f in files:
        a, b = ours.get(f), ref.get(f)
        a_ok = a is not None and alg in a and "error" not in a
        b_ok = b is not None and alg in b and "error" not in b
        if a_ok and b_ok:
            ha, hb = a[alg].lower(), b[alg].lower()
            if ha == hb:
                same += 1
            else:
                try:
                    dist = bin(int(ha, 16) ^ int(hb, 16)).count("1")
                except ValueError:
                    dist = "?"
                bad.append(f"  {f}: crosshash {ha} reference {hb} (distance {dist})")
        elif not a_ok and not b_ok:
            same += 1  # both reject the file
        else:
            why_a = "not listed" if a is None else a.get("error", f"no {alg}")
            why_b = "not listed" if b is None else b.get("error", f"no {alg}")
            side = f"crosshash {a[alg]} / reference error: {why_b}" if a_ok else \
                   f"crosshash error: {why_a} / reference {b[alg]}"
            bad.append(f"  {f}: {side}")
    total = len(files)
    pct = (1000 * same // total) / 10 if total else 100.0  # never rounds up to 100
    print(f"{alg}: {same}/{total} identical ({pct:.1f}%)")
    for line in bad:
        print(line)
    if same != total:
        status = 1
if bad_lines:
    status = 1
sys.exit(status)
PY
