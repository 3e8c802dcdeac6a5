#!/usr/bin/env python3
"""Pillow 13's outcome on the short-stream PNGs that DecodeTests.testPNGShortStreamsFollowPillow
builds at run time (same bytes: stored deflate blocks, filter 0, pixel (7x + 13y + 1) & 255).

    python3 fuzz/png_short_streams.py

Prints one line per case: its name, then "OK <rows of data> <zero rows>" or "ERR <Pillow's message>".
The rule it shows: Pillow returns pixels (the rest blank) only when the inflate call that
completes a row also reaches the end of the zlib stream, Adler-32 included.
"""
import io
import struct
import zlib

import numpy as np
from PIL import Image


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def stored(data, block=65535):
    out = bytearray(b"\x78\x01")
    pieces = [data[i:i + block] for i in range(0, len(data), block)] or [b""]
    for i, p in enumerate(pieces):
        out += bytes([1 if i == len(pieces) - 1 else 0]) + struct.pack("<HH", len(p), len(p) ^ 0xFFFF) + p
    return bytes(out + struct.pack(">I", zlib.adler32(data)))


def rows(w, h):
    return [bytes([0] + [(7 * x + 13 * y + 1) & 255 for x in range(w)]) for y in range(h)]


def png(w, h, idats, tail=b"IEND", interlace=0):
    s = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, interlace))
    s += b"".join(chunk(b"IDAT", d) for d in idats)
    return s + (chunk(b"IEND", b"") if tail == b"IEND" else tail)


def cases():
    r = rows(4, 4)
    two = stored(b"".join(r[:2]))
    yield "two rows", png(4, 4, [two])
    yield "two rows, Adler-32 in the next IDAT", png(4, 4, [two[:-4], two[-4:]])
    yield "two rows and 3 bytes", png(4, 4, [stored(b"".join(r[:2]) + r[2][:3])])
    yield "two rows, then an IDAT of garbage", png(4, 4, [two, b"garbage"])
    yield "two rows, file ends after the IDAT", png(4, 4, [two], tail=b"")
    yield "two rows, bad Adler-32", png(4, 4, [two[:-1] + bytes([two[-1] ^ 1])])
    # Adam7 on 4x4: pass rows of 1, 1, 1 (2 px), 2 (1 px), 2 (2 px), ... (filter byte each)
    i = b"".join(rows(1, 1) + rows(1, 1) + rows(2, 1))
    yield "interlaced, three pass rows", png(4, 4, [stored(i)], interlace=1)
    yield "interlaced, inside the third pass row", png(4, 4, [stored(i[:-1])], interlace=1)
    # Pillow feeds at most 64 KiB of a chunk per inflate call.
    big = rows(1000, 70)
    s = stored(b"".join(big[:66]))
    adler = len(s) - 4
    yield "66 rows, Adler-32 just past a 64 KiB block", png(1000, 70, [s[:adler - 65536], s[adler - 65536:]])
    yield "66 rows, Adler-32 inside the 64 KiB block", png(1000, 70, [s[:adler - 65532], s[adler - 65532:]])


def main():
    for name, data in cases():
        try:
            im = Image.open(io.BytesIO(data))
            im.load()
            a = np.asarray(im)
            zero = int((a == 0).all(axis=1).sum())
            print(f"{name}: OK {a.shape[0] - zero} {zero}")
        except Exception as e:
            print(f"{name}: ERR {e}")


if __name__ == "__main__":
    main()
