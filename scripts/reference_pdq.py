#!/usr/bin/env python3
"""Reference PDQ hashes (Meta's C++ through the `pdqhash` PyPI binding) for pictures.

    python3 scripts/reference_pdq.py ROOT > Tests/Fixtures/expected_pdq.json
    python3 scripts/reference_pdq.py --lines FILE...      one "HEX QUALITY FILE" line per picture

For every regular file under ROOT (sorted; key = path relative to ROOT with '/') that Pillow opens
(`Image.MAX_IMAGE_PIXELS = None`, as scripts/reference_hashes.py), records

  {"pdq":          hex of pdqhash.compute(numpy.asarray(Image.open(p).convert("RGB")))[0],
   "pdq_quality":  its quality (0-100),
   "pdq_dihedral": the 8 hashes of pdqhash.compute_dihedral in its order: original, rot90,
                   rot180, rot270, flipX, flipY, flipPlus1, flipMinus1 (for a later round)}

Files Pillow refuses are left out (expected.json records their errors). Hex is the way Meta
writes a PDQ hash: pdqhash's bit vector (element 0 = bit 255) read in order as one big-endian
256-bit number, 64 lower-case digits. Top level also holds "versions".
"""
import json
import os
import resource
import sys

import numpy as np
import pdqhash
import PIL
from PIL import Image


def hex_of(bits):
    """pdqhash's bit vector, element 0 first, as 64 big-endian hex digits."""
    value = 0
    for b in bits:
        value = value << 1 | int(b)
    return f"{value:064x}"


def pixels(path):
    Image.MAX_IMAGE_PIXELS = None
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def one(path):
    try:
        arr = pixels(path)
    except Exception:  # noqa: BLE001 - Pillow refuses it: expected.json records why
        return None
    bits, quality = pdqhash.compute(arr)
    variants, dq = pdqhash.compute_dihedral(arr)
    return {"pdq": hex_of(bits), "pdq_quality": int(quality), "pdq_dihedral": [hex_of(v) for v in variants]}


def main():
    args = sys.argv[1:]
    if args and args[0] == "--lines":
        for p in args[1:]:
            arr = pixels(p)
            bits, quality = pdqhash.compute(arr)
            print(hex_of(bits), int(quality), p)
        return
    if len(args) != 1:
        sys.exit(__doc__)
    root = args[0]
    # decompression bombs: a MemoryError (left out) instead of tens of GB
    cap = float(os.environ.get("CROSSHASH_REF_MEM_GB", "6")) * (1 << 30)
    resource.setrlimit(resource.RLIMIT_AS, (int(cap), resource.RLIM_INFINITY))
    keys = []
    for dp, dirs, fs in os.walk(root):
        dirs.sort()
        for f in fs:
            p = os.path.join(dp, f)
            if os.path.isfile(p) and not os.path.islink(p):
                keys.append(os.path.relpath(p, root).replace(os.sep, "/"))
    os.chdir(root)
    out = {}
    for k in sorted(keys):
        rec = one(k)
        if rec is not None:
            out[k] = rec
    out["versions"] = {"pillow": PIL.__version__, "pdqhash": pdqhash.__version__, "numpy": np.__version__}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
