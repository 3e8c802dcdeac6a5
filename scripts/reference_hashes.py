#!/usr/bin/env python3
"""Reference results (Pillow 13 / imagehash / OpenCV) for every file under a folder.

    python3 scripts/reference_hashes.py ROOT > expected.json

For every regular file under ROOT (sorted; key = path relative to ROOT with '/'), whatever its
extension (crosshash sniffs bytes, not names), computes what the project's reference tool
(shared/bench/reference.py `one()`, Image.MAX_IMAGE_PIXELS = None) computes:

  {"width", "height", "mode", "format",            Pillow's view of the file
   "phash":     str(imagehash.phash(Image.open(p))),
   "blockmean": OpenCV BlockMeanHash mode 0 of Image.open(p).convert('RGB') as BGR, bytes hex,
   "l_crc32":   zlib.crc32(Image.open(p).convert('L').tobytes()),
   "rgb_crc32": zlib.crc32(Image.open(p).convert('RGB').tobytes())}
or {"error": "<ExceptionType>: <message>"} when Pillow (or anything after it) raises.
Optional keys:
  "pillow_warnings":      messages of Python warnings raised while processing the file
  "pillow_default_limit": "<ExceptionType>: <message>" when Image.open with Pillow's default
                          MAX_IMAGE_PIXELS refuses (DecompressionBombError) or warns
                          (DecompressionBombWarning) - what a default-configured Pillow does.
Top level: one key per file (the map above) plus "versions" (tool versions).

Decompression bombs would make Pillow allocate tens of GB; the process caps its own address
space (CROSSHASH_REF_MEM_GB, default 6) so such files give a MemoryError entry instead.
"""
import json
import os
import resource
import sys
import warnings
import zlib

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import imagehash  # noqa: E402
import numpy as np  # noqa: E402
import PIL  # noqa: E402
import scipy  # noqa: E402
from PIL import Image  # noqa: E402

DEFAULT_MAX_PIXELS = Image.MAX_IMAGE_PIXELS


def err(e):
    return f"{type(e).__name__}: {e}"


def default_limit(path):
    """What Pillow with its default bomb limit says when opening the file (None if nothing)."""
    Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                with Image.open(path):
                    pass
            except (Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
                return err(e)
            except Exception:  # noqa: BLE001 - not a limit problem; reported by one()
                return None
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = None


def one(path):
    Image.MAX_IMAGE_PIXELS = None
    rec = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with Image.open(path) as im:
                rec.update(width=im.width, height=im.height, mode=im.mode, format=im.format)
                rec["phash"] = str(imagehash.phash(im))
            with Image.open(path) as im:
                rgb = im.convert("RGB")
            # the loaded picture's size: a TIFF whose orientation comes only from its XMP packet
            # is transposed on load although Image.open announced the stored size
            rec.update(width=rgb.width, height=rgb.height)
            arr = np.asarray(rgb)
            bm = cv2.img_hash.BlockMeanHash_create(cv2.img_hash.BLOCK_MEAN_HASH_MODE_0)
            rec["blockmean"] = bytes(bm.compute(np.ascontiguousarray(arr[:, :, ::-1]))[0]).hex()
            rec["rgb_crc32"] = zlib.crc32(rgb.tobytes())
            del rgb, arr
            with Image.open(path) as im:
                rec["l_crc32"] = zlib.crc32(im.convert("L").tobytes())
        except Exception as e:  # noqa: BLE001 - every failure is a result to record
            rec = {"error": err(e)}
    msgs = [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)]
    if msgs:
        rec["pillow_warnings"] = msgs
    lim = default_limit(path)
    if lim:
        rec["pillow_default_limit"] = lim
    return rec


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    cap = float(os.environ.get("CROSSHASH_REF_MEM_GB", "6")) * (1 << 30)
    resource.setrlimit(resource.RLIMIT_AS, (int(cap), resource.RLIM_INFINITY))
    paths = []
    for dp, dirs, fs in os.walk(root):
        dirs.sort()
        for f in fs:
            p = os.path.join(dp, f)
            if os.path.isfile(p) and not os.path.islink(p):
                paths.append(p)
    # open files by their path relative to ROOT so error messages that quote the file name
    # ("cannot identify image file 'hostile/x.jpg'") do not depend on where ROOT lives
    keys = sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in paths)
    os.chdir(root)
    files = {k: one(k) for k in keys}
    if "versions" in files:
        sys.exit("a file named 'versions' at the top of ROOT would clash with the versions key")
    out = dict(files)
    out.update({"versions": {"pillow": PIL.__version__, "imagehash": imagehash.__version__,
                        "opencv": cv2.__version__, "numpy": np.__version__, "scipy": scipy.__version__}})
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
