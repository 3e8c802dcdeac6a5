#ifndef CCODECS_DECODE_INTERNAL_H
#define CCODECS_DECODE_INTERNAL_H
#include "ccodecs_decode.h"

#define CC_MAX_WARNINGS 8
#define CC_WARNING_LENGTH 160

enum { CC_STAGE_NEW = 0, CC_STAGE_HEADER = 1, CC_STAGE_DONE = 2 };

struct cc_decoder {
    const uint8_t *data;
    size_t size;
    int stage;
    cc_header header;
    char message[320];
    char warnings[CC_MAX_WARNINGS][CC_WARNING_LENGTH];
    int warning_count;
    int warning_total;
    void *impl;                          /* the format's own state */
    void (*destroy_impl)(void *impl);
};

int cc_fail(cc_decoder *d, int status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void cc_warn(cc_decoder *d, const char *format, ...) __attribute__((format(printf, 2, 3)));

int cc_jpeg_read_header(cc_decoder *d, uint64_t max_pixels);
int cc_jpeg_decode(cc_decoder *d, uint8_t *dst);
int cc_jpeg_set_preview_size(cc_decoder *d, uint32_t min_side);
int cc_png_read_header(cc_decoder *d, uint64_t max_pixels);
int cc_png_decode(cc_decoder *d, uint8_t *dst);
int cc_gif_read_header(cc_decoder *d, uint64_t max_pixels);
int cc_gif_decode(cc_decoder *d, uint8_t *dst);
int cc_bmp_read_header(cc_decoder *d, uint64_t max_pixels);
int cc_bmp_decode(cc_decoder *d, uint8_t *dst);
int cc_webp_read_header(cc_decoder *d, uint64_t max_pixels);
int cc_webp_decode(cc_decoder *d, uint8_t *dst);
int cc_tiff_read_header(cc_decoder *d, uint64_t max_pixels);
int cc_tiff_decode(cc_decoder *d, uint8_t *dst);

#endif
