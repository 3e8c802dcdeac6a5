/*
 * dct.cl — imagehash.phash from the 32x32 LANCZOS image: scipy.fftpack.dct along axis 0
 * (columns), then along axis 1 for rows 0..7, keep the 8x8 low frequencies, numpy median,
 * bit (r, c) = low[r][c] > median at bit 63 - (8r + c) (ALGORITHMS.md §1.4).
 *
 * The DCT is SciPy's pocketfft N = 32 algorithm operation for operation (pre-processing,
 * backward real FFT 2·4·4, post-twiddle), in double, with pocketfft's own twiddle constants
 * passed from the host (HashKit's PocketDCT32 tables: tw_a[14], tw_b[9], post[31], sqrt2).
 *
 * Bit-exactness contract: every operation is one correctly rounded IEEE double add, subtract or
 * multiply (FP_CONTRACT OFF, no fast-math build options, no native or library maths functions), in the
 * same order as HashKit's PocketDCT32, so the coefficients, the median and the bits equal the
 * CPU's exactly. Products that are not exact (twiddle and sqrt2 products) go through mul_rn, a
 * volatile round trip, because some GPU compilers fuse a multiply and a dependent add into an FMA
 * at the machine-code level whatever the pragma says; multiplications by 2, -2 and 0.5 are exact,
 * so fusing them cannot change a result. Needs cl_khr_fp64; the host runs the DCT itself on
 * devices without it.
 *
 * Work decomposition: one work group of 32 work items per image (dimension 0 = column).
 */
#pragma OPENCL FP_CONTRACT OFF
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

typedef struct {
    double tw_a[14];
    double tw_b[9];
    double post[31];
    double sqrt2;
} dct_tables;

/* The correctly rounded product, stored before any add can use it. */
static double mul_rn(double a, double b)
{
    volatile double p = a * b;
    return p;
}

/* In-place DCT-II of c[0..31]; t is scratch. Mirrors PocketDCT32.transform. */
static void dct32(double *c, double *t, __constant const dct_tables *tab)
{
    c[0] = c[0] * 2.0;
    c[31] = c[31] * 2.0;
    for (int k = 1; k < 31; k += 2) {
        const double a = c[k + 1], b = c[k];
        c[k + 1] = a - b;
        c[k] = a + b;
    }

    /* radix 2, ido = 16, l1 = 1: c -> t */
    {
        const int ido = 16;
        t[0] = c[0] + c[ido - 1 + ido];
        t[ido] = c[0] - c[ido - 1 + ido];
        t[ido - 1] = 2.0 * c[ido - 1];
        t[ido - 1 + ido] = -2.0 * c[ido];
        for (int ii = 2; ii < ido; ii += 2) {
            const int ic = ido - ii;
            const double wr = tab->tw_a[ii - 2], wi = tab->tw_a[ii - 1];
            t[ii - 1] = c[ii - 1] + c[ic - 1 + ido];
            const double tr2 = c[ii - 1] - c[ic - 1 + ido];
            const double ti2 = c[ii] + c[ic + ido];
            t[ii] = c[ii] - c[ic + ido];
            t[ii + ido] = mul_rn(wr, ti2) + mul_rn(wi, tr2);
            t[ii - 1 + ido] = mul_rn(wr, tr2) - mul_rn(wi, ti2);
        }
    }

    /* radix 4, ido = 4, l1 = 2: t -> c.  IN(a,b,k) = t[a + 4(b + 4k)], OUT(a,k,b) = c[a + 4(k + 2b)] */
#define IN(a, b, k) t[(a) + 4 * ((b) + 4 * (k))]
#define OUT(a, k, b) c[(a) + 4 * ((k) + 2 * (b))]
    {
        const double s2 = tab->sqrt2, ms2 = -tab->sqrt2;
        for (int k = 0; k < 2; ++k) {
            const double tr2 = IN(0, 0, k) + IN(3, 3, k);
            const double tr1 = IN(0, 0, k) - IN(3, 3, k);
            const double tr3 = 2.0 * IN(3, 1, k);
            const double tr4 = 2.0 * IN(0, 2, k);
            OUT(0, k, 0) = tr2 + tr3;
            OUT(0, k, 2) = tr2 - tr3;
            OUT(0, k, 3) = tr1 + tr4;
            OUT(0, k, 1) = tr1 - tr4;
        }
        for (int k = 0; k < 2; ++k) {
            const double ti1 = IN(0, 3, k) + IN(0, 1, k);
            const double ti2 = IN(0, 3, k) - IN(0, 1, k);
            const double tr2 = IN(3, 0, k) + IN(3, 2, k);
            const double tr1 = IN(3, 0, k) - IN(3, 2, k);
            OUT(3, k, 0) = tr2 + tr2;
            OUT(3, k, 1) = mul_rn(s2, tr1 - ti1);
            OUT(3, k, 2) = ti2 + ti2;
            OUT(3, k, 3) = mul_rn(ms2, tr1 + ti1);
        }
        const int ii = 2, ic = 2;
        for (int k = 0; k < 2; ++k) {
            const double tr2 = IN(ii - 1, 0, k) + IN(ic - 1, 3, k);
            const double tr1 = IN(ii - 1, 0, k) - IN(ic - 1, 3, k);
            const double ti1 = IN(ii, 0, k) + IN(ic, 3, k);
            const double ti2 = IN(ii, 0, k) - IN(ic, 3, k);
            const double tr4 = IN(ii, 2, k) + IN(ic, 1, k);
            const double ti3 = IN(ii, 2, k) - IN(ic, 1, k);
            const double tr3 = IN(ii - 1, 2, k) + IN(ic - 1, 1, k);
            const double ti4 = IN(ii - 1, 2, k) - IN(ic - 1, 1, k);
            OUT(ii - 1, k, 0) = tr2 + tr3;
            const double cr3 = tr2 - tr3;
            OUT(ii, k, 0) = ti2 + ti3;
            const double ci3 = ti2 - ti3;
            const double cr4 = tr1 + tr4;
            const double cr2 = tr1 - tr4;
            const double ci2 = ti1 + ti4;
            const double ci4 = ti1 - ti4;
            const double w1r = tab->tw_b[0], w1i = tab->tw_b[1];
            const double w2r = tab->tw_b[3], w2i = tab->tw_b[4];
            const double w3r = tab->tw_b[6], w3i = tab->tw_b[7];
            OUT(ii, k, 1) = mul_rn(w1r, ci2) + mul_rn(w1i, cr2);
            OUT(ii - 1, k, 1) = mul_rn(w1r, cr2) - mul_rn(w1i, ci2);
            OUT(ii, k, 2) = mul_rn(w2r, ci3) + mul_rn(w2i, cr3);
            OUT(ii - 1, k, 2) = mul_rn(w2r, cr3) - mul_rn(w2i, ci3);
            OUT(ii, k, 3) = mul_rn(w3r, ci4) + mul_rn(w3i, cr4);
            OUT(ii - 1, k, 3) = mul_rn(w3r, cr4) - mul_rn(w3i, ci4);
        }
    }
#undef IN
#undef OUT

    /* radix 4, ido = 1, l1 = 8: c -> t */
    for (int k = 0; k < 8; ++k) {
        const double in0 = c[4 * k], in1 = c[1 + 4 * k], in2 = c[2 + 4 * k], in3 = c[3 + 4 * k];
        const double tr2 = in0 + in3;
        const double tr1 = in0 - in3;
        const double tr3 = 2.0 * in1;
        const double tr4 = 2.0 * in2;
        t[k] = tr2 + tr3;
        t[k + 16] = tr2 - tr3;
        t[k + 24] = tr1 + tr4;
        t[k + 8] = tr1 - tr4;
    }

    /* post-twiddle: t -> c */
    for (int k = 1; k < 16; ++k) {
        const int kc = 32 - k;
        const double wk = tab->post[k - 1], wkc = tab->post[kc - 1];
        const double t1 = mul_rn(wk, t[kc]) + mul_rn(wkc, t[k]);
        const double t2 = mul_rn(wk, t[k]) - mul_rn(wkc, t[kc]);
        c[k] = 0.5 * (t1 + t2);
        c[kc] = 0.5 * (t1 - t2);
    }
    c[0] = t[0];
    c[16] = mul_rn(t[16], tab->post[15]);
}

__kernel __attribute__((reqd_work_group_size(32, 1, 1)))
void phash_dct(__global const uchar *resized, __constant const dct_tables *tab, __global ulong *phash)
{
    __local double cols[8 * 32];
    __local double low[64];
    const uint image = (uint)get_group_id(0);
    const int lid = (int)get_local_id(0);
    __global const uchar *px = resized + 1024 * image;
    double c[32], t[32];

    /* axis 0: column lid; only frequencies 0..7 feed the hash */
    for (int y = 0; y < 32; ++y) c[y] = (double)px[y * 32 + lid];
    dct32(c, t, tab);
    for (int y = 0; y < 8; ++y) cols[y * 32 + lid] = c[y];
    barrier(CLK_LOCAL_MEM_FENCE);

    /* axis 1: rows 0..7 */
    if (lid < 8) {
        for (int x = 0; x < 32; ++x) c[x] = cols[lid * 32 + x];
        dct32(c, t, tab);
        for (int x = 0; x < 8; ++x) low[lid * 8 + x] = c[x];
    }
    barrier(CLK_LOCAL_MEM_FENCE);

    if (lid == 0) {
        double s[64];
        for (int i = 0; i < 64; ++i) {
            /* insertion sort; comparisons only, so the values stay exact */
            const double v = low[i];
            int j = i;
            while (j > 0 && s[j - 1] > v) { s[j] = s[j - 1]; --j; }
            s[j] = v;
        }
        const double median = (s[31] + s[32]) / 2.0;
        ulong hash = 0;
        for (int i = 0; i < 64; ++i)
            if (low[i] > median) hash |= (ulong)1 << (63 - i);
        phash[image] = hash;
    }
}
