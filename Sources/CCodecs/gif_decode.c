/* GIF decoding (first frame), matching Pillow 13's GifImagePlugin and its C LZW decoder.
 *
 * What Pillow does for frame 0, reproduced here:
 * - The canvas is the logical screen, grown to hold the first image if that extends past it.
 * - Blocks before the first image descriptor: extensions are skipped (a graphic control
 *   extension gives the transparent index), unknown bytes are skipped one by one; the file ending
 *   first, or a trailer, means there is no image ("image not found in GIF frame").
 * - The image's colours come from its local table, else the global one; a table that is the grey
 *   ramp (entry i = (i, i, i)) is dropped, and without a table the image is L (pixels are the
 *   indices). With a table it is P: pixels convert through it, indices past its end are black.
 * - Pixels outside the first image are the transparent index if a GCE declares one, else 0.
 * - LZW: initial code size 0..12 (else a decoder error); the first code after a clear must be a
 *   literal, later codes at most the next free entry; the table stops growing at 4096 entries; the
 *   code width grows when the next entry reaches the current mask (up to 12 bits). Decoding ends
 *   successfully as soon as the last pixel of the image (last interlace pass) is written.
 * - An end-of-information code before that does not end decoding in Pillow: its loader keeps
 *   feeding the decoder the rest of the file in 64 KiB reads, and the codes that follow are
 *   decoded as if nothing happened; only when a read finds the end of the file does it fail with
 *   "image file is truncated". Likewise a sub-block is only decoded once all of it has been read.
 *   We replay those reads exactly (see lzw_run), so the same files fail and the same pixels come
 *   out of the ones that succeed. */
#include "decode_internal.h"

#include <stdlib.h>
#include <string.h>

#define GIF_TABLE 4096
#define PILLOW_BLOCK 65536 /* ImageFile.MAXBLOCK */

typedef struct {
    uint32_t width, height;            /* canvas */
    uint32_t x0, y0, fw, fh;           /* first image */
    int interlaced;
    int lzw_bits;
    int transparency;                  /* -1 = none */
    int has_palette;
    uint8_t palette[256][3];
    int palette_entries;
    size_t data_offset;                /* first byte after the LZW code size */
} gif_state;

/* Pillow's _is_palette_needed: 0 when entry i is (i, i, i) for every entry. */
static int palette_needed(const uint8_t *p, size_t entries) {
    for (size_t i = 0; i < entries; i++)
        if (p[3 * i] != i || p[3 * i + 1] != i || p[3 * i + 2] != i) return 1;
    return 0;
}

/* The global or local colour table at *pos, of 2^((flags & 7) + 1) entries (Pillow reads as many
   as the file holds): *table is NULL when it is the grey ramp Pillow treats as no palette. Returns
   0 when the file ends inside an entry. */
static int read_colour_table(const uint8_t *data, size_t size, size_t *pos, uint8_t flags,
                             const uint8_t **table, size_t *entries) {
    size_t want = (size_t)3 << ((flags & 7) + 1);
    size_t have = size - *pos < want ? size - *pos : want;
    if (have % 3 != 0) return 0;
    if (palette_needed(data + *pos, have / 3)) {
        *table = data + *pos;
        *entries = have / 3;
    } else {
        *table = NULL;
        *entries = 0;
    }
    *pos += have;
    return 1;
}

/* Reads one sub-block at *pos (Pillow's data()): returns its length (0 for a terminator or at the
 * end of the file) and moves *pos past what exists of it. */
static size_t sub_block(const cc_decoder *d, size_t *pos, const uint8_t **body) {
    if (*pos >= d->size) return 0;
    size_t n = d->data[*pos];
    (*pos)++;
    if (n == 0) return 0;
    size_t have = d->size - *pos < n ? d->size - *pos : n;
    *body = d->data + *pos;
    *pos += have;
    return have;
}

int cc_gif_read_header(cc_decoder *d) {
    const uint8_t *data = d->data;
    const size_t size = d->size;
    if (size < 13) return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the GIF screen descriptor");
    gif_state *s = calloc(1, sizeof *s);
    if (s == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");
    d->impl = s;
    d->destroy_impl = free;
    s->width = le16(data + 6);
    s->height = le16(data + 8);
    s->transparency = -1;
    size_t pos = 13;
    const uint8_t *global = NULL;
    size_t global_entries = 0;
    if ((data[10] & 0x80) && !read_colour_table(data, size, &pos, data[10], &global, &global_entries))
        return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the global colour table");

    /* Blocks up to the first image descriptor. */
    int found = 0;
    while (pos < size) {
        uint8_t introducer = data[pos++];
        if (introducer == ';') break;
        if (introducer == '!') {
            if (pos >= size) return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside an extension");
            uint8_t label = data[pos++];
            const uint8_t *block = NULL;
            size_t n = sub_block(d, &pos, &block);
            if (label == 254) { /* comment: sub-blocks up to the first empty one, nothing more */
                const uint8_t *ignored;
                while (n > 0) n = sub_block(d, &pos, &ignored);
                continue;
            }
            if (label == 249 && n > 0) {
                if (n < 3) return cc_fail(d, CC_ERR_CORRUPT, "graphic control extension is too short");
                if (block[0] & 1) {
                    if (n < 4) return cc_fail(d, CC_ERR_CORRUPT, "graphic control extension is too short");
                    s->transparency = block[3];
                }
            }
            if (label == 255 && n >= 11 && memcmp(block, "NETSCAPE2.0", 11) == 0) {
                const uint8_t *loop;
                (void)sub_block(d, &pos, &loop);
            }
            /* Pillow then skips sub-blocks until an empty one, even when the first block read was
             * already the terminator (so it skips what follows that terminator too). */
            const uint8_t *ignored;
            while (sub_block(d, &pos, &ignored) > 0) {}
            continue;
        }
        if (introducer == ',') {
            if (size - pos < 9) return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the image descriptor");
            const uint8_t *desc = data + pos;
            pos += 9;
            s->x0 = le16(desc);
            s->y0 = le16(desc + 2);
            s->fw = le16(desc + 4);
            s->fh = le16(desc + 6);
            s->interlaced = (desc[8] & 64) != 0;
            const uint8_t *table = global;
            size_t entries = global_entries;
            if ((desc[8] & 0x80) && !read_colour_table(data, size, &pos, desc[8], &table, &entries))
                return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the local colour table");
            if (pos >= size) return cc_fail(d, CC_ERR_TRUNCATED, "the file ends before the image data");
            s->lzw_bits = data[pos++];
            s->data_offset = pos;
            if (table != NULL) {
                s->has_palette = 1;
                s->palette_entries = entries > 256 ? 256 : (int)entries;
                memcpy(s->palette, table, (size_t)s->palette_entries * 3);
            }
            found = 1;
            break;
        }
        /* any other byte is skipped, as Pillow does */
    }
    if (!found) return cc_fail(d, CC_ERR_CORRUPT, "image not found in GIF frame");
    if (s->x0 + s->fw > s->width) s->width = s->x0 + s->fw;
    if (s->y0 + s->fh > s->height) s->height = s->y0 + s->fh;
    d->header.width = s->width;
    d->header.height = s->height;
    d->header.channels = s->has_palette ? 3 : 1;
    d->header.source_channels = 1;
    d->header.bit_depth = 8;
    d->header.progressive = s->interlaced;
    d->header.work_bytes_per_pixel = s->has_palette ? 1 : 0; /* the canvas of palette indices */
    if (s->width == 0 || s->height == 0 || s->fw == 0 || s->fh == 0)
        return cc_fail(d, CC_ERR_CORRUPT, "GIF declares an empty image (%ux%u)", s->fw, s->fh);
    return CC_OK;
}

/* The LZW decoder's state between the loader's calls (Pillow's decoder is suspendable). */
typedef struct {
    int clear, end, next, codesize, codemask;
    int started;               /* 0 = waiting for the first code after a clear */
    int lastcode, lastdata;
    uint32_t bitbuffer;
    int bitcount;
    size_t blocksize;          /* bytes left in the current sub-block */
    uint16_t link[GIF_TABLE];
    uint8_t suffix[GIF_TABLE];
    uint8_t stack[GIF_TABLE];
    /* output position inside the first image */
    uint32_t x, y, step;
    int pass;                  /* interlace pass 1..4, 0 = not interlaced / last pass */
} lzw_state;

enum { LZW_MORE = 0, LZW_DONE = 1, LZW_BROKEN = 2, LZW_OVERRUN = 3 };

/* Advances to the next row; returns 1 when the image is complete. */
static int next_row(lzw_state *z, const gif_state *s) {
    z->x = 0;
    z->y += z->step;
    while (z->y >= s->fh) {
        switch (z->pass) {
        case 1: z->y = 4; z->pass = 2; break;
        case 2: z->step = 4; z->y = 2; z->pass = 3; break;
        case 3: z->step = 2; z->y = 1; z->pass = 0; break;
        default: return 1;
        }
    }
    return 0;
}

/* Decodes codes from data[*pos, avail) (the bytes the loader has read so far). Returns LZW_MORE
 * when it needs more bytes (or met an end code), with *pos at the first byte not consumed. */
static int lzw_step(lzw_state *z, const gif_state *s, const uint8_t *data, size_t *pos, size_t avail,
                    uint8_t *canvas, uint32_t canvas_width) {
    size_t p = *pos;
    for (;;) {
        while (z->bitcount < z->codesize) {
            if (z->blocksize > 0) {
                z->bitbuffer |= (uint32_t)data[p++] << z->bitcount;
                z->bitcount += 8;
                z->blocksize--;
            } else {
                /* a sub-block is decoded only once all of it is there */
                if (p >= avail || avail - p < (size_t)data[p] + 1) { *pos = p; return LZW_MORE; }
                z->blocksize = data[p++];
            }
        }
        int c = (int)(z->bitbuffer & (uint32_t)z->codemask);
        z->bitbuffer >>= z->codesize;
        z->bitcount -= z->codesize;
        if (c == z->clear) {
            z->next = z->clear + 2;
            z->codesize = s->lzw_bits + 1;
            z->codemask = (1 << z->codesize) - 1;
            z->started = 0;
            continue;
        }
        if (c == z->end) { *pos = p; return LZW_MORE; }
        int n; /* string length, written to stack[GIF_TABLE - n ..] */
        if (!z->started) {
            if (c > z->clear) return LZW_BROKEN;
            z->lastcode = z->lastdata = c;
            z->started = 1;
            z->stack[GIF_TABLE - 1] = (uint8_t)c;
            n = 1;
        } else {
            int code = c;
            if (c > z->next) return LZW_BROKEN;
            int top = GIF_TABLE;
            if (c == z->next) {
                z->stack[--top] = (uint8_t)z->lastdata;
                c = z->lastcode;
            }
            while (c >= z->clear) {
                if (top <= 1 || c >= GIF_TABLE) return LZW_BROKEN;
                z->stack[--top] = z->suffix[c];
                c = z->link[c];
            }
            z->stack[--top] = (uint8_t)c;
            z->lastdata = c;
            if (z->next < GIF_TABLE) {
                z->suffix[z->next] = (uint8_t)c;
                z->link[z->next] = (uint16_t)z->lastcode;
                if (z->next == z->codemask && z->codesize < 12) {
                    z->codesize++;
                    z->codemask = (1 << z->codesize) - 1;
                }
                z->next++;
            }
            z->lastcode = code;
            n = GIF_TABLE - top;
        }
        if (z->y >= s->fh) return LZW_OVERRUN;
        for (int i = GIF_TABLE - n; i < GIF_TABLE; i++) {
            canvas[(size_t)(s->y0 + z->y) * canvas_width + s->x0 + z->x] = z->stack[i];
            if (++z->x >= s->fw && next_row(z, s)) { *pos = p; return LZW_DONE; }
        }
    }
}

/* Replays Pillow's loader: 64 KiB reads from the image data onwards, the decoder called after
 * each read on what is left unconsumed. Fails with "truncated" when a read finds the end. */
static int lzw_run(cc_decoder *d, const gif_state *s, uint8_t *canvas) {
    if (s->lzw_bits > 12) return cc_fail(d, CC_ERR_CORRUPT, "LZW minimum code size %d is over 12 (decoder error)", s->lzw_bits);
    lzw_state *z = calloc(1, sizeof *z);
    if (z == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");
    z->clear = 1 << s->lzw_bits;
    z->end = z->clear + 1;
    z->next = z->clear + 2;
    z->codesize = s->lzw_bits + 1;
    z->codemask = (1 << z->codesize) - 1;
    if (s->interlaced) { z->pass = 1; z->step = 8; } else { z->pass = 0; z->step = 1; }
    size_t consumed = s->data_offset, read_to = s->data_offset;
    int status;
    for (;;) {
        if (read_to >= d->size) {
            status = cc_fail(d, CC_ERR_TRUNCATED, "image file is truncated (the LZW data stops before the last pixel)");
            break;
        }
        read_to = d->size - read_to < PILLOW_BLOCK ? d->size : read_to + PILLOW_BLOCK;
        int r = lzw_step(z, s, d->data, &consumed, read_to, canvas, s->width);
        if (r == LZW_MORE) continue;
        if (r == LZW_DONE) status = CC_OK;
        else if (r == LZW_BROKEN) status = cc_fail(d, CC_ERR_CORRUPT, "broken LZW data (code out of range)");
        else status = cc_fail(d, CC_ERR_CORRUPT, "LZW data runs past the end of the image");
        break;
    }
    free(z);
    return status;
}

int cc_gif_decode(cc_decoder *d, uint8_t *dst) {
    const gif_state *s = d->impl;
    const size_t count = (size_t)s->width * s->height;
    /* Indices first (the canvas starts as the transparent index, or 0), colours after. */
    uint8_t *canvas = s->has_palette ? malloc(count) : dst;
    if (canvas == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory for the GIF canvas");
    memset(canvas, s->transparency >= 0 ? s->transparency : 0, count);
    int status = lzw_run(d, s, canvas);
    if (status == CC_OK && s->has_palette) {
        for (size_t i = 0; i < count; i++) {
            uint8_t v = canvas[i];
            if (v < s->palette_entries) memcpy(dst + 3 * i, s->palette[v], 3);
            else memset(dst + 3 * i, 0, 3);
        }
    }
    if (s->has_palette) free(canvas);
    return status;
}
