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

/* Unsigned integers stored little- or big-endian at p, as the file formats write them. */
static inline uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
static inline uint32_t le32(const uint8_t *p) { return le16(p) | (le16(p + 2) << 16); }
static inline uint32_t be16(const uint8_t *p) { return ((uint32_t)p[0] << 8) | (uint32_t)p[1]; }
static inline uint32_t be32(const uint8_t *p) { return (be16(p) << 16) | be16(p + 2); }

int cc_fail(cc_decoder *d, int status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void cc_warn(cc_decoder *d, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Each format: a header reader (fills d->header and may set d->impl; allocates nothing that
 * grows with the image), an optional prepare step for what does (run only once the pixel limit
 * has passed: cc_decoder_read_header checks it once, after the header reader) and a decoder
 * writing width * height * channels bytes. decode.c lists them in one table with their
 * signatures. */
int cc_jpeg_read_header(cc_decoder *d);
int cc_jpeg_decode(cc_decoder *d, uint8_t *dst);
int cc_jpeg_set_preview_size(cc_decoder *d, uint32_t min_side);
int cc_png_read_header(cc_decoder *d);
int cc_png_prepare(cc_decoder *d);
int cc_png_decode(cc_decoder *d, uint8_t *dst);
int cc_gif_read_header(cc_decoder *d);
int cc_gif_decode(cc_decoder *d, uint8_t *dst);
int cc_bmp_read_header(cc_decoder *d);
int cc_bmp_decode(cc_decoder *d, uint8_t *dst);
int cc_webp_read_header(cc_decoder *d);
int cc_webp_decode(cc_decoder *d, uint8_t *dst);
int cc_tiff_read_header(cc_decoder *d);
int cc_tiff_decode(cc_decoder *d, uint8_t *dst);

#endif
