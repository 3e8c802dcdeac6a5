/* The checks Pillow 13's PngImagePlugin makes on PNG chunks other than the image data, which
 * decide whether it raises (see png_pillow_chunks.h). Measured with Pillow 13 on generated files
 * (scripts/make_format_corpus.py writes them under png_parity/). */
#include "png_pillow_chunks.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAX_TEXT_CHUNK (1024 * 1024)            /* ImageFile.SAFEBLOCK */
#define MAX_TEXT_MEMORY (64ull * MAX_TEXT_CHUNK)

void cc_pillow_chunks_init(cc_pillow_chunks *st, uint32_t width, uint32_t height) {
    memset(st, 0, sizeof *st);
    st->width = width;
    st->height = height;
    st->seq = -1;
}

enum { INFLATE_OK = 0, INFLATE_ZLIB_ERROR = 1, INFLATE_TOO_LARGE = 2 };

/* Python's zlib.decompressobj().decompress(data, MAX_TEXT_CHUNK) followed by Pillow's
 * "unconsumed_tail means too large" test. `out` (MAX_TEXT_CHUNK bytes) may be NULL when only the
 * length is wanted. */
static int pillow_inflate(const uint8_t *data, size_t size, uint8_t *out, size_t *produced) {
    uint8_t buffer[16384];
    z_stream z;
    memset(&z, 0, sizeof z);
    *produced = 0;
    if (inflateInit(&z) != Z_OK) return INFLATE_ZLIB_ERROR;
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)(size > 0xFFFFFFFFu ? 0xFFFFFFFFu : size);
    int ret = Z_OK, result = INFLATE_OK;
    for (;;) {
        size_t room = MAX_TEXT_CHUNK - *produced;
        if (room == 0) break;
        uint8_t *to = out != NULL ? out + *produced : buffer;
        size_t give = out != NULL ? room : (room < sizeof buffer ? room : sizeof buffer);
        z.next_out = to;
        z.avail_out = (uInt)give;
        ret = inflate(&z, Z_SYNC_FLUSH);
        *produced += give - z.avail_out;
        if (ret == Z_STREAM_END) break;
        if (ret != Z_OK && ret != Z_BUF_ERROR) { result = INFLATE_ZLIB_ERROR; break; }
        if (ret == Z_BUF_ERROR || z.avail_in == 0) break; /* input used up: an unfinished stream is fine */
    }
    if (result == INFLATE_OK && ret != Z_STREAM_END && *produced == MAX_TEXT_CHUNK && z.avail_in > 0)
        result = INFLATE_TOO_LARGE;
    inflateEnd(&z);
    return result;
}

/* Characters of strict UTF-8 (Python's decode('utf-8', 'strict')), or -1 when invalid. */
static long utf8_chars(const uint8_t *p, size_t n) {
    long chars = 0;
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) { i++; chars++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return -1;
        if (n - i < len) return -1;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return -1;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return -1;
        i += len;
        chars++;
    }
    return chars;
}

static const uint8_t *find_nul(const uint8_t *p, size_t n) { return memchr(p, 0, n); }

static int add_text(cc_decoder *d, cc_pillow_chunks *st, uint64_t n) {
    st->text_memory += n;
    if (st->text_memory > MAX_TEXT_MEMORY)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "the text chunks hold %llu bytes, over Pillow's MAX_TEXT_MEMORY (%llu); Pillow refuses the file",
                       (unsigned long long)st->text_memory, (unsigned long long)MAX_TEXT_MEMORY);
    return CC_OK;
}

static int too_large(cc_decoder *d, const char *chunk) {
    return cc_fail(d, CC_ERR_UNSUPPORTED, "a compressed %s chunk decompresses past Pillow's MAX_TEXT_CHUNK (1 MiB); Pillow refuses the file", chunk);
}

int cc_pillow_chunk(cc_decoder *d, cc_pillow_chunks *st, const uint8_t *type, const uint8_t *s, uint32_t length,
                    int after_image) {
    size_t produced = 0;
    if (memcmp(type, "tEXt", 4) == 0) {
        const uint8_t *nul = find_nul(s, length);
        if (nul != NULL && nul != s) return add_text(d, st, (uint64_t)(s + length - nul - 1));
        return CC_OK;
    }
    if (memcmp(type, "zTXt", 4) == 0) {
        const uint8_t *nul = find_nul(s, length);
        if (nul == NULL) return CC_OK; /* key only: empty text */
        const uint8_t *v = nul + 1;
        size_t vn = (size_t)(s + length - v);
        if (vn > 0 && v[0] != 0)
            return cc_fail(d, CC_ERR_CORRUPT, "unknown compression method %d in a zTXt chunk", v[0]);
        int r = vn > 0 ? pillow_inflate(v + 1, vn - 1, NULL, &produced) : INFLATE_OK;
        if (r == INFLATE_TOO_LARGE) return too_large(d, "zTXt");
        if (r == INFLATE_ZLIB_ERROR) produced = 0;
        return nul != s ? add_text(d, st, produced) : CC_OK;
    }
    if (memcmp(type, "iTXt", 4) == 0) {
        const uint8_t *nul = find_nul(s, length);
        if (nul == NULL) return CC_OK;
        const uint8_t *r = nul + 1, *end = s + length;
        if (end - r < 2) return CC_OK;
        uint8_t cf = r[0], cm = r[1];
        r += 2;
        const uint8_t *lang_end = find_nul(r, (size_t)(end - r));
        if (lang_end == NULL) return CC_OK;
        const uint8_t *tk = lang_end + 1;
        const uint8_t *tk_end = find_nul(tk, (size_t)(end - tk));
        if (tk_end == NULL) return CC_OK;
        const uint8_t *v = tk_end + 1;
        size_t vn = (size_t)(end - v);
        uint8_t *text = NULL;
        if (cf != 0) {
            if (cm != 0) return CC_OK;
            text = malloc(MAX_TEXT_CHUNK);
            if (text == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory for an iTXt chunk");
            int res = pillow_inflate(v, vn, text, &produced);
            if (res != INFLATE_OK) {
                free(text);
                return res == INFLATE_TOO_LARGE ? too_large(d, "iTXt") : CC_OK;
            }
            v = text;
            vn = produced;
        }
        long chars = utf8_chars(v, vn);
        int ok = utf8_chars(r, (size_t)(lang_end - r)) >= 0 && utf8_chars(tk, (size_t)(tk_end - tk)) >= 0 && chars >= 0;
        free(text);
        return ok ? add_text(d, st, (uint64_t)chars) : CC_OK;
    }
    if (memcmp(type, "iCCP", 4) == 0) {
        const uint8_t *nul = find_nul(s, length);
        size_t i = nul != NULL ? (size_t)(nul - s) : (size_t)-1; /* Python's find: -1 */
        size_t method_at = i + 1;                              /* 0 when there is no NUL */
        if (method_at >= length) return cc_fail(d, CC_ERR_CORRUPT, "iCCP chunk without a compression method");
        if (s[method_at] != 0)
            return cc_fail(d, CC_ERR_CORRUPT, "unknown compression method %d in the iCCP chunk", s[method_at]);
        size_t from = method_at + 1;
        if (pillow_inflate(s + from, length - from, NULL, &produced) == INFLATE_TOO_LARGE) return too_large(d, "iCCP");
        return CC_OK;
    }
    if (memcmp(type, "acTL", 4) == 0 && length >= 8) {
        if (st->frames_set) {
            st->frames_set = 0; /* a second acTL: Pillow falls back to the default image */
        } else {
            uint32_t n = be32(s);
            if (n != 0 && n <= 0x80000000u) { st->frames_set = 1; st->n_frames = n; }
        }
        return CC_OK;
    }
    if (memcmp(type, "fcTL", 4) == 0 && length >= 26) {
        uint32_t seq = be32(s);
        if ((st->seq < 0 && seq != 0) || (st->seq >= 0 && (uint64_t)st->seq + 1 != seq))
            return cc_fail(d, CC_ERR_CORRUPT, "APNG contains frame sequence errors (fcTL %u%s)", seq,
                           after_image ? ", after the image data" : "");
        st->seq = seq;
        uint64_t w = be32(s + 4), h = be32(s + 8), x = be32(s + 12), y = be32(s + 16);
        if (x + w > st->width || y + h > st->height)
            return cc_fail(d, CC_ERR_CORRUPT, "APNG contains invalid frames (a frame outside the image)");
        if (!after_image) st->frame_before_image = 1;
        return CC_OK;
    }
    if (memcmp(type, "fdAT", 4) == 0 && length >= 4) {
        uint32_t seq = be32(s);
        if (st->seq < 0 || (uint64_t)st->seq + 1 != seq)
            return cc_fail(d, CC_ERR_CORRUPT, "APNG contains frame sequence errors (fdAT %u%s)", seq,
                           after_image ? ", after the image data" : "");
        st->seq = seq;
        return CC_OK;
    }
    return CC_OK;
}

int cc_pillow_animated(const cc_pillow_chunks *st) {
    if (!st->frames_set) return 0;
    uint64_t frames = st->n_frames + (st->frame_before_image ? 0 : 1); /* + the default image */
    return frames > 1;
}
