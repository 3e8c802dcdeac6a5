/*
 * grey.cl — Pillow convert('L') on the device (imagehash's first step).
 *
 * For each image of the batch: RGB pixels become L = (19595 R + 38470 G + 7471 B + 32768) >> 16
 * (Pillow >= 7, ALGORITHMS.md §1.2); grey images are copied, so every image has an L plane for
 * the LANCZOS passes.
 *
 * Bit-exactness contract: integer-only, exactly HashKit's Gray.pillowL; identical on every device.
 *
 * Work decomposition: one work item per group of 4 pixels (12 bytes read, 4 written: wide loads
 * on every device). The host cuts every image into tiles of `tile_size` groups; tiles[2*t] is
 * the image of tile t = get_global_id(0) / tile_size and tiles[2*t+1] its first group, so work
 * items of a batch of mixed sizes stay busy and adjacent work items touch adjacent pixels.
 * desc[4*i ..]: source byte offset, plane offset, pixel count, channels (1 or 3).
 */
#pragma OPENCL FP_CONTRACT OFF

static uchar pillow_l(uint r, uint g, uint b)
{
    return (uchar)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
}

__kernel void pillow_grey(__global const uchar *pixels, __global uchar *plane, __global const uint *desc,
                          __global const uint *tiles, uint tile_size)
{
    const uint gid = (uint)get_global_id(0);
    const uint tile = gid / tile_size;
    const uint image = tiles[2 * tile];
    const uint p = 4 * (tiles[2 * tile + 1] + gid % tile_size);
    const uint count = desc[4 * image + 2];
    if (p >= count) return;
    __global const uchar *src = pixels + desc[4 * image + 0];
    __global uchar *dst = plane + desc[4 * image + 1];
    if (desc[4 * image + 3] == 3) {
        if (p + 4 <= count) {
            /* a = r0 g0 b0 r1, b = g1 b1 r2 g2, c = b2 r3 g3 b3 */
            const uint4 a = convert_uint4(vload4(0, src + 3 * p));
            const uint4 b = convert_uint4(vload4(1, src + 3 * p));
            const uint4 c = convert_uint4(vload4(2, src + 3 * p));
            const uint4 r = (uint4)(a.s0, a.s3, b.s2, c.s1);
            const uint4 g = (uint4)(a.s1, b.s0, b.s3, c.s2);
            const uint4 bl = (uint4)(a.s2, b.s1, c.s0, c.s3);
            vstore4(convert_uchar4((19595u * r + 38470u * g + 7471u * bl + 32768u) >> 16), 0, dst + p);
        } else {
            for (uint i = p; i < count; ++i) dst[i] = pillow_l(src[3 * i], src[3 * i + 1], src[3 * i + 2]);
        }
    } else {
        if (p + 4 <= count) {
            vstore4(vload4(0, src + p), 0, dst + p);
        } else {
            for (uint i = p; i < count; ++i) dst[i] = src[i];
        }
    }
}
