#ifndef CHK_PDQ_H
#define CHK_PDQ_H
/* PDQ (Meta's 256-bit perceptual hash), bit for bit what the `pdqhash` PyPI binding returns for
   a picture's RGB pixels. pdq.c restates each step and why its arithmetic is ordered as it is. */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The 16x16 DCT coefficients (row i = vertical frequency i+1, column j = horizontal frequency
   j+1) and the quality (0-100) of `width` x `height` pixels with `channels` (1 = grey, 3 = RGB)
   interleaved bytes per pixel, row-major. Returns 0; 1 when the picture is too small for PDQ
   (a side under 5: hash all zero, quality 0, `dct` untouched); -1 when scratch memory could not
   be had. */
int32_t chk_pdq_dct(const uint8_t *pixels, intptr_t width, intptr_t height, intptr_t channels,
                    float dct[256], int32_t *quality);

/* The hash of 16x16 coefficients: bit k = 16 i + j is set when dct[k] is above their median.
   words[0] holds bits 255...192 (bit 255 its most significant bit) ... words[3] bits 63...0, so
   the words written most significant nibble first are Meta's hex. */
void chk_pdq_bits(const float dct[256], uint64_t words[4]);

/* chk_pdq_dct then chk_pdq_bits (all zero when too small). Returns 0, or -1 as chk_pdq_dct. */
int32_t chk_pdq_hash(const uint8_t *pixels, intptr_t width, intptr_t height, intptr_t channels,
                     uint64_t words[4], int32_t *quality);

/* The coefficients and quality pdqhash.compute_dihedral derives its 8 variants from: those of
   chk_pdq_dct, except for a 64x64 picture, which the dihedral entry box-filters like any other
   size (it lacks compute's 64x64 shortcut). Returns as chk_pdq_dct. */
int32_t chk_pdq_dihedral_dct(const uint8_t *pixels, intptr_t width, intptr_t height, intptr_t channels,
                             float dct[256], int32_t *quality);

#ifdef __cplusplus
}
#endif
#endif
