/* Multi-index hashing kernels: see include/chk_mih.h. */
#include "chashkernels.h"
#include "chk_mih.h"

#define MIH_INLINE static inline __attribute__((always_inline))

MIH_INLINE uint32_t mih_key(const uint64_t *h, int32_t m, int32_t s, int32_t key_bits) {
    uint32_t key = 0;
    for (int32_t k = 0, bit = s; k < key_bits; k++, bit += m)
        key |= (uint32_t)((h[bit >> 6] >> (bit & 63)) & 1) << k;
    return key;
}

void chk_mih_keys(const uint64_t *set, intptr_t words, intptr_t n, int32_t m, int32_t s,
                  int32_t key_bits, uint32_t *keys) {
    for (intptr_t i = 0; i < n; i++) keys[i] = mih_key(set + i * words, m, s, key_bits);
}

/* Sorts n values ascending; scratch holds n more. Values are id << 16 | distance with distinct
   ids, so sorting on bits 16..47 is enough. */
static void mih_sort(uint64_t *v, intptr_t n, uint64_t *scratch) {
    if (n < 2) return;
    intptr_t i = 1;
    while (i < n && v[i - 1] < v[i]) i++;
    if (i == n) return; /* already sorted: a cluster seen through one bucket */
    if (n <= 32) {
        for (i = 1; i < n; i++) {
            uint64_t x = v[i];
            intptr_t j = i;
            while (j > 0 && v[j - 1] > x) { v[j] = v[j - 1]; j--; }
            v[j] = x;
        }
        return;
    }
    uint64_t *src = v, *dst = scratch;
    for (int shift = 16; shift < 48; shift += 8) {
        intptr_t count[257] = {0};
        for (i = 0; i < n; i++) count[((src[i] >> shift) & 255) + 1]++;
        if (count[((src[0] >> shift) & 255) + 1] == n) continue; /* one digit: nothing to do */
        for (int d = 0; d < 256; d++) count[d + 1] += count[d];
        for (i = 0; i < n; i++) dst[count[(src[i] >> shift) & 255]++] = src[i];
        uint64_t *t = src; src = dst; dst = t;
    }
    if (src != v)
        for (i = 0; i < n; i++) v[i] = src[i];
}

MIH_INLINE int mih_dist(const uint64_t *a, const uint64_t *b, intptr_t words) {
    if (words == 1) return __builtin_popcountll(a[0] ^ b[0]);
    if (words == 4)
        return __builtin_popcountll(a[0] ^ b[0]) + __builtin_popcountll(a[1] ^ b[1]) +
               __builtin_popcountll(a[2] ^ b[2]) + __builtin_popcountll(a[3] ^ b[3]);
    int d = 0;
    for (intptr_t w = 0; w < words; w++) d += __builtin_popcountll(a[w] ^ b[w]);
    return d;
}

MIH_INLINE int mih_sub_dist(const uint64_t *a, const uint64_t *b, const uint64_t *mask,
                            intptr_t words) {
    int d = 0;
    for (intptr_t w = 0; w < words; w++) d += __builtin_popcountll((a[w] ^ b[w]) & mask[w]);
    return d;
}

/* Bit k set: entry k of the 8 at h is within `radius` of q0. */
MIH_INLINE uint32_t mih_hits8(uint64_t q0, const uint64_t *h, int radius) {
    uint32_t hits = 0;
    for (int k = 0; k < 8; k++) hits |= (uint32_t)(__builtin_popcountll(q0 ^ h[k]) <= radius) << k;
    return hits;
}

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
__attribute__((target("avx512f,avx512vpopcntdq")))
static inline uint32_t mih_hits8_avx512(uint64_t q0, const uint64_t *h, int radius) {
    __m512i d = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_set1_epi64((long long)q0), _mm512_loadu_si512(h)));
    return (uint32_t)_mm512_cmple_epu64_mask(d, _mm512_set1_epi64(radius));
}
#else
static inline uint32_t mih_hits8_avx512(uint64_t q0, const uint64_t *h, int radius) {
    return mih_hits8(q0, h, radius);
}
#endif

typedef struct {
    const uint64_t *q;
    intptr_t words;
    const chk_mih_table *tables;
    const uint64_t *masks;
    int32_t threshold, near_radius;
    uint64_t *out;
    intptr_t capacity, count;
    uint16_t *near_set;
    uint16_t best;
} mih_state;

/* A candidate h (entry e of table t) within the search radius at distance d. */
MIH_INLINE void mih_hit(mih_state *st, intptr_t t, const uint64_t *h, uint32_t id, int d) {
    const intptr_t words = st->words;
    /* Seen here only if this table is the first that qualifies the pair. */
    if (mih_sub_dist(st->q, h, st->masks + t * words, words) > st->tables[t].radius) return;
    for (intptr_t u = 0; u < t; u++)
        if (mih_sub_dist(st->q, h, st->masks + u * words, words) <= st->tables[u].radius) return;
    if (d <= st->near_radius) {
        if (d < st->best) st->best = (uint16_t)d;
        if (d < st->near_set[id]) st->near_set[id] = (uint16_t)d;
    }
    if (d <= st->threshold) {
        if (st->count < st->capacity) st->out[st->count] = (uint64_t)id << 16 | (uint64_t)d;
        st->count++;
    }
}

MIH_INLINE intptr_t mih_query_body(const uint64_t *q, intptr_t words, const uint64_t *set,
                                   const chk_mih_table *tables, intptr_t table_count, int32_t m,
                                   const uint64_t *masks, int32_t threshold, int32_t near_radius,
                                   uint64_t *out, intptr_t capacity, uint16_t *near_set,
                                   uint16_t *near_query, const int avx512) {
    const int radius = threshold > near_radius ? threshold : near_radius;
    mih_state st = {q, words, tables, masks, threshold, near_radius, out, capacity, 0, near_set,
                    *near_query};
    for (intptr_t t = 0; t < table_count; t++) {
        const chk_mih_table *tb = tables + t;
        const uint32_t key = mih_key(q, m, tb->substring, tb->key_bits);
        const uint32_t *offsets = tb->offsets, *ids = tb->ids, *flips = tb->flips;
        const uint64_t *hashes = tb->hashes;
        const intptr_t nf = tb->flip_count;
        for (intptr_t f = 0; f < nf; f++) {
            /* Two-stage prefetch: a bucket's start 16 probes ahead, its entries 8 ahead, so
               the cache misses of many probes overlap (each probe's loop exit is a branch
               mispredict, which would otherwise serialise them). */
            if (f + 16 < nf) __builtin_prefetch(offsets + (key ^ flips[f + 16]));
            if (f + 8 < nf) {
                const uint32_t b8 = key ^ flips[f + 8];
                const uint32_t s8 = offsets[b8], e8 = offsets[b8 + 1];
                if (hashes) {
                    const uint32_t end = e8 - s8 > 256 ? s8 + 256 : e8;
                    for (uint32_t p = s8; p < end; p += 8) __builtin_prefetch(hashes + p);
                } else {
                    __builtin_prefetch(ids + s8);
                }
            }
            const uint32_t bucket = key ^ flips[f];
            const uint32_t lo = offsets[bucket], hi = offsets[bucket + 1];
            uint32_t e = lo;
            if (hashes) {
                /* One-word hashes stored in the table: eight at a time, then the rest. */
                const uint64_t q0 = q[0];
                for (; e + 8 <= hi; e += 8) {
                    uint32_t hits = avx512 ? mih_hits8_avx512(q0, hashes + e, radius)
                                           : mih_hits8(q0, hashes + e, radius);
                    while (hits) {
                        const uint32_t k = e + (uint32_t)__builtin_ctz(hits);
                        hits &= hits - 1;
                        mih_hit(&st, t, hashes + k, ids[k], __builtin_popcountll(q0 ^ hashes[k]));
                    }
                }
                for (; e < hi; e++) {
                    const int d = __builtin_popcountll(q0 ^ hashes[e]);
                    if (d <= radius) mih_hit(&st, t, hashes + e, ids[e], d);
                }
            } else {
                for (; e < hi; e++) {
                    const uint64_t *h = set + (intptr_t)ids[e] * words;
                    const int d = mih_dist(q, h, words);
                    if (d <= radius) mih_hit(&st, t, h, ids[e], d);
                }
            }
        }
    }
    *near_query = st.best;
    if (st.count <= capacity) mih_sort(out, st.count, out + capacity);
    return st.count;
}

/* The parameters of every query entry point, and the same names as arguments: one body
   (mih_query_body, always inlined) compiled once per instruction set below. */
#define MIH_QUERY_PARAMS                                                                        \
    const uint64_t *q, intptr_t words, const uint64_t *set, const chk_mih_table *tables,       \
        intptr_t table_count, int32_t m, const uint64_t *masks, int32_t threshold,             \
        int32_t near_radius, uint64_t *out, intptr_t capacity, uint16_t *near_set,             \
        uint16_t *near_query
#define MIH_QUERY_ARGS                                                                          \
    q, words, set, tables, table_count, m, masks, threshold, near_radius, out, capacity,       \
        near_set, near_query
#define MIH_DEFINE_QUERY(name, avx512)                                                          \
    static intptr_t name(MIH_QUERY_PARAMS) { return mih_query_body(MIH_QUERY_ARGS, avx512); }

MIH_DEFINE_QUERY(mih_query_portable, 0)

#if defined(__x86_64__) || defined(_M_X64)
#define MIH_X86 1
static int mih_popcnt_present = 0, mih_avx512_present = 0;
__attribute__((constructor)) static void mih_detect(void) {
    __builtin_cpu_init();
    mih_popcnt_present = __builtin_cpu_supports("popcnt") ? 1 : 0;
    mih_avx512_present = mih_popcnt_present && __builtin_cpu_supports("avx512f") &&
                         __builtin_cpu_supports("avx512vpopcntdq");
}
__attribute__((target("popcnt,avx512f,avx512vpopcntdq"))) MIH_DEFINE_QUERY(mih_query_avx512, 1)
__attribute__((target("popcnt"))) MIH_DEFINE_QUERY(mih_query_popcnt, 0)
#endif

intptr_t chk_mih_query_using(int variant, MIH_QUERY_PARAMS) {
#ifdef MIH_X86
    if (variant >= CHK_MIH_AVX512 && mih_avx512_present) return mih_query_avx512(MIH_QUERY_ARGS);
    if (variant != CHK_PORTABLE && mih_popcnt_present) return mih_query_popcnt(MIH_QUERY_ARGS);
#endif
    (void)variant;
    return mih_query_portable(MIH_QUERY_ARGS);
}

/* Branch-free: every entry's position is written, the count advances only for a hit. */
MIH_INLINE intptr_t mih_within_body(uint64_t q0, const uint64_t *h, intptr_t n, int32_t radius,
                                    uint32_t *hits) {
    intptr_t count = 0;
    for (intptr_t i = 0; i < n; i++) {
        hits[count] = (uint32_t)i;
        count += __builtin_popcountll(q0 ^ h[i]) <= radius;
    }
    return count;
}

static intptr_t mih_within_portable(uint64_t q0, const uint64_t *h, intptr_t n, int32_t radius,
                                    uint32_t *hits) {
    return mih_within_body(q0, h, n, radius, hits);
}

#ifdef MIH_X86
__attribute__((target("popcnt")))
static intptr_t mih_within_popcnt(uint64_t q0, const uint64_t *h, intptr_t n, int32_t radius,
                                  uint32_t *hits) {
    return mih_within_body(q0, h, n, radius, hits);
}
#endif

intptr_t chk_hamming_u64_within_using(int variant, uint64_t q0, const uint64_t *hashes, intptr_t n,
                                      int32_t radius, uint32_t *hits) {
#ifdef MIH_X86
    if (variant != CHK_PORTABLE && mih_popcnt_present)
        return mih_within_popcnt(q0, hashes, n, radius, hits);
#endif
    (void)variant;
    return mih_within_portable(q0, hashes, n, radius, hits);
}

intptr_t chk_hamming_u64_within(uint64_t q0, const uint64_t *hashes, intptr_t n, int32_t radius,
                                uint32_t *hits) {
    return chk_hamming_u64_within_using(CHK_SSE2, q0, hashes, n, radius, hits);
}

intptr_t chk_mih_query(MIH_QUERY_PARAMS) { return chk_mih_query_using(CHK_MIH_AVX512, MIH_QUERY_ARGS); }

int chk_mih_best_variant(void) {
#ifdef MIH_X86
    if (mih_avx512_present) return CHK_MIH_AVX512;
    if (mih_popcnt_present) return CHK_SSE2;
#endif
    return CHK_PORTABLE;
}
