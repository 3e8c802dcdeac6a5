#ifndef CHASHKERNELS_H
#define CHASHKERNELS_H
/* Integer inner loops of the CPU hash engine. Swift compiles for baseline x86-64 (SSE2: no
   packed 32-bit multiply, no byte shuffles); these loops switch to AVX2 at run time when the
   CPU has it. Every kernel is exact integer arithmetic, so all variants give identical results.

   Each kernel `chk_X(...)` runs the best variant; `chk_X_using(variant, ...)` runs a given one
   (for tests): CHK_PORTABLE, CHK_SSE2 (x86-64 only), CHK_AVX2 (x86-64 with AVX2). A variant
   the CPU lacks falls back to the best one below it. */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { CHK_PORTABLE = 0, CHK_SSE2 = 1, CHK_AVX2 = 2 };

/* The variant the plain entry points use. */
int chk_best_variant(void);
/* "avx2", "sse2" or "portable". */
const char *chk_variant_name(int variant);

/* Pillow's RGB -> L, (19595 R + 38470 G + 7471 B + 32768) >> 16, for `width` packed RGB
   pixels, or (channels == 1) the grey bytes widened. */
void chk_pillow_l(const uint8_t *src, intptr_t channels, int16_t *out, intptr_t width);
void chk_pillow_l_using(int variant, const uint8_t *src, intptr_t channels, int16_t *out, intptr_t width);

/* One LANCZOS pass over a row: for o < out_size,
     acc = 2^21 + sum_{i < 16 * blocks[o]} row[xmin[o] + i] * (khi[o*stride+i] * 2048 + klo[o*stride+i])
     out[o] = clamp(acc >> 22, 0, 255)        (acc modulo 2^32, arithmetic shift)
   The coefficient halves fit int16 (klo in 0..2047); padding coefficients are 0. `row` must be
   readable up to max(xmin[o] + 16 * blocks[o]). */
void chk_lanczos_row(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                     const int16_t *khi, const int16_t *klo, intptr_t stride, intptr_t out_size,
                     int32_t *out);
void chk_lanczos_row_using(int variant, const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                           const int16_t *khi, const int16_t *klo, intptr_t stride, intptr_t out_size,
                           int32_t *out);

/* The same pass over two rows at once (out0 from row0, out1 from row1): each coefficient is
   loaded once for both, which matters when the tables outgrow the L1 cache (wide images). */
void chk_lanczos_rows2(const int16_t *row0, const int16_t *row1, const int32_t *xmin,
                       const int32_t *blocks, const int16_t *khi, const int16_t *klo, intptr_t stride,
                       intptr_t out_size, int32_t *out0, int32_t *out1);
void chk_lanczos_rows2_using(int variant, const int16_t *row0, const int16_t *row1,
                             const int32_t *xmin, const int32_t *blocks, const int16_t *khi,
                             const int16_t *klo, intptr_t stride, intptr_t out_size, int32_t *out0,
                             int32_t *out1);

/* acc[x] += row[x] * c for x < width (modulo 2^32). */
void chk_accumulate(int32_t *acc, const int16_t *row, int32_t c, intptr_t width);
void chk_accumulate_using(int variant, int32_t *acc, const int16_t *row, int32_t c, intptr_t width);
/* Sum of row[i] * coeff[i] for i < count, modulo 2^32. */
int32_t chk_dot_i16_i32(const int16_t *row, const int32_t *coeff, intptr_t count);

/* INTER_LINEAR_EXACT horizontal pass of one source row to 256 samples per channel, 8.8 fixed
   point, planar: out[c * 256 + v] = (256 - w1[v]) * line[off0[v] + c] + w1[v] * line[off1[v] + c]
   (offsets in bytes, i.e. index * channels). */
void chk_linear_row(const uint8_t *line, intptr_t channels, const int32_t *off0, const int32_t *off1,
                    const int32_t *w1, int32_t *out);
void chk_linear_row_using(int variant, const uint8_t *line, intptr_t channels, const int32_t *off0,
                          const int32_t *off1, const int32_t *w1, int32_t *out);

/* One 256-wide output row of BlockMeanHash: per channel (top * (256 - k1) + bottom * k1 + 32768) >> 16,
   then OpenCV BGR2GRAY (plane 0 is R) when channels == 3, then the 16 block sums of the row are
   added to sums[0..15]. */
void chk_blockmean_row(const int32_t *top, const int32_t *bottom, int32_t k1, intptr_t channels,
                       int32_t *sums);
void chk_blockmean_row_using(int variant, const int32_t *top, const int32_t *bottom, int32_t k1,
                             intptr_t channels, int32_t *sums);

/* The same output row computed vertically first (exact integer bilinear, so identical):
   blend the two source rows over the whole width, v = (256 - k1) * row0 + k1 * row1 (uint16),
   then per output column (256 - w1) * v[off0] + w1 * v[off1], descale, BGR2GRAY, block sums.
   Cheaper than two horizontal passes when the rows are short. `scratch` holds width * channels. */
void chk_blockmean_row_vfirst(const uint8_t *row0, const uint8_t *row1, intptr_t width,
                              intptr_t channels, int32_t k1, const int32_t *off0, const int32_t *off1,
                              const int32_t *w1, uint16_t *scratch, int32_t *sums);
void chk_blockmean_row_vfirst_using(int variant, const uint8_t *row0, const uint8_t *row1,
                                    intptr_t width, intptr_t channels, int32_t k1,
                                    const int32_t *off0, const int32_t *off1, const int32_t *w1,
                                    uint16_t *scratch, int32_t *sums);

/* Hamming distances from one hash `a` (`words` 64-bit words) to `n` hashes `b` (contiguous):
   dist[j] = popcount(a ^ b[j]); near[j] = min(near[j], dist[j]). Returns min_j dist[j]
   (UINT16_MAX when n == 0). */
uint16_t chk_hamming_row(const uint64_t *a, intptr_t words, const uint64_t *b, intptr_t n,
                         uint16_t *dist, uint16_t *near);
uint16_t chk_hamming_row_using(int variant, const uint64_t *a, intptr_t words, const uint64_t *b,
                               intptr_t n, uint16_t *dist, uint16_t *near);

#ifdef __cplusplus
}
#endif
/* The multi-index matcher's kernels: included here so the module has one umbrella header
   (case-insensitive file systems take this file as the umbrella). */
#include "chk_mih.h"
/* PDQ (pdq.c). */
#include "chk_pdq.h"

#endif
