/*
 * blockmean.cl — OpenCV BlockMeanHash mode 0 (ALGORITHMS.md §3.2, §3.5): resize the colour
 * image to 256x256 with INTER_LINEAR_EXACT, per channel, then COLOR_BGR2GRAY, then 16x16 block
 * sums; bit i (block row-major) = blockSum * 256 >= totalSum, LSB-first in four 64-bit words.
 *
 * The resize tables are HashKit's LinearExactAxis (computed on the host, shared with the CPU):
 * value = (256 - w1) * src[i0] + w1 * src[i1] per axis, 8.8 fixed point horizontally, then
 * (top * (256 - wy) + bottom * wy + 32768) >> 16 vertically; OpenCV's border copies are encoded
 * as i0 == i1, which gives exactly its border rounding. The 256x256 image is never stored: each
 * work item computes its blocks' pixels on the fly.
 *
 * Bit-exactness contract: integer-only, equal to HashKit's BlockMean.hash on every device.
 * Pixels are in Pillow's RGB order; OpenCV's BGR weights are applied accordingly:
 * grey = (3735 B + 19235 G + 9798 R + 16384) >> 15. Grey images use their one channel
 * (BGR2GRAY(v, v, v) == v), read from the L plane buffer where the host uploaded them.
 *
 * Work decomposition: one work group per image (dimension 0), BLOCKMEAN_LOCAL work items, each
 * summing blocks lid, lid + BLOCKMEAN_LOCAL, ...
 * desc[5*i ..]: byte offset (in `pixels` for RGB, in `plane` for grey), width, channels (1 or 3),
 * x table offset, y table offset;
 * a table is three consecutive 256-entry int arrays i0, i1, w1 (tables are shared by images
 * with the same width or height).
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef BLOCKMEAN_LOCAL
#define BLOCKMEAN_LOCAL 256
#endif

__kernel __attribute__((reqd_work_group_size(BLOCKMEAN_LOCAL, 1, 1)))
void blockmean_hash(__global const uchar *rgb_pixels, __global const uchar *plane, __global const uint *desc,
                    __global const int *tables, __global ulong *out)
{
    __local uint sums[256];
    __local uint total;
    const uint image = (uint)get_group_id(0);
    const uint lid = (uint)get_local_id(0);
    const uint base = desc[5 * image + 0];
    const uint width = desc[5 * image + 1];
    const uint channels = desc[5 * image + 2];
    __global const uchar *pixels = channels == 3 ? rgb_pixels : plane;
    __global const int *xi0 = tables + desc[5 * image + 3], *xi1 = xi0 + 256, *xw = xi0 + 512;
    __global const int *yi0 = tables + desc[5 * image + 4], *yi1 = yi0 + 256, *yw = yi0 + 512;

    for (uint block = lid; block < 256; block += BLOCKMEAN_LOCAL) {
        const uint by = block / 16, bx = block % 16;
        uint sum = 0;
        for (uint y = by * 16; y < by * 16 + 16; ++y) {
            const uint row0 = base + (uint)yi0[y] * width * channels;
            const uint row1 = base + (uint)yi1[y] * width * channels;
            const int cy = yw[y];
            for (uint x = bx * 16; x < bx * 16 + 16; ++x) {
                const uint c0 = (uint)xi0[x] * channels, c1 = (uint)xi1[x] * channels;
                const int cx = xw[x];
                int v[3];
                for (uint ch = 0; ch < channels; ++ch) {
                    const int top = (256 - cx) * (int)pixels[row0 + c0 + ch] + cx * (int)pixels[row0 + c1 + ch];
                    const int bottom = (256 - cx) * (int)pixels[row1 + c0 + ch] + cx * (int)pixels[row1 + c1 + ch];
                    v[ch] = (top * (256 - cy) + bottom * cy + 32768) >> 16;
                }
                sum += channels == 3 ? (uint)((3735 * v[2] + 19235 * v[1] + 9798 * v[0] + 16384) >> 15) : (uint)v[0];
            }
        }
        sums[block] = sum;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
        uint t = 0;
        for (uint i = 0; i < 256; ++i) t += sums[i];
        total = t;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < 4) {
        ulong word = 0;
        for (uint i = 0; i < 64; ++i)
            if ((ulong)sums[64 * lid + i] * 256 >= (ulong)total) word |= (ulong)1 << i;
        out[4 * image + lid] = word;
    }
}
