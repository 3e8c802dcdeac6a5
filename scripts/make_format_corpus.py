#!/usr/bin/env python3
"""Builds the GIF / BMP / TIFF / WebP parity corpus (none of it written by crosshash).

    python3 scripts/make_format_corpus.py OUT_DIR [SOURCE_IMAGE ...]

Sources: the given pictures (default: Tests/Fixtures/images/real/*), cut to at most 160 px, plus
two synthetic ones. Every source is written in many variants by Pillow, ImageMagick (`convert`),
libwebp's `cwebp` and libtiff's `tiffcp`, plus BMP layouts no common writer produces (4-bit,
RLE4, top-down), written here by hand from the BMP specification, and PNGs on Pillow's chunk
limits (compressed text past MAX_TEXT_CHUNK, MAX_TEXT_MEMORY, iCCP, APNG frame sequences). Files of these formats
shipped by installed Debian packages (/usr/share) are copied in too, and a damaged copy of a
subset (cut short, bytes flipped) checks that what Pillow refuses crosshash refuses too. Per
source also: all eight TIFF Orientations of six layouts (tiff_orientation/), 12-bit grey and
separate planes with an empty extra plane (tiff_hand/), and every GIF/BMP/TIFF/WebP variant cut
at three points and overwritten in three places plus BMP palette, RowsPerStrip, short Deflate
and tile-offset cases (damaged_classes/).
Deterministic for given inputs and tool versions. Then compare with
`scripts/conformance.sh OUT_DIR` (or scripts/format_parity.sh, which does both).
"""
import glob
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def have(tool):
    return shutil.which(tool) is not None


def sources(paths):
    out = []
    for p in paths:
        with Image.open(p) as im:
            im = im.convert("RGB")
            im.thumbnail((160, 160))
            out.append((os.path.splitext(os.path.basename(p))[0], im.copy()))
    w, h = 97, 61  # odd sizes: row padding, partial tiles and strips
    grad = Image.new("RGB", (w, h))
    grad.putdata([((x * 255) // w, (y * 255) // h, ((x + y) * 3) % 256) for y in range(h) for x in range(w)])
    out.append(("gradient", grad))
    rnd = random.Random(7)
    noise = Image.frombytes("RGB", (64, 48), bytes(rnd.randrange(256) for _ in range(64 * 48 * 3)))
    out.append(("noise", noise))
    return out


# ---- hand-written BMP layouts -----------------------------------------------------------------

def bmp_file(width, height, bits, palette, rows, compression=0, top_down=False):
    """rows: the pixel data, already in file order and padded."""
    data = b"".join(rows)
    pal = b"".join(bytes((b, g, r, 0)) for r, g, b in palette)
    offset = 14 + 40 + len(pal)
    h = -height if top_down else height
    info = struct.pack("<IiiHHIIiiII", 40, width, h, 1, bits, compression, len(data), 2835, 2835, len(palette), 0)
    head = b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset)
    return head + info + pal + data


def bmp_4bit(im):
    p = im.quantize(16)
    pal = p.getpalette()[:48]
    palette = [tuple(pal[i:i + 3]) for i in range(0, 48, 3)]
    w, h = p.size
    px = p.load()
    rows = []
    for y in reversed(range(h)):
        nib = [px[x, y] for x in range(w)] + [0]
        row = bytes((nib[i] << 4) | nib[i + 1] for i in range(0, w, 2))
        rows.append(row + b"\0" * (-len(row) % 4))
    return bmp_file(w, h, 4, palette, rows)


def rle_runs(values):
    runs, i = [], 0
    while i < len(values):
        j = i
        while j < len(values) and j - i < 255 and values[j] == values[i]:
            j += 1
        runs.append((j - i, values[i]))
        i = j
    return runs


def bmp_rle(im, rle4):
    colors = 16 if rle4 else 256
    p = im.quantize(colors)
    pal = p.getpalette()[:colors * 3]
    palette = [tuple(pal[i:i + 3]) for i in range(0, len(pal), 3)]
    w, h = p.size
    px = p.load()
    out = bytearray()
    for y in reversed(range(h)):
        row = [px[x, y] for x in range(w)]
        x = 0
        while x < w:
            # an absolute run every few pixels when the data varies, encoded runs otherwise
            n = 1
            while x + n < w and row[x + n] == row[x] and n < 254:
                n += 1
            if n >= 3 or w - x < 3:
                out += bytes((n, (row[x] << 4 | row[x]) if rle4 else row[x]))
                x += n
            else:
                m = min(w - x, 8)
                vals = row[x:x + m]
                if m < 3:
                    for v in vals:
                        out += bytes((1, (v << 4 | v) if rle4 else v))
                else:
                    out += bytes((0, m))
                    if rle4:
                        vv = vals + [0]
                        data = bytes((vv[i] << 4) | vv[i + 1] for i in range(0, m, 2))
                    else:
                        data = bytes(vals)
                    out += data + (b"\0" if len(data) % 2 else b"")
                x += m
        out += b"\0\0"
    out += b"\0\1"
    return bmp_file(w, h, 4 if rle4 else 8, palette, [bytes(out)], compression=2 if rle4 else 1)


def bmp_top_down(im):
    w, h = im.size
    raw = im.tobytes("raw", "BGR")
    rows = []
    for y in range(h):
        row = raw[y * w * 3:(y + 1) * w * 3]
        rows.append(row + b"\0" * (-len(row) % 4))
    return bmp_file(w, h, 24, [], rows, top_down=True)


# ---- PNG files on Pillow's chunk limits (MAX_TEXT_CHUNK, MAX_TEXT_MEMORY, APNG sequences) ----------

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_parity(out, im):
    """PNGs Pillow refuses (or not) because of their text, iCCP or APNG chunks."""
    d = os.path.join(out, "png_parity")
    os.makedirs(d, exist_ok=True)
    b = io.BytesIO()
    im.save(b, "PNG")
    data = b.getvalue()
    idat = data.index(b"IDAT") - 4
    iend = data.index(b"IEND") - 4
    big = zlib.compress(b"a" * (2 << 20))       # 2 MiB of text: over MAX_TEXT_CHUNK
    exact = zlib.compress(b"a" * (1 << 20))     # exactly MAX_TEXT_CHUNK: accepted

    def w(name, pre=b"", post=b""):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data[:idat] + pre + data[idat:iend] + post + data[iend:])

    w("ztxt_big_before.png", pre=png_chunk(b"zTXt", b"k\0\0" + big))
    w("ztxt_big_after.png", post=png_chunk(b"zTXt", b"k\0\0" + big))
    w("ztxt_exact.png", pre=png_chunk(b"zTXt", b"k\0\0" + exact))
    w("ztxt_method1_before.png", pre=png_chunk(b"zTXt", b"k\0\1" + exact))
    w("ztxt_method1_after.png", post=png_chunk(b"zTXt", b"k\0\1" + exact))
    w("ztxt_bad_zlib.png", pre=png_chunk(b"zTXt", b"k\0\0garbage"))
    w("itxt_big_before.png", pre=png_chunk(b"iTXt", b"k\0\1\0\0\0" + big))
    w("itxt_big_after.png", post=png_chunk(b"iTXt", b"k\0\1\0\0\0" + big))
    w("itxt_exact_utf8.png", pre=png_chunk(b"iTXt", b"k\0\1\0en\0\0" + zlib.compress("é".encode() * 1000)))
    w("iccp_big.png", pre=png_chunk(b"iCCP", b"p\0\0" + big))
    w("iccp_method1.png", pre=png_chunk(b"iCCP", b"p\0\1" + exact))
    w("ztxt_over_text_memory.png", pre=b"".join(png_chunk(b"zTXt", b"k\0\0" + exact) for _ in range(65)))
    w("ztxt_at_text_memory.png", pre=b"".join(png_chunk(b"zTXt", b"k\0\0" + exact) for _ in range(63)))

    frames = [im, im.rotate(90), im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    b = io.BytesIO()
    frames[0].save(b, "PNG", save_all=True, append_images=frames[1:], duration=100)
    apng = b.getvalue()
    chunks, pos = [], 8
    while pos < len(apng):
        n = struct.unpack(">I", apng[pos:pos + 4])[0]
        chunks.append([apng[pos + 4:pos + 8], apng[pos + 8:pos + 8 + n]])
        pos += 12 + n

    def build(name, edit):
        c = [list(x) for x in chunks]
        edit(c)
        with open(os.path.join(d, name), "wb") as f:
            f.write(apng[:8] + b"".join(png_chunk(t, x) for t, x in c))

    def seq(c, kind, k, value):
        i = [j for j, x in enumerate(c) if x[0] == kind][k]
        c[i][1] = struct.pack(">I", value) + c[i][1][4:]

    def one_frame(c):
        for x in c:
            if x[0] == b"acTL":
                x[1] = struct.pack(">II", 1, 0)

    build("apng.png", lambda c: None)
    build("apng_first_fctl_seq.png", lambda c: seq(c, b"fcTL", 0, 5))
    build("apng_second_fctl_seq.png", lambda c: seq(c, b"fcTL", 1, 9))   # animated: not read by Pillow
    build("apng_fdat_seq.png", lambda c: seq(c, b"fdAT", 0, 9))
    build("apng_one_frame_fctl_seq.png", lambda c: (one_frame(c), seq(c, b"fcTL", 1, 9)))
    build("apng_one_frame_fdat_seq.png", lambda c: (one_frame(c), seq(c, b"fdAT", 0, 7)))
    build("apng_no_actl.png", lambda c: c.__setitem__(slice(None), [x for x in c if x[0] != b"acTL"]))
    build("apng_frame_outside.png", lambda c: c[[j for j, x in enumerate(c) if x[0] == b"fcTL"][0]].__setitem__(
        1, c[[j for j, x in enumerate(c) if x[0] == b"fcTL"][0]][1][:4] + struct.pack(">I", 4000) + c[[j for j, x in enumerate(c) if x[0] == b"fcTL"][0]][1][8:]))


# ---- the corpus ---------------------------------------------------------------------------------

def write_variants(out, name, im, tmp):
    def save(sub, fname, img, **kw):
        d = os.path.join(out, sub)
        os.makedirs(d, exist_ok=True)
        img.save(os.path.join(d, f"{name}_{fname}"), **kw)

    png = os.path.join(tmp, f"{name}.png")
    im.save(png)
    rgba = im.convert("RGBA")
    a = Image.linear_gradient("L").resize(im.size)
    rgba.putalpha(a)
    png_alpha = os.path.join(tmp, f"{name}_alpha.png")
    rgba.save(png_alpha)

    # BMP (Pillow)
    for mode in ("1", "L", "P", "RGB", "RGBA"):
        src = im.convert(mode) if mode != "P" else im.quantize(200)
        save("bmp", f"pil_{mode}.bmp", src if mode != "RGBA" else rgba)
    d = os.path.join(out, "bmp")
    for fname, data in (("hand_4bit.bmp", bmp_4bit(im)), ("hand_rle8.bmp", bmp_rle(im, False)),
                        ("hand_rle4.bmp", bmp_rle(im, True)), ("hand_topdown24.bmp", bmp_top_down(im))):
        with open(os.path.join(d, f"{name}_{fname}"), "wb") as f:
            f.write(data)
    if have("convert"):
        for fname, args in (("im_bmp3.bmp", ["BMP3:"]), ("im_bmp2.bmp", ["BMP2:"]),
                            ("im_rgb565.bmp", ["-define", "bmp:subtype=RGB565", "BMP:"]),
                            ("im_rgb555.bmp", ["-define", "bmp:subtype=RGB555", "BMP:"]),
                            ("im_argb32.bmp", ["-define", "bmp:subtype=ARGB8888", "BMP:"]),
                            ("im_rle8.bmp", ["-colors", "200", "-compress", "RLE", "BMP3:"]),
                            ("im_pal16.bmp", ["-colors", "16", "-type", "Palette", "BMP3:"]),
                            ("im_gray.bmp", ["-colorspace", "Gray", "-type", "Grayscale", "BMP3:"])):
            src = png_alpha if "argb" in fname else png
            pre, fmt = args[:-1], args[-1]
            run(["convert", src] + pre + [fmt + os.path.join(d, f"{name}_{fname}")])

    # GIF
    save("gif", "pil_P.gif", im.quantize(256))
    save("gif", "pil_L.gif", im.convert("L"))
    save("gif", "pil_64colors_interlaced.gif", im.quantize(64), interlace=True)
    save("gif", "pil_16colors_noninterlaced.gif", im.quantize(16), interlace=False)
    save("gif", "pil_transparent.gif", im.quantize(100), transparency=5)
    frames = [im.quantize(128), im.rotate(90).quantize(128)]
    save("gif", "pil_animated.gif", frames[0], save_all=True, append_images=frames[1:], duration=100)
    d = os.path.join(out, "gif")
    if have("convert"):
        run(["convert", png, "-colors", "50", os.path.join(d, f"{name}_im.gif")])
        run(["convert", png, "-colors", "8", "-interlace", "GIF", os.path.join(d, f"{name}_im_interlaced.gif")])
        # first image smaller than the screen, at an offset; transparency from the alpha
        run(["convert", "-size", f"{im.width + 10}x{im.height + 6}", "xc:none", "(", png, "-colors", "30", ")",
             "-geometry", "+5+3", "-composite", os.path.join(d, f"{name}_im_alpha.gif")])
        run(["convert", "-dispose", "previous", "(", png, "-colors", "40", "-repage", f"{im.width + 8}x{im.height + 8}+4+4", ")",
             "(", png, "-flop", "-colors", "40", ")", os.path.join(d, f"{name}_im_offset_anim.gif")])

    # TIFF (Pillow)
    for comp in ("raw", "tiff_lzw", "tiff_deflate", "packbits"):
        for mode in ("1", "L", "P", "RGB", "RGBA", "CMYK", "I;16"):
            if mode == "P":
                src = im.quantize(60)
            elif mode == "I;16":
                # values 0..765: some under 255 (kept), some over (Pillow clamps them to 255)
                arr = np.asarray(im.convert("L"), dtype="<u2") * 3
                src = Image.frombytes("I;16", im.size, arr.tobytes())
            elif mode == "RGBA":
                src = rgba
            else:
                src = im.convert(mode)
            if comp == "packbits" and mode in ("I;16",):
                continue
            save("tiff", f"pil_{mode.replace(';', '')}_{comp}.tif", src, compression=comp)
    # Pillow's I (signed 32-bit), F (float) and big-endian I;16B: values around and past 0..255
    arr = np.asarray(im.convert("L"), dtype=np.int32) * 2 - 60
    save("tiff", "pil_I.tif", Image.frombytes("I", im.size, arr.astype("<i4").tobytes()))
    save("tiff", "pil_I_lzw.tif", Image.frombytes("I", im.size, arr.astype("<i4").tobytes()), compression="tiff_lzw")
    farr = arr.astype(np.float32) * 0.73 + 0.5
    save("tiff", "pil_F.tif", Image.frombytes("F", im.size, farr.astype("<f4").tobytes()))
    save("tiff", "pil_F_deflate.tif", Image.frombytes("F", im.size, farr.astype("<f4").tobytes()), compression="tiff_deflate")
    uarr = (np.asarray(im.convert("L"), dtype=np.int32) * 3).astype(">u2")
    save("tiff", "pil_I16B.tif", Image.frombytes("I;16B", im.size, uarr.tobytes()))
    save("tiff", "pil_L_group4.tif", im.convert("1"), compression="group4")
    save("tiff", "pil_RGB_jpeg.tif", im, compression="jpeg", quality=85)
    save("tiff", "pil_L_jpeg.tif", im.convert("L"), compression="jpeg")
    save("tiff", "pil_multipage.tif", im, save_all=True, append_images=[im.rotate(90), im.convert("L")])
    d = os.path.join(out, "tiff")
    if have("tiffcp"):
        base = os.path.join(d, f"{name}_pil_RGB_raw.tif")
        for fname, args in (("tiffcp_tiled_lzw.tif", ["-t", "-w", "32", "-l", "32", "-c", "lzw"]),
                            ("tiffcp_tiled_zip_pred.tif", ["-t", "-w", "16", "-l", "48", "-c", "zip:2"]),
                            ("tiffcp_lzw_pred.tif", ["-c", "lzw:2", "-r", "7"]),
                            ("tiffcp_separate.tif", ["-p", "separate", "-c", "packbits"]),
                            ("tiffcp_tiled_jpeg.tif", ["-t", "-c", "jpeg:r:90"]),
                            ("tiffcp_strip1.tif", ["-r", "1", "-c", "none"])):
            run(["tiffcp"] + args + [base, os.path.join(d, f"{name}_{fname}")])
        lbase = os.path.join(d, f"{name}_pil_L_raw.tif")
        run(["tiffcp", "-t", "-c", "zip", lbase, os.path.join(d, f"{name}_tiffcp_L_tiled_zip.tif")])
        pbase = os.path.join(d, f"{name}_pil_P_raw.tif")
        run(["tiffcp", "-c", "lzw", pbase, os.path.join(d, f"{name}_tiffcp_P_lzw.tif")])
    if have("convert"):
        for fname, args in (("im_16bit_rgb.tif", ["-depth", "16", "-compress", "zip"]),
                            ("im_miniswhite.tif", ["-colorspace", "Gray", "-define", "tiff:photometric=min-is-white", "-compress", "lzw"]),
                            ("im_gray4.tif", ["-colorspace", "Gray", "-depth", "4"]),
                            ("im_gray2.tif", ["-colorspace", "Gray", "-depth", "2"]),
                            ("im_cmyk_lzw.tif", ["-colorspace", "CMYK", "-compress", "lzw"]),
                            ("im_rgba_assoc.tif", ["-define", "tiff:alpha=associated"]),
                            ("im_rgba_unassoc.tif", ["-define", "tiff:alpha=unassociated"]),
                            ("im_jpeg_ycbcr.tif", ["-compress", "jpeg", "-quality", "80"]),
                            ("im_msb_lsb.tif", ["-define", "tiff:fill-order=lsb", "-monochrome"]),
                            ("im_gray16_miniswhite.tif", ["-colorspace", "Gray", "-depth", "16", "-define", "tiff:photometric=min-is-white"]),
                            ("im_gray32.tif", ["-colorspace", "Gray", "-depth", "32"]),
                            ("im_grayf32.tif", ["-colorspace", "Gray", "-define", "quantum:format=floating-point", "-depth", "32"]),
                            ("im_grayf64.tif", ["-colorspace", "Gray", "-define", "quantum:format=floating-point", "-depth", "64"]),
                            ("im_cmyk16.tif", ["-colorspace", "CMYK", "-depth", "16"]),
                            ("im_ycbcr.tif", ["-colorspace", "YCbCr", "-define", "tiff:photometric=ycbcr"]),
                            ("im_lab.tif", ["-colorspace", "Lab"])):
            src = png_alpha if "rgba" in fname else png
            run(["convert", src] + args + [os.path.join(d, f"{name}_{fname}")])

    # WebP
    save("webp", "pil_lossy.webp", im, quality=80)
    save("webp", "pil_lossless.webp", im, lossless=True)
    save("webp", "pil_alpha_lossy.webp", rgba, quality=70)
    save("webp", "pil_alpha_lossless.webp", rgba, lossless=True)
    save("webp", "pil_animated.webp", im, save_all=True, append_images=[im.rotate(90)], duration=100)
    d = os.path.join(out, "webp")
    if have("cwebp"):
        for fname, args in (("cwebp_q50.webp", ["-q", "50"]), ("cwebp_q95_sharp.webp", ["-q", "95", "-sharp_yuv"]),
                            ("cwebp_lossless.webp", ["-lossless"]), ("cwebp_near_lossless.webp", ["-near_lossless", "60"]),
                            ("cwebp_alpha.webp", ["-q", "75", "-alpha_q", "50"]), ("cwebp_alpha_exact.webp", ["-lossless", "-exact"])):
            src = png_alpha if "alpha" in fname else png
            run(["cwebp", "-quiet"] + args + [src, "-o", os.path.join(d, f"{name}_{fname}")])


# ---- TIFF Orientation ---------------------------------------------------------------------------

XMP_ORIENTATION_6 = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                     b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>')


def tiff_orientations(out, name, im, tmp):
    """All eight Orientation values (tag 274) of several TIFF layouts: Pillow 13 transposes the
    first page on load (width and height swapped for 5..8), so all eight hash like the transposed
    picture. Plus one with the orientation only in the XMP packet (tag 700), which Pillow reads
    when tag 274 is absent."""
    from PIL import TiffImagePlugin
    d = os.path.join(out, "tiff_orientation")
    os.makedirs(d, exist_ok=True)
    layouts = (("RGB_raw", im, "raw"), ("L_lzw", im.convert("L"), "tiff_lzw"),
               ("P_deflate", im.quantize(40), "tiff_deflate"), ("1_packbits", im.convert("1"), "packbits"))
    for o in range(1, 9):
        for lname, src, comp in layouts:
            ifd = TiffImagePlugin.ImageFileDirectory_v2()
            ifd[274] = o
            path = os.path.join(d, f"{name}_o{o}_{lname}.tif")
            src.save(path, compression=comp, tiffinfo=ifd)
            if lname == "RGB_raw" and have("tiffcp"):
                run(["tiffcp", "-t", "-w", "16", "-l", "16", "-c", "lzw", path, os.path.join(d, f"{name}_o{o}_tiffcp_tiled.tif")])
                run(["tiffcp", "-p", "separate", "-c", "zip", path, os.path.join(d, f"{name}_o{o}_tiffcp_separate.tif")])
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[700] = XMP_ORIENTATION_6
    im.save(os.path.join(d, f"{name}_xmp_o6.tif"), tiffinfo=ifd)


def damaged_classes(out, name, src_dir, step=1):
    """Each GIF / BMP / TIFF / WebP file of `src_dir` (a write_variants folder) cut at 30, 60 and
    90 % of its length and with bytes overwritten in the front, middle and end, in
    damaged_classes/: what Pillow refuses crosshash must refuse (never a blank picture). Plus
    BMPs whose palette declares more than 256 entries (Pillow: "invalid palette size") and TIFFs
    whose RowsPerStrip is 0 or past 2^31. `step`: damage every step-th file only."""
    rnd = random.Random(19)
    d = os.path.join(out, "damaged_classes")
    os.makedirs(d, exist_ok=True)
    for sub in ("gif", "bmp", "tiff", "webp"):
        for p in sorted(glob.glob(os.path.join(src_dir, sub, f"{name}_*")))[::step]:
            data = open(p, "rb").read()
            base = os.path.basename(p)
            for frac in (30, 60, 90):
                with open(os.path.join(d, f"cut{frac}_{base}"), "wb") as f:
                    f.write(data[:len(data) * frac // 100])
            for part, (lo, hi) in (("front", (0, min(len(data), 200))), ("mid", (len(data) // 3, 2 * len(data) // 3)),
                                   ("end", (2 * len(data) // 3, len(data)))):
                flipped = bytearray(data)
                for _ in range(4):
                    flipped[rnd.randrange(lo, max(lo + 1, hi))] = rnd.randrange(256)
                with open(os.path.join(d, f"flip_{part}_{base}"), "wb") as f:
                    f.write(bytes(flipped))
    for bits, colors in ((1, 257), (4, 257), (8, 257), (8, 300), (4, 256), (8, 256)):
        w, h = 8, 4
        row = ((w * bits + 31) // 32) * 4
        pal = b"".join(bytes(((i * 7) % 256, (i * 13) % 256, (i * 29) % 256, 0)) for i in range(colors))
        off = 14 + 40 + len(pal)
        pixels = bytes((i * 37) % 256 for i in range(row * h))
        info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, bits, 0, len(pixels), 2835, 2835, colors, 0)
        with open(os.path.join(d, f"{name}_bmp_{bits}bit_{colors}colors.bmp"), "wb") as f:
            f.write(b"BM" + struct.pack("<IHHI", off + len(pixels), 0, 0, off) + info + pal + pixels)
    for comp in ("raw", "tiff_lzw"):
        p = os.path.join(src_dir, "tiff", f"{name}_pil_RGB_{comp}.tif")
        data = open(p, "rb").read()
        ifd = struct.unpack("<I", data[4:8])[0]
        for k in range(struct.unpack("<H", data[ifd:ifd + 2])[0]):
            e = ifd + 2 + 12 * k
            if struct.unpack("<H", data[e:e + 2])[0] != 278:
                continue
            for v in (0, 2**31, 2**32 - 1):
                patched = bytearray(data)
                patched[e + 2:e + 4] = struct.pack("<H", 4)
                patched[e + 4:e + 12] = struct.pack("<II", 1, v)
                with open(os.path.join(d, f"{name}_rowsperstrip_{v}_{comp}.tif"), "wb") as f:
                    f.write(bytes(patched))
    # Deflate strips whose stream stops early (cut at 10 and 60 %): libtiff 4.5 hands back the
    # strip with its end left blank, Pillow's libtiff 4.7 reports "Not enough data"
    grey = np.asarray(Image.open(os.path.join(src_dir, "tiff", f"{name}_pil_L_raw.tif")).convert("L"))
    h, w = grey.shape
    stream = zlib.compress(grey.tobytes(), 9)
    for frac in (10, 60):
        tags = [(256, 3, [w]), (257, 3, [h]), (258, 3, [8]), (259, 3, [8]), (262, 3, [1]), (277, 3, [1])]
        with open(os.path.join(d, f"{name}_short_deflate_{frac}.tif"), "wb") as f:
            f.write(tiff_by_hand(w, h, tags, [stream[:len(stream) * frac // 100]]))
    # tile offsets or byte counts overwritten (past the end, or a count unlike the other's):
    # libtiff 4.5 recovers, Pillow's libtiff 4.7 refuses
    tiled = os.path.join(src_dir, "tiff", f"{name}_tiffcp_tiled_zip_pred.tif")
    if os.path.exists(tiled):
        data = open(tiled, "rb").read()
        for seed in (42, 210):
            r = random.Random(seed)
            flipped = bytearray(data)
            for _ in range(4):
                flipped[r.randrange(2 * len(data) // 3, len(data))] = r.randrange(256)
            with open(os.path.join(d, f"{name}_tiled_zip_pred_seed{seed}.tif"), "wb") as f:
                f.write(bytes(flipped))
    # PhotometricInterpretation stored as ASCII "1": libtiff ignores the tag (and reads the
    # default), Pillow reads the string and cannot identify the file
    data = open(os.path.join(src_dir, "tiff", f"{name}_pil_L_raw.tif"), "rb").read()
    ifd = struct.unpack("<I", data[4:8])[0]
    for k in range(struct.unpack("<H", data[ifd:ifd + 2])[0]):
        e = ifd + 2 + 12 * k
        if struct.unpack("<H", data[e:e + 2])[0] == 262:
            patched = bytearray(data)
            patched[e + 2:e + 12] = struct.pack("<HI", 2, 2) + b"1\0\0\0"
            with open(os.path.join(d, f"{name}_photometric_ascii.tif"), "wb") as f:
                f.write(bytes(patched))


# ---- TIFF layouts written by hand: 12-bit grey, separate planes with an empty extra plane ---------

def tiff_by_hand(width, height, tags, planes, big_endian=False):
    """An uncompressed one-strip-per-plane TIFF: `tags` (tag, type, values) plus the strip tags,
    `planes` the bytes of each plane (an empty one gets StripByteCounts 0)."""
    e = ">" if big_endian else "<"
    data = b"".join(planes)
    n = len(planes)
    entries = sorted(tags + [(273, 4, [0] * n), (278, 3, [height]), (279, 4, [len(p) for p in planes])])
    ifd_size = 2 + 12 * len(entries) + 4
    extra_at = 8 + ifd_size
    blobs = b""
    body = struct.pack(e + "H", len(entries))
    offsets, at = [], extra_at
    for tag, typ, values in entries:
        unit = 2 if typ == 3 else 4
        raw = b"".join(struct.pack(e + ("H" if typ == 3 else "I"), v) for v in values)
        if len(raw) <= 4:
            body += struct.pack(e + "HHI", tag, typ, len(values)) + raw.ljust(4, b"\0")
        else:
            if tag == 273:
                offsets.append(len(body))
            body += struct.pack(e + "HHI", tag, typ, len(values)) + struct.pack(e + "I", at + len(blobs))
            blobs += raw
    data_at = extra_at + len(blobs)
    starts, pos = [], data_at
    for p in planes:
        starts.append(pos)
        pos += len(p)
    out = bytearray((b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8) + body + struct.pack(e + "I", 0) + blobs + data)
    # patch StripOffsets
    ifd = 8
    for k in range(len(entries)):
        entry = ifd + 2 + 12 * k
        tag, typ, count = struct.unpack(e + "HHI", out[entry:entry + 8])
        if tag == 273:
            if count == 1:
                out[entry + 8:entry + 12] = struct.pack(e + "I", starts[0])
            else:
                where = struct.unpack(e + "I", out[entry + 8:entry + 12])[0]
                for i, st in enumerate(starts):
                    out[where + 4 * i:where + 4 * i + 4] = struct.pack(e + "I", st)
    return bytes(out)


def pack12(values):
    bits = "".join(format(int(v), "012b") for v in values)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def tiff_hand_layouts(out, name, im):
    """12-bit grey (Pillow opens little-endian MinIsBlack as I;16: values kept, L = min(v, 255);
    big-endian it does not open), also LZW and tiled through tiffcp; and separate planes with an
    unspecified extra sample whose plane has StripByteCounts 0 (Pillow drops that plane)."""
    d = os.path.join(out, "tiff_hand")
    os.makedirs(d, exist_ok=True)
    w, h = im.size
    grey = np.asarray(im.convert("L"), dtype=np.int64)
    v12 = (grey * 16 + (np.arange(w)[None, :] * 7) % 16) % 4096  # values past 255 and under it
    v12[:, ::3] = grey[:, ::3] // 2
    rows = b"".join(pack12(r) for r in v12)
    common = [(256, 3, [w]), (257, 3, [h]), (259, 3, [1]), (277, 3, [1])]
    for be in (False, True):
        path = os.path.join(d, f"{name}_grey12_{'be' if be else 'le'}.tif")
        with open(path, "wb") as f:
            f.write(tiff_by_hand(w, h, common + [(258, 3, [12]), (262, 3, [1])], [rows], be))
    if have("tiffcp"):
        le = os.path.join(d, f"{name}_grey12_le.tif")
        run(["tiffcp", "-c", "lzw", le, os.path.join(d, f"{name}_grey12_lzw.tif")])
        run(["tiffcp", "-c", "zip", "-t", "-w", "16", "-l", "16", le, os.path.join(d, f"{name}_grey12_tiled_zip.tif")])
    # Uncompressed, Pillow's own reader refuses them (it has no raw mode for the extra plane);
    # Deflate, its libtiff decoder reads the planes it needs.
    rgb = np.asarray(im.convert("RGB"))
    for comp, pack in ((1, lambda b: b), (8, zlib.compress)):
        base = [(256, 3, [w]), (257, 3, [h]), (259, 3, [comp]), (284, 3, [2])]
        label = "raw" if comp == 1 else "deflate"
        for extra_label, extra in (("empty", b""), ("full", pack(bytes(w * h)))):
            planes = [pack(rgb[:, :, c].tobytes()) for c in range(3)] + [extra]
            with open(os.path.join(d, f"{name}_planar_rgb_extra_{extra_label}_{label}.tif"), "wb") as f:
                f.write(tiff_by_hand(w, h, base + [(258, 3, [8] * 4), (262, 3, [2]), (277, 3, [4]), (338, 3, [0])], planes))
            planes = [pack(np.asarray(im.convert("L")).tobytes()), extra]
            with open(os.path.join(d, f"{name}_planar_grey_extra_{extra_label}_{label}.tif"), "wb") as f:
                f.write(tiff_by_hand(w, h, base + [(258, 3, [8] * 2), (262, 3, [1]), (277, 3, [2]), (338, 3, [0])], planes))


def damaged(out):
    """Cut-short and byte-flipped copies of a sample of the corpus."""
    rnd = random.Random(11)
    files = sorted(glob.glob(os.path.join(out, "*", "*")))
    d = os.path.join(out, "damaged")
    os.makedirs(d, exist_ok=True)
    for p in files[::6]:
        data = open(p, "rb").read()
        base = os.path.basename(p)
        cut = rnd.randrange(max(1, len(data) // 3), len(data))
        with open(os.path.join(d, "cut_" + base), "wb") as f:
            f.write(data[:cut])
        flipped = bytearray(data)
        for _ in range(3):
            i = rnd.randrange(len(flipped) // 2, len(flipped))
            flipped[i] ^= 0xFF
        with open(os.path.join(d, "flip_" + base), "wb") as f:
            f.write(bytes(flipped))


def debian_files(out):
    d = os.path.join(out, "debian")
    os.makedirs(d, exist_ok=True)
    n = 0
    for root in ("/usr/share",):
        for dp, dirs, fs in os.walk(root):
            dirs.sort()
            for f in sorted(fs):
                if os.path.splitext(f)[1].lower() in (".gif", ".bmp", ".tif", ".tiff", ".webp"):
                    p = os.path.join(dp, f)
                    if os.path.isfile(p) and not os.path.islink(p):
                        shutil.copy(p, os.path.join(d, f"{n:03d}_{f}"))
                        n += 1


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    srcs = sys.argv[2:] or sorted(glob.glob(os.path.join(REPO, "Tests/Fixtures/images/real/*")))[:6]
    os.makedirs(out, exist_ok=True)
    tmp = os.path.join(out, ".sources")
    os.makedirs(tmp, exist_ok=True)
    for name, im in sources(srcs):
        write_variants(out, name, im, tmp)
        tiff_orientations(out, name, im, tmp)
        tiff_hand_layouts(out, name, im)
        damaged_classes(out, name, out)
    shutil.rmtree(tmp)
    png_parity(out, sources(srcs[:1])[0][1])
    debian_files(out)
    damaged(out)
    count = sum(len(fs) for _, _, fs in os.walk(out))
    print(f"{count} files in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
