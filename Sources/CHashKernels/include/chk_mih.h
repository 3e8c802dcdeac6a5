#ifndef CHK_MIH_H
#define CHK_MIH_H
/* Inner loops of the multi-index hashing matcher (Sources/CPUFallback/IndexedMatcher.swift).

   A hash of `words` 64-bit words is cut into m strided substrings: substring s holds the bits
   s, s + m, s + 2m, ... (bit b is bit b % 64 of word b / 64). Its key is its first `key_bits` of
   those bits, packed from bit 0 up. The indexed set has one table per probed substring: bucket
   `key` holds the entries offsets[key] ..< offsets[key + 1], each an index into the set (in
   ascending order) and, when `hashes` is not NULL, a copy of that hash (words == 1 only). */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct chk_mih_table {
    const uint32_t *offsets;  /* 2^key_bits + 1 bucket starts */
    const uint32_t *ids;      /* entry -> index into the indexed set */
    const uint64_t *hashes;   /* entry -> its hash (one word), or NULL: read set[ids[e]] */
    const uint32_t *flips;    /* the XOR masks probed: every key_bits-bit mask of <= radius bits */
    intptr_t flip_count;
    int32_t substring;        /* s */
    int32_t key_bits;
    int32_t radius;           /* substring distance that qualifies a pair for this table */
    int32_t reserved;
} chk_mih_table;

/* The key of substring s of each of n hashes. */
void chk_mih_keys(const uint64_t *set, intptr_t words, intptr_t n, int32_t m, int32_t s,
                  int32_t key_bits, uint32_t *keys);

/* One query hash q against every table. Each pair of distance <= max(threshold, near_radius)
   is seen through exactly one table: the first (in table order) whose substring distance is
   <= that table's radius; pairs that also qualify for an earlier table are skipped there, so
   no candidate set is kept. For such a pair of distance d with set entry id:
     d <= near_radius: near_set[id] = min(near_set[id], d), *near_query = min(*near_query, d);
     d <= threshold:   (id << 16 | d) is written to out (while fewer than `capacity` were written).
   Returns how many pairs have d <= threshold. When that is <= capacity, out holds them sorted by
   id (out must have room for 2 * capacity values: the upper half is sort scratch); otherwise
   call again with a larger buffer (the nearest updates are idempotent). */
intptr_t chk_mih_query(const uint64_t *q, intptr_t words, const uint64_t *set,
                       const chk_mih_table *tables, intptr_t table_count, int32_t m,
                       const uint64_t *masks, int32_t threshold, int32_t near_radius,
                       uint64_t *out, intptr_t capacity, uint16_t *near_set, uint16_t *near_query);
/* The same with a given variant, for tests: CHK_PORTABLE; CHK_SSE2 or CHK_AVX2: scalar hardware
   popcount; CHK_MIH_AVX512: buckets of 64-bit hashes eight at a time with AVX-512 VPOPCNTQ. A
   variant the CPU lacks falls back to the best one below it. chk_mih_query runs the best. */
enum { CHK_MIH_AVX512 = 3 };
/* The best variant this CPU has. */
int chk_mih_best_variant(void);
intptr_t chk_mih_query_using(int variant, const uint64_t *q, intptr_t words, const uint64_t *set,
                             const chk_mih_table *tables, intptr_t table_count, int32_t m,
                             const uint64_t *masks, int32_t threshold, int32_t near_radius,
                             uint64_t *out, intptr_t capacity, uint16_t *near_set,
                             uint16_t *near_query);

/* The positions i (ascending) of the entries of hashes[0 ..< n] within `radius` of q0 (one-word
   hashes), written to hits (room for n); returns how many. The candidate check of one bucket of
   `HammingIndex`'s probe: a hardware popcount where the CPU has one (Swift's `nonzeroBitCount`
   is a bit-twiddling sequence on baseline x86-64), with no branch per entry. */
intptr_t chk_hamming_u64_within(uint64_t q0, const uint64_t *hashes, intptr_t n, int32_t radius,
                                uint32_t *hits);
/* The same with a given variant, for tests (CHK_PORTABLE, or CHK_SSE2: hardware popcount). */
intptr_t chk_hamming_u64_within_using(int variant, uint64_t q0, const uint64_t *hashes, intptr_t n,
                                      int32_t radius, uint32_t *hits);

/* Asks the CPU to start loading the cache line at p (a hint; p may be any address). */
static inline void chk_prefetch(const void *p) { __builtin_prefetch(p); }

#ifdef __cplusplus
}
#endif
#endif
