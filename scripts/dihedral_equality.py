#!/usr/bin/env python3
"""How often a phash/blockmean dihedral variant (the family's hash of its transposed working grid,
what crosshash computes) equals the reference hash of the transposed PICTURE (Pillow's
`Image.transpose`, then imagehash.phash / OpenCV BlockMeanHash mode 0).

    python3 scripts/dihedral_equality.py ROOT [STEP]     every STEP-th picture (sorted) under ROOT

They differ when resampling does not commute with the transpose (LANCZOS and INTER_LINEAR_EXACT
round per pass, in a fixed axis order). Prints one JSON object with the counts per family and
per variant. Also checks the variant numpy operations against Pillow's transposes.
"""
import json
import os
import sys

import cv2
import imagehash
import numpy as np
import scipy.fftpack
from PIL import Image

# The order; each with Pillow's method and the same operation on a [row][col] array.
VARIANTS = [
    ("identity", None, lambda a: a),
    ("flip_h", Image.Transpose.FLIP_LEFT_RIGHT, lambda a: a[:, ::-1]),
    ("flip_v", Image.Transpose.FLIP_TOP_BOTTOM, lambda a: a[::-1, :]),
    ("rot90", Image.Transpose.ROTATE_90, lambda a: np.rot90(a, 1)),
    ("rot180", Image.Transpose.ROTATE_180, lambda a: np.rot90(a, 2)),
    ("rot270", Image.Transpose.ROTATE_270, lambda a: np.rot90(a, 3)),
    ("transpose", Image.Transpose.TRANSPOSE, lambda a: np.swapaxes(a, 0, 1)),
    ("transverse", Image.Transpose.TRANSVERSE, lambda a: np.swapaxes(np.rot90(a, 2), 0, 1)),
]


def phash_bits(grid):
    d = scipy.fftpack.dct(scipy.fftpack.dct(grid.astype(float), axis=0), axis=1)[:8, :8]
    return str(imagehash.ImageHash(d > np.median(d)))


def blockmean_bits(grid):
    sums = grid.astype(np.int64).reshape(16, 16, 16, 16).sum(axis=(1, 3)).flatten()
    bits = sums * 256 >= sums.sum()
    return bytes(np.packbits(bits.astype(np.uint8), bitorder="little")).hex()


def ref_blockmean(im):
    rgb = np.asarray(im.convert("RGB"))
    bm = cv2.img_hash.BlockMeanHash_create(cv2.img_hash.BLOCK_MEAN_HASH_MODE_0)
    return bytes(bm.compute(np.ascontiguousarray(rgb[:, :, ::-1]))[0]).hex()


def blockmean_grid(im):
    bgr = np.ascontiguousarray(np.asarray(im.convert("RGB"))[:, :, ::-1])
    small = cv2.resize(bgr, (256, 256), interpolation=cv2.INTER_LINEAR_EXACT)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


def check_ops():
    a = np.arange(7 * 5 * 3, dtype=np.uint8).reshape(7, 5, 3)
    im = Image.fromarray(a)
    for name, method, op in VARIANTS:
        if method is not None:
            assert np.array_equal(np.asarray(im.transpose(method)), op(a)), name


def main():
    Image.MAX_IMAGE_PIXELS = None
    check_ops()
    root = sys.argv[1]
    step = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
                   if f.lower().endswith((".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")))
    files = files[::step]
    equal = {f: {n: 0 for n, _, _ in VARIANTS} for f in ("phash", "blockmean")}
    distance = {f: {n: 0 for n, _, _ in VARIANTS} for f in ("phash", "blockmean")}
    pictures = 0
    for path in files:
        try:
            im = Image.open(path)
            im.load()
        except Exception:  # noqa: BLE001 - not a picture Pillow opens: not counted
            continue
        pictures += 1
        pgrid = np.asarray(im.convert("L").resize((32, 32), Image.Resampling.LANCZOS))
        bgrid = blockmean_grid(im)
        assert phash_bits(pgrid) == str(imagehash.phash(im)), path
        assert blockmean_bits(bgrid) == ref_blockmean(im), path
        for name, method, op in VARIANTS:
            t = im if method is None else im.transpose(method)
            for fam, mine, ref in (("phash", phash_bits(op(pgrid)), str(imagehash.phash(t))),
                                   ("blockmean", blockmean_bits(op(bgrid)), ref_blockmean(t))):
                if mine == ref:
                    equal[fam][name] += 1
                distance[fam][name] += bin(int(mine, 16) ^ int(ref, 16)).count("1")
    print(json.dumps({"pictures": pictures, "equal": equal, "total_distance": distance}, indent=1))


if __name__ == "__main__":
    main()
