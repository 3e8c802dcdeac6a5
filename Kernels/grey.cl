/*
 * grey.cl — Pillow convert('L') on the device (imagehash's first step).
 *
 * For each image of the batch: RGB pixels become L = (19595 R + 38470 G + 7471 B + 32768) >> 16
 * (Pillow >= 7, ALGORITHMS.md §1.2); grey images are copied, so every image has an L plane for
 * the LANCZOS passes.
 *
 * Bit-exactness contract: integer-only, exactly HashKit's Gray.pillowL; identical on every device.
 *
 * Work decomposition: dimension 1 = image, dimension 0 = a grid-stride loop over its pixels.
 * desc[4*i ..]: source byte offset, plane offset, pixel count, channels (1 or 3).
 */
#pragma OPENCL FP_CONTRACT OFF

__kernel void pillow_grey(__global const uchar *pixels, __global uchar *plane, __global const uint *desc)
{
    const uint image = (uint)get_global_id(1);
    const uint src = desc[4 * image + 0];
    const uint dst = desc[4 * image + 1];
    const uint count = desc[4 * image + 2];
    const uint channels = desc[4 * image + 3];
    const uint step = (uint)get_global_size(0);
    if (channels == 3) {
        for (uint p = (uint)get_global_id(0); p < count; p += step) {
            const uint r = pixels[src + 3 * p], g = pixels[src + 3 * p + 1], b = pixels[src + 3 * p + 2];
            plane[dst + p] = (uchar)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
        }
    } else {
        for (uint p = (uint)get_global_id(0); p < count; p += step) plane[dst + p] = pixels[src + p];
    }
}
