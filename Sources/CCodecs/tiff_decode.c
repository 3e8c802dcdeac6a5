/* TIFF decoding through libtiff (first page), giving the pixels Pillow 13 gives after
 * convert('L') / convert('RGB').
 *
 * libtiff reads from memory (TIFFClientOpenExt) with per-handle error and warning handlers (no
 * global state, so decoders on several threads do not mix messages) and a cap on any single
 * allocation. Strips and tiles are read with TIFFReadEncodedStrip / TIFFReadEncodedTile, which
 * undo every compression libtiff has (none, LZW, Deflate, PackBits, JPEG, ...), predictors and
 * fill order, into one buffer of decoded samples; JPEG-in-TIFF with YCbCr is asked for RGB
 * (TIFFTAG_JPEGCOLORMODE), as Pillow does. Then Pillow's modes and conversions:
 *   grey 1/2/4/8 bit (MinIsBlack, or MinIsWhite inverted) -> L scaled (v*255, v*85, v*17, v)
 *   grey 16 bit (I;16) -> min(v, 255), as Pillow's I;16 -> L and -> RGB
 *   palette 1/2/4/8 bit -> ColorMap entries / 256 (Pillow's 16 -> 8 bit palette rule)
 *   RGB 8/16 bit, with or without an extra sample -> the high byte; an associated (premultiplied)
 *   alpha is divided out as Pillow's RGBa unpacker does (v * 255 / a, 0 where a = 0)
 *   CMYK 8 bit -> Pillow's cmyk2rgb (nk - c * nk / 255 with its rounding)
 * Other layouts (float or signed samples, YCbCr without JPEG, Lab, ...) are refused as
 * unsupported here. */
#include "decode_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#define TIFF_MAX_ALLOC ((tmsize_t)1 << 30)

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
} tiff_stream;

typedef struct {
    TIFF *tif;
    TIFFOpenOptions *options;
    tiff_stream stream;
    cc_decoder *owner;
    char error[240];
    uint16_t bps, spp, photometric, planar, extra_kind;
    uint16_t *colormap[3];
    int kind;
} tiff_state;

enum { KIND_GRAY = 0, KIND_PALETTE, KIND_RGB, KIND_CMYK };

static tmsize_t stream_read(thandle_t h, void *buf, tmsize_t n) {
    tiff_stream *s = h;
    if (n <= 0 || s->pos >= s->size) return 0;
    size_t left = s->size - s->pos;
    size_t take = (size_t)n < left ? (size_t)n : left;
    memcpy(buf, s->data + s->pos, take);
    s->pos += take;
    return (tmsize_t)take;
}
static tmsize_t stream_write(thandle_t h, void *buf, tmsize_t n) { (void)h; (void)buf; (void)n; return -1; }
static toff_t stream_seek(thandle_t h, toff_t off, int whence) {
    tiff_stream *s = h;
    uint64_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->size : 0;
    uint64_t to = base + off;
    if (to > SIZE_MAX) return (toff_t)-1;
    s->pos = (size_t)to;
    return to;
}
static int stream_close(thandle_t h) { (void)h; return 0; }
static toff_t stream_size(thandle_t h) { return ((tiff_stream *)h)->size; }
static int stream_map(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static void stream_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    tiff_state *s = user;
    if (s->error[0] == 0) vsnprintf(s->error, sizeof s->error, fmt, ap);
    return 1;
}
static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    tiff_state *s = user;
    char text[CC_WARNING_LENGTH];
    vsnprintf(text, sizeof text, fmt, ap);
    cc_warn(s->owner, "libtiff: %s", text);
    return 1;
}

static void destroy_state(void *impl) {
    tiff_state *s = impl;
    if (s->tif != NULL) TIFFClose(s->tif);
    if (s->options != NULL) TIFFOpenOptionsFree(s->options);
    free(s);
}

static int fail_tiff(cc_decoder *d, tiff_state *s, int status, const char *what) {
    if (s->error[0]) return cc_fail(d, status, "%s: %s", what, s->error);
    return cc_fail(d, status, "%s", what);
}

int cc_tiff_read_header(cc_decoder *d, uint64_t max_pixels) {
    tiff_state *s = calloc(1, sizeof *s);
    if (s == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");
    d->impl = s;
    d->destroy_impl = destroy_state;
    s->owner = d;
    s->stream = (tiff_stream){d->data, d->size, 0};
    s->options = TIFFOpenOptionsAlloc();
    if (s->options == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");
    TIFFOpenOptionsSetErrorHandlerExtR(s->options, on_error, s);
    TIFFOpenOptionsSetWarningHandlerExtR(s->options, on_warning, s);
    TIFFOpenOptionsSetMaxSingleMemAlloc(s->options, TIFF_MAX_ALLOC);
    /* "m": no memory mapping (we are the memory); "h": headers only until asked */
    s->tif = TIFFClientOpenExt("tiff", "rm", (thandle_t)&s->stream, stream_read, stream_write, stream_seek,
                               stream_close, stream_size, stream_map, stream_unmap, s->options);
    if (s->tif == NULL) return fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot read the TIFF directory");
    TIFF *tif = s->tif;
    uint32_t width = 0, height = 0;
    uint16_t sample_format = SAMPLEFORMAT_UINT, compression = COMPRESSION_NONE;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &s->bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &s->spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &s->planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &s->photometric))
        return cc_fail(d, CC_ERR_CORRUPT, "TIFF has no PhotometricInterpretation tag");
    uint16_t extra_count = 0;
    uint16_t *extra = NULL;
    if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra) && extra_count > 0 && extra != NULL)
        s->extra_kind = extra[0];
    d->header.width = width;
    d->header.height = height;
    d->header.bit_depth = s->bps;
    d->header.source_channels = s->spp;

    if (sample_format != SAMPLEFORMAT_UINT)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "TIFF sample format %u (only unsigned integer samples are supported)", sample_format);
    if (s->photometric == PHOTOMETRIC_YCBCR && compression == COMPRESSION_JPEG) {
        if (!TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB))
            return fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot convert the JPEG data to RGB");
        s->photometric = PHOTOMETRIC_RGB;
    }
    int ok_bits;
    switch (s->photometric) {
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_MINISBLACK:
        s->kind = KIND_GRAY;
        ok_bits = (s->bps == 1 || s->bps == 2 || s->bps == 4 || s->bps == 8 || s->bps == 16) && s->spp >= 1 && s->spp <= 2;
        break;
    case PHOTOMETRIC_PALETTE:
        s->kind = KIND_PALETTE;
        ok_bits = (s->bps == 1 || s->bps == 2 || s->bps == 4 || s->bps == 8) && s->spp == 1;
        if (ok_bits && !TIFFGetField(tif, TIFFTAG_COLORMAP, &s->colormap[0], &s->colormap[1], &s->colormap[2]))
            return cc_fail(d, CC_ERR_CORRUPT, "palette TIFF without a ColorMap");
        break;
    case PHOTOMETRIC_RGB:
        s->kind = KIND_RGB;
        ok_bits = (s->bps == 8 || s->bps == 16) && s->spp >= 3 && s->spp <= 4;
        break;
    case PHOTOMETRIC_SEPARATED:
        s->kind = KIND_CMYK;
        ok_bits = s->bps == 8 && s->spp >= 4 && s->spp <= 5;
        break;
    default:
        return cc_fail(d, CC_ERR_UNSUPPORTED, "TIFF photometric interpretation %u", s->photometric);
    }
    if (s->kind == KIND_GRAY && s->spp == 2 && s->extra_kind == EXTRASAMPLE_ASSOCALPHA)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "grey with premultiplied alpha (Pillow's La mode, which it cannot convert to L)");
    if (!ok_bits)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "TIFF with %u samples of %u bits (photometric %u)", s->spp, s->bps, s->photometric);
    d->header.channels = s->kind == KIND_GRAY ? 1 : 3;
    if (width == 0 || height == 0) return cc_fail(d, CC_ERR_CORRUPT, "TIFF declares an empty image");
    if ((uint64_t)width * height > max_pixels) return cc_fail(d, CC_ERR_TOO_MANY_PIXELS, "too many pixels");
    return CC_OK;
}

/* Sample `i` (0-based, in a row of packed `bps`-bit samples) of `row`. */
static unsigned sample(const uint8_t *row, size_t i, unsigned bps) {
    switch (bps) {
    case 8: return row[i];
    case 16: { uint16_t v; memcpy(&v, row + 2 * i, 2); return v; } /* libtiff gives native order */
    default: {
        size_t bit = i * bps;
        return (row[bit >> 3] >> (8 - bps - (bit & 7))) & ((1u << bps) - 1);
    }
    }
}

/* Reads every strip or tile of the first page into `buf`: contiguous layout, `row_bytes` per row
 * and plane; planes one after another when PlanarConfig is separate. */
static int read_samples(cc_decoder *d, tiff_state *s, uint8_t *buf, size_t row_bytes, int planes) {
    TIFF *tif = s->tif;
    const uint32_t width = d->header.width, height = d->header.height;
    const size_t plane_size = row_bytes * height;
    const unsigned bits_per_pixel = (unsigned)s->bps * (s->planar == PLANARCONFIG_SEPARATE ? 1 : s->spp);
    if (TIFFIsTiled(tif)) {
        uint32_t tw = 0, th = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
        tmsize_t tile_size = TIFFTileSize(tif);
        if (tw == 0 || th == 0 || tile_size <= 0) return fail_tiff(d, s, CC_ERR_CORRUPT, "bad TIFF tile size");
        size_t tile_row = ((size_t)tw * bits_per_pixel + 7) / 8;
        uint8_t *tile = malloc((size_t)tile_size);
        if (tile == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory for a TIFF tile");
        for (int p = 0; p < planes; p++) {
            for (uint32_t y = 0; y < height; y += th) {
                for (uint32_t x = 0; x < width; x += tw) {
                    uint32_t index = TIFFComputeTile(tif, x, y, 0, (uint16_t)p);
                    if (TIFFReadEncodedTile(tif, index, tile, tile_size) < 0) {
                        free(tile);
                        return fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot decode a tile");
                    }
                    size_t x_byte = (size_t)x * bits_per_pixel / 8;
                    size_t copy = row_bytes - x_byte < tile_row ? row_bytes - x_byte : tile_row;
                    for (uint32_t r = 0; r < th && y + r < height; r++)
                        memcpy(buf + (size_t)p * plane_size + (size_t)(y + r) * row_bytes + x_byte,
                               tile + (size_t)r * tile_row, copy);
                }
            }
        }
        free(tile);
        return CC_OK;
    }
    uint32_t rows_per_strip = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
    if (rows_per_strip == 0 || rows_per_strip > height) rows_per_strip = height;
    uint32_t strips_per_plane = (height + rows_per_strip - 1) / rows_per_strip;
    for (int p = 0; p < planes; p++) {
        for (uint32_t k = 0; k < strips_per_plane; k++) {
            uint32_t y = k * rows_per_strip;
            uint32_t rows = height - y < rows_per_strip ? height - y : rows_per_strip;
            uint32_t strip = k + (uint32_t)p * strips_per_plane;
            if (TIFFReadEncodedStrip(tif, strip, buf + (size_t)p * plane_size + (size_t)y * row_bytes,
                                     (tmsize_t)(rows * row_bytes)) < 0)
                return fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot decode a strip");
        }
    }
    return CC_OK;
}

static uint8_t muldiv255(unsigned a, unsigned b) {
    unsigned t = a * b + 128;
    return (uint8_t)(((t >> 8) + t) >> 8);
}

int cc_tiff_decode(cc_decoder *d, uint8_t *dst) {
    tiff_state *s = d->impl;
    const uint32_t width = d->header.width, height = d->header.height;
    const int separate = s->planar == PLANARCONFIG_SEPARATE && s->spp > 1;
    const int planes = separate ? s->spp : 1;
    const size_t row_bytes = ((size_t)width * s->bps * (separate ? 1 : s->spp) + 7) / 8;
    uint8_t *buf = calloc((size_t)planes * row_bytes, height);
    if (buf == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory for the TIFF samples");
    int status = read_samples(d, s, buf, row_bytes, planes);
    if (status != CC_OK) { free(buf); return status; }
    const size_t plane_size = row_bytes * height;
    const unsigned bps = s->bps;
    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *row = buf + (size_t)y * row_bytes;
        for (uint32_t x = 0; x < width; x++) {
            unsigned v[5] = {0, 0, 0, 0, 0};
            for (int c = 0; c < s->spp && c < 5; c++) {
                v[c] = separate ? sample(row + (size_t)c * plane_size, x, bps)
                                : sample(row, (size_t)x * s->spp + (size_t)c, bps);
            }
            size_t at = (size_t)y * width + x;
            switch (s->kind) {
            case KIND_GRAY: {
                unsigned g;
                if (bps == 16) {
                    g = v[0];
                    if (s->photometric == PHOTOMETRIC_MINISWHITE) g = 65535 - g;
                    g = g > 255 ? 255 : g;
                } else {
                    unsigned max = (1u << bps) - 1;
                    if (s->photometric == PHOTOMETRIC_MINISWHITE) v[0] = max - v[0];
                    g = v[0] * (255 / max);
                }
                dst[at] = (uint8_t)g;
                break;
            }
            case KIND_PALETTE:
                for (int c = 0; c < 3; c++) dst[3 * at + c] = (uint8_t)(s->colormap[c][v[0]] >> 8);
                break;
            case KIND_RGB:
                for (int c = 0; c < 3; c++) {
                    unsigned u = bps == 16 ? v[c] >> 8 : v[c];
                    if (s->spp == 4 && s->extra_kind == EXTRASAMPLE_ASSOCALPHA) {
                        unsigned a = bps == 16 ? v[3] >> 8 : v[3];
                        u = a == 0 ? 0 : (u * 255 / a > 255 ? 255 : u * 255 / a);
                    }
                    dst[3 * at + c] = (uint8_t)u;
                }
                break;
            default: {
                unsigned nk = 255 - v[3];
                for (int c = 0; c < 3; c++) {
                    int u = (int)nk - muldiv255(v[c], nk);
                    dst[3 * at + c] = (uint8_t)(u < 0 ? 0 : u);
                }
                break;
            }
            }
        }
    }
    free(buf);
    return CC_OK;
}
