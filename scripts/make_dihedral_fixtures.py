#!/usr/bin/env python3
"""Fixtures of `analyze --dihedral` (Tests/Fixtures/dihedral): pictures and their mirrored and
rotated copies, made with Pillow's own transposes, and what the reference tools say of them.

    python3 scripts/make_dihedral_fixtures.py Tests/Fixtures/images/real Tests/Fixtures/dihedral

orig/NAME.png is a real fixture reduced to 160x120 (LANCZOS); turned/NAME_VARIANT.png is it
transposed by VARIANT (Pillow `Image.transpose`), saved losslessly. expected.json lists, per
planted pair, the variant and the reference hashes' plain distances (imagehash.phash, OpenCV
BlockMeanHash mode 0), which must exceed the default thresholds (8) so that only dihedral
matching can pair them; and the reference distance between the hash of the original turned by
Pillow and the copy's hash (0: the copy is that picture).
"""
import json
import os
import sys

import cv2
import imagehash
import numpy as np
from PIL import Image

# (fixture, variant): one picture per variant kind (a mirror, a quarter turn each way, a
# transverse), asymmetric enough that the plain hashes are far apart.
PLANTED = [
    ("calla.jpg", "flip_h"),
    ("goldfish.jpg", "rot90"),
    ("the_mouse.jpg", "transverse"),
    ("city.png", "rot270"),
]
# A picture with no copy: paired with nothing, turned or not.
LONE = "rhythm.png"

METHODS = {
    "flip_h": Image.Transpose.FLIP_LEFT_RIGHT,
    "flip_v": Image.Transpose.FLIP_TOP_BOTTOM,
    "rot90": Image.Transpose.ROTATE_90,
    "rot180": Image.Transpose.ROTATE_180,
    "rot270": Image.Transpose.ROTATE_270,
    "transpose": Image.Transpose.TRANSPOSE,
    "transverse": Image.Transpose.TRANSVERSE,
}


def phash(img):
    return str(imagehash.phash(img))


def blockmean(img):
    bgr = np.array(img.convert("RGB"))[:, :, ::-1].copy()
    return cv2.img_hash.BlockMeanHash_create(cv2.img_hash.BLOCK_MEAN_HASH_MODE_0).compute(bgr)[0].tobytes().hex()


def hamming(x, y):
    return bin(int(x, 16) ^ int(y, 16)).count("1")


def main(src, out):
    os.makedirs(f"{out}/orig", exist_ok=True)
    os.makedirs(f"{out}/turned", exist_ok=True)
    pairs = []
    for fixture, variant in PLANTED + [(LONE, None)]:
        name = os.path.splitext(fixture)[0]
        orig = Image.open(f"{src}/{fixture}").convert("RGB").resize((160, 120), Image.Resampling.LANCZOS)
        orig.save(f"{out}/orig/{name}.png", optimize=True)
        if variant is None:
            continue
        turned = orig.transpose(METHODS[variant])
        turned_name = f"{name}_{variant}.png"
        turned.save(f"{out}/turned/{turned_name}", optimize=True)
        copy = Image.open(f"{out}/turned/{turned_name}")
        pairs.append({
            "a": f"{name}.png", "b": turned_name, "transform": variant,
            "plain_distance": {"phash": hamming(phash(orig), phash(copy)), "blockmean": hamming(blockmean(orig), blockmean(copy))},
            "turned_distance": {"phash": hamming(phash(turned), phash(copy)),
                                "blockmean": hamming(blockmean(turned), blockmean(copy))},
        })
    with open(f"{out}/expected.json", "w") as f:
        json.dump({"pairs": pairs, "lone": f"{os.path.splitext(LONE)[0]}.png"}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
