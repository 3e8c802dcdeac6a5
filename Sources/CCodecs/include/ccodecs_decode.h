#ifndef CCODECS_DECODE_H
#define CCODECS_DECODE_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* JPEG (libjpeg-turbo), PNG (libpng 1.6), GIF and BMP (own decoders, as Pillow's), WebP (libwebp)
 * and TIFF (libtiff) decoding to the pixels Pillow 13 gives after
 * convert('L') / convert('RGB'). Both libraries report errors with longjmp, which Swift cannot
 * catch, so every call into them happens here behind setjmp and comes back as a status code and
 * a message.
 *
 * Use: cc_decoder_create, cc_decoder_read_header (parses headers only, allocates no pixel
 * memory, enforces max_pixels), then cc_decoder_decode into a caller-owned buffer of
 * width * height * channels bytes, then cc_decoder_destroy. The input bytes must stay alive and
 * unchanged until the decoder is destroyed. */

typedef enum {
    CC_OK = 0,
    CC_ERR_TRUNCATED = 1,      /* the data ends before the image does */
    CC_ERR_CORRUPT = 2,        /* the data is malformed */
    CC_ERR_UNSUPPORTED = 3,    /* valid but not something Pillow decodes (12-bit JPEG, ...) */
    CC_ERR_TOO_MANY_PIXELS = 4,
    CC_ERR_NO_MEMORY = 5,
    CC_ERR_NOT_RECOGNISED = 6, /* neither JPEG nor PNG signature */
    CC_ERR_USAGE = 7           /* wrong call order or buffer size: a programmer error */
} cc_status;

typedef enum {
    CC_FORMAT_UNKNOWN = 0,
    CC_FORMAT_JPEG = 1,
    CC_FORMAT_PNG = 2,
    CC_FORMAT_GIF = 3,
    CC_FORMAT_BMP = 4,
    CC_FORMAT_WEBP = 5,
    CC_FORMAT_TIFF = 6
} cc_format;

typedef struct {
    int format;        /* cc_format */
    uint32_t width;
    uint32_t height;
    int channels;      /* 1 = gray, 3 = RGB: what cc_decoder_decode writes */
    int source_channels; /* JPEG components, or PNG channels including alpha */
    int bit_depth;     /* per sample in the file */
    int progressive;   /* JPEG progressive / PNG interlaced */
    int work_bytes_per_pixel; /* decoder memory per pixel beside the output, at most (0 where the
                               * decoder works a band of rows at a time; 4 for lossless WebP) */
} cc_header;

typedef struct cc_decoder cc_decoder;

/* The format named by the first bytes (JPEG FF D8 FF, PNG signature, GIF87a/GIF89a, BM, RIFF....WEBP,
 * II*\0 / MM\0* / BigTIFF). */
int cc_sniff_format(const uint8_t *data, size_t size);

/* NULL when out of memory. */
cc_decoder *cc_decoder_create(void);
void cc_decoder_destroy(cc_decoder *decoder);

/* max_pixels: width * height above this fails with CC_ERR_TOO_MANY_PIXELS (header still filled). */
int cc_decoder_read_header(cc_decoder *decoder, const uint8_t *data, size_t size,
                           uint64_t max_pixels, cc_header *header);

/* For previews only (never for hashing): after cc_decoder_read_header, lets a JPEG decode at
 * 1/2, 1/4 or 1/8 scale in libjpeg's DCT domain, choosing the smallest scale whose longer side
 * is still >= min_side, with the fast IDCT and upsampling. Much faster than a full decode, and
 * not Pillow's pixels. PNG is unchanged. Updates *header to the size decode will write. */
int cc_decoder_set_preview_size(cc_decoder *decoder, uint32_t min_side, cc_header *header);
/* dst must hold exactly width * height * channels bytes (dst_size). */
int cc_decoder_decode(cc_decoder *decoder, uint8_t *dst, size_t dst_size);

/* Detail of the last error, NUL-terminated, never NULL. */
const char *cc_decoder_message(const cc_decoder *decoder);

/* Recoverable problems (libjpeg warnings, libpng benign errors) that still gave pixels. Only the
 * first few are kept; cc_decoder_warning_total counts all of them. */
int cc_decoder_warning_count(const cc_decoder *decoder);
const char *cc_decoder_warning(const cc_decoder *decoder, int index);
int cc_decoder_warning_total(const cc_decoder *decoder);

/* zlib-compatible CRC-32 (same polynomial and result as zlib.crc32). */
uint32_t cc_crc32(uint32_t crc, const uint8_t *data, size_t size);

/* Batch runs: decode buffers up to mmap_threshold bytes come from the heap, and up to
 * trim_threshold bytes of freed heap stay mapped for the next decode (glibc's mallopt
 * M_MMAP_THRESHOLD and M_TRIM_THRESHOLD). Returns 1 when both were set, 0 otherwise (another
 * allocator). Changes time only, never a result. */
int cc_keep_freed_memory(int mmap_threshold, int trim_threshold);

#ifdef __cplusplus
}
#endif
#endif
