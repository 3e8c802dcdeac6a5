/* TIFF decoding through libtiff (first page), giving the pixels Pillow 13 gives after
 * convert('L') / convert('RGB').
 *
 * libtiff reads from memory (TIFFClientOpenExt) with per-handle error and warning handlers (no
 * global state, so decoders on several threads do not mix messages) and a cap on any single
 * allocation. Strips and tiles are read with TIFFReadEncodedStrip / TIFFReadEncodedTile, which
 * undo every compression libtiff has (none, LZW, Deflate, PackBits, JPEG, ...), predictors and
 * fill order, into a band of decoded samples (one strip or row of tiles, converted to the
 * output before the next is read, so no whole-image sample buffer exists); JPEG-in-TIFF with
 * YCbCr is asked for RGB (TIFFTAG_JPEGCOLORMODE), as Pillow does. Then Pillow's modes and conversions:
 *   grey 1/2/4/8 bit (MinIsBlack, or MinIsWhite inverted) -> L scaled (v*255, v*85, v*17, v)
 *   grey 16 bit (I;16) and 12 bit (little-endian, read by Pillow as I;16) -> min(v, 255), as
 *   Pillow's I;16 -> L and -> RGB
 *   palette 1/2/4/8 bit -> ColorMap entries / 256 (Pillow's 16 -> 8 bit palette rule)
 *   RGB 8/16 bit, with or without an extra sample -> the high byte; an associated (premultiplied)
 *   alpha is divided out as Pillow's RGBa unpacker does (v * 255 / a, 0 where a = 0)
 *   CMYK 8 bit -> Pillow's cmyk2rgb (nk - c * nk / 255 with its rounding)
 * Other layouts (float or signed samples, YCbCr without JPEG, Lab, ...) are refused as
 * unsupported here.
 * Orientation: Pillow 13's TiffImagePlugin transposes the first page on load by its Orientation
 * (ImageOps.exif_transpose in load_end; width and height swapped for 5..8), so the pixels are
 * written to their transposed place as they are converted (see tiff_orientation). */
#include "decode_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <zlib.h>

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
    int colormap_lost;         /* libtiff dropped a ColorMap it could not read */
    int mistyped_key_tag;      /* libtiff ignored one of those three for its type */
    int ignored_key_tag[3];    /* FillOrder, PhotometricInterpretation, Compression: libtiff
                                * ignored the tag for its value count */
    uint16_t bps, spp, photometric, planar, extra_kind, sample_format, compression, fill_order;
    uint16_t *colormap[3];
    int kind;
    int planes_used;               /* separate planes read: extra planes Pillow drops are not */
    uint16_t orientation;          /* 1..8 as Pillow applies it (1: as stored) */
    uint32_t stored_w, stored_h;   /* the stored raster; the output is transposed for 5..8 */
} tiff_state;

enum { KIND_GRAY = 0, KIND_PALETTE, KIND_RGB, KIND_CMYK, KIND_YCBCR_RGBA };

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
    if (strstr(text, "\"ColorMap\"") != NULL) s->colormap_lost = 1;
    static const char *const key_tags[] = {"\"FillOrder\"", "\"PhotometricInterpretation\"", "\"Compression\""};
    if (strstr(text, "Incorrect count for") != NULL)
        for (size_t i = 0; i < 3; i++)
            if (strstr(text, key_tags[i]) != NULL) s->ignored_key_tag[i] = 1;
    if (strstr(text, "Incompatible type for") != NULL)
        for (size_t i = 0; i < 3; i++)
            if (strstr(text, key_tags[i]) != NULL) s->mistyped_key_tag = 1;
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

/* The sample layouts Pillow 13 opens (TiffImagePlugin.OPEN_INFO, keyed on byte order, photometric,
 * sample format, fill order, bits per sample and extra samples), restricted to those whose
 * convert('L') / convert('RGB') Pillow can do. Sets s->kind; returns NULL when the layout is one
 * of them, else a short reason. */
static const char *pillow_layout(tiff_state *s, int spp, int n_extra, const uint16_t extras[3],
                                 uint16_t fill_order, int big_endian) {
    const unsigned bps = s->bps, sf = s->sample_format;
    const int fill2 = fill_order == FILLORDER_LSB2MSB;
    const uint16_t e0 = extras[0];
    switch (s->photometric) {
    case PHOTOMETRIC_MINISWHITE:
        s->kind = KIND_GRAY;
        if (spp != 1 || n_extra != 0) return "grey with extra samples";
        if (sf == SAMPLEFORMAT_UINT && (bps == 1 || bps == 2 || bps == 4 || bps == 8)) return NULL;
        if (sf == SAMPLEFORMAT_UINT && bps == 16 && !fill2 && !big_endian) return NULL;
        if (sf == SAMPLEFORMAT_IEEEFP && bps == 32 && !fill2) return NULL;
        return "grey layout";
    case PHOTOMETRIC_MINISBLACK:
        s->kind = KIND_GRAY;
        if (spp == 2 && n_extra == 1 && sf == SAMPLEFORMAT_UINT && bps == 8 && !fill2) {
            if (e0 == EXTRASAMPLE_ASSOCALPHA) return "grey with premultiplied alpha (La, which Pillow cannot convert)";
            return e0 <= 2 ? NULL : "grey extra sample kind";
        }
        if (spp != 1 || n_extra != 0) return "grey with extra samples";
        if (sf == SAMPLEFORMAT_UINT && (bps == 1 || bps == 2 || bps == 4 || bps == 8)) return NULL;
        if (sf == SAMPLEFORMAT_UINT && bps == 16 && (!fill2 || !big_endian)) return NULL;
        if (sf == SAMPLEFORMAT_UINT && bps == 12 && !fill2 && !big_endian) return NULL; /* I;12 -> I;16 */
        if (sf == SAMPLEFORMAT_UINT && bps == 32 && !fill2 && !big_endian) return NULL;
        if (sf == SAMPLEFORMAT_INT && (bps == 8 || bps == 16 || bps == 32) && !fill2) return NULL;
        if (sf == SAMPLEFORMAT_IEEEFP && bps == 32 && !fill2) return NULL;
        return "grey layout";
    case PHOTOMETRIC_PALETTE:
        s->kind = KIND_PALETTE;
        if (sf != SAMPLEFORMAT_UINT) return "palette sample format";
        if (spp == 1 && n_extra == 0 && (bps == 1 || bps == 2 || bps == 4 || bps == 8)) return NULL;
        if (spp == 2 && n_extra == 1 && bps == 8 && !fill2 && (e0 == 0 || e0 == 2)) return NULL;
        return "palette layout";
    case PHOTOMETRIC_RGB:
        s->kind = KIND_RGB;
        if (sf != SAMPLEFORMAT_UINT) return "RGB sample format";
        if (fill2) return spp == 3 && n_extra == 0 && bps == 8 ? NULL : "RGB with reversed fill order";
        if (bps != 8 && bps != 16) return "RGB bit depth";
        if (spp == 3 && n_extra == 0) return NULL;
        if (spp == 4 && n_extra == 0) return NULL;
        if (spp == 4 && n_extra == 1 && (e0 <= 2 || (e0 == 999 && bps == 8))) return NULL;
        if (bps == 8 && spp >= 5 && spp <= 6 && n_extra == spp - 3 && e0 <= 2) {
            for (int i = 1; i < n_extra; i++) if (extras[i] != 0) return "RGB extra samples";
            return NULL;
        }
        return "RGB layout";
    case PHOTOMETRIC_SEPARATED:
        s->kind = KIND_CMYK;
        if (sf != SAMPLEFORMAT_UINT || fill2) return "CMYK layout";
        if (spp == 4 && n_extra == 0 && (bps == 8 || bps == 16)) return NULL;
        if (bps == 8 && spp >= 5 && spp <= 6 && n_extra == spp - 4) {
            for (int i = 0; i < n_extra; i++) if (extras[i] != 0) return "CMYK extra samples";
            return NULL;
        }
        return "CMYK layout";
    case PHOTOMETRIC_YCBCR:
        /* Compressed (not JPEG): Pillow reads it through libtiff's RGBA interface, as we do.
         * Uncompressed: Pillow converts the YCbCr samples with its own tables; not done here. */
        s->kind = KIND_YCBCR_RGBA;
        if (s->compression == COMPRESSION_NONE) return "uncompressed YCbCr (not supported by crosshash)";
        if (sf != SAMPLEFORMAT_UINT || fill2 || bps != 8 || spp != 3 || n_extra != 0) return "YCbCr layout";
        return NULL;
    default:
        return "photometric interpretation";
    }
}

/* The first value of `tag` in the first directory, read as Pillow's own parser reads it: 1 with
 * *value set, 0 when the tag is absent or the file is BigTIFF, 2 when its data lies past the end
 * (Pillow skips such a tag), -1 when it is there with a type that is not an unsigned integer
 * (Pillow then reads a string or a fraction). */
static int raw_tag(const uint8_t *p, size_t size, uint16_t tag, uint32_t *value, uint32_t *value_count) {
    if (size < 8) return 0;
    int le = p[0] == 'I';
    #define RD16(q) (le ? (uint32_t)(q)[0] | ((uint32_t)(q)[1] << 8) : ((uint32_t)(q)[0] << 8) | (uint32_t)(q)[1])
    #define RD32(q) (le ? RD16(q) | (RD16((q) + 2) << 16) : (RD16(q) << 16) | RD16((q) + 2))
    if (RD16(p + 2) != 42) return 0;
    size_t ifd = RD32(p + 4);
    if (ifd > size || size - ifd < 2) return 0;
    uint32_t n = RD16(p + ifd);
    for (uint32_t k = 0; k < n; k++) {
        size_t e = ifd + 2 + (size_t)k * 12;
        if (e > size || size - e < 12) return 0;
        if (RD16(p + e) != tag) continue;
        uint32_t type = RD16(p + e + 2), count = RD32(p + e + 4);
        *value_count = count;
        /* sizes of the types Pillow reads (TiffTags.TYPES); it skips a tag of any other type */
        static const uint8_t type_size[19] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8};
        size_t bytes_each = type < 19 ? type_size[type] : 0;
        if (bytes_each == 0) return 0;
        size_t at = e + 8;
        if ((uint64_t)bytes_each * count > 4) {
            at = RD32(p + e + 8);
            if (at > size || size - at < (uint64_t)bytes_each * count) return 2;
        }
        size_t unit = type == 3 ? 2 : type == 4 ? 4 : type == 1 ? 1 : 0;
        if (unit == 0) return -1;
        if (count == 0) return 0;
        *value = unit == 2 ? RD16(p + at) : unit == 4 ? RD32(p + at) : p[at];
        return 1;
    }
    return 0;
    #undef RD16
    #undef RD32
}

static int raw_first_value(const uint8_t *p, size_t size, uint16_t tag, uint32_t *value) {
    uint32_t count = 0;
    return raw_tag(p, size, tag, value, &count);
}

/* The Orientation Pillow applies: tag 274 when present (any value; only 2..8 transpose), else a
 * `tiff:Orientation="N"` or `tiff:Orientation>N` in the XMP packet (tag 700), as Pillow's
 * Image.getexif falls back to it. 1 when neither says otherwise. */
static uint16_t tiff_orientation(const cc_decoder *d, TIFF *tif) {
    uint16_t value = 0;
    if (TIFFGetField(tif, TIFFTAG_ORIENTATION, &value)) return value >= 2 && value <= 8 ? value : 1;
    uint32_t raw = 0;
    /* present but out of libtiff's range: Pillow sees the tag, finds no transpose for it */
    int found = raw_first_value(d->data, d->size, TIFFTAG_ORIENTATION, &raw);
    if (found == 1 || found == -1) return raw >= 2 && raw <= 8 ? (uint16_t)raw : 1;
    uint32_t xmp_size = 0;
    const char *xmp = NULL;
    if (!TIFFGetField(tif, TIFFTAG_XMLPACKET, &xmp_size, &xmp) || xmp == NULL) return 1;
    static const char key[] = "tiff:Orientation";
    const size_t klen = sizeof key - 1;
    for (size_t i = 0; i + klen < xmp_size; i++) {
        if (memcmp(xmp + i, key, klen) != 0) continue;
        size_t j = i + klen;
        if (j < xmp_size && xmp[j] == '>') j += 1;
        else if (j + 1 < xmp_size && xmp[j] == '=' && xmp[j + 1] == '"') j += 2;
        else continue;
        if (j < xmp_size && xmp[j] >= '0' && xmp[j] <= '9') {
            uint16_t v = (uint16_t)(xmp[j] - '0');
            return v >= 2 && v <= 8 ? v : 1;
        }
    }
    return 1;
}

/* Where stored pixel (x, y) lands in the output after Pillow's transpose for the orientation. */
static inline size_t oriented_index(const tiff_state *s, uint32_t x, uint32_t y) {
    const size_t w = s->stored_w, h = s->stored_h;
    switch (s->orientation) {
    case 2: return (size_t)y * w + (w - 1 - x);             /* FLIP_LEFT_RIGHT */
    case 3: return (h - 1 - y) * w + (w - 1 - x);           /* ROTATE_180 */
    case 4: return (h - 1 - y) * w + x;                     /* FLIP_TOP_BOTTOM */
    case 5: return (size_t)x * h + y;                       /* TRANSPOSE */
    case 6: return (size_t)x * h + (h - 1 - y);             /* ROTATE_270 */
    case 7: return (w - 1 - x) * h + (h - 1 - y);           /* TRANSVERSE */
    case 8: return (w - 1 - x) * h + y;                     /* ROTATE_90 */
    default: return (size_t)y * w + x;
    }
}

int cc_tiff_read_header(cc_decoder *d) {
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
    /* Pillow reads a missing PhotometricInterpretation as 0 (MinIsWhite) */
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &s->photometric)) s->photometric = PHOTOMETRIC_MINISWHITE;
    /* libtiff repairs some photometrics (a palette without a ColorMap becomes grey); Pillow
     * keeps the stored one and cannot open such a file */
    {
        uint32_t stored = 0;
        if (raw_first_value(d->data, d->size, TIFFTAG_PHOTOMETRIC, &stored) == 1 && !s->ignored_key_tag[1] &&
            !s->mistyped_key_tag && stored != s->photometric)
            return cc_fail(d, CC_ERR_CORRUPT, "PhotometricInterpretation %u, which libtiff reads as %u", stored, s->photometric);
    }
    /* A ColorMap whose data lies past the end of the file: libtiff drops it and calls the image
     * grey; Pillow's parser drops it too and then cannot identify the palette image. */
    if (s->colormap_lost)
        return cc_fail(d, CC_ERR_CORRUPT, "the ColorMap lies past the end of the file");
    /* A key tag of a type libtiff does not take (a RATIONAL or ASCII PhotometricInterpretation):
     * libtiff ignores it and reads a default, Pillow reads the value as stored, finds no layout
     * for it and cannot identify the file. */
    if (s->mistyped_key_tag)
        return cc_fail(d, CC_ERR_CORRUPT, "a FillOrder, PhotometricInterpretation or Compression tag of the wrong type");
    /* A key tag libtiff ignored for its count: Pillow takes its first value instead (or the
     * default when the values lie past the end). Where that differs from what libtiff uses, the
     * two read different layouts: refuse. */
    {
        static const uint16_t key_tag_ids[3] = {TIFFTAG_FILLORDER, TIFFTAG_PHOTOMETRIC, TIFFTAG_COMPRESSION};
        static const char *const key_tag_names[3] = {"FillOrder", "PhotometricInterpretation", "Compression"};
        uint16_t fill_used = FILLORDER_MSB2LSB, compression_used = COMPRESSION_NONE;
        TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &fill_used);
        TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression_used);
        const uint32_t used[3] = {fill_used, s->photometric, compression_used};
        const uint32_t pillow_default[3] = {FILLORDER_MSB2LSB, PHOTOMETRIC_MINISWHITE, COMPRESSION_NONE};
        for (int i = 0; i < 3; i++) {
            if (!s->ignored_key_tag[i]) continue;
            uint32_t first = pillow_default[i];
            int found = raw_first_value(d->data, d->size, key_tag_ids[i], &first);
            if (found < 0) return cc_fail(d, CC_ERR_CORRUPT, "the %s tag is not an integer", key_tag_names[i]);
            if (found != 1) first = pillow_default[i];
            if (first != used[i])
                return cc_fail(d, CC_ERR_CORRUPT, "the %s tag has a wrong value count; Pillow reads it as %u, libtiff as %u",
                               key_tag_names[i], first, used[i]);
        }
    }
    uint16_t extra_count = 0;
    uint16_t *extra = NULL;
    if (!TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra) || extra == NULL) extra_count = 0;
    if (extra_count > 0) s->extra_kind = extra[0];
    s->stored_w = width;
    s->stored_h = height;
    s->orientation = tiff_orientation(d, tif);
    d->header.width = s->orientation >= 5 ? height : width;
    d->header.height = s->orientation >= 5 ? width : height;
    d->header.bit_depth = s->bps;
    d->header.source_channels = s->spp;

    s->sample_format = sample_format;
    s->compression = compression;
    uint16_t fill_order = FILLORDER_MSB2LSB;
    TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &fill_order);
    s->fill_order = fill_order;
    if (s->photometric == PHOTOMETRIC_YCBCR && compression == COMPRESSION_JPEG && s->spp == 3) {
        /* Pillow asks libtiff for RGB here too */
        if (!TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB))
            return fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot convert the JPEG data to RGB");
        s->photometric = PHOTOMETRIC_RGB;
    } else if (s->photometric == PHOTOMETRIC_YCBCR && s->spp == 1) {
        s->photometric = PHOTOMETRIC_MINISBLACK; /* Pillow reads one-sample YCbCr as L */
    }
    uint16_t extras[3] = {0, 0, 0};
    int n_extra = extra_count > 3 ? 4 : extra_count;
    for (int i = 0; i < n_extra && i < 3; i++) extras[i] = extra[i];
    /* Pillow drops unspecified extra samples stored in their own planes */
    int spp = s->spp;
    if (s->planar == PLANARCONFIG_SEPARATE && n_extra > 0 && n_extra <= 3) {
        int all_zero = 1;
        for (int i = 0; i < n_extra; i++) all_zero &= extras[i] == 0;
        if (all_zero) {
            /* uncompressed, Pillow's own reader walks every plane's strips and has no raw mode
             * for the dropped ones: it cannot open the file */
            if (compression == COMPRESSION_NONE)
                return cc_fail(d, CC_ERR_UNSUPPORTED, "uncompressed TIFF with unspecified extra samples in separate planes "
                               "(a layout Pillow does not open)");
            spp -= n_extra;
            n_extra = 0;
        }
    }
    s->planes_used = spp;
    const char *why = pillow_layout(s, spp, n_extra, extras, fill_order, TIFFIsBigEndian(tif));
    if (why != NULL)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "TIFF %s (photometric %u, %u samples of %u bits, sample format %u): "
                       "a layout Pillow does not open", why, s->photometric, s->spp, s->bps, sample_format);
    if (s->kind == KIND_PALETTE &&
        !TIFFGetField(tif, TIFFTAG_COLORMAP, &s->colormap[0], &s->colormap[1], &s->colormap[2]))
        return cc_fail(d, CC_ERR_CORRUPT, "palette TIFF without a ColorMap");
    d->header.channels = s->kind == KIND_GRAY ? 1 : 3;
    if (width == 0 || height == 0) return cc_fail(d, CC_ERR_CORRUPT, "TIFF declares an empty image");
    /* RowsPerStrip as Pillow reads it: 0 is refused (libtiff would take the whole image), and
     * so is 2^31 .. 2^32 - 2 on compressed strips (Pillow's libtiff decoder cannot size the
     * strip buffer; 2^32 - 1 is the standard "one strip"). */
    /* Strip or tile offsets or byte counts whose data lies past the end, or not as many offsets as
     * byte counts: libtiff 4.5 estimates or trims them and decodes, the libtiff 4.7 in Pillow's
     * wheels reads the counts as 0 and refuses ("Invalid strip byte count"), so Pillow's libtiff
     * decoder refuses every compressed such file. */
    if (compression != COMPRESSION_NONE) {
        const int tiled = TIFFIsTiled(tif);
        uint32_t first = 0, n_offsets = 0, n_counts = 0;
        int offsets = raw_tag(d->data, d->size, tiled ? TIFFTAG_TILEOFFSETS : TIFFTAG_STRIPOFFSETS, &first, &n_offsets);
        int counts = raw_tag(d->data, d->size, tiled ? TIFFTAG_TILEBYTECOUNTS : TIFFTAG_STRIPBYTECOUNTS, &first, &n_counts);
        if (offsets == 2 || counts == 2 || (offsets == 1 && counts == 1 && n_offsets != n_counts))
            return cc_fail(d, CC_ERR_CORRUPT, "the TIFF %s offsets and byte counts lie past the end of the file or disagree in number",
                           tiled ? "tile" : "strip");
    }
    uint32_t rows_per_strip = 0;
    if (!TIFFIsTiled(tif) && raw_first_value(d->data, d->size, TIFFTAG_ROWSPERSTRIP, &rows_per_strip) == 1 &&
        (rows_per_strip == 0 || (compression != COMPRESSION_NONE && rows_per_strip >= 0x80000000u && rows_per_strip != 0xFFFFFFFFu)))
        return cc_fail(d, CC_ERR_CORRUPT, "TIFF RowsPerStrip %u is out of range", rows_per_strip);
    return CC_OK;
}

/* Sample `i` (0-based, in a row of packed `bps`-bit samples) of `row`. */
static unsigned sample(const uint8_t *row, size_t i, unsigned bps) {
    switch (bps) {
    case 8: return row[i];
    case 16: { uint16_t v; memcpy(&v, row + 2 * i, 2); return v; } /* libtiff gives native order */
    case 32: { uint32_t v; memcpy(&v, row + 4 * i, 4); return v; }
    case 12: { /* packed most significant bits first, as Pillow's I;12 unpacker reads them */
        const uint8_t *p = row + i * 12 / 8;
        return i % 2 == 0 ? ((unsigned)p[0] << 4) | (p[1] >> 4) : ((unsigned)(p[0] & 0x0F) << 8) | p[1];
    }
    default: {
        size_t bit = i * bps;
        return (row[bit >> 3] >> (8 - bps - (bit & 7))) & ((1u << bps) - 1);
    }
    }
}

/* Samples are read and converted a band of rows at a time, so the decoded samples never exist
 * for the whole image beside the output (issue 16: at most 4 bytes a pixel in all). A band is one
 * strip (or one row of tiles), all planes of it; a strip bigger than this is read a scanline at
 * a time instead (contiguous samples only: separate planes cannot be read row by row without
 * decoding each strip again for every row). */
#define TIFF_MAX_BAND_BYTES ((size_t)16 << 20)

typedef struct {
    size_t row_bytes;     /* bytes of one row of one plane */
    int planes;           /* 1, or spp for PlanarConfig separate */
    uint32_t rows;        /* rows a band holds */
    uint8_t *buf;         /* planes * rows * row_bytes: plane p's rows at p * rows * row_bytes */
} sample_band;

static uint8_t muldiv255(unsigned a, unsigned b) {
    unsigned t = a * b + 128;
    return (uint8_t)(((t >> 8) + t) >> 8);
}

/* Converts `count` rows of `band`, image rows y0 .. y0 + count - 1, to Pillow's L or RGB. */
static void convert_rows(const tiff_state *s, const sample_band *band, uint32_t y0,
                         uint32_t count, uint8_t *dst) {
    const uint32_t width = s->stored_w;
    const int separate = s->planar == PLANARCONFIG_SEPARATE && s->spp > 1;
    const size_t plane_size = band->row_bytes * band->rows;
    const unsigned bps = s->bps;
    for (uint32_t r = 0; r < count; r++) {
        const uint8_t *row = band->buf + (size_t)r * band->row_bytes;
        const uint32_t y = y0 + r;
        for (uint32_t x = 0; x < width; x++) {
            unsigned v[6] = {0, 0, 0, 0, 0, 0};
            for (int c = 0; c < (separate ? band->planes : s->spp) && c < 6; c++) {
                v[c] = separate ? sample(row + (size_t)c * plane_size, x, bps)
                                : sample(row, (size_t)x * s->spp + (size_t)c, bps);
            }
            size_t at = s->orientation == 1 ? (size_t)y * width + x : oriented_index(s, x, y);
            switch (s->kind) {
            case KIND_GRAY: {
                unsigned g;
                if (s->sample_format == SAMPLEFORMAT_IEEEFP) {
                    /* Pillow's F -> L: clip to 0..255, truncate; NaN gives 0 */
                    float f;
                    uint32_t bits = v[0];
                    memcpy(&f, &bits, 4);
                    g = f > 0 ? (f >= 255 ? 255 : (unsigned)f) : 0;
                } else if (s->sample_format == SAMPLEFORMAT_INT && bps != 8) {
                    /* mode I: clip to 0..255 */
                    int32_t i = bps == 16 ? (int16_t)(uint16_t)v[0] : (int32_t)v[0];
                    g = i <= 0 ? 0 : i >= 255 ? 255 : (unsigned)i;
                } else if (bps == 32) {
                    /* Pillow reads unsigned 32-bit grey into mode I (signed): values from 2^31
                     * are negative there and clip to 0 */
                    int32_t i = (int32_t)v[0];
                    g = i <= 0 ? 0 : i >= 255 ? 255 : (unsigned)i;
                } else if (bps == 16 || bps == 12) {
                    /* I;16 (12-bit samples too), also for MinIsWhite: Pillow does not invert it */
                    g = v[0] > 255 ? 255 : v[0];
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
                    if (s->spp >= 4 && s->extra_kind == EXTRASAMPLE_ASSOCALPHA) {
                        unsigned a = bps == 16 ? v[3] >> 8 : v[3];
                        u = a == 0 ? 0 : (u * 255 / a > 255 ? 255 : u * 255 / a);
                    }
                    dst[3 * at + c] = (uint8_t)u;
                }
                break;
            default: {
                if (bps == 16) for (int c = 0; c < 4; c++) v[c] >>= 8;
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
}

/* Whether Deflate strip or tile `strile` holds at least `expected` bytes of data. libtiff 4.5
 * (Debian 12) leaves the rest of the buffer as it was when a Deflate stream ends early, without
 * an error; the libtiff 4.7 in Pillow 13's wheels reports it ("Not enough data"), and Pillow
 * refuses the file ("decoder error -2"). The zeros left behind would hash as a blank picture. */
static int deflate_holds(const cc_decoder *d, const tiff_state *s, uint32_t strile, size_t expected) {
    if (s->compression != COMPRESSION_ADOBE_DEFLATE && s->compression != COMPRESSION_DEFLATE) return 1;
    if (s->fill_order != FILLORDER_MSB2LSB) return 1; /* stored bit-reversed: left to libtiff */
    uint64_t at = TIFFGetStrileOffset(s->tif, strile), n = TIFFGetStrileByteCount(s->tif, strile);
    if (at >= d->size) return 1; /* libtiff reports this one itself */
    if (n > d->size - at) n = d->size - at;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) return 1;
    z.next_in = (Bytef *)(uintptr_t)(d->data + at);
    z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    uint8_t sink[16384];
    size_t produced = 0;
    int state = Z_OK;
    while (produced < expected && state == Z_OK) {
        z.next_out = sink;
        z.avail_out = sizeof sink;
        state = inflate(&z, Z_NO_FLUSH);
        produced += sizeof sink - z.avail_out;
    }
    inflateEnd(&z);
    return produced >= expected;
}

static int alloc_band(cc_decoder *d, sample_band *band, uint32_t rows) {
    band->rows = rows;
    band->buf = calloc((size_t)band->planes * band->row_bytes, rows);
    return band->buf == NULL ? cc_fail(d, CC_ERR_NO_MEMORY, "out of memory for the TIFF samples") : CC_OK;
}

/* Tiled: a band is one row of tiles, every plane. */
static int decode_tiled(cc_decoder *d, tiff_state *s, sample_band *band, uint8_t *dst) {
    TIFF *tif = s->tif;
    const uint32_t width = s->stored_w, height = s->stored_h;
    const unsigned bits_per_pixel = (unsigned)s->bps * (s->planar == PLANARCONFIG_SEPARATE ? 1 : s->spp);
    uint32_t tw = 0, th = 0;
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    tmsize_t tile_size = TIFFTileSize(tif);
    if (tw == 0 || th == 0 || tile_size <= 0) return fail_tiff(d, s, CC_ERR_CORRUPT, "bad TIFF tile size");
    const size_t tile_row = ((size_t)tw * bits_per_pixel + 7) / 8;
    int status = alloc_band(d, band, th < height ? th : height);
    if (status != CC_OK) return status;
    uint8_t *tile = malloc((size_t)tile_size);
    if (tile == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory for a TIFF tile");
    const size_t plane_size = band->row_bytes * band->rows;
    for (uint32_t y = 0; y < height; y += th) {
        const uint32_t rows = height - y < th ? height - y : th;
        for (int p = 0; p < band->planes; p++) {
            for (uint32_t x = 0; x < width; x += tw) {
                uint32_t index = TIFFComputeTile(tif, x, y, 0, (uint16_t)p);
                if (!deflate_holds(d, s, index, (size_t)tile_size)) {
                    free(tile);
                    return cc_fail(d, CC_ERR_CORRUPT, "a Deflate tile ends before its data");
                }
                if (TIFFReadEncodedTile(tif, index, tile, tile_size) < 0) {
                    free(tile);
                    return fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot decode a tile");
                }
                size_t x_byte = (size_t)x * bits_per_pixel / 8;
                size_t copy = band->row_bytes - x_byte < tile_row ? band->row_bytes - x_byte : tile_row;
                for (uint32_t r = 0; r < rows; r++)
                    memcpy(band->buf + (size_t)p * plane_size + (size_t)r * band->row_bytes + x_byte,
                           tile + (size_t)r * tile_row, copy);
            }
        }
        convert_rows(s, band, y, rows, dst);
    }
    free(tile);
    return CC_OK;
}

/* Strips: a band is one strip of every plane, or one scanline when a strip is too big. */
static int decode_stripped(cc_decoder *d, tiff_state *s, sample_band *band, uint8_t *dst) {
    TIFF *tif = s->tif;
    const uint32_t height = s->stored_h;
    uint32_t rows_per_strip = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
    if (rows_per_strip == 0 || rows_per_strip > height) rows_per_strip = height;
    const uint32_t strips_per_plane = (height + rows_per_strip - 1) / rows_per_strip;
    if (band->planes == 1 && band->row_bytes * rows_per_strip > TIFF_MAX_BAND_BYTES) {
        int status = alloc_band(d, band, 1);
        if (status != CC_OK) return status;
        for (uint32_t y = 0; y < height; y++) {
            if (TIFFReadScanline(tif, band->buf, y, 0) < 0)
                return fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot decode a strip");
            convert_rows(s, band, y, 1, dst);
        }
        return CC_OK;
    }
    int status = alloc_band(d, band, rows_per_strip);
    if (status != CC_OK) return status;
    const size_t plane_size = band->row_bytes * band->rows;
    for (uint32_t k = 0; k < strips_per_plane; k++) {
        const uint32_t y = k * rows_per_strip;
        const uint32_t rows = height - y < rows_per_strip ? height - y : rows_per_strip;
        for (int p = 0; p < band->planes; p++) {
            uint32_t strip = k + (uint32_t)p * strips_per_plane;
            if (!deflate_holds(d, s, strip, (size_t)TIFFVStripSize(tif, rows)))
                return cc_fail(d, CC_ERR_CORRUPT, "a Deflate strip ends before its data");
            if (TIFFReadEncodedStrip(tif, strip, band->buf + (size_t)p * plane_size,
                                     (tmsize_t)(rows * band->row_bytes)) < 0)
                return fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot decode a strip");
        }
        convert_rows(s, band, y, rows, dst);
    }
    return CC_OK;
}

/* YCbCr (not JPEG): libtiff's RGBA interface, a strip (or row of tiles) at a time with the
 * image requested top-left, as Pillow's _decodeAsRGBA reads it; only one band's raster exists
 * at once. */
static int decode_rgba(cc_decoder *d, tiff_state *s, uint8_t *dst) {
    TIFF *tif = s->tif;
    const uint32_t width = s->stored_w, height = s->stored_h;
    char emsg[1024] = "";
    TIFFRGBAImage img;
    if (!TIFFRGBAImageOK(tif, emsg) || !TIFFRGBAImageBegin(&img, tif, 0, emsg)) {
        if (s->error[0] == 0) snprintf(s->error, sizeof s->error, "%s", emsg);
        return fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot decode the YCbCr image");
    }
    img.req_orientation = ORIENTATION_TOPLEFT;
    img.col_offset = 0;
    uint32_t rows_per_block = 0;
    TIFFGetFieldDefaulted(tif, TIFFIsTiled(tif) ? TIFFTAG_TILELENGTH : TIFFTAG_ROWSPERSTRIP, &rows_per_block);
    if (rows_per_block == 0 || rows_per_block > height) rows_per_block = height;
    uint32_t *raster = malloc((size_t)width * rows_per_block * sizeof(uint32_t));
    if (raster == NULL) {
        TIFFRGBAImageEnd(&img);
        return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory for the TIFF raster");
    }
    int status = CC_OK;
    for (uint32_t y = 0; y < height; y += rows_per_block) {
        const uint32_t rows = height - y < rows_per_block ? height - y : rows_per_block;
        img.row_offset = (int)y;
        if (!TIFFRGBAImageGet(&img, raster, width, rows)) {
            status = fail_tiff(d, s, CC_ERR_CORRUPT, "libtiff cannot decode the YCbCr image");
            break;
        }
        for (uint32_t r = 0; r < rows; r++) {
            for (uint32_t x = 0; x < width; x++) {
                const uint32_t px = raster[(size_t)r * width + x];
                uint8_t *out = dst + 3 * oriented_index(s, x, y + r);
                out[0] = (uint8_t)TIFFGetR(px);
                out[1] = (uint8_t)TIFFGetG(px);
                out[2] = (uint8_t)TIFFGetB(px);
            }
        }
    }
    free(raster);
    TIFFRGBAImageEnd(&img);
    return status;
}

int cc_tiff_decode(cc_decoder *d, uint8_t *dst) {
    tiff_state *s = d->impl;
    if (s->kind == KIND_YCBCR_RGBA) return decode_rgba(d, s, dst);
    const int separate = s->planar == PLANARCONFIG_SEPARATE && s->spp > 1;
    sample_band band = {
        .row_bytes = ((size_t)s->stored_w * s->bps * (separate ? 1 : s->spp) + 7) / 8,
        .planes = separate ? s->planes_used : 1, /* a dropped plane may even have no data */
    };
    int status = TIFFIsTiled(s->tif) ? decode_tiled(d, s, &band, dst) : decode_stripped(d, s, &band, dst);
    free(band.buf);
    return status;
}
