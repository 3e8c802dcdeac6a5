#ifndef CHASHKERNELS_H
#define CHASHKERNELS_H
/* Integer inner loops of the CPU hash engine. Swift compiles for baseline x86-64 (SSE2, no
   packed 32-bit multiply, no byte shuffles); these loops pick AVX2 at run time when the CPU
   has it. Every kernel is exact integer arithmetic, so all variants give identical results. */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Pillow's RGB -> L, (19595 R + 38470 G + 7471 B + 32768) >> 16, for `width` packed RGB pixels. */
void chk_pillow_l_rgb(const uint8_t *rgb, int16_t *out, intptr_t width);

/* Widens `width` grey bytes to int16. */
void chk_widen_u8(const uint8_t *src, int16_t *out, intptr_t width);

/* One LANCZOS pass over a row: for o < out_size,
     acc = 2^21 + sum_{i < blocks[o] * 16} row[xmin[o] + i] * (khi[o*stride+i] * 2048 + klo[o*stride+i])
     out[o] = clamp(acc >> 22, 0, 255)
   Coefficients are split so each half fits int16 (klo in 0..2047); padding coefficients are 0.
   `row` must be readable (finite values) up to max(xmin[o] + 16 * blocks[o]). */
void chk_lanczos_row(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                     const int16_t *khi, const int16_t *klo, intptr_t stride, intptr_t out_size,
                     int32_t *out);

/* acc[x] += row[x] * c for x < width (wrapping int32). */
void chk_accumulate(int32_t *acc, const int16_t *row, int32_t c, intptr_t width);

/* Which variant runs: "avx2", "sse2" or "portable". */
const char *chk_variant(void);

#ifdef __cplusplus
}
#endif
#endif
