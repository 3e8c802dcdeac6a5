/*
 * blockmean.cl — OpenCV BlockMeanHash mode 0 (ALGORITHMS.md §3.2, §3.5): resize the colour
 * image to 256x256 with INTER_LINEAR_EXACT, per channel, then COLOR_BGR2GRAY, then 16x16 block
 * sums; bit i (block row-major) = blockSum * 256 >= totalSum, LSB-first in four 64-bit words.
 *
 * The resize tables are HashKit's LinearExactAxis (computed on the host, shared with the CPU):
 * value = (256 - w1) * src[i0] + w1 * src[i1] per axis, 8.8 fixed point horizontally, then
 * (top * (256 - wy) + bottom * wy + 32768) >> 16 vertically; OpenCV's border copies are encoded
 * as i0 == i1, which gives exactly its border rounding.
 *
 * Bit-exactness contract: integer-only, equal to HashKit's BlockMean.hash on every device.
 * Pixels are in Pillow's RGB order; OpenCV's BGR weights are applied accordingly:
 * grey = (3735 B + 19235 G + 9798 R + 16384) >> 15. Grey images use their one channel
 * (BGR2GRAY(v, v, v) == v), read from the L plane buffer where the host uploaded them.
 *
 * Two kernels. blockmean_resize: one work item per pixel of the 256x256 grey image (image =
 * get_global_id(0) / 65536; no loops, so CPU devices vectorise it and GPUs get 65536 work items
 * per image). blockmean_bits: one work group of BLOCKMEAN_LOCAL work items per image, each
 * summing blocks lid, lid + BLOCKMEAN_LOCAL, ... of that grey image, then the bits.
 * desc[5*i ..]: byte offset (in `pixels` for RGB, in `plane` for grey), width, channels (1 or 3),
 * x table offset, y table offset; a table is three consecutive 256-entry int arrays i0, i1, w1
 * (tables are shared by images with the same width or height).
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef BLOCKMEAN_LOCAL
#define BLOCKMEAN_LOCAL 256
#endif

__kernel void blockmean_resize(__global const uchar *rgb_pixels, __global const uchar *plane,
                               __global const uint *desc, __global const int *tables, __global uchar *grey256)
{
    const uint gid = (uint)get_global_id(0);
    const uint image = gid >> 16;
    const uint x = gid & 255u, y = (gid >> 8) & 255u;
    const uint base = desc[5 * image + 0];
    const uint width = desc[5 * image + 1];
    const uint channels = desc[5 * image + 2];
    __global const int *xt = tables + desc[5 * image + 3];
    __global const int *yt = tables + desc[5 * image + 4];
    const int cx = xt[512 + x], cy = yt[512 + y];
    const uint c0 = (uint)xt[x] * channels, c1 = (uint)xt[256 + x] * channels;
    const uint row0 = base + (uint)yt[y] * width * channels;
    const uint row1 = base + (uint)yt[256 + y] * width * channels;
    uint grey;
    if (channels == 3) {
        __global const uchar *p = rgb_pixels;
        int v[3];
        for (uint ch = 0; ch < 3; ++ch) {
            const int top = (256 - cx) * (int)p[row0 + c0 + ch] + cx * (int)p[row0 + c1 + ch];
            const int bottom = (256 - cx) * (int)p[row1 + c0 + ch] + cx * (int)p[row1 + c1 + ch];
            v[ch] = (top * (256 - cy) + bottom * cy + 32768) >> 16;
        }
        grey = (uint)((3735 * v[2] + 19235 * v[1] + 9798 * v[0] + 16384) >> 15);
    } else {
        __global const uchar *p = plane;
        const int top = (256 - cx) * (int)p[row0 + c0] + cx * (int)p[row0 + c1];
        const int bottom = (256 - cx) * (int)p[row1 + c0] + cx * (int)p[row1 + c1];
        grey = (uint)((top * (256 - cy) + bottom * cy + 32768) >> 16);
    }
    grey256[gid] = (uchar)grey;
}

__kernel __attribute__((reqd_work_group_size(BLOCKMEAN_LOCAL, 1, 1)))
void blockmean_bits(__global const uchar *grey256, __global ulong *out)
{
    __local uint sums[256];
    __local uint total;
    const uint image = (uint)get_group_id(0);
    const uint lid = (uint)get_local_id(0);
    __global const uchar *g = grey256 + ((size_t)image << 16);

    for (uint block = lid; block < 256; block += BLOCKMEAN_LOCAL) {
        const uint by = block / 16, bx = block % 16;
        uint16 acc = (uint16)(0);
        for (uint y = by * 16; y < by * 16 + 16; ++y) acc += convert_uint16(vload16(0, g + y * 256 + bx * 16));
        sums[block] = acc.s0 + acc.s1 + acc.s2 + acc.s3 + acc.s4 + acc.s5 + acc.s6 + acc.s7
                    + acc.s8 + acc.s9 + acc.sa + acc.sb + acc.sc + acc.sd + acc.se + acc.sf;
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
