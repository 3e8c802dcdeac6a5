/* BMP decoding, matching Pillow 13's BmpImagePlugin (which parses BMP itself: no library).
 *
 * Pillow's rules, reproduced here (checked against Pillow on the generated format corpus):
 * - Headers: 12 (OS/2 v1, 16-bit sizes, 3-byte palette entries) or 40/52/56/64/108/124 bytes
 *   (32-bit sizes, 4-byte entries); anything else is refused. A height whose top byte is 0xFF
 *   means top-down rows (height = 2^32 - h); otherwise rows are bottom-up.
 * - Depths 1/4/8 are palette images, 16 is 5-5-5, 24 BGR, 32 BGRX; other depths are refused.
 *   BITFIELDS is accepted only for the mask sets Pillow lists (565 and 555 for 16 bits, BGR for
 *   24, eight layouts for 32); a 40-byte header takes its masks from the 12 bytes after it.
 * - A palette that is exactly the grey ramp (or black/white for 2 colours) makes the image L
 *   (or 1): pixels are the indices themselves. Otherwise the image is P and converts through the
 *   palette; indices beyond the palette are black.
 * - The pixel data starts at bfOffBits, except that when bfOffBits points right after the header
 *   of a palette image it is moved past the palette (colour count * entry size).
 * - Uncompressed rows are padded to 4 bytes; the file must hold every row up to the last one's
 *   pixels (the last row's padding may be missing), else "image file is truncated".
 * - RLE8/RLE4 follow Pillow's BmpRleDecoder step for step, including its end-of-line padding,
 *   delta, absolute runs aligned on the file offset, and its failure ("not enough image data")
 *   when the runs stop before the last pixel. */
#include "decode_internal.h"

#include <stdlib.h>
#include <string.h>

enum { BMP_RAW = 0, BMP_RLE8 = 1, BMP_RLE4 = 2, BMP_BITFIELDS = 3 };

/* How one stored pixel becomes output: palette index, grey value, or one of the RGB layouts. */
enum {
    LAYOUT_INDEX = 0,  /* 1/4/8 bits through the palette (or as grey when the palette is the ramp) */
    LAYOUT_BGR15, LAYOUT_BGR16, LAYOUT_BGR, LAYOUT_32
};

typedef struct {
    uint32_t width, height;
    int bits;
    int top_down;
    int compression;
    int layout;
    int shift[3];           /* LAYOUT_32: bit position of R, G, B in the little-endian word */
    int gray;               /* the palette is the grey ramp: output the index as L */
    size_t offset;          /* first byte of the pixel data */
    uint8_t palette[256][3];
    int palette_entries;
} bmp_state;

/* Pillow's supported 32-bit masks (R, G, B, A) and where each colour sits in the word. */
static const struct { uint32_t mask[4]; int shift[3]; } masks32[] = {
    {{0xFF0000, 0xFF00, 0xFF, 0x0}, {16, 8, 0}},             /* BGRX */
    {{0xFF000000, 0xFF0000, 0xFF00, 0x0}, {24, 16, 8}},      /* XBGR */
    {{0xFF000000, 0xFF00, 0xFF, 0x0}, {24, 8, 0}},           /* BGXR */
    {{0xFF000000, 0xFF0000, 0xFF00, 0xFF}, {24, 16, 8}},     /* ABGR */
    {{0xFF, 0xFF00, 0xFF0000, 0xFF000000}, {0, 8, 16}},      /* RGBA */
    {{0xFF0000, 0xFF00, 0xFF, 0xFF000000}, {16, 8, 0}},      /* BGRA */
    {{0xFF000000, 0xFF00, 0xFF, 0xFF0000}, {24, 8, 0}},      /* BGAR */
    {{0x0, 0x0, 0x0, 0x0}, {16, 8, 0}},                      /* all zero: Pillow reads BGRA */
};

int cc_bmp_read_header(cc_decoder *d) {
    const uint8_t *data = d->data;
    const size_t size = d->size;
    if (size < 18) return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the BMP file header");
    size_t offset = le32(data + 10);
    uint32_t header_size = le32(data + 14);
    if (header_size != 12 && header_size != 40 && header_size != 52 && header_size != 56 &&
        header_size != 64 && header_size != 108 && header_size != 124)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "unsupported BMP header type (%u bytes)", header_size);
    if (size - 14 < header_size) return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the BMP info header");
    const uint8_t *h = data + 18; /* header without its size field */
    size_t pos = 14 + (size_t)header_size;

    bmp_state *s = calloc(1, sizeof *s);
    if (s == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");
    d->impl = s;
    d->destroy_impl = free;

    uint32_t colors = 0;
    int padding;
    uint32_t mask[4] = {0, 0, 0, 0};
    if (header_size == 12) {
        s->width = le16(h);
        s->height = le16(h + 2);
        s->bits = (int)le16(h + 6);
        s->compression = BMP_RAW;
        padding = 3;
    } else {
        s->top_down = h[7] == 0xFF;
        s->width = le32(h);
        s->height = s->top_down ? (uint32_t)(0u - le32(h + 4)) : le32(h + 4);
        s->bits = (int)le16(h + 10);
        uint32_t compression = le32(h + 12);
        colors = le32(h + 28);
        padding = 4;
        if (compression > 3)
            return cc_fail(d, CC_ERR_UNSUPPORTED, "unsupported BMP compression (%u)", compression);
        s->compression = (int)compression;
        if (compression == BMP_BITFIELDS) {
            if (header_size - 4 >= 48) {
                for (int i = 0; i < 3; i++) mask[i] = le32(h + 36 + 4 * i);
                if (header_size - 4 >= 52) mask[3] = le32(h + 48);
            } else {
                if (size - pos < 12) return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the BMP colour masks");
                for (int i = 0; i < 3; i++) mask[i] = le32(data + pos + 4 * i);
                pos += 12;
            }
        }
    }
    d->header.width = s->width;
    d->header.height = s->height;
    d->header.bit_depth = s->bits;
    if (colors == 0) colors = s->bits < 32 ? 1u << s->bits : 0; /* Pillow: 1 << bits */
    if (offset == 14 + (size_t)header_size && s->bits <= 8) offset += (size_t)padding * colors;
    s->offset = offset;

    switch (s->bits) {
    case 1: case 4: case 8: s->layout = LAYOUT_INDEX; break;
    case 16: s->layout = LAYOUT_BGR15; break;
    case 24: s->layout = LAYOUT_BGR; break;
    case 32: s->layout = LAYOUT_32; s->shift[0] = 16; s->shift[1] = 8; s->shift[2] = 0; break;
    default: return cc_fail(d, CC_ERR_UNSUPPORTED, "unsupported BMP pixel depth (%d)", s->bits);
    }
    if (s->compression == BMP_BITFIELDS) {
        int found = 0;
        if (s->bits == 32) {
            for (size_t i = 0; i < sizeof masks32 / sizeof masks32[0] && !found; i++) {
                if (memcmp(masks32[i].mask, mask, sizeof mask) == 0) {
                    memcpy(s->shift, masks32[i].shift, sizeof s->shift);
                    found = 1;
                }
            }
        } else if (s->bits == 24) {
            found = mask[0] == 0xFF0000 && mask[1] == 0xFF00 && mask[2] == 0xFF;
        } else if (s->bits == 16) {
            if (mask[0] == 0xF800 && mask[1] == 0x7E0 && mask[2] == 0x1F) { s->layout = LAYOUT_BGR16; found = 1; }
            if (mask[0] == 0x7C00 && mask[1] == 0x3E0 && mask[2] == 0x1F) found = 1;
        }
        if (!found) return cc_fail(d, CC_ERR_UNSUPPORTED, "unsupported BMP bitfields layout");
    }
    if ((s->compression == BMP_RLE8 || s->compression == BMP_RLE4) && s->layout != LAYOUT_INDEX)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "run-length compression on a %d-bit BMP", s->bits);

    if (s->layout == LAYOUT_INDEX) {
        if (colors == 0 || colors > 65536)
            return cc_fail(d, CC_ERR_UNSUPPORTED, "unsupported BMP palette size (%u)", colors);
        /* Pillow's grey test takes entry i as grey i (no entry past 255 can be one), and a
         * palette image holds at most 256 colours: Pillow refuses either way. */
        if (colors > 256)
            return cc_fail(d, CC_ERR_CORRUPT, "the BMP palette declares %u entries, more than the 256 a palette image can hold", colors);
        size_t want = (size_t)padding * colors;
        size_t have = pos <= size ? size - pos : 0;
        if (have > want) have = want;
        const uint8_t *pal = data + pos;
        /* The grey test Pillow makes: entry i is (i, i, i), or 0 and 255 with two colours. */
        int gray = 1;
        for (uint32_t i = 0; i < colors && gray; i++) {
            uint32_t v = colors == 2 ? (i == 0 ? 0 : 255) : i;
            if ((size_t)i * padding + 3 > have || v > 255) { gray = 0; break; }
            const uint8_t *e = pal + (size_t)i * padding;
            if (e[0] != v || e[1] != v || e[2] != v) gray = 0;
        }
        s->gray = gray;
        size_t entries = have / (size_t)padding;
        if (entries > 256) entries = 256;
        for (size_t i = 0; i < entries; i++) {
            const uint8_t *e = pal + i * padding;
            s->palette[i][0] = e[2];
            s->palette[i][1] = e[1];
            s->palette[i][2] = e[0];
        }
        s->palette_entries = (int)entries;
    }
    d->header.channels = (s->layout == LAYOUT_INDEX && s->gray) ? 1 : 3;
    d->header.source_channels = s->layout == LAYOUT_INDEX ? 1 : 3;
    /* run-length data is expanded to one index a pixel first */
    d->header.work_bytes_per_pixel = s->compression == BMP_RLE8 || s->compression == BMP_RLE4 ? 1 : 0;

    if (s->width == 0 || s->height == 0)
        return cc_fail(d, CC_ERR_CORRUPT, "BMP declares an empty image (%ux%u)", s->width, s->height);
    if (s->compression == BMP_RAW || s->compression == BMP_BITFIELDS) {
        uint64_t stride = (((uint64_t)s->width * (uint64_t)s->bits + 31) >> 3) & ~(uint64_t)3;
        uint64_t last = ((uint64_t)s->width * (uint64_t)s->bits + 7) / 8;
        /* stride * (height - 1) can pass 2^64 when no pixel limit applies (probe): compare by division */
        int fits = offset <= size && last <= size - offset &&
                   (s->height == 1 || stride <= (size - offset - last) / (s->height - 1));
        if (!fits)
            return cc_fail(d, CC_ERR_TRUNCATED, "image file is truncated (%llu pixel bytes needed, %llu present)",
                           (unsigned long long)(stride * (s->height - 1) + last),
                           (unsigned long long)(offset > size ? 0 : size - offset));
    }
    return CC_OK;
}

/* Writes the pixel at index `value` (palette image) as gray or RGB. */
static void put_index(const bmp_state *s, uint8_t *out, unsigned value) {
    if (s->gray) {
        out[0] = (uint8_t)value;
    } else if ((int)value < s->palette_entries) {
        memcpy(out, s->palette[value], 3);
    } else {
        out[0] = out[1] = out[2] = 0;
    }
}

static void decode_row(const bmp_state *s, const uint8_t *row, uint8_t *out) {
    const uint32_t w = s->width;
    const int ch = s->gray ? 1 : 3;
    switch (s->layout) {
    case LAYOUT_INDEX:
        for (uint32_t x = 0; x < w; x++) {
            unsigned v;
            if (s->bits == 8) v = row[x];
            else if (s->bits == 4) v = (row[x >> 1] >> (x & 1 ? 0 : 4)) & 0x0F;
            else v = (row[x >> 3] >> (7 - (x & 7))) & 1;
            /* mode "1" (black/white ramp) stores 0/255, not the index */
            if (s->gray && s->bits == 1) v = v ? 255 : 0;
            put_index(s, out + (size_t)x * ch, v);
        }
        break;
    case LAYOUT_BGR15:
    case LAYOUT_BGR16:
        for (uint32_t x = 0; x < w; x++) {
            unsigned p = row[2 * x] | ((unsigned)row[2 * x + 1] << 8);
            uint8_t *o = out + (size_t)x * 3;
            if (s->layout == LAYOUT_BGR15) {
                o[0] = (uint8_t)(((p >> 10) & 31) * 255 / 31);
                o[1] = (uint8_t)(((p >> 5) & 31) * 255 / 31);
            } else {
                o[0] = (uint8_t)(((p >> 11) & 31) * 255 / 31);
                o[1] = (uint8_t)(((p >> 5) & 63) * 255 / 63);
            }
            o[2] = (uint8_t)((p & 31) * 255 / 31);
        }
        break;
    case LAYOUT_BGR:
        for (uint32_t x = 0; x < w; x++) {
            out[3 * x] = row[3 * x + 2];
            out[3 * x + 1] = row[3 * x + 1];
            out[3 * x + 2] = row[3 * x];
        }
        break;
    default:
        for (uint32_t x = 0; x < w; x++) {
            uint32_t p = le32(row + 4 * (size_t)x);
            for (int c = 0; c < 3; c++) out[3 * x + c] = (uint8_t)(p >> s->shift[c]);
        }
        break;
    }
}

/* Pillow's BmpRleDecoder: produces width*height indices in file row order. Returns 0 when the
 * runs stop before the last pixel. */
static int rle_decode(const cc_decoder *d, const bmp_state *s, uint8_t *idx) {
    const uint8_t *data = d->data;
    const size_t size = d->size;
    const int rle4 = s->compression == BMP_RLE4;
    const size_t xsize = s->width;
    const size_t dest = (size_t)s->width * s->height;
    size_t pos = s->offset, len = 0, x = 0;
    while (len < dest) {
        if (pos >= size || size - pos < 2) break;
        unsigned count = data[pos], byte = data[pos + 1];
        pos += 2;
        if (count) {
            size_t n = count;
            if (x + n > xsize) n = x < xsize ? xsize - x : 0;
            if (n > dest - len) n = dest - len; /* Pillow would overflow nothing here either */
            for (size_t i = 0; i < n; i++) idx[len++] = rle4 ? (uint8_t)(i % 2 == 0 ? byte >> 4 : byte & 0x0F) : (uint8_t)byte;
            x += n;
        } else if (byte == 0) {
            while (len % xsize != 0) idx[len++] = 0;
            x = 0;
        } else if (byte == 1) {
            break;
        } else if (byte == 2) {
            if (pos >= size || size - pos < 2) break;
            size_t right = data[pos], up = data[pos + 1];
            pos += 2;
            size_t n = right + up * xsize;
            if (n > dest - len) n = dest - len;
            memset(idx + len, 0, n);
            len += n;
            x = len % xsize;
        } else {
            size_t want = dest - len < byte ? dest - len : byte;
            size_t byte_count = rle4 ? (want + 1) / 2 : want;
            size_t got = size - pos < byte_count ? size - pos : byte_count;
            if (rle4) {
                for (size_t i = 0; i < got; i++) {
                    idx[len++] = data[pos + i] >> 4;
                    if (i * 2 + 1 < want) idx[len++] = data[pos + i] & 0x0F;
                }
            } else {
                memcpy(idx + len, data + pos, got);
                len += got;
            }
            pos += got;
            if (got < byte_count || len == dest) break;
            x += byte;
            if (pos % 2 != 0) pos++; /* word alignment, on the file offset as Pillow's fd.tell() */
        }
    }
    return len >= dest;
}

int cc_bmp_decode(cc_decoder *d, uint8_t *dst) {
    const bmp_state *s = d->impl;
    const int ch = d->header.channels;
    const size_t out_stride = (size_t)s->width * ch;
    if (s->compression == BMP_RLE8 || s->compression == BMP_RLE4) {
        uint8_t *idx = malloc((size_t)s->width * s->height);
        if (idx == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory for the BMP run-length data");
        if (!rle_decode(d, s, idx)) {
            free(idx);
            return cc_fail(d, CC_ERR_TRUNCATED, "the run-length data stops before the last pixel (not enough image data)");
        }
        for (uint32_t y = 0; y < s->height; y++) {
            uint32_t out_y = s->top_down ? y : s->height - 1 - y;
            const uint8_t *row = idx + (size_t)y * s->width;
            uint8_t *out = dst + (size_t)out_y * out_stride;
            for (uint32_t x = 0; x < s->width; x++) put_index(s, out + (size_t)x * ch, row[x]);
        }
        free(idx);
        return CC_OK;
    }
    const size_t stride = (((size_t)s->width * (size_t)s->bits + 31) >> 3) & ~(size_t)3;
    for (uint32_t y = 0; y < s->height; y++) {
        uint32_t out_y = s->top_down ? y : s->height - 1 - y;
        decode_row(s, d->data + s->offset + (size_t)y * stride, dst + (size_t)out_y * out_stride);
    }
    return CC_OK;
}
