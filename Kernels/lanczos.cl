/*
 * lanczos.cl — one pass of Pillow's LANCZOS resize of an 8-bit L image (imagehash's 32x32
 * resize, ALGORITHMS.md §1.3).
 *
 * The host runs this kernel twice per batch (pass 1: L plane -> intermediate, pass 2:
 * intermediate -> 32x32) and gives each image a mode per pass, following Pillow >= 13's pass
 * order rule (HashKit's PassOrder): horizontal, vertical, or copy (for an axis that needs no
 * filtering). The fixed-point coefficient tables are HashKit's LanczosAxis, computed on the host,
 * so CPU and device share one table.
 *
 * Per output sample: acc = 1 << 21; acc += src[xmin + i] * k[i] for i in 0..<taps in order;
 * result = clamp(acc >> 22, 0, 255). The intermediate image is 8-bit, as in Pillow.
 *
 * Bit-exactness contract: integer-only (the sum never overflows int for LANCZOS), so results
 * equal HashKit's PillowResizePlan.resize on every device. Negative sums are clamped to 0 before
 * shifting, which equals Pillow's arithmetic shift then clamp without relying on the
 * implementation-defined shift of negative values.
 *
 * Work decomposition: one work item per output sample; tiles[2*t] / tiles[2*t+1] give the image
 * and first sample of tile t = get_global_id(0) / tile_size (as in grey.cl).
 * params[9*i ..]: src offset, src row stride, dst offset, out width, out height, mode
 * (0 copy, 1 horizontal, 2 vertical), table index (into xmin/taps), coefficient offset, max taps.
 */
#pragma OPENCL FP_CONTRACT OFF

__kernel void lanczos_pass(__global const uchar *src, __global uchar *dst, __global const int *params,
                           __global const int *xmin, __global const int *taps, __global const int *coeffs,
                           __global const uint *tiles, uint tile_size)
{
    const uint gid = (uint)get_global_id(0);
    const uint tile = gid / tile_size;
    __global const int *p = params + 9 * tiles[2 * tile];
    const uint q = tiles[2 * tile + 1] + gid % tile_size;
    const uint out_w = (uint)p[3], out_h = (uint)p[4];
    if (q >= out_w * out_h) return;
    const uint src_off = (uint)p[0], stride = (uint)p[1], dst_off = (uint)p[2];
    const int mode = p[5];
    const uint x = q % out_w, y = q / out_w;
    if (mode == 0) {
        dst[dst_off + q] = src[src_off + y * stride + x];
        return;
    }
    const uint table = (uint)p[6], coeff_off = (uint)p[7], max_taps = (uint)p[8];
    /* o: output index along the filtered axis */
    const uint o = mode == 1 ? x : y;
    const uint first = (uint)xmin[table + o];
    const uint n = (uint)taps[table + o];
    const uint tap_step = mode == 1 ? 1u : stride;
    uint s = src_off + (mode == 1 ? y * stride + first : first * stride + x);
    __global const int *k = coeffs + coeff_off + o * max_taps;
    int acc = 1 << 21;
    for (uint i = 0; i < n; ++i, s += tap_step) acc += (int)src[s] * k[i];
    dst[dst_off + q] = acc < 0 ? (uchar)0 : (uchar)min(acc >> 22, 255);
}
