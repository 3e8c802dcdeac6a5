/* PNG decoding with libpng 1.6, matching what Pillow 13 returns.
 *
 * Pixels (Pillow mode, then its convert('L') / convert('RGB')):
 *   gray 1/2/4-bit -> 0/255, v*85, v*17 (libpng's expand_gray_1_2_4_to_8 scales the same way)
 *   gray 8 -> gray; gray 16 (I;16) -> min(v, 255) (Pillow clamps, it does not take the high byte)
 *   RGB 8/16 -> RGB, 16-bit by high byte; palette -> RGB through PLTE, indices beyond it black
 *   gray+alpha 8/16 -> gray (high byte); RGBA 8/16 -> RGB (high bytes); alpha always dropped.
 * tRNS, gAMA, sRGB, iCCP, cHRM, sBIT are never applied: libpng is told to skip them.
 *
 * Pillow parses PNG itself, so which damaged files fail follows its parser, verified by
 * experiment with Pillow 13:
 * - Before the first IDAT every chunk's CRC is checked and a bad one fails the file; IDAT CRCs
 *   and CRCs after the image data are never checked. So we check the header chunks ourselves
 *   (check_chunks) and let libpng use every chunk quietly.
 * - Pillow decodes whatever IDAT bytes exist and stops as soon as the last row is complete:
 *   the rest (rest of the zlib stream, a bad Adler-32 beyond that point, missing IEND, a file
 *   cut inside the last IDAT) is ignored. An error libpng raises after the last row is
 *   therefore not a failure here, and an IDAT cut by the end of the file is presented to
 *   libpng shortened to the bytes that exist (libpng would otherwise want the whole chunk).
 * - Pillow feeds its zlib decoder (the same system zlib 1.2.13 as ours, window bits 15) the
 *   IDAT data chunk by chunk, at most 64 KiB per call (ImageFile.MAXBLOCK), and calls inflate
 *   with room for the rest of the current row (ZipDecode.c). libpng's sequential reader does
 *   exactly the same once its IDAT read size is 64 KiB and its window is forced to 15 bits, so
 *   every inflate call, and therefore every zlib error, happens at the same place in both.
 * - Pillow returns pixels, the rows not reached left zero (palette index 0 for palette images),
 *   only when the inflate call that completes a row returns Z_STREAM_END. Every other way for
 *   the data to stop early raises "image file is truncated": IDAT chunks that stop (another
 *   chunk follows, or the file ends), a stream that ends inside a row, or one that ends on a
 *   row boundary but whose Adler-32 arrives in a later call (next IDAT chunk or 64 KiB block).
 *   libpng reports all of these as "Not enough image data" on the next row, so we tell them
 *   apart by what libpng did on the last completed row: its "Extra compressed data" warning
 *   comes from exactly that Z_STREAM_END when input is left over; when none is left (the row
 *   ended exactly at the end of an IDAT chunk) we inflate the IDAT bytes up to there once more
 *   ourselves to learn whether the stream ended there (rare: damaged files only).
 * - After the image data Pillow walks the remaining chunks, from the chunk where the last row
 *   was completed: one whose length runs past the end of the file, or a known chunk shorter
 *   than its fixed fields, is an error (post_walk). */
#include "decode_internal.h"
#include "png_pillow_chunks.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include <zlib.h>

#define PILLOW_BLOCK 65536 /* ImageFile.MAXBLOCK: the most IDAT data Pillow decodes per call */

typedef struct {
    uint32_t width, height;
    int bit_depth, color_type, interlace;
    size_t cut_idat;           /* offset of an IDAT whose data runs past the end, or 0 */
    cc_pillow_chunks chunks;   /* Pillow's text / APNG chunk state after the header chunks */
} png_layout;

typedef struct {
    png_structp png;
    png_infop info;
    cc_decoder *owner;
    size_t offset;
    int eof;                   /* the read callback ran out of data */
    int gray16;
    int interlaced;
    int passes;
    unsigned long rows_done;   /* rows (of all passes) that reached the transform stage */
    unsigned long rows_expected;
    /* The stream libpng reads: the file, except that an IDAT cut by the end of the file gets
     * the length of what exists and a dummy CRC (patch_pos = offset of its length field). */
    size_t patch_pos;
    uint8_t patch_length[4];
    size_t stream_size;
    size_t next_chunk;         /* offset where the next chunk header starts */
    uint8_t last_type[4];      /* type of the last chunk header libpng read */
    size_t first_idat;         /* offset of the first IDAT chunk, 0 until libpng reads it */
    size_t walk_from;          /* next_chunk when the last row completed: where Pillow's
                                * after-image chunk walk starts; 0 = no row yet */
    int row_at_chunk_end;      /* the last completed row used up its IDAT chunk exactly */
    unsigned long end_row;     /* row (1-based) during which libpng saw Z_STREAM_END with
                                * input left ("Extra compressed data"); 0 = none */
    uint8_t zero_pixel[3];     /* what Pillow shows where no row data arrived */
    char error[200];
    cc_pillow_chunks chunks;   /* Pillow's text / APNG state, carried from the header walk */
    png_layout layout;         /* what the header walk found */
} png_state;

static int is_cid(const uint8_t *t) {
    for (int i = 0; i < 4; i++) {
        uint8_t c = t[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) return 0;
    }
    return 1;
}

/* Printable form of a chunk type for messages. */
static void chunk_name(const uint8_t *t, char out[20]) {
    if (is_cid(t)) {
        memcpy(out, t, 4);
        out[4] = 0;
    } else {
        snprintf(out, 20, "0x%02X%02X%02X%02X", t[0], t[1], t[2], t[3]);
    }
}

/* Pillow's fixed-length checks ("Truncated gAMA chunk", ...). */
static int chunk_too_short(const uint8_t *t, uint32_t length, int color_type) {
    static const struct { const char *name; uint32_t min; } rules[] = {
        {"IHDR", 13}, {"gAMA", 4}, {"cHRM", 32}, {"sRGB", 1}, {"pHYs", 9},
        {"acTL", 8}, {"fcTL", 26}, {"fdAT", 4},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (memcmp(t, rules[i].name, 4) == 0) return length < rules[i].min;
    if (memcmp(t, "tRNS", 4) == 0) {
        if (color_type == 0) return length < 2;
        if (color_type == 2) return length < 6;
    }
    return 0;
}

/* Walks the chunks before the image data the way Pillow's PngImagePlugin._open does (see the
 * top of the file), and finds an IDAT cut by the end of the file. */
static int check_chunks(cc_decoder *d, png_layout *out) {
    const uint8_t *data = d->data;
    const size_t size = d->size;
    size_t pos = 8;
    int seen_ihdr = 0;
    char name[20];
    out->color_type = -1;
    out->cut_idat = 0;
    cc_pillow_chunks_init(&out->chunks, 0, 0);
    for (;;) {
        if (pos > size || size - pos < 8)
            return cc_fail(d, CC_ERR_TRUNCATED, "the file ends before the image data (no IDAT chunk)");
        uint32_t length = be32(data + pos);
        const uint8_t *type = data + pos + 4;
        chunk_name(type, name);
        if (!is_cid(type)) return cc_fail(d, CC_ERR_CORRUPT, "invalid chunk type %s at byte %zu", name, pos + 4);
        size_t body = pos + 8;
        if (memcmp(type, "IEND", 4) == 0) return cc_fail(d, CC_ERR_CORRUPT, "IEND before any image data");
        if (memcmp(type, "IDAT", 4) == 0) {
            if (!seen_ihdr) return cc_fail(d, CC_ERR_CORRUPT, "image data before the IHDR chunk");
            break;
        }
        if (size - body < length)
            return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the %s chunk at byte %zu", name, pos);
        if (chunk_too_short(type, length, out->color_type))
            return cc_fail(d, CC_ERR_CORRUPT, "%s chunk is too short (%u bytes)", name, length);
        if (size - body - length < 4)
            return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the checksum of the %s chunk", name);
        uint32_t crc = cc_crc32(cc_crc32(0, type, 4), data + body, length);
        if (crc != be32(data + body + length))
            return cc_fail(d, CC_ERR_CORRUPT, "bad CRC in the %s chunk at byte %zu", name, pos);
        if (memcmp(type, "IHDR", 4) == 0) {
            const uint8_t *h = data + body;
            if (h[11] != 0) return cc_fail(d, CC_ERR_CORRUPT, "unknown filter method %d", h[11]);
            out->width = be32(h);
            out->height = be32(h + 4);
            out->bit_depth = h[8];
            out->color_type = h[9];
            out->interlace = h[12];
            seen_ihdr = 1;
            out->chunks.width = out->width;
            out->chunks.height = out->height;
        } else {
            int status = cc_pillow_chunk(d, &out->chunks, type, data + body, length, 0);
            if (status != CC_OK) return status;
        }
        pos = body + length + 4;
    }
    /* From the first IDAT on, only find the chunk (necessarily the last one) cut by the end. */
    while (size - pos >= 8 && is_cid(data + pos + 4) && memcmp(data + pos + 4, "IEND", 4) != 0) {
        uint32_t length = be32(data + pos);
        if (size - pos - 8 < length) {
            if (memcmp(data + pos + 4, "IDAT", 4) == 0) out->cut_idat = pos;
            break;
        }
        if (size - pos - 8 - length < 4) break;
        pos += 12 + (size_t)length;
    }
    return CC_OK;
}

/* Pillow's load_end: the chunks after the one where decoding stopped. */
static int post_walk(cc_decoder *d, size_t pos, int color_type, cc_pillow_chunks *chunks) {
    const int animated = cc_pillow_animated(chunks);
    const uint8_t *data = d->data;
    const size_t size = d->size;
    char name[20];
    while (pos <= size && size - pos >= 8) {
        uint32_t length = be32(data + pos);
        const uint8_t *type = data + pos + 4;
        if (!is_cid(type) || memcmp(type, "IEND", 4) == 0) return CC_OK;
        chunk_name(type, name);
        if (size - pos - 8 < length)
            return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the %s chunk at byte %zu, after the image data", name, pos);
        /* an animated file stops at the next frame; the default image is loaded */
        if (animated && memcmp(type, "fcTL", 4) == 0) return CC_OK;
        if (chunk_too_short(type, length, color_type))
            return cc_fail(d, CC_ERR_CORRUPT, "%s chunk after the image data is too short (%u bytes)", name, length);
        int status = cc_pillow_chunk(d, chunks, type, data + pos + 8, length, 1);
        if (status != CC_OK) return status;
        pos += 12 + (size_t)length;
    }
    return CC_OK;
}

static void on_png_error(png_structp png, png_const_charp message) {
    png_state *s = png_get_error_ptr(png);
    snprintf(s->error, sizeof s->error, "%s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    png_state *s = png_get_error_ptr(png);
    if (s->rows_done < s->rows_expected && strstr(message, "Extra compressed data") != NULL && s->end_row == 0)
        s->end_row = s->rows_done + 1;
    cc_warn(s->owner, "%s", message);
}

static void stream_copy(png_state *s, uint8_t *out, size_t pos, size_t length) {
    const cc_decoder *d = s->owner;
    while (length > 0) {
        size_t n;
        if (s->patch_pos != 0 && pos >= s->patch_pos && pos < s->patch_pos + 4) {
            n = 1;
            *out = s->patch_length[pos - s->patch_pos];
        } else if (pos >= d->size) {
            n = length;
            memset(out, 0, n); /* the dummy CRC after a cut IDAT */
        } else {
            size_t end = d->size;
            if (s->patch_pos != 0 && pos < s->patch_pos) end = s->patch_pos;
            n = end - pos < length ? end - pos : length;
            memcpy(out, d->data + pos, n);
        }
        out += n;
        pos += n;
        length -= n;
    }
}

static void on_png_read(png_structp png, png_bytep out, size_t length) {
    png_state *s = png_get_io_ptr(png);
    if (s->stream_size - s->offset < length) {
        s->eof = 1;
        png_error(png, "the file ends inside the image data");
    }
    stream_copy(s, out, s->offset, length);
    /* libpng reads every chunk header as one 8-byte read at a chunk boundary, and a CRC as
     * the 4 bytes before the next one. */
    if (s->offset == s->next_chunk && length == 8) {
        memcpy(s->last_type, out + 4, 4);
        if (s->first_idat == 0 && memcmp(out + 4, "IDAT", 4) == 0) s->first_idat = s->offset;
        s->next_chunk = s->offset + 12 + (size_t)be32(out);
    }
    s->offset += length;
}

/* Runs after libpng's own transforms, once per decoded row (of every interlace pass): counts
 * rows, and clamps 16-bit gray to 8 bits the way Pillow converts I;16. */
static void on_row(png_structp png, png_row_infop row, png_bytep data) {
    png_state *s = png_get_user_transform_ptr(png);
    s->rows_done++;
    s->walk_from = s->next_chunk;
    s->row_at_chunk_end = s->offset + 4 == s->next_chunk;
    if (!s->gray16 || row->bit_depth != 16) return;
    png_uint_32 n = row->width;
    for (png_uint_32 i = 0; i < n; i++) {
        unsigned v = ((unsigned)data[2 * i] << 8) | data[2 * i + 1];
        data[i] = (png_byte)(v > 255 ? 255 : v);
    }
    row->bit_depth = 8;
    row->pixel_depth = 8;
    row->rowbytes = n;
}

static void destroy_state(void *impl) {
    png_state *s = impl;
    if (s->png != NULL) png_destroy_read_struct(&s->png, s->info != NULL ? &s->info : NULL, NULL);
    free(s);
}

/* Ancillary chunks libpng knows; skipped so that none of them is applied or can fail a file. */
static const png_byte ignored_chunks[] = {
    'b', 'K', 'G', 'D', 0, 'c', 'H', 'R', 'M', 0, 'e', 'X', 'I', 'f', 0, 'g', 'A', 'M', 'A', 0,
    'h', 'I', 'S', 'T', 0, 'i', 'C', 'C', 'P', 0, 'i', 'T', 'X', 't', 0, 'o', 'F', 'F', 's', 0,
    'p', 'C', 'A', 'L', 0, 'p', 'H', 'Y', 's', 0, 's', 'B', 'I', 'T', 0, 's', 'C', 'A', 'L', 0,
    's', 'P', 'L', 'T', 0, 's', 'R', 'G', 'B', 0, 't', 'E', 'X', 't', 0, 't', 'I', 'M', 'E', 0,
    't', 'R', 'N', 'S', 0, 'z', 'T', 'X', 't', 0,
};

int cc_png_read_header(cc_decoder *d) {
    png_layout layout;
    int status = check_chunks(d, &layout);
    if (status != CC_OK) return status;
    const uint32_t width = layout.width, height = layout.height;
    const int bit_depth = layout.bit_depth, color_type = layout.color_type, interlace = layout.interlace;

    d->header.width = width;
    d->header.height = height;
    d->header.bit_depth = bit_depth;
    d->header.progressive = interlace != 0;
    switch (color_type) {
    case 0: d->header.source_channels = 1; d->header.channels = 1; break;
    case 2: d->header.source_channels = 3; d->header.channels = 3; break;
    case 3: d->header.source_channels = 1; d->header.channels = 3; break;
    case 4: d->header.source_channels = 2; d->header.channels = 1; break;
    case 6: d->header.source_channels = 4; d->header.channels = 3; break;
    default: return cc_fail(d, CC_ERR_CORRUPT, "invalid colour type %d", color_type);
    }
    if (width == 0 || height == 0) return cc_fail(d, CC_ERR_CORRUPT, "image is %ux%u pixels", width, height);

    png_state *s = calloc(1, sizeof(png_state));
    if (s == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");
    d->impl = s;
    d->destroy_impl = destroy_state;
    s->layout = layout;
    return CC_OK;
}

/* libpng's reader, set up only once the pixel limit has passed: its row buffers are as wide as
 * the image. */
int cc_png_prepare(cc_decoder *d) {
    png_state *s = d->impl;
    const png_layout layout = s->layout;
    const uint32_t width = layout.width, height = layout.height;
    const int bit_depth = layout.bit_depth, color_type = layout.color_type;
    s->owner = d;
    s->chunks = layout.chunks;
    s->stream_size = d->size;
    s->next_chunk = 8;
    if (layout.cut_idat != 0) {
        size_t available = d->size - layout.cut_idat - 8;
        s->patch_pos = layout.cut_idat;
        s->patch_length[0] = (uint8_t)(available >> 24);
        s->patch_length[1] = (uint8_t)(available >> 16);
        s->patch_length[2] = (uint8_t)(available >> 8);
        s->patch_length[3] = (uint8_t)available;
        s->stream_size = d->size + 4;
    }
    s->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, s, on_png_error, on_png_warning);
    if (s->png == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");
    s->info = png_create_info_struct(s->png);
    if (s->info == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");

    png_structp png = s->png;
    png_infop info = s->info;
    if (setjmp(png_jmpbuf(png))) {
        if (s->eof) return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the PNG header");
        return cc_fail(d, CC_ERR_CORRUPT, "%s", s->error);
    }
    png_set_read_fn(png, s, on_png_read);
    /* Pillow's inflate calls (see the top of the file). */
    png_set_compression_buffer_size(png, PILLOW_BLOCK);
    png_set_option(png, PNG_MAXIMUM_INFLATE_WINDOW, PNG_OPTION_ON);
    /* "Extra compressed data" must stay a warning: it marks where the stream ended. */
    png_set_benign_errors(png, 1);
    /* Pillow has no dimension limit of its own beyond the pixel count checked above. */
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored_chunks,
                                (int)(sizeof ignored_chunks / 5));
    png_read_info(png, info);

    if (png_get_image_width(png, info) != width || png_get_image_height(png, info) != height ||
        png_get_bit_depth(png, info) != bit_depth || png_get_color_type(png, info) != color_type)
        return cc_fail(d, CC_ERR_CORRUPT, "libpng read a different header");

    s->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
        if (bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
        if (bit_depth == 16) s->gray16 = 1;
        break;
    case PNG_COLOR_TYPE_PALETTE: {
        png_set_palette_to_rgb(png);
        png_colorp palette = NULL;
        int entries = 0;
        if (png_get_PLTE(png, info, &palette, &entries) && entries > 0 && palette != NULL) {
            s->zero_pixel[0] = palette[0].red;
            s->zero_pixel[1] = palette[0].green;
            s->zero_pixel[2] = palette[0].blue;
        }
        break;
    }
    case PNG_COLOR_TYPE_GRAY_ALPHA:
    case PNG_COLOR_TYPE_RGB_ALPHA:
        png_set_strip_alpha(png);
        if (bit_depth == 16) png_set_strip_16(png);
        break;
    default: /* RGB */
        if (bit_depth == 16) png_set_strip_16(png);
        break;
    }
    png_set_read_user_transform_fn(png, on_row);
    png_set_user_transform_info(png, s, s->gray16 ? 8 : 0, s->gray16 ? 1 : 0);
    s->passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    if (png_get_rowbytes(png, info) != (size_t)width * d->header.channels)
        return cc_fail(d, CC_ERR_CORRUPT, "unexpected row size after conversion");
    if (s->interlaced) {
        for (int p = 0; p < 7; p++)
            if (PNG_PASS_COLS(width, p) != 0) s->rows_expected += PNG_PASS_ROWS(height, p);
    } else {
        s->rows_expected = height;
    }
    return CC_OK;
}

static void fill_zero(uint8_t *dst, size_t pixels, int channels, const uint8_t zero[3]) {
    if (channels == 1 || (zero[0] == 0 && zero[1] == 0 && zero[2] == 0)) {
        memset(dst, channels == 1 ? 0 : zero[0], pixels * (size_t)channels);
        return;
    }
    for (size_t i = 0; i < pixels; i++, dst += 3) memcpy(dst, zero, 3);
}

/* Where Pillow's after-image chunk walk starts when decoding stopped early or failed late. */
static size_t walk_start(const png_state *s) {
    return s->walk_from != 0 ? s->walk_from : s->next_chunk;
}

/* Pillow's ImagingZipDecode, replayed over the IDAT chunks up to the end of row `rows`
 * (counting the rows of every interlace pass): whether the inflate call that completed that
 * row returned Z_STREAM_END. Same input blocks, same output room, same zlib as Pillow. */
static int pillow_row_call_ended(const png_state *s, unsigned long rows) {
    const cc_decoder *d = s->owner;
    const uint32_t width = d->header.width, height = d->header.height;
    const size_t bits = (size_t)d->header.bit_depth * (size_t)d->header.source_channels;
    if (s->first_idat == 0 || rows == 0 || ((size_t)width * bits + 7) / 8 >= UINT32_MAX) return 0;
    uint8_t *row = malloc(((size_t)width * bits + 7) / 8 + 1);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (row == NULL) return 0;
    if (inflateInit(&z) != Z_OK) {
        free(row);
        return 0;
    }
    int pass = 0;
    uint32_t pass_rows = s->interlaced ? PNG_PASS_ROWS(height, 0) : height, y = 0;
    size_t row_bytes = 0, filled = 0;
    unsigned long done = 0;
    int verdict = -1;
    size_t pos = s->first_idat;
    while (verdict < 0 && pos <= d->size && d->size - pos >= 8) {
        uint8_t header[8];
        stream_copy((png_state *)s, header, pos, 8);
        if (memcmp(header + 4, "IDAT", 4) != 0) break;
        size_t body = pos + 8, length = be32(header);
        size_t stop = d->size - body < length ? d->size : body + length;
        for (size_t block = body; verdict < 0 && block < stop; block += PILLOW_BLOCK) {
            z.next_in = (Bytef *)(d->data + block);
            z.avail_in = (uInt)(stop - block < PILLOW_BLOCK ? stop - block : PILLOW_BLOCK);
            while (verdict < 0 && z.avail_in > 0) {
                while (row_bytes == 0) { /* the next row: skip empty passes */
                    if (y < pass_rows) {
                        uint32_t cols = s->interlaced ? PNG_PASS_COLS(width, pass) : width;
                        row_bytes = ((size_t)cols * bits + 7) / 8 + 1;
                        break;
                    }
                    if (!s->interlaced || ++pass == 7) {
                        verdict = 0;
                        break;
                    }
                    y = 0;
                    pass_rows = PNG_PASS_COLS(width, pass) != 0 ? PNG_PASS_ROWS(height, pass) : 0;
                }
                if (verdict >= 0) break;
                z.next_out = row + filled;
                z.avail_out = (uInt)(row_bytes - filled);
                int ret = inflate(&z, Z_NO_FLUSH);
                if (ret < 0) {
                    verdict = 0;
                    break;
                }
                filled = row_bytes - z.avail_out;
                if (filled < row_bytes) {
                    if (ret == Z_STREAM_END) verdict = 0; /* ended inside a row */
                    break;
                }
                if (++done == rows) verdict = ret == Z_STREAM_END;
                filled = 0;
                row_bytes = 0;
                y++;
            }
        }
        pos = body + length + 4;
    }
    inflateEnd(&z);
    free(row);
    return verdict > 0;
}

/* Pillow's verdict when libpng stopped before the last row: whether the inflate call that
 * completed the last completed row returned Z_STREAM_END (see the top of the file). Without
 * the warning, that can only have happened with the row ending exactly at a chunk's end. */
static int pillow_stream_ended(const png_state *s) {
    if (s->rows_done == 0) return 0;
    if (s->end_row == s->rows_done) return 1;
    return s->row_at_chunk_end && pillow_row_call_ended(s, s->rows_done);
}

int cc_png_decode(cc_decoder *d, uint8_t *dst) {
    png_state *s = d->impl;
    png_structp png = s->png;
    const size_t width = d->header.width;
    const uint32_t height = d->header.height;
    const int channels = d->header.channels;
    const size_t stride = width * (size_t)channels;
    const int color_type = png_get_color_type(png, s->info);

    /* Interlaced passes fill scattered pixels; where data stops Pillow shows zeros. */
    if (s->interlaced) fill_zero(dst, width * height, channels, s->zero_pixel);

    if (setjmp(png_jmpbuf(png))) {
        if (s->rows_done >= s->rows_expected) {
            cc_warn(d, "ignored after the last row: %s", s->error);
            return post_walk(d, walk_start(s), color_type, &s->chunks);
        }
        if (pillow_stream_ended(s)) {
            if (!s->interlaced)
                fill_zero(dst + (size_t)s->rows_done * stride, width * (height - s->rows_done), channels, s->zero_pixel);
            cc_warn(d, "the compressed image data ends before the last row (%lu of %lu rows); the rest is blank, as in Pillow",
                    s->rows_done, s->rows_expected);
            return post_walk(d, walk_start(s), color_type, &s->chunks);
        }
        char name[20];
        chunk_name(s->last_type, name);
        int idat_stopped = memcmp(s->last_type, "IDAT", 4) != 0;
        if (!s->eof && !idat_stopped && strcmp(s->error, "Not enough image data") == 0) {
            if (s->interlaced)
                return cc_fail(d, CC_ERR_TRUNCATED, "the compressed image data ends inside the interlaced passes (%lu of %lu pass rows)",
                               s->rows_done, s->rows_expected);
            return cc_fail(d, CC_ERR_TRUNCATED, "the compressed image data ends before the end of row %lu of %u",
                           s->rows_done + 1, (unsigned)height);
        }
        if (s->eof || idat_stopped) {
            char where[64] = "the file ends";
            if (!s->eof) snprintf(where, sizeof where, "a %s chunk follows", name);
            if (s->interlaced)
                return cc_fail(d, CC_ERR_TRUNCATED, "the image data stops (%s) in the interlaced passes (%lu of %lu pass rows)",
                               where, s->rows_done, s->rows_expected);
            return cc_fail(d, CC_ERR_TRUNCATED, "the image data stops (%s) after %lu%% of the rows (row %lu of %u)",
                           where, s->rows_done * 100 / height, s->rows_done, (unsigned)height);
        }
        if (s->interlaced)
            return cc_fail(d, CC_ERR_CORRUPT, "%s (in the interlaced passes, %lu of %lu pass rows)", s->error,
                           s->rows_done, s->rows_expected);
        return cc_fail(d, CC_ERR_CORRUPT, "%s (at row %lu of %u)", s->error, s->rows_done + 1, (unsigned)height);
    }
    for (int pass = 0; pass < s->passes; pass++) {
        for (uint32_t y = 0; y < height; y++) {
            png_read_row(png, dst + (size_t)y * stride, NULL);
        }
    }
    return post_walk(d, walk_start(s), color_type, &s->chunks);
}
