#ifndef CCODECS_PNG_PILLOW_CHUNKS_H
#define CCODECS_PNG_PILLOW_CHUNKS_H
/* Pillow 13's checks on PNG chunks besides the image data, run on every chunk Pillow reads
 * (before the image data while opening, after it while loading), where a failure makes Pillow
 * raise, so crosshash reports an error too:
 * - zTXt / iTXt / iCCP whose zlib data decompresses past MAX_TEXT_CHUNK (1 MiB): ValueError;
 *   an unknown compression method in zTXt or iCCP: SyntaxError; other zlib errors are ignored.
 * - text (tEXt, zTXt, iTXt as decoded characters) over MAX_TEXT_MEMORY (64 MiB) in all: ValueError.
 * - APNG: fcTL / fdAT sequence numbers must count 0, 1, 2, ...; a frame outside the image:
 *   SyntaxError. After the image data Pillow reads on until the first fcTL when the file is
 *   animated (more than one frame), so later frames are not checked; a file whose acTL says one
 *   frame is checked to the end. */
#include "decode_internal.h"

typedef struct {
    uint32_t width, height;
    uint64_t text_memory;
    int frames_set;            /* acTL seen (Pillow's im_n_frames is not None) */
    uint32_t n_frames;
    long long seq;             /* last fcTL/fdAT sequence number, -1 = none yet */
    int frame_before_image;    /* an fcTL came before the first IDAT: the default image is frame 0 */
} cc_pillow_chunks;

void cc_pillow_chunks_init(cc_pillow_chunks *st, uint32_t width, uint32_t height);
/* `s`: the chunk's data (length bytes, all present). CC_OK or the failure (via cc_fail). */
int cc_pillow_chunk(cc_decoder *d, cc_pillow_chunks *st, const uint8_t *type, const uint8_t *s, uint32_t length,
                    int after_image);
/* Pillow's is_animated, decided when the file is opened. */
int cc_pillow_animated(const cc_pillow_chunks *st);

#endif
