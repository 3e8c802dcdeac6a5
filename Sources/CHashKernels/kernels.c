#include "chashkernels.h"

#define INLINE static inline __attribute__((always_inline))

/* ------------------------------------------------------------------ plain loop bodies
   Compiled once per variant: the AVX2 wrappers let the compiler vectorise them with AVX2. */

INLINE void pillow_l_body(const uint8_t *src, intptr_t channels, int16_t *out, intptr_t width) {
    if (channels == 1) {
        for (intptr_t x = 0; x < width; x++) out[x] = src[x];
        return;
    }
    for (intptr_t x = 0; x < width; x++) {
        uint32_t r = src[3 * x], g = src[3 * x + 1], b = src[3 * x + 2];
        out[x] = (int16_t)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
    }
}

INLINE int32_t clip8(uint32_t acc) {
    int32_t v = (int32_t)acc >> 22; /* arithmetic: negative sums floor, as in Pillow */
    return v < 0 ? 0 : (v > 255 ? 255 : v);
}

INLINE void lanczos_row_body(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
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

INLINE void accumulate_body(int32_t *acc, const int16_t *row, int32_t c, intptr_t width) {
    uint32_t *a = (uint32_t *)acc;
    for (intptr_t x = 0; x < width; x++) a[x] += (uint32_t)((int32_t)row[x] * c);
}

INLINE void linear_row_body(const uint8_t *line, intptr_t channels, const int32_t *off0,
                            const int32_t *off1, const int32_t *w1, int32_t *out) {
    if (channels == 1) {
        for (int v = 0; v < 256; v++)
            out[v] = (256 - w1[v]) * line[off0[v]] + w1[v] * line[off1[v]];
        return;
    }
    for (int v = 0; v < 256; v++) {
        const uint8_t *a = line + off0[v], *b = line + off1[v];
        int32_t k1 = w1[v], k0 = 256 - k1;
        out[v] = k0 * a[0] + k1 * b[0];
        out[256 + v] = k0 * a[1] + k1 * b[1];
        out[512 + v] = k0 * a[2] + k1 * b[2];
    }
}

INLINE void blockmean_row_body(const int32_t *top, const int32_t *bottom, int32_t k1,
                               intptr_t channels, int32_t *sums) {
    int32_t k0 = 256 - k1;
    int32_t g[256];
    if (channels == 1) {
        for (int x = 0; x < 256; x++) g[x] = (top[x] * k0 + bottom[x] * k1 + 32768) >> 16;
    } else {
        for (int x = 0; x < 256; x++) {
            int32_t r = (top[x] * k0 + bottom[x] * k1 + 32768) >> 16;
            int32_t gg = (top[256 + x] * k0 + bottom[256 + x] * k1 + 32768) >> 16;
            int32_t b = (top[512 + x] * k0 + bottom[512 + x] * k1 + 32768) >> 16;
            g[x] = (3735 * b + 19235 * gg + 9798 * r + 16384) >> 15;
        }
    }
    for (int bx = 0; bx < 16; bx++) {
        int32_t s = 0;
        for (int x = 0; x < 16; x++) s += g[16 * bx + x];
        sums[bx] += s;
    }
}

INLINE uint16_t hamming_row_body(const uint64_t *a, intptr_t words, const uint64_t *b, intptr_t n,
                                 uint16_t *dist, uint16_t *near) {
    uint16_t best = UINT16_MAX;
    if (words == 1) {
        uint64_t x = a[0];
        for (intptr_t j = 0; j < n; j++) dist[j] = (uint16_t)__builtin_popcountll(x ^ b[j]);
    } else if (words == 4) {
        uint64_t x0 = a[0], x1 = a[1], x2 = a[2], x3 = a[3];
        for (intptr_t j = 0; j < n; j++) {
            const uint64_t *p = b + 4 * j;
            dist[j] = (uint16_t)(__builtin_popcountll(x0 ^ p[0]) + __builtin_popcountll(x1 ^ p[1]) +
                                 __builtin_popcountll(x2 ^ p[2]) + __builtin_popcountll(x3 ^ p[3]));
        }
    } else {
        for (intptr_t j = 0; j < n; j++) {
            int d = 0;
            for (intptr_t w = 0; w < words; w++) d += __builtin_popcountll(a[w] ^ b[words * j + w]);
            dist[j] = (uint16_t)d;
        }
    }
    for (intptr_t j = 0; j < n; j++) {
        uint16_t d = dist[j];
        best = d < best ? d : best;
        near[j] = d < near[j] ? d : near[j];
    }
    return best;
}

INLINE void blockmean_row_vfirst_body(const uint8_t *row0, const uint8_t *row1, intptr_t width,
                                      intptr_t channels, int32_t k1, const int32_t *off0,
                                      const int32_t *off1, const int32_t *w1, uint16_t *v,
                                      int32_t *sums) {
    uint16_t c1 = (uint16_t)k1, c0 = (uint16_t)(256 - k1);
    intptr_t n = width * channels;
    /* <= 256 * 255: exact in uint16 */
    for (intptr_t i = 0; i < n; i++) v[i] = (uint16_t)(c0 * row0[i] + c1 * row1[i]);
    int32_t g[256];
    if (channels == 1) {
        for (int x = 0; x < 256; x++) {
            int32_t b1 = w1[x], b0 = 256 - b1;
            g[x] = (b0 * v[off0[x]] + b1 * v[off1[x]] + 32768) >> 16;
        }
    } else {
        for (int x = 0; x < 256; x++) {
            const uint16_t *p = v + off0[x], *q = v + off1[x];
            int32_t b1 = w1[x], b0 = 256 - b1;
            int32_t r = (b0 * p[0] + b1 * q[0] + 32768) >> 16;
            int32_t gg = (b0 * p[1] + b1 * q[1] + 32768) >> 16;
            int32_t b = (b0 * p[2] + b1 * q[2] + 32768) >> 16;
            g[x] = (3735 * b + 19235 * gg + 9798 * r + 16384) >> 15;
        }
    }
    for (int bx = 0; bx < 16; bx++) {
        int32_t s = 0;
        for (int x = 0; x < 16; x++) s += g[16 * bx + x];
        sums[bx] += s;
    }
}

/* ------------------------------------------------------------------ portable variant */

static void pillow_l_portable(const uint8_t *s, intptr_t c, int16_t *o, intptr_t w) { pillow_l_body(s, c, o, w); }
static void lanczos_row_portable(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                                 const int16_t *khi, const int16_t *klo, intptr_t stride,
                                 intptr_t out_size, int32_t *out) {
    lanczos_row_body(row, xmin, blocks, khi, klo, stride, out_size, out);
}
static void accumulate_portable(int32_t *a, const int16_t *r, int32_t c, intptr_t w) { accumulate_body(a, r, c, w); }
static void linear_row_portable(const uint8_t *l, intptr_t c, const int32_t *o0, const int32_t *o1,
                                const int32_t *w1, int32_t *out) {
    linear_row_body(l, c, o0, o1, w1, out);
}
static uint16_t hamming_row_portable(const uint64_t *a, intptr_t w, const uint64_t *b, intptr_t n,
                                     uint16_t *d, uint16_t *near) {
    return hamming_row_body(a, w, b, n, d, near);
}
static void blockmean_row_vfirst_portable(const uint8_t *r0, const uint8_t *r1, intptr_t w, intptr_t c,
                                          int32_t k1, const int32_t *o0, const int32_t *o1,
                                          const int32_t *w1, uint16_t *v, int32_t *s) {
    blockmean_row_vfirst_body(r0, r1, w, c, k1, o0, o1, w1, v, s);
}
static void blockmean_row_portable(const int32_t *t, const int32_t *b, int32_t k1, intptr_t c, int32_t *s) {
    blockmean_row_body(t, b, k1, c, s);
}

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CHK_X86 1

/* ------------------------------------------------------------------ SSE2: explicit pmaddwd */

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
        __m128i s = _mm_add_epi32(_mm_slli_epi32(hs, 11), ls);
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
        out[o] = clip8((1u << 21) + (uint32_t)_mm_cvtsi128_si32(s));
    }
}

/* ------------------------------------------------------------------ AVX2 */

#define AVX2 __attribute__((target("avx2")))

/* 8 RGB pixels (24 bytes) -> 8 int32 L values. Each 128-bit lane holds 4 pixels; per pixel
   the shuffles build the int16 pair (R, G), the pair (B, 0) and G << 16, and
   19595 R + 38470 G = 19595 R - 27066 G + 65536 G keeps both pmaddwd weights in int16. */
AVX2 static inline __m256i pillow_l8_avx2(const uint8_t *p) {
    const __m256i rg = _mm256_setr_epi8(0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1,
                                        0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1);
    const __m256i b0 = _mm256_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1,
                                        2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
    const __m256i g16 = _mm256_setr_epi8(-1, -1, 1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1,
                                         -1, -1, 1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1);
    const __m256i wrg = _mm256_set1_epi32((int32_t)((uint32_t)(uint16_t)-27066 << 16 | 19595));
    const __m256i wb = _mm256_set1_epi32(7471);
    __m256i v = _mm256_loadu2_m128i((const __m128i *)(p + 12), (const __m128i *)p);
    __m256i t = _mm256_add_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(v, rg), wrg),
                                 _mm256_madd_epi16(_mm256_shuffle_epi8(v, b0), wb));
    t = _mm256_add_epi32(t, _mm256_shuffle_epi8(v, g16));
    return _mm256_srli_epi32(_mm256_add_epi32(t, _mm256_set1_epi32(32768)), 16);
}

AVX2 static void pillow_l_avx2(const uint8_t *s, intptr_t c, int16_t *o, intptr_t w) {
    if (c != 3) { pillow_l_body(s, c, o, w); return; }
    intptr_t x = 0;
    /* Each 8-pixel step loads 28 bytes from 24 * step: stay 4 bytes inside the row. */
    for (; x + 16 <= w && 3 * x + 48 + 4 <= 3 * w; x += 16) {
        __m256i a = pillow_l8_avx2(s + 3 * x), b = pillow_l8_avx2(s + 3 * x + 24);
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xD8);
        _mm256_storeu_si256((__m256i *)(o + x), packed);
    }
    pillow_l_body(s + 3 * x, 3, o + x, w - x);
}
AVX2 static void accumulate_avx2(int32_t *a, const int16_t *r, int32_t c, intptr_t w) { accumulate_body(a, r, c, w); }
AVX2 static void linear_row_avx2(const uint8_t *l, intptr_t c, const int32_t *o0, const int32_t *o1,
                                 const int32_t *w1, int32_t *out) {
    linear_row_body(l, c, o0, o1, w1, out);
}
AVX2 static void blockmean_row_vfirst_avx2(const uint8_t *r0, const uint8_t *r1, intptr_t w, intptr_t c,
                                           int32_t k1, const int32_t *o0, const int32_t *o1,
                                           const int32_t *w1, uint16_t *v, int32_t *s) {
    blockmean_row_vfirst_body(r0, r1, w, c, k1, o0, o1, w1, v, s);
}
AVX2 static void blockmean_row_avx2(const int32_t *t, const int32_t *b, int32_t k1, intptr_t c, int32_t *s) {
    blockmean_row_body(t, b, k1, c, s);
}

/* SSE2 machines of this century have POPCNT; it is checked separately all the same. */
__attribute__((target("popcnt")))
static uint16_t hamming_row_popcnt(const uint64_t *a, intptr_t w, const uint64_t *b, intptr_t n,
                                   uint16_t *d, uint16_t *near) {
    return hamming_row_body(a, w, b, n, d, near);
}
__attribute__((target("avx2,popcnt")))
static uint16_t hamming_row_avx2(const uint64_t *a, intptr_t w, const uint64_t *b, intptr_t n,
                                 uint16_t *d, uint16_t *near) {
    return hamming_row_body(a, w, b, n, d, near);
}

/* 256-bit hashes, four pairs per step: nibble-table popcount (vpshufb), per-pair sums by
   vpsadbw and a 4x4 transpose of the partial sums. */
__attribute__((target("avx2,popcnt")))
static uint16_t hamming256_avx2(const uint64_t *a, const uint64_t *b, intptr_t n, uint16_t *dist,
                                uint16_t *near) {
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i av = _mm256_loadu_si256((const __m256i *)a);
    intptr_t j = 0;
    for (; j + 4 <= n; j += 4) {
        __m256i v[4];
        for (int q = 0; q < 4; q++) {
            __m256i x = _mm256_xor_si256(av, _mm256_loadu_si256((const __m256i *)(b + 4 * (j + q))));
            __m256i cnt = _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(x, low)),
                                          _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low)));
            v[q] = _mm256_sad_epu8(cnt, _mm256_setzero_si256());
        }
        __m256i s01 = _mm256_add_epi64(_mm256_unpacklo_epi64(v[0], v[1]), _mm256_unpackhi_epi64(v[0], v[1]));
        __m256i s23 = _mm256_add_epi64(_mm256_unpacklo_epi64(v[2], v[3]), _mm256_unpackhi_epi64(v[2], v[3]));
        __m256i r = _mm256_add_epi64(_mm256_permute2x128_si256(s01, s23, 0x20),
                                     _mm256_permute2x128_si256(s01, s23, 0x31));
        uint64_t out[4];
        _mm256_storeu_si256((__m256i *)out, r);
        for (int q = 0; q < 4; q++) dist[j + q] = (uint16_t)out[q];
    }
    for (; j < n; j++) {
        const uint64_t *p = b + 4 * j;
        dist[j] = (uint16_t)(__builtin_popcountll(a[0] ^ p[0]) + __builtin_popcountll(a[1] ^ p[1]) +
                             __builtin_popcountll(a[2] ^ p[2]) + __builtin_popcountll(a[3] ^ p[3]));
    }
    uint16_t best = UINT16_MAX;
    for (intptr_t k = 0; k < n; k++) {
        uint16_t d = dist[k];
        best = d < best ? d : best;
        near[k] = d < near[k] ? d : near[k];
    }
    return best;
}

AVX2 static void lanczos_row_avx2(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
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
        /* sum (hi << 11) + lo over the lanes, modulo 2^32 like the scalar sums */
        __m256i t = _mm256_add_epi32(_mm256_slli_epi32(hs, 11), ls);
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
        out[o] = clip8((1u << 21) + (uint32_t)_mm_cvtsi128_si32(s));
    }
}

AVX2 static inline int32_t hsum_clip_avx2(__m256i hs, __m256i ls) {
    __m256i t = _mm256_add_epi32(_mm256_slli_epi32(hs, 11), ls);
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return clip8((1u << 21) + (uint32_t)_mm_cvtsi128_si32(s));
}

AVX2 static void lanczos_rows2_avx2(const int16_t *row0, const int16_t *row1, const int32_t *xmin,
                                    const int32_t *blocks, const int16_t *khi, const int16_t *klo,
                                    intptr_t stride, intptr_t out_size, int32_t *out0, int32_t *out1) {
    for (intptr_t o = 0; o < out_size; o++) {
        const int16_t *p = row0 + xmin[o], *q = row1 + xmin[o];
        const int16_t *h = khi + o * stride, *l = klo + o * stride;
        __m256i h0 = _mm256_setzero_si256(), l0 = _mm256_setzero_si256();
        __m256i h1 = _mm256_setzero_si256(), l1 = _mm256_setzero_si256();
        for (intptr_t b = 0; b < blocks[o]; b++) {
            __m256i hv = _mm256_loadu_si256((const __m256i *)(h + 16 * b));
            __m256i lv = _mm256_loadu_si256((const __m256i *)(l + 16 * b));
            __m256i pv = _mm256_loadu_si256((const __m256i *)(p + 16 * b));
            __m256i qv = _mm256_loadu_si256((const __m256i *)(q + 16 * b));
            h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(pv, hv));
            l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(pv, lv));
            h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(qv, hv));
            l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(qv, lv));
        }
        out0[o] = hsum_clip_avx2(h0, l0);
        out1[o] = hsum_clip_avx2(h1, l1);
    }
}

/* Decided once before main (and before any thread starts), so reading it needs no lock. */
static int best_variant = CHK_SSE2;
static int popcnt_present = 0;

__attribute__((constructor))
static void detect_cpu(void) {
    __builtin_cpu_init();
    popcnt_present = __builtin_cpu_supports("popcnt") ? 1 : 0;
    best_variant = __builtin_cpu_supports("avx2") && popcnt_present ? CHK_AVX2 : CHK_SSE2;
}
#else
static const int best_variant = CHK_PORTABLE;
#endif

int chk_best_variant(void) { return best_variant; }

const char *chk_variant_name(int variant) {
    switch (variant < best_variant ? variant : best_variant) {
    case CHK_AVX2: return "avx2";
    case CHK_SSE2: return "sse2";
    default: return "portable";
    }
}

/* The variant to run for a request: never one the CPU lacks. */
__attribute__((unused)) static inline int pick(int variant) { return variant < best_variant ? variant : best_variant; }

void chk_pillow_l_using(int variant, const uint8_t *src, intptr_t channels, int16_t *out, intptr_t width) {
#ifdef CHK_X86
    if (pick(variant) == CHK_AVX2) { pillow_l_avx2(src, channels, out, width); return; }
#endif
    (void)variant;
    pillow_l_portable(src, channels, out, width);
}

void chk_lanczos_row_using(int variant, const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                           const int16_t *khi, const int16_t *klo, intptr_t stride, intptr_t out_size,
                           int32_t *out) {
#ifdef CHK_X86
    switch (pick(variant)) {
    case CHK_AVX2: lanczos_row_avx2(row, xmin, blocks, khi, klo, stride, out_size, out); return;
    case CHK_SSE2: lanczos_row_sse2(row, xmin, blocks, khi, klo, stride, out_size, out); return;
    default: break;
    }
#endif
    (void)variant;
    lanczos_row_portable(row, xmin, blocks, khi, klo, stride, out_size, out);
}

void chk_lanczos_rows2_using(int variant, const int16_t *row0, const int16_t *row1,
                             const int32_t *xmin, const int32_t *blocks, const int16_t *khi,
                             const int16_t *klo, intptr_t stride, intptr_t out_size, int32_t *out0,
                             int32_t *out1) {
#ifdef CHK_X86
    if (pick(variant) == CHK_AVX2) {
        lanczos_rows2_avx2(row0, row1, xmin, blocks, khi, klo, stride, out_size, out0, out1);
        return;
    }
#endif
    chk_lanczos_row_using(variant, row0, xmin, blocks, khi, klo, stride, out_size, out0);
    chk_lanczos_row_using(variant, row1, xmin, blocks, khi, klo, stride, out_size, out1);
}

void chk_lanczos_rows2(const int16_t *row0, const int16_t *row1, const int32_t *xmin,
                       const int32_t *blocks, const int16_t *khi, const int16_t *klo, intptr_t stride,
                       intptr_t out_size, int32_t *out0, int32_t *out1) {
    chk_lanczos_rows2_using(best_variant, row0, row1, xmin, blocks, khi, klo, stride, out_size, out0, out1);
}

void chk_accumulate_using(int variant, int32_t *acc, const int16_t *row, int32_t c, intptr_t width) {
#ifdef CHK_X86
    if (pick(variant) == CHK_AVX2) { accumulate_avx2(acc, row, c, width); return; }
#endif
    (void)variant;
    accumulate_portable(acc, row, c, width);
}

void chk_linear_row_using(int variant, const uint8_t *line, intptr_t channels, const int32_t *off0,
                          const int32_t *off1, const int32_t *w1, int32_t *out) {
#ifdef CHK_X86
    if (pick(variant) == CHK_AVX2) { linear_row_avx2(line, channels, off0, off1, w1, out); return; }
#endif
    (void)variant;
    linear_row_portable(line, channels, off0, off1, w1, out);
}

void chk_blockmean_row_using(int variant, const int32_t *top, const int32_t *bottom, int32_t k1,
                             intptr_t channels, int32_t *sums) {
#ifdef CHK_X86
    if (pick(variant) == CHK_AVX2) { blockmean_row_avx2(top, bottom, k1, channels, sums); return; }
#endif
    (void)variant;
    blockmean_row_portable(top, bottom, k1, channels, sums);
}

uint16_t chk_hamming_row_using(int variant, const uint64_t *a, intptr_t words, const uint64_t *b,
                               intptr_t n, uint16_t *dist, uint16_t *near) {
#ifdef CHK_X86
    switch (pick(variant)) {
    case CHK_AVX2:
        if (words == 4) return hamming256_avx2(a, b, n, dist, near);
        return hamming_row_avx2(a, words, b, n, dist, near);
    case CHK_SSE2: if (popcnt_present) return hamming_row_popcnt(a, words, b, n, dist, near); break;
    default: break;
    }
#endif
    (void)variant;
    return hamming_row_portable(a, words, b, n, dist, near);
}

uint16_t chk_hamming_row(const uint64_t *a, intptr_t words, const uint64_t *b, intptr_t n,
                         uint16_t *dist, uint16_t *near) {
    return chk_hamming_row_using(best_variant, a, words, b, n, dist, near);
}

void chk_blockmean_row_vfirst_using(int variant, const uint8_t *row0, const uint8_t *row1,
                                    intptr_t width, intptr_t channels, int32_t k1,
                                    const int32_t *off0, const int32_t *off1, const int32_t *w1,
                                    uint16_t *scratch, int32_t *sums) {
#ifdef CHK_X86
    if (pick(variant) == CHK_AVX2) {
        blockmean_row_vfirst_avx2(row0, row1, width, channels, k1, off0, off1, w1, scratch, sums);
        return;
    }
#endif
    (void)variant;
    blockmean_row_vfirst_portable(row0, row1, width, channels, k1, off0, off1, w1, scratch, sums);
}

void chk_blockmean_row_vfirst(const uint8_t *row0, const uint8_t *row1, intptr_t width,
                              intptr_t channels, int32_t k1, const int32_t *off0, const int32_t *off1,
                              const int32_t *w1, uint16_t *scratch, int32_t *sums) {
    chk_blockmean_row_vfirst_using(best_variant, row0, row1, width, channels, k1, off0, off1, w1,
                                   scratch, sums);
}

void chk_pillow_l(const uint8_t *src, intptr_t channels, int16_t *out, intptr_t width) {
    chk_pillow_l_using(best_variant, src, channels, out, width);
}

void chk_lanczos_row(const int16_t *row, const int32_t *xmin, const int32_t *blocks,
                     const int16_t *khi, const int16_t *klo, intptr_t stride, intptr_t out_size,
                     int32_t *out) {
    chk_lanczos_row_using(best_variant, row, xmin, blocks, khi, klo, stride, out_size, out);
}

void chk_accumulate(int32_t *acc, const int16_t *row, int32_t c, intptr_t width) {
    chk_accumulate_using(best_variant, acc, row, c, width);
}

void chk_linear_row(const uint8_t *line, intptr_t channels, const int32_t *off0, const int32_t *off1,
                    const int32_t *w1, int32_t *out) {
    chk_linear_row_using(best_variant, line, channels, off0, off1, w1, out);
}

void chk_blockmean_row(const int32_t *top, const int32_t *bottom, int32_t k1, intptr_t channels,
                       int32_t *sums) {
    chk_blockmean_row_using(best_variant, top, bottom, k1, channels, sums);
}

/* Sum of row[i] * coeff[i], wrapping modulo 2^32 like the Swift accumulators (the true sums of
 * Pillow's fixed-point passes fit Int32, so the wrapped sum is exact). Used by the banded
 * LANCZOS pass of very wide images, whose coefficients are made a band at a time. */
int32_t chk_dot_i16_i32(const int16_t *row, const int32_t *coeff, intptr_t count) {
    uint32_t sum = 0;
    for (intptr_t i = 0; i < count; i++) sum += (uint32_t)(int32_t)row[i] * (uint32_t)coeff[i];
    return (int32_t)sum;
}
