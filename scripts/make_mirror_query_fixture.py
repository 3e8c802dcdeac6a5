#!/usr/bin/env python3
"""A mirrored copy of a fixture for the service's dihedral query tests, with its reference hashes.

    python3 scripts/make_mirror_query_fixture.py

Writes Tests/Fixtures/mirror_query/pillow_rgb_flip_h.png (Pillow's FLIP_LEFT_RIGHT of
Tests/Fixtures/images/png/pillow_rgb.png, saved as PNG) and Tests/Fixtures/mirror_query/expected.json
with, for the original and the mirror, imagehash's phash and OpenCV's BlockMeanHash (mode 0) as
scripts/reference_hashes.py computes them, and their distances (the mirror is far from the
original unless its variants are searched).
"""
import json
import os

import cv2
import imagehash
import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures")


def blockmean(img):
    bgr = cv2.cvtColor(np.asarray(img.convert("RGB")), cv2.COLOR_RGB2BGR)
    return cv2.img_hash.BlockMeanHash_create(0).compute(bgr).tobytes().hex()


def main():
    src = Image.open(os.path.join(ROOT, "images", "png", "pillow_rgb.png"))
    mirror = src.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    out = os.path.join(ROOT, "mirror_query")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "pillow_rgb_flip_h.png")
    mirror.save(path)
    again = Image.open(path)
    hashes = {
        "png/pillow_rgb.png": {"phash": str(imagehash.phash(src)), "blockmean": blockmean(src)},
        "pillow_rgb_flip_h.png": {"phash": str(imagehash.phash(again)), "blockmean": blockmean(again)},
    }
    a, b = hashes["png/pillow_rgb.png"], hashes["pillow_rgb_flip_h.png"]
    hashes["distances"] = {
        "phash": bin(int(a["phash"], 16) ^ int(b["phash"], 16)).count("1"),
        "blockmean": bin(int(a["blockmean"], 16) ^ int(b["blockmean"], 16)).count("1"),
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(hashes, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
