#!/usr/bin/env python3
"""Differential test of the C decoders against Pillow 13 on damaged and unusual files.

Makes PNGs of every colour type / bit depth / interlace with random filters and IDAT splits,
JPEGs of every Pillow mode, GIF / BMP / TIFF / WebP of random sizes and options, damaged copies (cuts, byte flips, markers after the scan at
varying distances from Pillow's 64 KiB feeding blocks) of those and of Tests/Fixtures/images (real, jpeg, png, formats),
then decodes each with Pillow and with fuzz/decode_check.c and compares: same size and CRCs of
convert('RGB') / convert('L') where Pillow decodes, an error where Pillow raises.

    python3 fuzz/differential.py [seed=1] [workdir=/tmp/crosshash-differential]

Short streams: PNGs whose zlib stream stops early, on a row boundary (Pillow: rest blank) or
inside a row (Pillow: truncated), with the Adler-32 in the same IDAT chunk, in the next one, at
a 64 KiB block boundary, with extra IDAT data or garbage after the stream, or the file ending
right after the image data.

Exit status 1 if any file differs. Known differences (seeds 1/2/3: 7/12/10 of 14,133 files, all
damaged TIFFs that Pillow decodes; none that Pillow refuses and crosshash decodes):
- TIFF, libtiff version (Debian 12: 4.5.0; Pillow's wheel: 4.7): damaged Deflate/LZW/PackBits
  strips are recovered differently; identical when linked against Pillow's libtiff;
- TIFF, Pillow's own IFD parser: for uncompressed files Pillow reads the directory itself and
  accepts tag types libtiff refuses ("Incompatible type for PlanarConfiguration"), and a file
  whose last tag's data is cut off decodes to other pixels in Pillow;
and, about 1 in 5,000 damaged files:
- JPEG (jpeg_decode.c): progressive JPEGs with corrupt scan data ("premature end of data
  segment"): the system libjpeg-turbo 2.1.5 fills the damaged coefficients differently from
  the 3.x inside Pillow 13 (OpenCV's 3.1 agrees with Pillow, djpeg 2.1.5 with us).
"""
import glob
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import warnings
import zlib

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pack_rows(arr, depth):
    rows = []
    for row in arr:
        flat = row.reshape(-1)
        if depth == 16:
            rows.append(b"".join(struct.pack(">H", int(v)) for v in flat))
        elif depth == 8:
            rows.append(bytes(int(v) for v in flat))
        else:
            per, acc, n, out = 8 // depth, 0, 0, bytearray()
            for v in flat:
                acc, n = (acc << depth) | int(v), n + 1
                if n == per:
                    out.append(acc)
                    acc, n = 0, 0
            if n:
                out.append(acc << (depth * (per - n)))
            rows.append(bytes(out))
    return rows


def filter_rows(rng, rows, bpp):
    out, prev = b"", None
    for r in rows:
        kind = rng.randrange(5)
        prev = prev or bytes(len(r))
        o = bytearray(len(r))
        for i in range(len(r)):
            a = r[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 0:
                p = 0
            elif kind == 1:
                p = a
            elif kind == 2:
                p = b
            elif kind == 3:
                p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            o[i] = (r[i] - p) & 255
        out += bytes([kind]) + bytes(o)
        prev = r
    return out


def make_png(rng, nrng, w, h, depth, ctype, interlace):
    head, raw, _ = make_png_parts(rng, nrng, w, h, depth, ctype, interlace)
    return head + idats(rng, zlib.compress(raw, rng.choice([0, 1, 6, 9]))) + chunk(b"IEND", b"")


def idats(rng, comp):
    step = rng.choice([len(comp) + 1, 7, 100])
    return b"".join(chunk(b"IDAT", comp[i:i + step]) for i in range(0, len(comp), step))


def make_short(rng, head, raw, bounds):
    """A copy whose zlib stream stops early: on a row boundary or inside a row."""
    k = rng.randrange(len(bounds))
    cut = bounds[k]
    row = bounds[k] - (bounds[k - 1] if k else 0)
    kind = rng.choice(["boundary", "boundary", "inside", "empty"])
    if kind == "inside" and row > 1:
        cut -= rng.randrange(1, row)
    elif kind == "empty":
        cut = 0
    comp = zlib.compress(raw[:cut], rng.choice([0, 1, 6, 9]))
    split = rng.choice(["chunks", "adler_next", "adler_split", "block", "one"])
    if split == "chunks":
        body = idats(rng, comp)
    elif split == "adler_next":
        body = idats(rng, comp[:-4]) + chunk(b"IDAT", comp[-4:])
    elif split == "adler_split":
        at = rng.randrange(1, 5)
        body = idats(rng, comp[:-at]) + chunk(b"IDAT", comp[-at:])
    elif split == "block" and len(comp) > 65536 + 8:
        # the last 64 KiB block Pillow reads from the second chunk ends just before the Adler-32
        first = (len(comp) - 4 - rng.choice([0, 0, 1, 2])) % 65536
        body = chunk(b"IDAT", comp[:first]) + chunk(b"IDAT", comp[first:])
    else:
        body = chunk(b"IDAT", comp)
    tail = rng.choice(["iend", "iend", "extra_idat", "garbage", "eof", "eof_no_crc", "text"])
    if tail == "extra_idat":
        body += chunk(b"IDAT", bytes(rng.randrange(256) for _ in range(rng.randrange(0, 20))))
    elif tail == "garbage":
        last = body.rfind(b"IDAT") - 4
        data = body[last + 8:-4] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20)))
        body = body[:last] + chunk(b"IDAT", data)
    elif tail == "text":
        body += chunk(b"tEXt", b"k\x00v")
    if tail == "eof":
        return head + body
    if tail == "eof_no_crc":
        return head + body[:-4]
    return head + body + chunk(b"IEND", b"")


def make_png_parts(rng, nrng, w, h, depth, ctype, interlace):
    """(signature and chunks before the image data, filtered image data, offsets where its rows end)"""
    ch = CHANNELS[ctype]
    palette = rng.randint(1, 1 << depth) if ctype == 3 else 0
    top = (1 << depth) - 1 if ctype != 3 else min((1 << depth) - 1, palette + 2)  # some indices past the palette
    arr = nrng.integers(0, top + 1, size=(h, w, ch))
    if depth == 16 and rng.random() < 0.5:
        arr = nrng.integers(0, 300, size=(h, w, ch))  # I;16 clamps at 255
    bpp = max(1, depth * ch // 8)
    raw, bounds = b"", []
    for x0, y0, dx, dy in ADAM7 if interlace else [(0, 0, 1, 1)]:
        sub = arr[y0::dy, x0::dx]
        if sub.shape[0] and sub.shape[1]:
            rows = pack_rows(sub, depth)
            raw += filter_rows(rng, rows, bpp)
            for r in rows:
                bounds.append((bounds[-1] if bounds else 0) + len(r) + 1)
    s = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))
    if rng.random() < 0.3 and ctype in (0, 2, 3):
        s += chunk(b"tRNS", {0: b"\x00\x05", 2: bytes(6), 3: b"\x00\xff\x80"}[ctype])
    if rng.random() < 0.3:
        s += chunk(b"gAMA", struct.pack(">I", 100000))
    if ctype == 3:
        s += chunk(b"PLTE", bytes(nrng.integers(0, 256, size=3 * palette).astype("uint8")))
    return s, raw, bounds


def generate(out, seed):
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    n = 0
    for ctype, depths in [(0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16])]:
        for depth in depths:
            for interlace in (0, 1):
                for w, h in [(1, 1), (3, 5), (17, 9), (33, 2), (rng.randint(1, 300), rng.randint(1, 120))]:
                    with open(f"{out}/p{n:03d}_ct{ctype}_bd{depth}_i{interlace}_{w}x{h}.png", "wb") as f:
                        f.write(make_png(rng, nrng, w, h, depth, ctype, interlace))
                    head, raw, bounds = make_png_parts(rng, nrng, w, h, depth, ctype, interlace)
                    for t in range(6):
                        with open(f"{out}/s{n:03d}_{t}_ct{ctype}_bd{depth}_i{interlace}_{w}x{h}.png", "wb") as f:
                            f.write(make_short(rng, head, raw, bounds))
                    n += 1
    # image data longer than Pillow's 64 KiB blocks, streams ending around block boundaries
    for k in range(6):
        ctype, depth, interlace = rng.choice([(2, 16), (6, 8), (0, 8)]) + (k % 2,)
        head, raw, bounds = make_png_parts(rng, nrng, 300, 120, depth, ctype, interlace)
        for t in range(8):
            with open(f"{out}/b{k}_{t}_ct{ctype}_bd{depth}_i{interlace}.png", "wb") as f:
                f.write(make_short(rng, head, raw, bounds))
    for k in range(30):
        w, h = rng.randint(1, 70), rng.randint(1, 70)
        a = nrng.integers(0, 256, size=(h, w, 3)).astype("uint8")
        mode = rng.choice(["RGB", "L", "CMYK"])
        im = Image.fromarray(np.concatenate([a, a[:, :, :1]], axis=2), "CMYK") if mode == "CMYK" else Image.fromarray(a).convert(mode)
        opts = dict(quality=rng.choice([10, 50, 90, 100]), progressive=rng.random() < 0.5)
        if mode == "RGB":
            opts["subsampling"] = rng.choice([0, 1, 2])
        b = io.BytesIO()
        im.save(b, "JPEG", **opts)
        with open(f"{out}/j{k:03d}_{mode}.jpg", "wb") as f:
            f.write(b.getvalue())
    # markers after the scan, near and beyond Pillow's 64 KiB horizon
    a = nrng.integers(0, 256, size=(300, 400, 3)).astype("uint8")
    for q in (80, 95):
        for prog in (False, True):
            b = io.BytesIO()
            Image.fromarray(a).save(b, "JPEG", quality=q, progressive=prog)
            j = b.getvalue()
            eoi = len(j) - 2
            for t in range(12):
                pad = min(rng.randrange(0, 70000), 65533)
                com = b"\xff\xfe" + (pad + 2).to_bytes(2, "big") + bytes(pad)
                kind = rng.choice(["bogus", "cut", "garbage"])
                tail = com
                if kind == "bogus":
                    at = rng.randrange(0, len(com) + 1)
                    tail = com[:at] + b"\xff\x67" + com[at:]
                elif kind == "garbage":
                    tail = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 50))) + com
                data = j[:eoi] + tail + b"\xff\xd9"
                if kind == "cut":
                    data = data[:rng.randrange(eoi, len(data))]
                with open(f"{out}/h_q{q}_p{int(prog)}_{t}_{kind}.jpg", "wb") as f:
                    f.write(data)
    # GIF / BMP / TIFF / WebP of random sizes and options (Pillow writes them)
    for k in range(60):
        w, h = rng.randint(1, 90), rng.randint(1, 70)
        a = nrng.integers(0, 256, size=(h, w, 3)).astype("uint8")
        a[:, : w // 2] //= 16  # flat areas: long LZW strings and RLE-friendly runs
        im = Image.fromarray(a)
        fmt = ["GIF", "BMP", "TIFF", "WEBP"][k % 4]
        b = io.BytesIO()
        if fmt == "GIF":
            im.quantize(rng.choice([2, 16, 256])).save(b, "GIF", interlace=rng.random() < 0.5)
        elif fmt == "BMP":
            im.convert(rng.choice(["1", "L", "P", "RGB", "RGBA"])).save(b, "BMP")
        elif fmt == "TIFF":
            mode = rng.choice(["1", "L", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"])
            comp = rng.choice(["raw", "tiff_lzw", "tiff_deflate", "packbits"] + (["jpeg"] if mode in ("L", "RGB") else []))
            src = im.convert("L").convert(mode) if mode in ("I;16", "I", "F") else im.convert(mode)
            src.save(b, "TIFF", compression=comp)
        else:
            (im.convert("RGBA") if rng.random() < 0.3 else im).save(b, "WEBP", lossless=rng.random() < 0.5, quality=rng.choice([20, 80]))
        with open(f"{out}/f{k:03d}.{fmt.lower()}", "wb") as f:
            f.write(b.getvalue())
    bases = sorted(glob.glob(f"{out}/*"))
    fixtures = ROOT + "/Tests/Fixtures/images"
    bases += sorted(glob.glob(fixtures + "/real/*")) + sorted(glob.glob(fixtures + "/jpeg/*")) + sorted(glob.glob(fixtures + "/png/*"))
    bases += sorted(glob.glob(fixtures + "/formats/*/*"))
    for path in bases:
        with open(path, "rb") as f:
            d = f.read()
        if len(d) < 4:
            continue
        name = os.path.basename(path)
        for t in range(3):
            with open(f"{out}/x_cut{t}_{name}", "wb") as f:
                f.write(d[:rng.randrange(1, len(d))])
            b = bytearray(d)
            for _ in range(rng.choice([1, 1, 2, 5])):
                b[rng.randrange(len(b))] = rng.choice([rng.randrange(256), 0xFF, 0x00, 0xD9, 0xD0 + rng.randrange(8)])
            with open(f"{out}/x_flip{t}_{name}", "wb") as f:
                f.write(bytes(b))
        for cut in (2, 12, 16):
            with open(f"{out}/x_end{cut}_{name}", "wb") as f:
                f.write(d[:-cut])


def pillow_line(path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            im = Image.open(path)
            im.load()
            if im.format not in ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP"):
                return f"{path} FMT {im.format}"
            rgb, l = zlib.crc32(im.convert("RGB").tobytes()), zlib.crc32(im.convert("L").tobytes())
            return f"{path} OK {im.size[0]} {im.size[1]} {rgb} {l}"
    except Exception as e:  # every Pillow failure counts as "refuses"
        return f"{path} ERR {type(e).__name__}"


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    work = sys.argv[2] if len(sys.argv) > 2 else "/tmp/crosshash-differential"
    files = os.path.join(work, f"seed{seed}")
    generate(files, seed)
    tool = os.path.join(work, "decode_check")
    cc = os.environ.get("CC", "/opt/swift/usr/bin/clang" if os.path.exists("/opt/swift/usr/bin/clang") else "clang")
    src = [f"{ROOT}/fuzz/decode_check.c"] + [f"{ROOT}/Sources/CCodecs/{n}" for n in ("decode.c", "jpeg_decode.c", "png_decode.c", "png_pillow_chunks.c", "gif_decode.c",
                                                                               "bmp_decode.c", "webp_decode.c", "tiff_decode.c")]
    subprocess.run([cc, "-O1", "-g", "-fsanitize=address,undefined", "-fuse-ld=lld", f"-I{ROOT}/Sources/CCodecs/include", f"-I{ROOT}/Sources/CCodecs",
                    *src, "-ljpeg", "-lpng16", "-lz", "-lwebpdemux", "-lwebp", "-ltiff", "-o", tool], check=True)
    paths = sorted(glob.glob(files + "/*"))
    mine = {}
    for i in range(0, len(paths), 200):
        run = subprocess.run([tool, *paths[i:i + 200]], capture_output=True, text=True)
        if run.stderr.strip():
            print(run.stderr)
            return 1
        for line in run.stdout.splitlines():
            mine[line.split(" ", 1)[0]] = line.split()
    bad = 0
    for path in paths:
        ref = pillow_line(path).split()
        got = mine.get(path, [path, "MISSING"])
        if ref[1] == "OK" and (got[1] != "OK" or got[2:6] != ref[2:6]):
            bad += 1
            print("Pillow decodes, we differ:", " ".join(ref[1:]), "|", " ".join(got[1:]), path)
        elif ref[1] != "OK" and got[1] == "OK":
            bad += 1
            print("Pillow refuses, we decode:", " ".join(ref[1:]), "|", " ".join(got[1:]), path)
    print(f"{len(paths)} files, {bad} differ from Pillow")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
