#!/usr/bin/env python3
"""Generate the golden test images under Tests/Fixtures/images/.

    python3 scripts/make_fixtures.py [--out Tests/Fixtures/images] [--real-src DIR]

Deterministic: fixed seeds, no timestamps, so re-running with the same Pillow / libjpeg-turbo /
zlib gives the same bytes. Then regenerate the expected values:

    python3 scripts/reference_hashes.py Tests/Fixtures/images > Tests/Fixtures/expected.json

Needs: Pillow, numpy, and for a few JPEG variants Pillow cannot write `cjpeg`/`jpegtran`
(Debian: apt-get install libjpeg-turbo-progs). The real/ photos are cut from Debian wallpaper
packages (scripts/fetch_debian_images.sh); when those are not available real/ is left as is.

PNGs Pillow cannot write (2/4-bit gray, 16-bit gray+alpha, short palettes, Adam7, raw tRNS
layouts) come from the small PNG writer below (zlib + struct, filter 0 or a filter cycle).
"""
import argparse
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# ----------------------------------------------------------------------------------------------
# Minimal PNG writer
# ----------------------------------------------------------------------------------------------

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def pack_rows(samples, bitdepth):
    """samples: (h, w, c) integer array -> list of packed row bytes (no filter byte)."""
    h, w, c = samples.shape
    if bitdepth == 16:
        return [samples[y].astype(">u2").tobytes() for y in range(h)]
    if bitdepth == 8:
        return [samples[y].astype(np.uint8).tobytes() for y in range(h)]
    assert c == 1
    per = 8 // bitdepth
    rows = []
    for y in range(h):
        v = samples[y, :, 0].astype(np.uint16)
        pad = (-w) % per
        v = np.concatenate([v, np.zeros(pad, np.uint16)]).reshape(-1, per)
        b = np.zeros(v.shape[0], np.uint16)
        for i in range(per):
            b |= v[:, i] << (8 - bitdepth * (i + 1))
        rows.append(b.astype(np.uint8).tobytes())
    return rows


def paeth(a, b, c):
    p = a.astype(np.int16) + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c)).astype(np.uint8)


def filter_rows(rows, bpp, cycle):
    """Prefix each row with a filter byte; cycle=True rotates through filter types 0..4."""
    out = bytearray()
    prev = np.zeros(len(rows[0]) if rows else 0, np.uint8)
    for i, r in enumerate(rows):
        cur = np.frombuffer(r, np.uint8)
        ft = i % 5 if cycle else 0
        if len(cur) > bpp:
            left = np.concatenate([np.zeros(bpp, np.uint8), cur[:-bpp]])
        else:
            left = np.zeros_like(cur)
        upleft = np.concatenate([np.zeros(bpp, np.uint8), prev[:-bpp]]) if len(prev) > bpp else np.zeros_like(prev)
        if ft == 0:
            f = cur
        elif ft == 1:
            f = cur - left
        elif ft == 2:
            f = cur - prev
        elif ft == 3:
            f = cur - ((left.astype(np.uint16) + prev) >> 1).astype(np.uint8)
        else:
            f = cur - paeth(left, prev, upleft)
        out.append(ft)
        out += f.astype(np.uint8).tobytes()
        prev = cur
    return bytes(out)


def png_bytes(samples, bitdepth, colortype, *, plte=None, trns=None, interlace=False, extra=(),
              cycle_filters=False, idat_split=None):
    samples = np.asarray(samples)
    if samples.ndim == 2:
        samples = samples[:, :, None]
    h, w, c = samples.shape
    assert c == CHANNELS[colortype], (c, colortype)
    bpp = max(1, c * bitdepth // 8)
    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            raw += filter_rows(pack_rows(sub, bitdepth), bpp, cycle_filters)
    else:
        raw = filter_rows(pack_rows(samples, bitdepth), bpp, cycle_filters)
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bitdepth, colortype, 0, 0, 1 if interlace else 0))
    for tag, data in extra:
        out += chunk(tag, data)
    if plte is not None:
        out += chunk(b"PLTE", bytes(np.asarray(plte, np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    comp = zlib.compress(raw, 9)
    if idat_split:
        for i in range(0, len(comp), idat_split):
            out += chunk(b"IDAT", comp[i:i + idat_split])
    else:
        out += chunk(b"IDAT", comp)
    out += chunk(b"IEND", b"")
    return out


# ----------------------------------------------------------------------------------------------
# Content
# ----------------------------------------------------------------------------------------------

def grid(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return x.astype(np.int64), y.astype(np.int64)


def scene(w, h, seed, maxval=255):
    """Gradients + shapes + a little noise, float array (h, w, 3) in [0, maxval]."""
    rng = np.random.default_rng(seed)
    x, y = grid(w, h)
    fx, fy = x / max(w - 1, 1), y / max(h - 1, 1)
    r = 0.15 + 0.7 * fx
    g = 0.2 + 0.6 * fy
    b = 0.5 + 0.4 * np.sin(6.0 * fx + 3.0 * fy)
    img = np.stack([r, g, b], -1)
    for _ in range(5):
        cx, cy = rng.uniform(0, 1, 2)
        rad = rng.uniform(0.08, 0.3)
        col = rng.uniform(0, 1, 3)
        m = (fx - cx) ** 2 + ((fy - cy) * h / max(w, 1)) ** 2 < rad ** 2
        img[m] = col
    x0, x1 = sorted(rng.uniform(0, 1, 2))
    y0, y1 = sorted(rng.uniform(0, 1, 2))
    m = (fx >= x0) & (fx <= x1) & (fy >= y0) & (fy <= y1)
    img[m] = 0.6 * img[m] + 0.4 * rng.uniform(0, 1, 3)
    img += rng.normal(0, 0.02, img.shape)
    return np.clip(img, 0, 1) * maxval


def u8(a):
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def rgb_scene(w, h, seed):
    return u8(scene(w, h, seed))


def gray_scene(w, h, seed):
    s = scene(w, h, seed)
    return u8(0.3 * s[..., 0] + 0.59 * s[..., 1] + 0.11 * s[..., 2])


def wide16(w, h, seed):
    """16-bit samples with busy low bytes: high byte from a scene, low byte pseudo-random,
    so truncation (Pillow keeps the high byte) and rounding give different results."""
    rng = np.random.default_rng(seed + 1000)
    hi = scene(w, h, seed).astype(np.int64)
    lo = rng.integers(0, 256, hi.shape)
    return (hi.clip(0, 255) << 8) | lo


# ----------------------------------------------------------------------------------------------
# Writers per folder
# ----------------------------------------------------------------------------------------------

def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def pil_bytes(im, fmt, **kw):
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def make_png(out):
    d = os.path.join(out, "png")
    W, H = 120, 90
    g8 = gray_scene(W, H, 1)
    rgb = rgb_scene(W, H, 2)
    # gray, all bit depths
    write(f"{d}/gray1.png", png_bytes((g8 > 110).astype(np.uint8), 1, 0))
    write(f"{d}/gray2.png", png_bytes(g8 >> 6, 2, 0))
    write(f"{d}/gray4.png", png_bytes(g8 >> 4, 4, 0))
    write(f"{d}/gray8.png", png_bytes(g8, 8, 0))
    # 16-bit gray: Pillow clamps (>= 256 -> 255) in convert('L'), so put values on both sides of
    # 256 in the left half and full-range values with busy low bytes (e.g. 0xABCD) on the right.
    x, y = grid(W, H)
    g16 = np.where(x < W // 2, (x * 5 + y * 3) % 400, wide16(W, H, 3)[..., 0])
    g16[0:4, :] = 0xABCD
    write(f"{d}/gray16.png", png_bytes(g16, 16, 0))
    write(f"{d}/gray8_trns.png", png_bytes(g8, 8, 0, trns=struct.pack(">H", int(g8[10, 10]))))
    write(f"{d}/gray16_trns.png", png_bytes(g16, 16, 0, trns=struct.pack(">H", 0xABCD)))
    # RGB
    write(f"{d}/rgb8.png", png_bytes(rgb, 8, 2))
    write(f"{d}/rgb16.png", png_bytes(wide16(W, H, 4), 16, 2))
    write(f"{d}/rgb8_trns.png", png_bytes(rgb, 8, 2, trns=struct.pack(">HHH", *map(int, rgb[5, 5]))))
    write(f"{d}/rgb8_filters.png", png_bytes(rgb, 8, 2, cycle_filters=True, idat_split=997))
    # palette, all bit depths (palette built from a few distinctive colours)
    rng = np.random.default_rng(5)
    for bits in (1, 2, 4, 8):
        n = 1 << bits
        pal = rng.integers(0, 256, (n, 3))
        idx = ((g8.astype(np.int64) * n) >> 8) if bits < 8 else (g8.astype(np.int64) ^ (x % 7 * 3).astype(np.int64)) % n
        write(f"{d}/pal{bits}.png", png_bytes(idx, bits, 3, plte=pal))
    pal = rng.integers(0, 256, (256, 3))
    idx = g8.astype(np.int64)
    alpha = bytes((i * 37) % 256 for i in range(200))  # tRNS shorter than PLTE is legal
    write(f"{d}/pal8_trns.png", png_bytes(idx, 8, 3, plte=pal, trns=alpha))
    write(f"{d}/pal4_trns1.png", png_bytes(g8 >> 4, 4, 3, plte=pal[:16], trns=b"\x00"))
    # indices past the palette end (Pillow >= 10.1: black)
    # indices 0..15 against a 10-entry palette: about a third of the pixels are past the end
    write(f"{d}/pal8_short.png", png_bytes((g8.astype(np.int64) // 5) % 16, 8, 3, plte=pal[:10]))
    write(f"{d}/pal4_short.png", png_bytes(g8 >> 4, 4, 3, plte=pal[:5]))
    # gray + alpha
    a8 = u8(255 * (x / (W - 1)))
    write(f"{d}/la8.png", png_bytes(np.stack([g8, a8], -1), 8, 4))
    la16 = np.stack([wide16(W, H, 6)[..., 0], wide16(W, H, 7)[..., 1]], -1)
    write(f"{d}/la16.png", png_bytes(la16, 16, 4))
    # RGBA: fully transparent pixels keep distinctive RGB (Pillow ignores alpha)
    rgba = np.concatenate([rgb, a8[..., None]], -1)
    rgba[:, :10, 3] = 0
    write(f"{d}/rgba8.png", png_bytes(rgba, 8, 6))
    write(f"{d}/rgba16.png", png_bytes(np.concatenate([wide16(W, H, 8), wide16(W, H, 9)[..., :1]], -1), 16, 6))
    # Adam7
    odd = rgb_scene(37, 29, 10)
    write(f"{d}/adam7_gray1.png", png_bytes((gray_scene(37, 29, 11) > 120).astype(np.uint8), 1, 0, interlace=True))
    write(f"{d}/adam7_gray4.png", png_bytes(gray_scene(37, 29, 12) >> 4, 4, 0, interlace=True))
    write(f"{d}/adam7_gray8.png", png_bytes(g8, 8, 0, interlace=True))
    write(f"{d}/adam7_rgb8.png", png_bytes(odd, 8, 2, interlace=True, cycle_filters=True))
    write(f"{d}/adam7_rgba16.png", png_bytes(np.concatenate(
        [wide16(37, 29, 13), wide16(37, 29, 14)[..., :1]], -1), 16, 6, interlace=True))
    write(f"{d}/adam7_pal2.png", png_bytes(gray_scene(37, 29, 15) >> 6, 2, 3, plte=pal[:4], interlace=True))
    write(f"{d}/adam7_3x5.png", png_bytes(rgb_scene(3, 5, 16), 8, 2, interlace=True))  # empty passes
    write(f"{d}/adam7_1x1.png", png_bytes(rgb_scene(1, 1, 17), 8, 2, interlace=True))
    # ancillary chunks that must not change the pixels
    write(f"{d}/gama.png", png_bytes(rgb, 8, 2, extra=[(b"gAMA", struct.pack(">I", 100000))]))
    write(f"{d}/gama045_srgb.png", png_bytes(rgb, 8, 2, extra=[(b"gAMA", struct.pack(">I", 45455)),
                                                               (b"sRGB", b"\x00")]))
    write(f"{d}/text_chunks.png", png_bytes(g8, 8, 0, extra=[(b"tEXt", b"Comment\x00fixture")]))
    # Pillow-written (adaptive filters, Pillow's own zlib settings)
    write(f"{d}/pillow_rgb.png", pil_bytes(Image.fromarray(rgb_scene(200, 150, 18)), "PNG", optimize=True))
    write(f"{d}/pillow_p.png", pil_bytes(Image.fromarray(rgb_scene(200, 150, 19)).quantize(64), "PNG"))


def cjpeg(ppm_img, args):
    with tempfile.TemporaryDirectory() as t:
        src = os.path.join(t, "in.ppm" if ppm_img.mode == "RGB" else "in.pgm")
        ppm_img.save(src)
        return subprocess.run(["cjpeg", *args, src], check=True, capture_output=True).stdout


def jpegtran(data, args):
    return subprocess.run(["jpegtran", *args], input=data, check=True, capture_output=True).stdout


def turbojpeg_ycck(cmyk, quality=90):
    """YCCK JPEG (Adobe transform 2): TurboJPEG converts CMYK input to YCCK, which neither Pillow
    nor cjpeg can write. Returns None when libturbojpeg is not installed."""
    import ctypes
    import ctypes.util
    name = ctypes.util.find_library("turbojpeg") or "libturbojpeg.so.0"
    try:
        tj = ctypes.CDLL(name)
    except OSError:
        return None
    tj.tjInitCompress.restype = ctypes.c_void_p
    tj.tjCompress2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                               ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ulong),
                               ctypes.c_int, ctypes.c_int, ctypes.c_int]
    tj.tjFree.argtypes = [ctypes.c_void_p]
    tj.tjDestroy.argtypes = [ctypes.c_void_p]
    h, w, _ = cmyk.shape
    handle = tj.tjInitCompress()
    buf, size = ctypes.c_void_p(), ctypes.c_ulong()
    TJPF_CMYK, TJSAMP_420 = 11, 2
    rc = tj.tjCompress2(handle, np.ascontiguousarray(cmyk, np.uint8).tobytes(), w, 0, h, TJPF_CMYK,
                        ctypes.byref(buf), ctypes.byref(size), TJSAMP_420, quality, 0)
    data = ctypes.string_at(buf, size.value) if rc == 0 else None
    tj.tjFree(buf)
    tj.tjDestroy(handle)
    return data


def have(tool):
    return shutil.which(tool) is not None


def make_jpeg(out):
    d = os.path.join(out, "jpeg")
    im = Image.fromarray(rgb_scene(320, 240, 20))
    odd = Image.fromarray(rgb_scene(101, 77, 21))
    write(f"{d}/baseline_420.jpg", pil_bytes(im, "JPEG", quality=85, subsampling="4:2:0"))
    write(f"{d}/baseline_422.jpg", pil_bytes(im, "JPEG", quality=85, subsampling="4:2:2"))
    write(f"{d}/baseline_444.jpg", pil_bytes(im, "JPEG", quality=85, subsampling="4:4:4"))
    write(f"{d}/odd_101x77_420.jpg", pil_bytes(odd, "JPEG", quality=90, subsampling="4:2:0"))
    write(f"{d}/odd_101x77_422.jpg", pil_bytes(odd, "JPEG", quality=90, subsampling="4:2:2"))
    write(f"{d}/progressive.jpg", pil_bytes(im, "JPEG", quality=85, progressive=True))
    write(f"{d}/grayscale.jpg", pil_bytes(im.convert("L"), "JPEG", quality=85))
    write(f"{d}/grayscale_progressive.jpg", pil_bytes(odd.convert("L"), "JPEG", quality=85, progressive=True))
    cmyk = Image.fromarray(np.concatenate([rgb_scene(160, 120, 22), gray_scene(160, 120, 23)[..., None]], -1), "CMYK")
    write(f"{d}/cmyk_adobe.jpg", pil_bytes(cmyk, "JPEG", quality=90))
    ycck = turbojpeg_ycck(np.concatenate([rgb_scene(160, 120, 25), gray_scene(160, 120, 26)[..., None]], -1))
    if ycck:
        write(f"{d}/ycck_adobe2.jpg", ycck)
    else:
        print("warning: no libturbojpeg, skipping the YCCK JPEG", file=sys.stderr)
    write(f"{d}/optimized.jpg", pil_bytes(im, "JPEG", quality=85, optimize=True))
    write(f"{d}/restart_blocks.jpg", pil_bytes(im, "JPEG", quality=85, restart_marker_blocks=3))
    write(f"{d}/restart_rows.jpg", pil_bytes(im, "JPEG", quality=85, restart_marker_rows=1))
    write(f"{d}/quality10.jpg", pil_bytes(im, "JPEG", quality=10))
    write(f"{d}/quality100.jpg", pil_bytes(im, "JPEG", quality=100, subsampling="4:4:4"))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display; decoders must NOT apply it
    asym = Image.fromarray(rgb_scene(160, 90, 24))
    write(f"{d}/exif_orientation6.jpg", pil_bytes(asym, "JPEG", quality=90, exif=exif.tobytes()))
    write(f"{d}/icc_comment.jpg", pil_bytes(odd, "JPEG", quality=80, comment=b"fixture comment",
                                           icc_profile=b"\x00" * 128))
    if have("cjpeg"):
        write(f"{d}/sampling_440.jpg", cjpeg(im, ["-quality", "85", "-sample", "1x2"]))
        write(f"{d}/sampling_411.jpg", cjpeg(im, ["-quality", "85", "-sample", "4x1"]))
        write(f"{d}/odd_101x77_440.jpg", cjpeg(odd, ["-quality", "85", "-sample", "1x2"]))
        write(f"{d}/arithmetic.jpg", cjpeg(im, ["-quality", "85", "-arithmetic"]))
        write(f"{d}/arithmetic_progressive.jpg", cjpeg(odd, ["-quality", "85", "-arithmetic", "-progressive"]))
        write(f"{d}/rgb_colorspace.jpg", cjpeg(odd, ["-quality", "90", "-rgb"]))  # Adobe transform 0
        write(f"{d}/restart_cjpeg.jpg", cjpeg(odd, ["-quality", "85", "-restart", "2B"]))
    elif have("jpegtran"):
        write(f"{d}/arithmetic.jpg", jpegtran(pil_bytes(im, "JPEG", quality=85), ["-arithmetic"]))
    else:
        print("warning: no cjpeg/jpegtran, skipping 4:4:0 and arithmetic JPEGs", file=sys.stderr)


# ALGORITHMS.md section 7 test vectors and their published imagehash phash values
SPEC_PHASH = {"A": "80050e101d7f7f7f", "B": "a131cecece3331cc", "C": "814b6d4b6d4b654b",
              "D": "8000000000000000", "E": "8a646153365dce5d"}


def spec_vectors():
    x, y = grid(97, 61)
    a = np.stack([(5 * x + 3 * y) % 256, (x * y) % 256, ((x ^ y) * 9) % 256], -1)
    x, y = grid(300, 200)
    v = (255 * x) // 299
    v[40:100, 50:150] = 20
    b = np.stack([v, v, v], -1)
    x, y = grid(40, 500)
    c = np.stack([(2 * y + 9 * x) % 256, (3 * y) % 256, (20 * x) % 256], -1)
    dd = np.full((48, 64, 3), 128)
    x, y = grid(640, 480)
    r = np.where((x - 320) ** 2 + (y - 240) ** 2 < 150 ** 2, 255, 200 * ((x // 20) % 2))
    e = np.stack([r, (255 * y) // 479, 128 + (x * y % 64)], -1)
    x, y = grid(40, 500)
    p = np.stack([(7 * x + 11 * y) % 256, (x * y // 7) % 256, ((x ^ y) * 5) % 256], -1)
    return {"A": a, "B": b, "C": c, "D": dd, "E": e, "passorder": p}


def make_edge(out):
    d = os.path.join(out, "edge")

    def save(name, arr):
        arr = np.asarray(arr).astype(np.uint8)
        write(f"{d}/{name}.png", pil_bytes(Image.fromarray(arr), "PNG"))

    for w, h in [(1, 1), (2, 2), (3, 5), (7, 7)]:
        save(f"tiny_{w}x{h}", rgb_scene(w, h, 30 + w))
    for w, h in [(1, 500), (500, 1), (4000, 3), (3, 4000)]:
        save(f"thin_{w}x{h}", rgb_scene(w, h, 40 + w))
    write(f"{d}/thin_3x4000.jpg", pil_bytes(Image.fromarray(rgb_scene(3, 4000, 45)), "JPEG", quality=90))
    write(f"{d}/thin_4000x3.jpg", pil_bytes(Image.fromarray(rgb_scene(4000, 3, 46)), "JPEG", quality=90))
    for name, col in [("black", 0), ("white", 255), ("grey128", 128)]:
        save(f"solid_{name}", np.full((48, 64, 3), col))
    save("solid_red", np.broadcast_to(np.array([255, 0, 0]), (48, 64, 3)))
    write(f"{d}/solid_grey128.jpg", pil_bytes(Image.new("RGB", (64, 48), (128, 128, 128)), "JPEG", quality=95))
    s = rgb_scene(100, 80, 50)
    save("mirror_h", np.concatenate([s, s[:, ::-1]], 1))
    save("mirror_v", np.concatenate([s, s[::-1]], 0))
    q = np.concatenate([s, s[:, ::-1]], 1)
    save("mirror_hv", np.concatenate([q, q[::-1]], 0))
    x, y = grid(200, 120)
    half = np.where(x < 100, 0, 255)
    save("half_lr", np.stack([half] * 3, -1))
    half = np.where(y < 60, 30, 220)
    save("half_tb", np.stack([half] * 3, -1))
    for n in (32, 64, 256):
        save(f"square_{n}", rgb_scene(n, n, 60 + n))
    save("exact_32x32_gray", gray_scene(32, 32, 61))
    for w, h in [(40, 500), (31, 200), (33, 1000)]:
        save(f"tall_{w}x{h}", rgb_scene(w, h, 70 + w))
    for w, h in [(500, 40), (200, 31)]:
        save(f"wide_{w}x{h}", rgb_scene(w, h, 80 + w))
    for k, arr in spec_vectors().items():
        save(f"spec_{k}" if k != "passorder" else "spec_passorder_40x500", arr)


def make_real(out, src_dir):
    """~12 photos/wallpapers from Debian packages, downscaled and re-encoded to <= 150 KB."""
    d = os.path.join(out, "real")
    picks = [  # (source basename, output name, max side, format)
        ("goldfish.png", "goldfish.jpg", 900, "JPEG"),
        ("calla.png", "calla.jpg", 800, "JPEG"),
        ("the-mouse.jpg", "the_mouse.jpg", 900, "JPEG"),
        ("string.jpg", "string.jpg", 800, "JPEG"),
        ("firstgeneration.jpg", "firstgeneration_progressive.jpg", 700, "JPEG-P"),
        ("rhythm.jpg", "rhythm.png", 320, "PNG"),
        ("2004default.jpg", "ukui_default.jpg", 640, "JPEG"),
        ("city.png", "city.png", 360, "PNG"),
        ("desert.png", "desert.png", 400, "PNG"),
        ("rollpaper.png", "rollpaper.jpg", 700, "JPEG"),
        ("warty-final-ubuntu.png", "warty_final.jpg", 1000, "JPEG"),
        ("Sway_Wallpaper_Blue_1920x1080.png", "sway_1920.jpg", 800, "JPEG"),
        ("Sway_Wallpaper_Blue_768x1024_Portrait.png", "sway_portrait.png", 300, "PNG"),
        ("focal-ubuntukylin.png", "focal_ubuntukylin_gray.jpg", 640, "JPEG-L"),
    ]
    found = {}
    for dp, _, fs in os.walk(src_dir):
        for f in fs:
            found.setdefault(f.split("__", 1)[-1], os.path.join(dp, f))  # fetch script prefixes pkg__
    n = 0
    for src, name, side, fmt in picks:
        if src not in found:
            print(f"warning: real source {src} not found, skipping", file=sys.stderr)
            continue
        im = Image.open(found[src]).convert("RGB")
        im.thumbnail((side, side), Image.LANCZOS, reducing_gap=None)
        for q in (88, 80, 72, 64, 56, 48):
            if fmt == "PNG":
                data = pil_bytes(im, "PNG", optimize=True)
            elif fmt == "JPEG-L":
                data = pil_bytes(im.convert("L"), "JPEG", quality=q)
            else:
                data = pil_bytes(im, "JPEG", quality=q, progressive=(fmt == "JPEG-P"))
            if len(data) <= 150_000:
                break
            if fmt == "PNG":
                im = im.resize((im.width * 4 // 5, im.height * 4 // 5), Image.LANCZOS)
        assert len(data) <= 150_000, (name, len(data))
        write(f"{d}/{name}", data)
        n += 1
    return n


def make_large(out):
    """One large legitimate JPEG (9000x7000) of smooth content, small file."""
    w, h = 9000, 7000
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    img = np.empty((h, w, 3), np.uint8)
    blob = np.exp(-((x - 0.3) ** 2 + (y - 0.4) ** 2) / 0.02)
    blob2 = np.exp(-((x - 0.75) ** 2 + (y - 0.7) ** 2) / 0.01)
    img[..., 0] = np.clip(40 + 150 * x + 60 * blob, 0, 255)
    img[..., 1] = np.clip(60 + 120 * y + 70 * blob2, 0, 255)
    img[..., 2] = np.clip(200 - 100 * x * y + 40 * blob - 50 * blob2, 0, 255)
    data = pil_bytes(Image.fromarray(img), "JPEG", quality=60, optimize=True)
    assert len(data) <= 1_500_000, len(data)
    write(os.path.join(out, "large", "smooth_9000x7000.jpg"), data)


def make_hostile(out):
    d = os.path.join(out, "hostile")
    rng = np.random.default_rng(99)
    jpg = pil_bytes(Image.fromarray(rgb_scene(160, 120, 90)), "JPEG", quality=85)
    png = png_bytes(rgb_scene(64, 48, 91), 8, 2)
    write(f"{d}/empty.jpg", b"")
    write(f"{d}/empty.png", b"")
    write(f"{d}/truncated_header.jpg", jpg[:20])
    write(f"{d}/truncated_scan.jpg", jpg[: int(len(jpg) * 0.7)])
    # cut inside IDAT: keep the signature, IHDR, and half of the IDAT payload
    idat = png.index(b"IDAT") - 4
    ln = struct.unpack(">I", png[idat:idat + 4])[0]
    write(f"{d}/truncated_idat.png", png[: idat + 8 + ln // 2])
    write(f"{d}/random_bytes.jpg", rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    write(f"{d}/text.png", b"This is not a picture.\nJust some text in a .png file.\n")
    write(f"{d}/html_page.jpg", b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
                                b"<body><h1>Not Found</h1><p>The requested image was not found.</p></body></html>\n")
    write(f"{d}/png_named.jpg", png)
    write(f"{d}/jpeg_named.png", jpg)
    write(f"{d}/png_no_extension", png)
    write(f"{d}/jpeg_no_extension", jpg)
    # decompression bombs: header claims a huge canvas, almost no data
    # (RGBA: 14.4 GB as Pillow stores it, so the reference run fails fast on its memory cap)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 6, 0, 0, 0))
    comp = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * (60000 * 4)
    z = b"".join(comp.compress(row) for _ in range(20)) + comp.flush()
    bomb += chunk(b"IDAT", z) + chunk(b"IEND", b"")
    write(f"{d}/bomb_60000x60000.png", bomb)
    # a complete zlib stream holding fewer rows than IHDR declares (Pillow fills the rest with 0,
    # libpng reports "Not enough image data")
    short = png_bytes(rgb_scene(64, 20, 94), 8, 2)
    short = short[:16] + struct.pack(">II", 64, 48) + short[24:29] + struct.pack(
        ">I", zlib.crc32(b"IHDR" + struct.pack(">II", 64, 48) + short[24:29]) & 0xFFFFFFFF) + short[33:]
    write(f"{d}/short_idat_stream.png", short)
    # JPEG bomb: patch the SOF0 dimensions of a tiny baseline JPEG to 65000x65000
    small = bytearray(pil_bytes(Image.fromarray(rgb_scene(16, 16, 92)), "JPEG", quality=50))
    sof = small.index(b"\xff\xc0")
    small[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)
    write(f"{d}/bomb_65000x65000.jpg", bytes(small))
    other = Image.fromarray(rgb_scene(64, 48, 93))
    write(f"{d}/unsupported.gif", pil_bytes(other.quantize(32), "GIF"))
    write(f"{d}/unsupported.bmp", pil_bytes(other, "BMP"))
    write(f"{d}/unsupported.tif", pil_bytes(other, "TIFF"))
    write(f"{d}/gif_named.jpg", pil_bytes(other.quantize(32), "GIF"))
    # corrupt but decodable: garbage between the end of the entropy data and EOI
    # (libjpeg: "Corrupt JPEG data: N extraneous bytes before marker 0xd9")
    eoi = jpg.rindex(b"\xff\xd9")
    write(f"{d}/corrupt_extraneous_bytes.jpg", jpg[:eoi] + bytes([0x12, 0x34, 0x56, 0x78, 0x9A]) + jpg[eoi:])
    # corrupt entropy data in the middle of the scan (bytes flipped, no 0xFF introduced)
    sos = jpg.index(b"\xff\xda")
    mid = sos + (eoi - sos) // 2
    bad = bytearray(jpg)
    for i in range(mid, mid + 16):
        bad[i] = 0x00 if bad[i] == 0xFF or bad[i - 1] == 0xFF else bad[i] ^ 0x5A
    write(f"{d}/corrupt_entropy.jpg", bytes(bad))
    # garbage before the SOS marker: libjpeg warns "3 extraneous bytes before marker 0xda" while
    # parsing the header (in-memory sources too), Pillow returns the pixels -> hashed + warning
    sos = jpg.index(b"\xff\xda")
    write(f"{d}/corrupt_header_garbage.jpg", jpg[:sos] + bytes([0x12, 0x34, 0x56]) + jpg[sos:])
    # 12-bit precision in SOF0 (Pillow accepts only 8-bit JPEGs)
    b12 = bytearray(jpg)
    sof = b12.index(b"\xff\xc0")
    b12[sof + 4] = 12
    write(f"{d}/precision12_header.jpg", bytes(b12))
    # trailing bytes after EOI / IEND are common in the wild and harmless to both decoders
    write(f"{d}/trailing_garbage.jpg", jpg + b"\x00" * 64 + b"trailing junk")
    write(f"{d}/trailing_garbage.png", png + b"trailing junk after IEND")
    write(f"{d}/leading_garbage.jpg", b"\x00\x00junk" + jpg)
    # missing EOI only
    write(f"{d}/missing_eoi.jpg", jpg[:eoi])
    # ends right after the IDAT chunk: Pillow never reads IEND, libpng's png_read_end fails
    write(f"{d}/missing_iend.png", png[: png.index(b"IEND") - 4])
    # bad CRC on IDAT (and one on an ancillary chunk)
    crc = bytearray(png)
    iend = png.index(b"IEND") - 4
    crc[iend - 1] ^= 0xFF  # last byte of the IDAT CRC (Pillow does not check IDAT CRCs)
    write(f"{d}/bad_crc_idat.png", bytes(crc))
    good = png_bytes(rgb_scene(64, 48, 91), 8, 2, extra=[(b"tEXt", b"k\x00v")])
    t = good.index(b"tEXt")
    bad = bytearray(good)
    bad[t + 4 + 3] ^= 0xFF
    write(f"{d}/bad_crc_text.png", bytes(bad))
    # bad CRC on an ancillary chunk after IDAT (Pillow reads it after the pixels: no error)
    iend = png.index(b"IEND") - 4
    after = bytearray(png[:iend] + chunk(b"tEXt", b"k\x00v") + png[iend:])
    after[iend + 8 + 3] ^= 0xFF
    write(f"{d}/bad_crc_after_idat.png", bytes(after))
    write(f"{d}/README.txt", b"Hostile inputs for crosshash. Each must give a clean typed error or, when the\n"
                             b"bytes are a valid JPEG/PNG whatever the name, a hash. Generated by\n"
                             b"scripts/make_fixtures.py.\n")


def bombs(d):
    """Headers declaring 60000x60000 (16384x16384 for WebP, its maximum) pixels with almost no data:
    crosshash must refuse them from the header (--max-pixels) before allocating anything."""
    os.makedirs(d, exist_ok=True)
    n = 60000
    bmp_info = struct.pack("<IiiHHIIiiII", 40, n, n, 1, 24, 0, 0, 2835, 2835, 0, 0)
    write(f"{d}/bomb_60000x60000.bmp", b"BM" + struct.pack("<IHHI", 54 + 16, 0, 0, 54) + bmp_info + bytes(16))
    gif = (b"GIF89a" + struct.pack("<HHBBB", n, n, 0, 0, 0) + b"," + struct.pack("<HHHHB", 0, 0, n, n, 0)
           + bytes([8, 2, 0x00, 0x01, 0, 0x3B]))
    write(f"{d}/bomb_60000x60000.gif", gif)
    entries = [(256, 4, 1, n), (257, 4, 1, n), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8 + 2 + 12 * 9 + 4), (277, 3, 1, 1), (278, 4, 1, n), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", t, k, c, v) for t, k, c, v in entries)
    write(f"{d}/bomb_60000x60000.tif", b"II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + bytes(16))
    bits = (16384 - 1) | ((16384 - 1) << 14)
    vp8l = b"\x2f" + struct.pack("<I", bits) + bytes(16)
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    write(f"{d}/bomb_16384x16384.webp", b"RIFF" + struct.pack("<I", len(body)) + body)


def make_formats(out):
    """GIF / BMP / TIFF / WebP: every variant of scripts/make_format_corpus.py (Pillow, ImageMagick,
    cwebp, tiffcp and hand-written BMP layouts) for one small synthetic picture, in formats/<fmt>/,
    and the PNGs on Pillow's chunk limits in formats/png_parity/."""
    sys.path.insert(0, HERE)
    import make_format_corpus as corpus
    d = os.path.join(out, "formats")
    tmp = tempfile.mkdtemp(prefix="crosshash-formats-")
    try:
        w, h = 45, 29  # odd: row padding, partial tiles and strips, 4-bit half bytes
        im = Image.new("RGB", (w, h))
        im.putdata([((x * 255) // w, (y * 255) // h, ((x * y) * 7) % 256) for y in range(h) for x in range(w)])
        corpus.write_variants(d, "grad", im, tmp)
        corpus.tiff_orientations(d, "grad", im, tmp)
        corpus.tiff_hand_layouts(d, "grad", im)
        corpus.damaged_classes(d, "grad", d, step=7)  # a sample: the corpus damages every file
        corpus.png_parity(d, im)
        bombs(os.path.join(d, "bombs"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "images"))
    ap.add_argument("--real-src", default=None,
                    help="folder with extracted Debian wallpaper packages (default: fetch them)")
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--formats-only", action="store_true",
                    help="only (re)write formats/ (GIF/BMP/TIFF/WebP), leaving the other fixtures as they are")
    args = ap.parse_args()
    out = args.out
    if args.formats_only:
        shutil.rmtree(os.path.join(out, "formats"), ignore_errors=True)
        make_formats(out)
        return
    for sub in ("png", "jpeg", "edge", "large", "hostile"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    make_png(out)
    make_jpeg(out)
    make_edge(out)
    make_large(out)
    make_hostile(out)
    shutil.rmtree(os.path.join(out, "formats"), ignore_errors=True)
    make_formats(out)
    if not args.skip_real:
        src = args.real_src
        tmp = None
        if src is None:
            tmp = tempfile.mkdtemp(prefix="crosshash-real-")
            r = subprocess.run([os.path.join(HERE, "fetch_debian_images.sh"), tmp, "1000"])
            src = tmp if r.returncode == 0 else None
        if src:
            shutil.rmtree(os.path.join(out, "real"), ignore_errors=True)
            print(f"real: {make_real(out, src)} images", file=sys.stderr)
        else:
            print("warning: no Debian images, real/ left unchanged", file=sys.stderr)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    # spec vectors must reproduce the published phash values
    import imagehash
    for k, v in SPEC_PHASH.items():
        got = str(imagehash.phash(Image.open(os.path.join(out, "edge", f"spec_{k}.png"))))
        assert got == v, (k, got, v)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out) for f in fs)
    print(f"total {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
