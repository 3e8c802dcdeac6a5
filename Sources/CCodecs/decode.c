#include "decode_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

int cc_sniff_format(const uint8_t *data, size_t size) {
    if (data == NULL) return CC_FORMAT_UNKNOWN;
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return CC_FORMAT_JPEG;
    if (size >= 8 && memcmp(data, png_signature, 8) == 0) return CC_FORMAT_PNG;
    if (size >= 6 && (memcmp(data, "GIF87a", 6) == 0 || memcmp(data, "GIF89a", 6) == 0)) return CC_FORMAT_GIF;
    if (size >= 14 && data[0] == 'B' && data[1] == 'M') return CC_FORMAT_BMP;
    if (size >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0) return CC_FORMAT_WEBP;
    if (size >= 4 && (memcmp(data, "II*\0", 4) == 0 || memcmp(data, "MM\0*", 4) == 0 ||
                      memcmp(data, "II+\0", 4) == 0 || memcmp(data, "MM\0+", 4) == 0)) return CC_FORMAT_TIFF;
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
    int status;
    switch (d->header.format) {
    case CC_FORMAT_JPEG: status = cc_jpeg_read_header(d, max_pixels); break;
    case CC_FORMAT_PNG: status = cc_png_read_header(d, max_pixels); break;
    case CC_FORMAT_GIF: status = cc_gif_read_header(d, max_pixels); break;
    case CC_FORMAT_BMP: status = cc_bmp_read_header(d, max_pixels); break;
    case CC_FORMAT_WEBP: status = cc_webp_read_header(d, max_pixels); break;
    case CC_FORMAT_TIFF: status = cc_tiff_read_header(d, max_pixels); break;
    default: status = cc_fail(d, CC_ERR_NOT_RECOGNISED, "no image signature crosshash decodes"); break;
    }
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
    int status;
    switch (d->header.format) {
    case CC_FORMAT_JPEG: status = cc_jpeg_decode(d, dst); break;
    case CC_FORMAT_PNG: status = cc_png_decode(d, dst); break;
    case CC_FORMAT_GIF: status = cc_gif_decode(d, dst); break;
    case CC_FORMAT_BMP: status = cc_bmp_decode(d, dst); break;
    case CC_FORMAT_WEBP: status = cc_webp_decode(d, dst); break;
    default: status = cc_tiff_decode(d, dst); break;
    }
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
