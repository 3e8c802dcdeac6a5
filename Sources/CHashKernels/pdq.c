/* PDQ, bit for bit as the `pdqhash` 0.2.8 binding (Meta's C++) computes it for a picture's
   RGB pixels. PDQ is float32 end to end and near-tie bits (flat pictures: every bit) are decided
   by rounding, so every sum below runs in the reference's order, one float operation at a time:
   no fast-math, no fused multiply-add (the pragmas), no reassociated reductions. Vector code is
   used only across independent lanes (columns, or rows transposed into lanes), which changes no
   result. The steps (the spec's PDQ section):
     1. luma  Y = float((R*0.299 + G*0.587) + B*0.114) in double (the binding's numpy expression;
        grey pictures are R = G = B);
     2. a side under 5: hash zero, quality 0; exactly 64x64: step 3 is skipped;
     3. the Jarosz filter, twice: a box filter along every row (window (W+127)/128), then along
        every column (window (H+127)/128); then decimation to 64x64;
     4. quality from the 64x64 grid's neighbour differences;
     5. a 16x16 DCT through the 16x64 matrix, bits against the Torben median. */
#include "chk_pdq.h"

#include <stdlib.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

/* D[i][j] = float(float(sqrt(2/64)) * cos((pi/2/64) * (i+1) * (2j+1))) as float32 bit patterns:
   the reference builds it with libm at start-up; a table cannot depend on the platform's cos. */
static const uint32_t dct_bits[16 * 64] = {
    0x3e34f6fe, 0x3e348763, 0x3e33a872, 0x3e325ab4, 0x3e309ef6, 0x3e2e764c, 0x3e2be20a, 0x3e28e3c6,
    0x3e257d59, 0x3e21b0dd, 0x3e1d80a8, 0x3e18ef51, 0x3e13ffa8, 0x3e0eb4b9, 0x3e0911c7, 0x3e031a4c,
    0x3df9a3ed, 0x3dec794d, 0x3ddebcd5, 0x3dd076ff, 0x3dc1b098, 0x3db272bd, 0x3da2c6d5, 0x3d92b689,
    0x3d824bc1, 0x3d63213d, 0x3d411ee4, 0x3d1ea570, 0x3cf7944a, 0x3cb14504, 0x3c5510d4, 0x3b8e2871,
    0xbb8e2871, 0xbc5510d4, 0xbcb14504, 0xbcf7944a, 0xbd1ea570, 0xbd411ee4, 0xbd63213d, 0xbd824bc1,
    0xbd92b689, 0xbda2c6d5, 0xbdb272bd, 0xbdc1b098, 0xbdd076ff, 0xbddebcd5, 0xbdec794d, 0xbdf9a3ed,
    0xbe031a4c, 0xbe0911c7, 0xbe0eb4b9, 0xbe13ffa8, 0xbe18ef51, 0xbe1d80a8, 0xbe21b0dd, 0xbe257d59,
    0xbe28e3c6, 0xbe2be20a, 0xbe2e764c, 0xbe309ef6, 0xbe325ab4, 0xbe33a872, 0xbe348763, 0xbe34f6fe,
    0x3e34cd21, 0x3e330f61, 0x3e2f982b, 0x3e2a700c, 0x3e23a3b9, 0x3e1b43f5, 0x3e116566, 0x3e062061,
    0x3df3215c, 0x3dd7aa8b, 0x3dba2005, 0x3d9aca9e, 0x3d73ef2f, 0x3d2fefbb, 0x3cd47d09, 0x3c0e1d7b,
    0xbc0e1d7b, 0xbcd47d09, 0xbd2fefbb, 0xbd73ef2f, 0xbd9aca9e, 0xbdba2005, 0xbdd7aa8b, 0xbdf3215c,
    0xbe062061, 0xbe116566, 0xbe1b43f5, 0xbe23a3b9, 0xbe2a700c, 0xbe2f982b, 0xbe330f61, 0xbe34cd21,
    0xbe34cd21, 0xbe330f61, 0xbe2f982b, 0xbe2a700c, 0xbe23a3b9, 0xbe1b43f5, 0xbe116566, 0xbe062061,
    0xbdf3215c, 0xbdd7aa8b, 0xbdba2005, 0xbd9aca9e, 0xbd73ef2f, 0xbd2fefbb, 0xbcd47d09, 0xbc0e1d7b,
    0x3c0e1d7b, 0x3cd47d09, 0x3d2fefbb, 0x3d73ef2f, 0x3d9aca9e, 0x3dba2005, 0x3dd7aa8b, 0x3df3215c,
    0x3e062061, 0x3e116566, 0x3e1b43f5, 0x3e23a3b9, 0x3e2a700c, 0x3e2f982b, 0x3e330f61, 0x3e34cd21,
    0x3e348763, 0x3e309ef6, 0x3e28e3c6, 0x3e1d80a8, 0x3e0eb4b9, 0x3df9a3ed, 0x3dd076ff, 0x3da2c6d5,
    0x3d63213d, 0x3cf7944a, 0x3b8e2871, 0xbcb14504, 0xbd411ee4, 0xbd92b689, 0xbdc1b098, 0xbdec794d,
    0xbe0911c7, 0xbe18ef51, 0xbe257d59, 0xbe2e764c, 0xbe33a872, 0xbe34f6fe, 0xbe325ab4, 0xbe2be20a,
    0xbe21b0dd, 0xbe13ffa8, 0xbe031a4c, 0xbddebcd5, 0xbdb272bd, 0xbd824bc1, 0xbd1ea570, 0xbc5510d4,
    0x3c5510d4, 0x3d1ea570, 0x3d824bc1, 0x3db272bd, 0x3ddebcd5, 0x3e031a4c, 0x3e13ffa8, 0x3e21b0dd,
    0x3e2be20a, 0x3e325ab4, 0x3e34f6fe, 0x3e33a872, 0x3e2e764c, 0x3e257d59, 0x3e18ef51, 0x3e0911c7,
    0x3dec794d, 0x3dc1b098, 0x3d92b689, 0x3d411ee4, 0x3cb14504, 0xbb8e2871, 0xbcf7944a, 0xbd63213d,
    0xbda2c6d5, 0xbdd076ff, 0xbdf9a3ed, 0xbe0eb4b9, 0xbe1d80a8, 0xbe28e3c6, 0xbe309ef6, 0xbe348763,
    0x3e3425ce, 0x3e2d3986, 0x3e1fa512, 0x3e0bee0a, 0x3de5acc6, 0x3daaa9f2, 0x3d523045, 0x3c8df1a9,
    0xbc8df1a9, 0xbd523045, 0xbdaaa9f2, 0xbde5acc6, 0xbe0bee0a, 0xbe1fa512, 0xbe2d3986, 0xbe3425ce,
    0xbe3425ce, 0xbe2d3986, 0xbe1fa512, 0xbe0bee0a, 0xbde5acc6, 0xbdaaa9f2, 0xbd523045, 0xbc8df1a9,
    0x3c8df1a9, 0x3d523045, 0x3daaa9f2, 0x3de5acc6, 0x3e0bee0a, 0x3e1fa512, 0x3e2d3986, 0x3e3425ce,
    0x3e3425ce, 0x3e2d3986, 0x3e1fa512, 0x3e0bee0a, 0x3de5acc6, 0x3daaa9f2, 0x3d523045, 0x3c8df1a9,
    0xbc8df1a9, 0xbd523045, 0xbdaaa9f2, 0xbde5acc6, 0xbe0bee0a, 0xbe1fa512, 0xbe2d3986, 0xbe3425ce,
    0xbe3425ce, 0xbe2d3986, 0xbe1fa512, 0xbe0bee0a, 0xbde5acc6, 0xbdaaa9f2, 0xbd523045, 0xbc8df1a9,
    0x3c8df1a9, 0x3d523045, 0x3daaa9f2, 0x3de5acc6, 0x3e0bee0a, 0x3e1fa512, 0x3e2d3986, 0x3e3425ce,
    0x3e33a872, 0x3e28e3c6, 0x3e13ffa8, 0x3dec794d, 0x3da2c6d5, 0x3d1ea570, 0xbb8e2871, 0xbd411ee4,
    0xbdb272bd, 0xbdf9a3ed, 0xbe18ef51, 0xbe2be20a, 0xbe348763, 0xbe325ab4, 0xbe257d59, 0xbe0eb4b9,
    0xbddebcd5, 0xbd92b689, 0xbcf7944a, 0x3c5510d4, 0x3d63213d, 0x3dc1b098, 0x3e031a4c, 0x3e1d80a8,
    0x3e2e764c, 0x3e34f6fe, 0x3e309ef6, 0x3e21b0dd, 0x3e0911c7, 0x3dd076ff, 0x3d824bc1, 0x3cb14504,
    0xbcb14504, 0xbd824bc1, 0xbdd076ff, 0xbe0911c7, 0xbe21b0dd, 0xbe309ef6, 0xbe34f6fe, 0xbe2e764c,
    0xbe1d80a8, 0xbe031a4c, 0xbdc1b098, 0xbd63213d, 0xbc5510d4, 0x3cf7944a, 0x3d92b689, 0x3ddebcd5,
    0x3e0eb4b9, 0x3e257d59, 0x3e325ab4, 0x3e348763, 0x3e2be20a, 0x3e18ef51, 0x3df9a3ed, 0x3db272bd,
    0x3d411ee4, 0x3b8e2871, 0xbd1ea570, 0xbda2c6d5, 0xbdec794d, 0xbe13ffa8, 0xbe28e3c6, 0xbe33a872,
    0x3e330f61, 0x3e23a3b9, 0x3e062061, 0x3dba2005, 0x3d2fefbb, 0xbc0e1d7b, 0xbd73ef2f, 0xbdd7aa8b,
    0xbe116566, 0xbe2a700c, 0xbe34cd21, 0xbe2f982b, 0xbe1b43f5, 0xbdf3215c, 0xbd9aca9e, 0xbcd47d09,
    0x3cd47d09, 0x3d9aca9e, 0x3df3215c, 0x3e1b43f5, 0x3e2f982b, 0x3e34cd21, 0x3e2a700c, 0x3e116566,
    0x3dd7aa8b, 0x3d73ef2f, 0x3c0e1d7b, 0xbd2fefbb, 0xbdba2005, 0xbe062061, 0xbe23a3b9, 0xbe330f61,
    0xbe330f61, 0xbe23a3b9, 0xbe062061, 0xbdba2005, 0xbd2fefbb, 0x3c0e1d7b, 0x3d73ef2f, 0x3dd7aa8b,
    0x3e116566, 0x3e2a700c, 0x3e34cd21, 0x3e2f982b, 0x3e1b43f5, 0x3df3215c, 0x3d9aca9e, 0x3cd47d09,
    0xbcd47d09, 0xbd9aca9e, 0xbdf3215c, 0xbe1b43f5, 0xbe2f982b, 0xbe34cd21, 0xbe2a700c, 0xbe116566,
    0xbdd7aa8b, 0xbd73ef2f, 0xbc0e1d7b, 0x3d2fefbb, 0x3dba2005, 0x3e062061, 0x3e23a3b9, 0x3e330f61,
    0x3e325ab4, 0x3e1d80a8, 0x3dec794d, 0x3d824bc1, 0x3b8e2871, 0xbd63213d, 0xbddebcd5, 0xbe18ef51,
    0xbe309ef6, 0xbe33a872, 0xbe21b0dd, 0xbdf9a3ed, 0xbd92b689, 0xbc5510d4, 0x3d411ee4, 0x3dd076ff,
    0x3e13ffa8, 0x3e2e764c, 0x3e348763, 0x3e257d59, 0x3e031a4c, 0x3da2c6d5, 0x3cb14504, 0xbd1ea570,
    0xbdc1b098, 0xbe0eb4b9, 0xbe2be20a, 0xbe34f6fe, 0xbe28e3c6, 0xbe0911c7, 0xbdb272bd, 0xbcf7944a,
    0x3cf7944a, 0x3db272bd, 0x3e0911c7, 0x3e28e3c6, 0x3e34f6fe, 0x3e2be20a, 0x3e0eb4b9, 0x3dc1b098,
    0x3d1ea570, 0xbcb14504, 0xbda2c6d5, 0xbe031a4c, 0xbe257d59, 0xbe348763, 0xbe2e764c, 0xbe13ffa8,
    0xbdd076ff, 0xbd411ee4, 0x3c5510d4, 0x3d92b689, 0x3df9a3ed, 0x3e21b0dd, 0x3e33a872, 0x3e309ef6,
    0x3e18ef51, 0x3ddebcd5, 0x3d63213d, 0xbb8e2871, 0xbd824bc1, 0xbdec794d, 0xbe1d80a8, 0xbe325ab4,
    0x3e318a85, 0x3e168317, 0x3dc9234e, 0x3d0d42af, 0xbd0d42af, 0xbdc9234e, 0xbe168317, 0xbe318a85,
    0xbe318a85, 0xbe168317, 0xbdc9234e, 0xbd0d42af, 0x3d0d42af, 0x3dc9234e, 0x3e168317, 0x3e318a85,
    0x3e318a85, 0x3e168317, 0x3dc9234e, 0x3d0d42af, 0xbd0d42af, 0xbdc9234e, 0xbe168317, 0xbe318a85,
    0xbe318a85, 0xbe168317, 0xbdc9234e, 0xbd0d42af, 0x3d0d42af, 0x3dc9234e, 0x3e168317, 0x3e318a85,
    0x3e318a85, 0x3e168317, 0x3dc9234e, 0x3d0d42af, 0xbd0d42af, 0xbdc9234e, 0xbe168317, 0xbe318a85,
    0xbe318a85, 0xbe168317, 0xbdc9234e, 0xbd0d42af, 0x3d0d42af, 0x3dc9234e, 0x3e168317, 0x3e318a85,
    0x3e318a85, 0x3e168317, 0x3dc9234e, 0x3d0d42af, 0xbd0d42af, 0xbdc9234e, 0xbe168317, 0xbe318a85,
    0xbe318a85, 0xbe168317, 0xbdc9234e, 0xbd0d42af, 0x3d0d42af, 0x3dc9234e, 0x3e168317, 0x3e318a85,
    0x3e309ef6, 0x3e0eb4b9, 0x3da2c6d5, 0x3b8e2871, 0xbd92b689, 0xbe0911c7, 0xbe2e764c, 0xbe325ab4,
    0xbe13ffa8, 0xbdb272bd, 0xbc5510d4, 0x3d824bc1, 0x3e031a4c, 0x3e2be20a, 0x3e33a872, 0x3e18ef51,
    0x3dc1b098, 0x3cb14504, 0xbd63213d, 0xbdf9a3ed, 0xbe28e3c6, 0xbe348763, 0xbe1d80a8, 0xbdd076ff,
    0xbcf7944a, 0x3d411ee4, 0x3dec794d, 0x3e257d59, 0x3e34f6fe, 0x3e21b0dd, 0x3ddebcd5, 0x3d1ea570,
    0xbd1ea570, 0xbddebcd5, 0xbe21b0dd, 0xbe34f6fe, 0xbe257d59, 0xbdec794d, 0xbd411ee4, 0x3cf7944a,
    0x3dd076ff, 0x3e1d80a8, 0x3e348763, 0x3e28e3c6, 0x3df9a3ed, 0x3d63213d, 0xbcb14504, 0xbdc1b098,
    0xbe18ef51, 0xbe33a872, 0xbe2be20a, 0xbe031a4c, 0xbd824bc1, 0x3c5510d4, 0x3db272bd, 0x3e13ffa8,
    0x3e325ab4, 0x3e2e764c, 0x3e0911c7, 0x3d92b689, 0xbb8e2871, 0xbda2c6d5, 0xbe0eb4b9, 0xbe309ef6,
    0x3e2f982b, 0x3e062061, 0x3d73ef2f, 0xbcd47d09, 0xbdd7aa8b, 0xbe23a3b9, 0xbe34cd21, 0xbe1b43f5,
    0xbdba2005, 0xbc0e1d7b, 0x3d9aca9e, 0x3e116566, 0x3e330f61, 0x3e2a700c, 0x3df3215c, 0x3d2fefbb,
    0xbd2fefbb, 0xbdf3215c, 0xbe2a700c, 0xbe330f61, 0xbe116566, 0xbd9aca9e, 0x3c0e1d7b, 0x3dba2005,
    0x3e1b43f5, 0x3e34cd21, 0x3e23a3b9, 0x3dd7aa8b, 0x3cd47d09, 0xbd73ef2f, 0xbe062061, 0xbe2f982b,
    0xbe2f982b, 0xbe062061, 0xbd73ef2f, 0x3cd47d09, 0x3dd7aa8b, 0x3e23a3b9, 0x3e34cd21, 0x3e1b43f5,
    0x3dba2005, 0x3c0e1d7b, 0xbd9aca9e, 0xbe116566, 0xbe330f61, 0xbe2a700c, 0xbdf3215c, 0xbd2fefbb,
    0x3d2fefbb, 0x3df3215c, 0x3e2a700c, 0x3e330f61, 0x3e116566, 0x3d9aca9e, 0xbc0e1d7b, 0xbdba2005,
    0xbe1b43f5, 0xbe34cd21, 0xbe23a3b9, 0xbdd7aa8b, 0xbcd47d09, 0x3d73ef2f, 0x3e062061, 0x3e2f982b,
    0x3e2e764c, 0x3df9a3ed, 0x3d1ea570, 0xbd63213d, 0xbe0911c7, 0xbe325ab4, 0xbe28e3c6, 0xbddebcd5,
    0xbcb14504, 0x3d92b689, 0x3e13ffa8, 0x3e348763, 0x3e21b0dd, 0x3dc1b098, 0x3b8e2871, 0xbdb272bd,
    0xbe1d80a8, 0xbe34f6fe, 0xbe18ef51, 0xbda2c6d5, 0x3c5510d4, 0x3dd076ff, 0x3e257d59, 0x3e33a872,
    0x3e0eb4b9, 0x3d824bc1, 0xbcf7944a, 0xbdec794d, 0xbe2be20a, 0xbe309ef6, 0xbe031a4c, 0xbd411ee4,
    0x3d411ee4, 0x3e031a4c, 0x3e309ef6, 0x3e2be20a, 0x3dec794d, 0x3cf7944a, 0xbd824bc1, 0xbe0eb4b9,
    0xbe33a872, 0xbe257d59, 0xbdd076ff, 0xbc5510d4, 0x3da2c6d5, 0x3e18ef51, 0x3e34f6fe, 0x3e1d80a8,
    0x3db272bd, 0xbb8e2871, 0xbdc1b098, 0xbe21b0dd, 0xbe348763, 0xbe13ffa8, 0xbd92b689, 0x3cb14504,
    0x3ddebcd5, 0x3e28e3c6, 0x3e325ab4, 0x3e0911c7, 0x3d63213d, 0xbd1ea570, 0xbdf9a3ed, 0xbe2e764c,
    0x3e2d3986, 0x3de5acc6, 0x3c8df1a9, 0xbdaaa9f2, 0xbe1fa512, 0xbe3425ce, 0xbe0bee0a, 0xbd523045,
    0x3d523045, 0x3e0bee0a, 0x3e3425ce, 0x3e1fa512, 0x3daaa9f2, 0xbc8df1a9, 0xbde5acc6, 0xbe2d3986,
    0xbe2d3986, 0xbde5acc6, 0xbc8df1a9, 0x3daaa9f2, 0x3e1fa512, 0x3e3425ce, 0x3e0bee0a, 0x3d523045,
    0xbd523045, 0xbe0bee0a, 0xbe3425ce, 0xbe1fa512, 0xbdaaa9f2, 0x3c8df1a9, 0x3de5acc6, 0x3e2d3986,
    0x3e2d3986, 0x3de5acc6, 0x3c8df1a9, 0xbdaaa9f2, 0xbe1fa512, 0xbe3425ce, 0xbe0bee0a, 0xbd523045,
    0x3d523045, 0x3e0bee0a, 0x3e3425ce, 0x3e1fa512, 0x3daaa9f2, 0xbc8df1a9, 0xbde5acc6, 0xbe2d3986,
    0xbe2d3986, 0xbde5acc6, 0xbc8df1a9, 0x3daaa9f2, 0x3e1fa512, 0x3e3425ce, 0x3e0bee0a, 0x3d523045,
    0xbd523045, 0xbe0bee0a, 0xbe3425ce, 0xbe1fa512, 0xbdaaa9f2, 0x3c8df1a9, 0x3de5acc6, 0x3e2d3986,
    0x3e2be20a, 0x3dd076ff, 0xbb8e2871, 0xbddebcd5, 0xbe2e764c, 0xbe28e3c6, 0xbdc1b098, 0x3c5510d4,
    0x3dec794d, 0x3e309ef6, 0x3e257d59, 0x3db272bd, 0xbcb14504, 0xbdf9a3ed, 0xbe325ab4, 0xbe21b0dd,
    0xbda2c6d5, 0x3cf7944a, 0x3e031a4c, 0x3e33a872, 0x3e1d80a8, 0x3d92b689, 0xbd1ea570, 0xbe0911c7,
    0xbe348763, 0xbe18ef51, 0xbd824bc1, 0x3d411ee4, 0x3e0eb4b9, 0x3e34f6fe, 0x3e13ffa8, 0x3d63213d,
    0xbd63213d, 0xbe13ffa8, 0xbe34f6fe, 0xbe0eb4b9, 0xbd411ee4, 0x3d824bc1, 0x3e18ef51, 0x3e348763,
    0x3e0911c7, 0x3d1ea570, 0xbd92b689, 0xbe1d80a8, 0xbe33a872, 0xbe031a4c, 0xbcf7944a, 0x3da2c6d5,
    0x3e21b0dd, 0x3e325ab4, 0x3df9a3ed, 0x3cb14504, 0xbdb272bd, 0xbe257d59, 0xbe309ef6, 0xbdec794d,
    0xbc5510d4, 0x3dc1b098, 0x3e28e3c6, 0x3e2e764c, 0x3ddebcd5, 0x3b8e2871, 0xbdd076ff, 0xbe2be20a,
    0x3e2a700c, 0x3dba2005, 0xbcd47d09, 0xbe062061, 0xbe34cd21, 0xbe116566, 0xbd2fefbb, 0x3d9aca9e,
    0x3e23a3b9, 0x3e2f982b, 0x3dd7aa8b, 0xbc0e1d7b, 0xbdf3215c, 0xbe330f61, 0xbe1b43f5, 0xbd73ef2f,
    0x3d73ef2f, 0x3e1b43f5, 0x3e330f61, 0x3df3215c, 0x3c0e1d7b, 0xbdd7aa8b, 0xbe2f982b, 0xbe23a3b9,
    0xbd9aca9e, 0x3d2fefbb, 0x3e116566, 0x3e34cd21, 0x3e062061, 0x3cd47d09, 0xbdba2005, 0xbe2a700c,
    0xbe2a700c, 0xbdba2005, 0x3cd47d09, 0x3e062061, 0x3e34cd21, 0x3e116566, 0x3d2fefbb, 0xbd9aca9e,
    0xbe23a3b9, 0xbe2f982b, 0xbdd7aa8b, 0x3c0e1d7b, 0x3df3215c, 0x3e330f61, 0x3e1b43f5, 0x3d73ef2f,
    0xbd73ef2f, 0xbe1b43f5, 0xbe330f61, 0xbdf3215c, 0xbc0e1d7b, 0x3dd7aa8b, 0x3e2f982b, 0x3e23a3b9,
    0x3d9aca9e, 0xbd2fefbb, 0xbe116566, 0xbe34cd21, 0xbe062061, 0xbcd47d09, 0x3dba2005, 0x3e2a700c,
    0x3e28e3c6, 0x3da2c6d5, 0xbd411ee4, 0xbe18ef51, 0xbe325ab4, 0xbddebcd5, 0x3c5510d4, 0x3e031a4c,
    0x3e34f6fe, 0x3e0911c7, 0x3cb14504, 0xbdd076ff, 0xbe309ef6, 0xbe1d80a8, 0xbd63213d, 0x3d92b689,
    0x3e257d59, 0x3e2be20a, 0x3db272bd, 0xbd1ea570, 0xbe13ffa8, 0xbe33a872, 0xbdec794d, 0x3b8e2871,
    0x3df9a3ed, 0x3e348763, 0x3e0eb4b9, 0x3cf7944a, 0xbdc1b098, 0xbe2e764c, 0xbe21b0dd, 0xbd824bc1,
    0x3d824bc1, 0x3e21b0dd, 0x3e2e764c, 0x3dc1b098, 0xbcf7944a, 0xbe0eb4b9, 0xbe348763, 0xbdf9a3ed,
    0xbb8e2871, 0x3dec794d, 0x3e33a872, 0x3e13ffa8, 0x3d1ea570, 0xbdb272bd, 0xbe2be20a, 0xbe257d59,
    0xbd92b689, 0x3d63213d, 0x3e1d80a8, 0x3e309ef6, 0x3dd076ff, 0xbcb14504, 0xbe0911c7, 0xbe34f6fe,
    0xbe031a4c, 0xbc5510d4, 0x3ddebcd5, 0x3e325ab4, 0x3e18ef51, 0x3d411ee4, 0xbda2c6d5, 0xbe28e3c6,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
};

static float dct_matrix(int i, int j) {
    float f;
    memcpy(&f, &dct_bits[i * 64 + j], sizeof f);
    return f;
}

/* ------------------------------------------------------------------ box filter

   The reference's 1-D box filter of window w over a vector of length len (half = (w+2)/2): a
   running float sum that first takes half-1 samples, then w-half+1 samples writing one mean each,
   then len-w times adds the next sample and subtracts the oldest (add first), then half-1 times
   only subtracts; each mean is sum / count. Here it runs over `lanes` vectors at once, laid out
   buf[position][lane], in place: the samples still to be subtracted are kept in a ring of w+1
   positions because their slots have been overwritten by then. Each lane sees exactly the
   reference's sequence of operations. */
static inline __attribute__((always_inline))
void box_sweep(float *buf, intptr_t lanes, intptr_t len, int w, float *ring, float *sum) {
    const int half = (w + 2) / 2;
    const intptr_t slots = w + 1;
    intptr_t ri = 0, li = 0, oi = 0;
    int count = 0;
    for (intptr_t k = 0; k < lanes; k++) sum[k] = 0.0f;

#define ADD_NEXT() do { \
        const float *in = buf + ri * lanes; float *keep = ring + (ri % slots) * lanes; \
        for (intptr_t k = 0; k < lanes; k++) { keep[k] = in[k]; sum[k] += in[k]; } \
        ri++; \
    } while (0)
#define SUB_OLDEST() do { \
        const float *old = ring + (li % slots) * lanes; \
        for (intptr_t k = 0; k < lanes; k++) sum[k] -= old[k]; \
        li++; \
    } while (0)
#define WRITE_MEAN() do { \
        float *out = buf + oi * lanes; const float c = (float)count; \
        for (intptr_t k = 0; k < lanes; k++) out[k] = sum[k] / c; \
        oi++; \
    } while (0)

    for (int t = 0; t < half - 1; t++) { ADD_NEXT(); count++; }
    for (int t = 0; t < w - half + 1; t++) { ADD_NEXT(); count++; WRITE_MEAN(); }
    for (intptr_t t = 0; t < len - w; t++) { ADD_NEXT(); SUB_OLDEST(); WRITE_MEAN(); }
    for (int t = 0; t < half - 1; t++) { SUB_OLDEST(); count--; WRITE_MEAN(); }
#undef ADD_NEXT
#undef SUB_OLDEST
#undef WRITE_MEAN
}

/* Eight rows at a time, transposed into lanes: a row's running sum is one long dependency
   chain, eight of them side by side keep the vector unit busy. */
enum { ROW_LANES = 8 };

static void box_rows(float *luma, intptr_t width, intptr_t height, int w, float *scratch) {
    float *t = scratch;                         /* width * ROW_LANES */
    float *ring = t + width * ROW_LANES;        /* (w + 1) * ROW_LANES */
    float *sum = ring + (w + 1) * ROW_LANES;    /* ROW_LANES */
    for (intptr_t r0 = 0; r0 < height; r0 += ROW_LANES) {
        intptr_t n = height - r0 < ROW_LANES ? height - r0 : ROW_LANES;
        for (intptr_t k = 0; k < n; k++)
            for (intptr_t x = 0; x < width; x++) t[x * n + k] = luma[(r0 + k) * width + x];
        if (n == ROW_LANES) box_sweep(t, ROW_LANES, width, w, ring, sum);
        else box_sweep(t, n, width, w, ring, sum);
        for (intptr_t k = 0; k < n; k++)
            for (intptr_t x = 0; x < width; x++) luma[(r0 + k) * width + x] = t[x * n + k];
    }
}

/* The decimation's sample index: trunc(((i + 0.5) * size) / 64) in double, as the reference. */
static intptr_t sample_index(int i, intptr_t size) {
    return (intptr_t)(((i + 0.5) * (double)size) / 64.0);
}

/* ------------------------------------------------------------------ 64x64 grid */

static void luma_of(const uint8_t *px, intptr_t count, intptr_t channels, float *out) {
    if (channels == 1) {
        float table[256];
        for (int v = 0; v < 256; v++) table[v] = (float)((v * 0.299 + v * 0.587) + v * 0.114);
        for (intptr_t i = 0; i < count; i++) out[i] = table[px[i]];
        return;
    }
    for (intptr_t i = 0; i < count; i++) {
        const uint8_t *p = px + 3 * i;
        out[i] = (float)((p[0] * 0.299 + p[1] * 0.587) + p[2] * 0.114);
    }
}

/* The filtered, decimated 64x64 grid. Returns -1 when memory is short. */
static int grid64(const uint8_t *px, intptr_t width, intptr_t height, intptr_t channels, float grid[64][64]) {
    const intptr_t n = width * height;
    float *luma = malloc((size_t)n * sizeof(float));
    if (!luma) return -1;
    luma_of(px, n, channels, luma);
    if (width == 64 && height == 64) {
        memcpy(grid, luma, sizeof(float) * 64 * 64);
        free(luma);
        return 0;
    }
    const int wr = (int)((width + 127) / 128), wc = (int)((height + 127) / 128);
    intptr_t rowScratch = width * ROW_LANES + (wr + 1) * ROW_LANES + ROW_LANES;
    intptr_t colScratch = (wc + 1) * width + width;
    intptr_t lastScratch = height * 64 + (wc + 1) * 64 + 64;
    intptr_t most = rowScratch > colScratch ? rowScratch : colScratch;
    if (lastScratch > most) most = lastScratch;
    float *scratch = malloc((size_t)most * sizeof(float));
    if (!scratch) { free(luma); return -1; }

    intptr_t cols[64], rows[64];
    for (int j = 0; j < 64; j++) cols[j] = sample_index(j, width);
    for (int i = 0; i < 64; i++) rows[i] = sample_index(i, height);

    /* first round: rows, then every column */
    box_rows(luma, width, height, wr, scratch);
    box_sweep(luma, width, height, wc, scratch, scratch + (wc + 1) * width);
    /* second round: rows, then only the 64 columns the decimation reads (columns are
       independent, so the others need no filtering) */
    box_rows(luma, width, height, wr, scratch);
    float *picked = scratch;                       /* height x 64 */
    for (intptr_t y = 0; y < height; y++)
        for (int j = 0; j < 64; j++) picked[y * 64 + j] = luma[y * width + cols[j]];
    box_sweep(picked, 64, height, wc, picked + height * 64, picked + height * 64 + (wc + 1) * 64);
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) grid[i][j] = picked[rows[i] * 64 + j];
    free(scratch);
    free(luma);
    return 0;
}

/* Quality: the sum of |trunc((u - v) * 100 / 255)| over vertical then horizontal neighbours
   (float operations, truncation toward zero), / 90, at most 100. */
static int32_t quality_of(float g[64][64]) {
    int32_t sum = 0;
    for (int i = 0; i < 63; i++)
        for (int j = 0; j < 64; j++) {
            int d = (int)(((g[i][j] - g[i + 1][j]) * 100.0f) / 255.0f);
            sum += d < 0 ? -d : d;
        }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 63; j++) {
            int d = (int)(((g[i][j] - g[i][j + 1]) * 100.0f) / 255.0f);
            sum += d < 0 ? -d : d;
        }
    int32_t q = sum / 90;
    return q > 100 ? 100 : q;
}

/* B = D A D^T: T[i][j] = sum_k D[i][k] A[k][j], then B[i][j] = sum_k T[i][k] D[j][k], each a
   float sum from 0 in k order. The j loops are independent lanes. */
static void dct16(float a[64][64], float out[256]) {
    float t[16][64];
    for (int i = 0; i < 16; i++) {
        float acc[64] = {0};
        for (int k = 0; k < 64; k++) {
            const float d = dct_matrix(i, k);
            for (int j = 0; j < 64; j++) acc[j] += d * a[k][j];
        }
        memcpy(t[i], acc, sizeof acc);
    }
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float s = 0.0f;
            for (int k = 0; k < 64; k++) s += t[i][k] * dct_matrix(j, k);
            out[i * 16 + j] = s;
        }
}

int32_t chk_pdq_dct(const uint8_t *pixels, intptr_t width, intptr_t height, intptr_t channels,
                    float dct[256], int32_t *quality) {
    if (width < 5 || height < 5) { *quality = 0; return 1; }
    float grid[64][64];
    if (grid64(pixels, width, height, channels, grid) != 0) return -1;
    *quality = quality_of(grid);
    dct16(grid, dct);
    return 0;
}

/* ------------------------------------------------------------------ bits */

/* Torben's median as the reference writes it: it returns a data value or the float midpoint
   (min + max) / 2 it stopped at, which is not always numpy's median. */
static float torben(const float *m, int n) {
    float min = m[0], max = m[0];
    for (int i = 1; i < n; i++) {
        if (m[i] < min) min = m[i];
        if (m[i] > max) max = m[i];
    }
    int less, greater, equal;
    float guess, maxlt, mingt;
    for (;;) {
        guess = (min + max) / 2;
        less = 0; greater = 0; equal = 0;
        maxlt = min; mingt = max;
        for (int i = 0; i < n; i++) {
            if (m[i] < guess) { less++; if (m[i] > maxlt) maxlt = m[i]; }
            else if (m[i] > guess) { greater++; if (m[i] < mingt) mingt = m[i]; }
            else equal++;
        }
        if (less <= (n + 1) / 2 && greater <= (n + 1) / 2) break;
        else if (less > greater) max = maxlt;
        else min = mingt;
    }
    if (less >= (n + 1) / 2) return maxlt;
    if (less + equal >= (n + 1) / 2) return guess;
    return mingt;
}

void chk_pdq_bits(const float dct[256], uint64_t words[4]) {
    const float median = torben(dct, 256);
    words[0] = words[1] = words[2] = words[3] = 0;
    for (int k = 0; k < 256; k++)
        if (dct[k] > median) words[3 - k / 64] |= (uint64_t)1 << (k % 64);
}

int32_t chk_pdq_hash(const uint8_t *pixels, intptr_t width, intptr_t height, intptr_t channels,
                     uint64_t words[4], int32_t *quality) {
    float dct[256];
    int32_t r = chk_pdq_dct(pixels, width, height, channels, dct, quality);
    if (r != 0) {
        words[0] = words[1] = words[2] = words[3] = 0;
        return r < 0 ? r : 0;
    }
    chk_pdq_bits(dct, words);
    return 0;
}

/* ------------------------------------------------------------------ dihedral entry

   Meta's dihedral entry (pdqDihedralHash256esFromFloatLuma) filters a 64x64 picture instead of
   taking it as the grid. Its windows are then 1 on both axes: each output is the running sum
   after "add the next sample, subtract the oldest", (s + next) - oldest in float, which is not
   always the sample itself, so the grid (and the DCT) can differ from compute's. This path is
   written out here, apart from the general filter, because only this one size needs it. */

/* One box pass of window 1 along rows (`along_rows`) or columns, `in` to `out`. */
static void box64_window1(float in[64][64], float out[64][64], int along_rows) {
    for (int k = 0; k < 64; k++) {
        float sum = 0.0f;
        for (int t = 0; t < 64; t++) {
            sum += along_rows ? in[k][t] : in[t][k];
            if (t > 0) sum -= along_rows ? in[k][t - 1] : in[t - 1][k];
            if (along_rows) out[k][t] = sum / 1.0f; else out[t][k] = sum / 1.0f;
        }
    }
}

int32_t chk_pdq_dihedral_dct(const uint8_t *pixels, intptr_t width, intptr_t height, intptr_t channels,
                             float dct[256], int32_t *quality) {
    if (width != 64 || height != 64) return chk_pdq_dct(pixels, width, height, channels, dct, quality);
    float grid[64][64], other[64][64];
    for (int i = 0; i < 64 * 64; i++) {
        const uint8_t *p = pixels + i * channels;
        const int g = channels == 1 ? p[0] : p[1], b = channels == 1 ? p[0] : p[2];
        grid[i / 64][i % 64] = (float)((p[0] * 0.299 + g * 0.587) + b * 0.114);
    }
    /* two rounds, each rows then columns; the decimation of a 64x64 grid reads every sample */
    for (int round = 0; round < 2; round++) {
        box64_window1(grid, other, 1);
        box64_window1(other, grid, 0);
    }
    *quality = quality_of(grid);
    dct16(grid, dct);
    return 0;
}
