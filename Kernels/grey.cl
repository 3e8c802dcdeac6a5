/*
 * grey.cl — Pillow convert('L') on the device (imagehash's first step).
 *
 * For each RGB image of the batch: L = (19595 R + 38470 G + 7471 B + 32768) >> 16 (Pillow >= 7,
 * ALGORITHMS.md §1.2), written to the image's L plane. Grey images are uploaded straight into
 * the plane and never pass through this kernel.
 *
 * Bit-exactness contract: integer-only, exactly HashKit's Gray.pillowL; identical on every device.
 *
 * Work decomposition: one work item per 4 pixels (12 bytes read, 4 written: wide accesses on
 * every device), no branches. The host cuts every RGB image into tiles of 4 * `tile_size`
 * pixels and pads both its pixel and plane regions to whole tiles; tiles[2*t] is the byte offset
 * of tile t's first pixel in `pixels` and tiles[2*t+1] its offset in `plane`,
 * t = get_global_id(0) / tile_size. Padding pixels produce padding L values that nothing reads.
 */
#pragma OPENCL FP_CONTRACT OFF

__kernel void pillow_grey(__global const uchar *pixels, __global uchar *plane,
                          __global const uint *tiles, uint tile_size)
{
    const uint gid = (uint)get_global_id(0);
    const uint tile = gid / tile_size;
    const uint i = 4 * (gid % tile_size);
    __global const uchar *src = pixels + tiles[2 * tile] + 3 * i;
    /* a = r0 g0 b0 r1, b = g1 b1 r2 g2, c = b2 r3 g3 b3 */
    const uint4 a = convert_uint4(vload4(0, src));
    const uint4 b = convert_uint4(vload4(1, src));
    const uint4 c = convert_uint4(vload4(2, src));
    const uint4 r = (uint4)(a.s0, a.s3, b.s2, c.s1);
    const uint4 g = (uint4)(a.s1, b.s0, b.s3, c.s2);
    const uint4 bl = (uint4)(a.s2, b.s1, c.s0, c.s3);
    vstore4(convert_uchar4((19595u * r + 38470u * g + 7471u * bl + 32768u) >> 16), 0, plane + tiles[2 * tile + 1] + i);
}
