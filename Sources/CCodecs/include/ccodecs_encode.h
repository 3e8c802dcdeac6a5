#ifndef CCODECS_ENCODE_H
#define CCODECS_ENCODE_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Encodes 8-bit pixels (row-major, interleaved; channels 1 = grey, 3 = RGB) as a baseline JPEG
 * with libjpeg-turbo. libjpeg reports errors with longjmp, which Swift cannot catch, so the
 * whole encode runs here and hands back bytes or a message.
 *
 * On success returns 0 and sets *out / *out_size to a buffer the caller releases with
 * ccodecs_jpeg_free. On failure returns -1, leaves *out NULL and writes a NUL-terminated
 * message into err (at most err_size bytes). */
int ccodecs_jpeg_encode(const unsigned char *pixels, int width, int height, int channels,
                        int quality, unsigned char **out, unsigned long *out_size,
                        char *err, size_t err_size);

void ccodecs_jpeg_free(unsigned char *buffer);

#ifdef __cplusplus
}
#endif
#endif
