#include "chashkernels.h"

static inline int32_t clip8(uint32_t acc) {
    int32_t v = (int32_t)acc >> 22;  /* arithmetic: negative sums floor, as in Pillow */
    return v < 0 ? 0 : (v > 255 ? 255 : v);
}

/* ---------------------------------------------------------------- portable versions */

static void pillow_l_rgb_portable(const uint8_t *rgb, int16_t *out, intptr_t width) {
    for (intptr_t x = 0; x < width; x++) {
        uint32_t r = rgb[3 * x], g = rgb[3 * x + 1], b = rgb[3 * x + 2];
        out[x] = (int16_t)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
    }
}

static void lanczos_row_portable(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                                 const int16_t *khi, const int16_t *klo, intptr_t stride,
                                 intptr_t out_size, int32_t *out) {
    for (intptr_t o = 0; o < out_size; o++) {
        const int16_t *p = row + xmin[o];
        const int16_t *h = khi + o * stride, *l = klo + o * stride;
        uint32_t hs = 0, ls = 0;
        for (intptr_t i = 0; i < 16 * (intptr_t)blocks[o]; i++) {
            hs += (uint32_t)((int32_t)p[i] * h[i]);
            ls += (uint32_t)((int32_t)p[i] * l[i]);
        }
        out[o] = clip8((1u << 21) + (hs << 11) + ls);
    }
}

static void accumulate_portable(int32_t *acc, const int16_t *row, int32_t c, intptr_t width) {
    uint32_t *a = (uint32_t *)acc;
    for (intptr_t x = 0; x < width; x++) a[x] += (uint32_t)((int32_t)row[x] * c);
}

void chk_widen_u8(const uint8_t *src, int16_t *out, intptr_t width) {
    for (intptr_t x = 0; x < width; x++) out[x] = src[x];
}

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

/* ---------------------------------------------------------------- SSE2 (always present) */

static void lanczos_row_sse2(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                             const int16_t *khi, const int16_t *klo, intptr_t stride,
                             intptr_t out_size, int32_t *out) {
    for (intptr_t o = 0; o < out_size; o++) {
        const int16_t *p = row + xmin[o];
        const int16_t *h = khi + o * stride, *l = klo + o * stride;
        __m128i hs = _mm_setzero_si128(), ls = _mm_setzero_si128();
        for (intptr_t b = 0; b < blocks[o]; b++) {
            __m128i p0 = _mm_loadu_si128((const __m128i *)(p + 16 * b));
            __m128i p1 = _mm_loadu_si128((const __m128i *)(p + 16 * b + 8));
            hs = _mm_add_epi32(hs, _mm_madd_epi16(p0, _mm_loadu_si128((const __m128i *)(h + 16 * b))));
            hs = _mm_add_epi32(hs, _mm_madd_epi16(p1, _mm_loadu_si128((const __m128i *)(h + 16 * b + 8))));
            ls = _mm_add_epi32(ls, _mm_madd_epi16(p0, _mm_loadu_si128((const __m128i *)(l + 16 * b))));
            ls = _mm_add_epi32(ls, _mm_madd_epi16(p1, _mm_loadu_si128((const __m128i *)(l + 16 * b + 8))));
        }
        uint32_t hv[4], lv[4];
        _mm_storeu_si128((__m128i *)hv, hs);
        _mm_storeu_si128((__m128i *)lv, ls);
        uint32_t H = hv[0] + hv[1] + hv[2] + hv[3], L = lv[0] + lv[1] + lv[2] + lv[3];
        out[o] = clip8((1u << 21) + (H << 11) + L);
    }
}

/* ---------------------------------------------------------------- AVX2 */

__attribute__((target("avx2")))
static void pillow_l_rgb_avx2(const uint8_t *rgb, int16_t *out, intptr_t width) {
    /* The plain loop: clang vectorises the stride-3 loads with AVX2 shuffles. */
    for (intptr_t x = 0; x < width; x++) {
        uint32_t r = rgb[3 * x], g = rgb[3 * x + 1], b = rgb[3 * x + 2];
        out[x] = (int16_t)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
    }
}

__attribute__((target("avx2")))
static void lanczos_row_avx2(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                             const int16_t *khi, const int16_t *klo, intptr_t stride,
                             intptr_t out_size, int32_t *out) {
    for (intptr_t o = 0; o < out_size; o++) {
        const int16_t *p = row + xmin[o];
        const int16_t *h = khi + o * stride, *l = klo + o * stride;
        __m256i hs = _mm256_setzero_si256(), ls = _mm256_setzero_si256();
        for (intptr_t b = 0; b < blocks[o]; b++) {
            __m256i pv = _mm256_loadu_si256((const __m256i *)(p + 16 * b));
            hs = _mm256_add_epi32(hs, _mm256_madd_epi16(pv, _mm256_loadu_si256((const __m256i *)(h + 16 * b))));
            ls = _mm256_add_epi32(ls, _mm256_madd_epi16(pv, _mm256_loadu_si256((const __m256i *)(l + 16 * b))));
        }
        uint32_t hv[8], lv[8];
        _mm256_storeu_si256((__m256i *)hv, hs);
        _mm256_storeu_si256((__m256i *)lv, ls);
        uint32_t H = 0, L = 0;
        for (int i = 0; i < 8; i++) { H += hv[i]; L += lv[i]; }
        out[o] = clip8((1u << 21) + (H << 11) + L);
    }
}

__attribute__((target("avx2")))
static void accumulate_avx2(int32_t *acc, const int16_t *row, int32_t c, intptr_t width) {
    uint32_t *a = (uint32_t *)acc;
    for (intptr_t x = 0; x < width; x++) a[x] += (uint32_t)((int32_t)row[x] * c);
}

/* Decided once before main (and before any thread starts), so reading it needs no lock. */
static int avx2_present = 0;

__attribute__((constructor))
static void detect_cpu(void) {
    __builtin_cpu_init();
    avx2_present = __builtin_cpu_supports("avx2") ? 1 : 0;
}

static inline int has_avx2(void) { return avx2_present; }

void chk_pillow_l_rgb(const uint8_t *rgb, int16_t *out, intptr_t width) {
    if (has_avx2()) pillow_l_rgb_avx2(rgb, out, width); else pillow_l_rgb_portable(rgb, out, width);
}

void chk_lanczos_row(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                     const int16_t *khi, const int16_t *klo, intptr_t stride, intptr_t out_size,
                     int32_t *out) {
    if (has_avx2()) lanczos_row_avx2(row, xmin, blocks, khi, klo, stride, out_size, out);
    else lanczos_row_sse2(row, xmin, blocks, khi, klo, stride, out_size, out);
}

void chk_accumulate(int32_t *acc, const int16_t *row, int32_t c, intptr_t width) {
    if (has_avx2()) accumulate_avx2(acc, row, c, width); else accumulate_portable(acc, row, c, width);
}

const char *chk_variant(void) { return has_avx2() ? "avx2" : "sse2"; }

#else

void chk_pillow_l_rgb(const uint8_t *rgb, int16_t *out, intptr_t width) {
    pillow_l_rgb_portable(rgb, out, width);
}

void chk_lanczos_row(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                     const int16_t *khi, const int16_t *klo, intptr_t stride, intptr_t out_size,
                     int32_t *out) {
    lanczos_row_portable(row, xmin, blocks, khi, klo, stride, out_size, out);
}

void chk_accumulate(int32_t *acc, const int16_t *row, int32_t c, intptr_t width) {
    accumulate_portable(acc, row, c, width);
}

const char *chk_variant(void) { return "portable"; }

#endif
