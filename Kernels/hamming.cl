/*
 * hamming.cl — all-pairs cross-dataset Hamming comparison (crosshash matcher).
 *
 * Computes, for hash sets A (nA hashes) and B (nB hashes) of 64 bits (hamming_64) or 256 bits
 * (hamming_256, four ulong words per hash):
 *   - every pair (a, b) with popcount(A[a] ^ B[b]) <= threshold, appended to `pairs` as
 *     (a, b, distance) through the atomic counter `count` (entries past `capacity` are counted
 *     but not written: the host grows the buffer and runs again);
 *   - nearest_in_b[a] = min over b of the distance, nearest_in_a[b] = min over a (atomic_min;
 *     the host fills both with 0xFFFFFFFF first).
 *
 * Bit-exactness contract: integer-only (XOR, popcount, min), so results are exact on every
 * device. The order in which pairs are appended depends on scheduling; the host sorts them by
 * (a, b), which makes the output identical to the CPU matcher's.
 *
 * Work decomposition: each work item holds HAMMING_ROWS hashes of A in registers (rows
 * a_begin + group * HAMMING_LOCAL * HAMMING_ROWS + lid + r * HAMMING_LOCAL, below a_end);
 * dimension 1 = slices of B of `b_slice` hashes; each group streams its slice of B through local
 * memory in tiles of HAMMING_LOCAL hashes. [a_begin, a_end) lets the host launch A in chunks.
 *
 * A and B here are one tile of each set (OpenCLMatcher tiles both through device memory): every
 * index the kernel writes (pairs, nearest_in_b, nearest_in_a) is within the tiles, and the host
 * adds the tiles' offsets and takes the minimum of each hash's nearest distance over all tiles,
 * which is exact because min is associative and commutative.
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef HAMMING_LOCAL
#define HAMMING_LOCAL 64
#endif
#ifndef HAMMING_ROWS
#define HAMMING_ROWS 4
#endif

#define HAMMING_KERNEL(NAME, HASH_T, DIST)                                                        \
__kernel __attribute__((reqd_work_group_size(HAMMING_LOCAL, 1, 1)))                               \
void NAME(__global const HASH_T *A, uint a_begin, uint a_end,                                     \
          __global const HASH_T *B, uint nB, uint b_slice, int threshold,                        \
          __global uint *count, uint capacity, __global uint *pairs,                              \
          __global uint *nearest_in_b, __global uint *nearest_in_a)                               \
{                                                                                                 \
    __local HASH_T tile[HAMMING_LOCAL];                                                           \
    __local uint tile_min[HAMMING_LOCAL];                                                         \
    const uint lid = (uint)get_local_id(0);                                                       \
    const uint first = a_begin + (uint)get_group_id(0) * (HAMMING_LOCAL * HAMMING_ROWS) + lid;    \
    HASH_T a[HAMMING_ROWS];                                                                       \
    uint best[HAMMING_ROWS];                                                                      \
    for (uint r = 0; r < HAMMING_ROWS; ++r) {                                                     \
        const uint ai = first + r * HAMMING_LOCAL;                                                \
        a[r] = A[ai < a_end ? ai : a_begin];                                                      \
        best[r] = 0xFFFFFFFFu;                                                                    \
    }                                                                                             \
    const uint b_begin = (uint)get_group_id(1) * b_slice;                                         \
    const uint b_end = min(b_begin + b_slice, nB);                                                \
    for (uint t = b_begin; t < b_end; t += HAMMING_LOCAL) {                                       \
        const uint n = min((uint)HAMMING_LOCAL, b_end - t);                                       \
        if (lid < n) tile[lid] = B[t + lid];                                                      \
        tile_min[lid] = 0xFFFFFFFFu;                                                              \
        barrier(CLK_LOCAL_MEM_FENCE);                                                             \
        for (uint k = 0; k < n; ++k) {                                                            \
            const HASH_T b = tile[k];                                                             \
            uint m = 0xFFFFFFFFu;                                                                 \
            for (uint r = 0; r < HAMMING_ROWS; ++r) {                                             \
                const uint ai = first + r * HAMMING_LOCAL;                                        \
                if (ai >= a_end) break;                                                           \
                const uint d = DIST(a[r], b);                                                     \
                best[r] = min(best[r], d);                                                        \
                m = min(m, d);                                                                    \
                if ((int)d <= threshold) {                                                        \
                    const uint slot = atomic_inc(count);                                          \
                    if (slot < capacity) {                                                        \
                        pairs[3 * slot + 0] = ai;                                                 \
                        pairs[3 * slot + 1] = t + k;                                              \
                        pairs[3 * slot + 2] = d;                                                  \
                    }                                                                             \
                }                                                                                 \
            }                                                                                     \
            /* the plain read only skips atomics that cannot lower the minimum */                 \
            if (m < tile_min[k]) atomic_min(&tile_min[k], m);                                     \
        }                                                                                         \
        barrier(CLK_LOCAL_MEM_FENCE);                                                             \
        if (lid < n && tile_min[lid] != 0xFFFFFFFFu) atomic_min(&nearest_in_a[t + lid], tile_min[lid]); \
    }                                                                                             \
    for (uint r = 0; r < HAMMING_ROWS; ++r) {                                                     \
        const uint ai = first + r * HAMMING_LOCAL;                                                \
        if (ai < a_end && best[r] != 0xFFFFFFFFu) atomic_min(&nearest_in_b[ai], best[r]);        \
    }                                                                                             \
}

#define DIST64(x, y) ((uint)popcount((x) ^ (y)))
#define DIST256(x, y) ((uint)(popcount((x).s0 ^ (y).s0) + popcount((x).s1 ^ (y).s1) \
                             + popcount((x).s2 ^ (y).s2) + popcount((x).s3 ^ (y).s3)))

HAMMING_KERNEL(hamming_64, ulong, DIST64)
HAMMING_KERNEL(hamming_256, ulong4, DIST256)
