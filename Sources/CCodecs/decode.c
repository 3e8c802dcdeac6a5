#include "decode_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* The formats, in the order their signatures are tried. */
static int is_jpeg(const uint8_t *p, size_t n) { return n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF; }
static int is_png(const uint8_t *p, size_t n) {
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    return n >= 8 && memcmp(p, signature, 8) == 0;
}
static int is_gif(const uint8_t *p, size_t n) { return n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0); }
static int is_bmp(const uint8_t *p, size_t n) { return n >= 14 && p[0] == 'B' && p[1] == 'M'; }
static int is_webp(const uint8_t *p, size_t n) { return n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0; }
static int is_tiff(const uint8_t *p, size_t n) {
    return n >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0 ||
                      memcmp(p, "II+\0", 4) == 0 || memcmp(p, "MM\0+", 4) == 0);
}

typedef struct {
    int format;                                  /* cc_format */
    int (*matches)(const uint8_t *data, size_t size);
    int (*read_header)(cc_decoder *d);
    int (*prepare)(cc_decoder *d);               /* NULL: nothing to set up after the limit check */
    int (*decode)(cc_decoder *d, uint8_t *dst);
} format_entry;

static const format_entry formats[] = {
    {CC_FORMAT_JPEG, is_jpeg, cc_jpeg_read_header, NULL, cc_jpeg_decode},
    {CC_FORMAT_PNG, is_png, cc_png_read_header, cc_png_prepare, cc_png_decode},
    {CC_FORMAT_GIF, is_gif, cc_gif_read_header, NULL, cc_gif_decode},
    {CC_FORMAT_BMP, is_bmp, cc_bmp_read_header, NULL, cc_bmp_decode},
    {CC_FORMAT_WEBP, is_webp, cc_webp_read_header, NULL, cc_webp_decode},
    {CC_FORMAT_TIFF, is_tiff, cc_tiff_read_header, NULL, cc_tiff_decode},
};

static const format_entry *find_format(int format) {
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].format == format) return &formats[i];
    return NULL;
}

int cc_sniff_format(const uint8_t *data, size_t size) {
    if (data == NULL) return CC_FORMAT_UNKNOWN;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].matches(data, size)) return formats[i].format;
    return CC_FORMAT_UNKNOWN;
}

cc_decoder *cc_decoder_create(void) {
    return calloc(1, sizeof(cc_decoder));
}

static void release_impl(cc_decoder *d) {
    if (d->impl != NULL && d->destroy_impl != NULL) d->destroy_impl(d->impl);
    d->impl = NULL;
    d->destroy_impl = NULL;
}

void cc_decoder_destroy(cc_decoder *d) {
    if (d == NULL) return;
    release_impl(d);
    free(d);
}

int cc_fail(cc_decoder *d, int status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(d->message, sizeof d->message, format, args);
    va_end(args);
    d->stage = CC_STAGE_DONE;
    return status;
}

void cc_warn(cc_decoder *d, const char *format, ...) {
    d->warning_total++;
    if (d->warning_count >= CC_MAX_WARNINGS) return;
    va_list args;
    va_start(args, format);
    vsnprintf(d->warnings[d->warning_count], CC_WARNING_LENGTH, format, args);
    va_end(args);
    d->warning_count++;
}

int cc_decoder_read_header(cc_decoder *d, const uint8_t *data, size_t size, uint64_t max_pixels,
                           cc_header *header) {
    if (d == NULL) return CC_ERR_USAGE;
    if (d->stage != CC_STAGE_NEW) return cc_fail(d, CC_ERR_USAGE, "read_header called twice");
    d->data = data;
    d->size = size;
    d->header.format = cc_sniff_format(data, size);
    const format_entry *f = find_format(d->header.format);
    int status = f == NULL ? cc_fail(d, CC_ERR_NOT_RECOGNISED, "no image signature crosshash decodes")
                           : f->read_header(d);
    /* The one pixel limit check, before anything the size of the image is allocated. A header
     * that declares too many pixels is refused for that even where the reader found more wrong
     * with it (a bomb's data is usually missing too). */
    if (f != NULL && (uint64_t)d->header.width * d->header.height > max_pixels)
        status = cc_fail(d, CC_ERR_TOO_MANY_PIXELS, "too many pixels");
    if (status == CC_OK && f->prepare != NULL) status = f->prepare(d);
    if (header != NULL) *header = d->header;
    if (status == CC_OK) {
        d->stage = CC_STAGE_HEADER;
    } else {
        d->stage = CC_STAGE_DONE;
        release_impl(d);
    }
    return status;
}

int cc_decoder_set_preview_size(cc_decoder *d, uint32_t min_side, cc_header *header) {
    if (d == NULL) return CC_ERR_USAGE;
    if (d->stage != CC_STAGE_HEADER) return cc_fail(d, CC_ERR_USAGE, "set_preview_size called without a header");
    int status = d->header.format == CC_FORMAT_JPEG ? cc_jpeg_set_preview_size(d, min_side) : CC_OK;
    if (header != NULL) *header = d->header;
    return status;
}

int cc_decoder_decode(cc_decoder *d, uint8_t *dst, size_t dst_size) {
    if (d == NULL) return CC_ERR_USAGE;
    if (d->stage != CC_STAGE_HEADER) return cc_fail(d, CC_ERR_USAGE, "decode called without a header");
    size_t need = (size_t)d->header.width * d->header.height * (size_t)d->header.channels;
    if (dst == NULL || dst_size != need) return cc_fail(d, CC_ERR_USAGE, "pixel buffer has the wrong size");
    const format_entry *f = find_format(d->header.format);
    int status = f == NULL ? cc_fail(d, CC_ERR_USAGE, "no decoder for format %d", d->header.format) : f->decode(d, dst);
    d->stage = CC_STAGE_DONE;
    release_impl(d);
    return status;
}

const char *cc_decoder_message(const cc_decoder *d) { return d == NULL ? "" : d->message; }
int cc_decoder_warning_count(const cc_decoder *d) { return d == NULL ? 0 : d->warning_count; }
int cc_decoder_warning_total(const cc_decoder *d) { return d == NULL ? 0 : d->warning_total; }

const char *cc_decoder_warning(const cc_decoder *d, int index) {
    if (d == NULL || index < 0 || index >= d->warning_count) return "";
    return d->warnings[index];
}

uint32_t cc_crc32(uint32_t crc, const uint8_t *p, size_t n) {
    return (uint32_t)crc32_z(crc, p, n);
}

int cc_keep_freed_memory(int mmap_threshold, int trim_threshold) {
#ifdef __GLIBC__
    int mmap_set = mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    int trim_set = mallopt(M_TRIM_THRESHOLD, trim_threshold);
    return mmap_set == 1 && trim_set == 1;
#else
    (void)mmap_threshold;
    (void)trim_threshold;
    return 0;
#endif
}
