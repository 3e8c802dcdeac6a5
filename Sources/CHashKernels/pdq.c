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

/* box_sweep for exactly eight lanes held in one vector (clang's vector extensions: element-wise
   IEEE operations, the same per lane as the scalar loops; plain loops of 8 are not vectorised
   because the ring and the buffer might overlap). */
typedef float v8f __attribute__((vector_size(32)));

static inline __attribute__((always_inline))
void box_sweep8(float *buf, intptr_t len, int w, float *ring) {
    const int half = (w + 2) / 2;
    const intptr_t slots = w + 1;
    /* ring positions kept by wrapping counters: a division per sample would cost more than
       the filter's arithmetic */
    intptr_t ri = 0, oi = 0, rs = 0, ls = 0;
    int count = 0;
    v8f sum = {0, 0, 0, 0, 0, 0, 0, 0};
    /* (macros, not functions: a function passing an 8-float vector would change the ABI
       between the portable and the AVX2 builds) */
#define ADD_NEXT() do { v8f in; memcpy(&in, buf + ri * 8, sizeof in); \
        memcpy(ring + rs * 8, &in, sizeof in); sum += in; ri++; if (++rs == slots) rs = 0; } while (0)
#define SUB_OLDEST() do { v8f old; memcpy(&old, ring + ls * 8, sizeof old); \
        sum -= old; if (++ls == slots) ls = 0; } while (0)
#define WRITE_MEAN() do { v8f mean = sum / (float)count; memcpy(buf + oi * 8, &mean, sizeof mean); \
        oi++; } while (0)
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

/* An 8x8 block transpose in vector registers (clang's vector extensions, so one source serves
   the portable and the AVX2 builds): dst[c * dst_stride + r] = src[r * src_stride + c]. Data
   movement only: it changes no value. */
static inline __attribute__((always_inline))
void transpose8(const float *src, intptr_t src_stride, float *dst, intptr_t dst_stride) {
    v8f r[8];
    for (int i = 0; i < 8; i++) memcpy(&r[i], src + i * src_stride, sizeof(v8f));
    v8f t0 = __builtin_shufflevector(r[0], r[1], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t1 = __builtin_shufflevector(r[0], r[1], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f t2 = __builtin_shufflevector(r[2], r[3], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t3 = __builtin_shufflevector(r[2], r[3], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f t4 = __builtin_shufflevector(r[4], r[5], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t5 = __builtin_shufflevector(r[4], r[5], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f t6 = __builtin_shufflevector(r[6], r[7], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t7 = __builtin_shufflevector(r[6], r[7], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f o[8] = {
        __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11),
        __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11),
        __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11),
        __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11),
        __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15),
        __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15),
        __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15),
        __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15),
    };
    for (int i = 0; i < 8; i++) memcpy(dst + i * dst_stride, &o[i], sizeof(v8f));
}

/* Rows (ROW_LANES of them, `stride` apart, `width` long) into lanes: t[x * ROW_LANES + k] =
   rows[k * stride + x], and back (from_lanes). Whole 8x8 blocks, then the tail one by one. */
static inline __attribute__((always_inline))
void to_lanes(const float *rows, intptr_t stride, intptr_t width, float *t) {
    intptr_t x = 0;
    for (; x + 8 <= width; x += 8) transpose8(rows + x, stride, t + x * ROW_LANES, ROW_LANES);
    for (; x < width; x++)
        for (intptr_t k = 0; k < ROW_LANES; k++) t[x * ROW_LANES + k] = rows[k * stride + x];
}

static inline __attribute__((always_inline))
void from_lanes(const float *t, intptr_t width, float *rows, intptr_t stride) {
    intptr_t x = 0;
    for (; x + 8 <= width; x += 8) transpose8(t + x * ROW_LANES, ROW_LANES, rows + x, stride);
    for (; x < width; x++)
        for (intptr_t k = 0; k < ROW_LANES; k++) rows[k * stride + x] = t[x * ROW_LANES + k];
}

/* The decimation's sample index: trunc(((i + 0.5) * size) / 64) in double, as the reference. */
static intptr_t sample_index(int i, intptr_t size) {
    return (intptr_t)(((i + 0.5) * (double)size) / 64.0);
}

/* ------------------------------------------------------------------ 64x64 grid

   The luma Y = float((R*0.299 + G*0.587) + B*0.114): each product of a byte and a constant is
   exact to tabulate (the same double either way), so three tables replace the multiplications
   and the two additions stay in the reference's order. */
typedef struct { double r[256], g[256], b[256]; float grey[256]; } luma_tables;

static void luma_tables_init(luma_tables *t) {
    for (int v = 0; v < 256; v++) {
        t->r[v] = v * 0.299; t->g[v] = v * 0.587; t->b[v] = v * 0.114;
        t->grey[v] = (float)((t->r[v] + t->g[v]) + t->b[v]);
    }
}

static inline __attribute__((always_inline))
float luma_at(const luma_tables *t, const uint8_t *px, intptr_t i, intptr_t channels) {
    if (channels == 1) return t->grey[px[i]];
    const uint8_t *p = px + 3 * i;
    return (float)((t->r[p[0]] + t->g[p[1]]) + t->b[p[2]]);
}

/* One row's luma, eight pixels at a time where eight more bytes can be read past them: the
   same double products and sums per pixel as luma_at, in vector lanes. */
typedef uint8_t v32u8 __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));

static inline __attribute__((always_inline))
void luma_row(const luma_tables *t, const uint8_t *row, intptr_t width, intptr_t channels, float *out) {
    intptr_t x = 0;
    if (channels == 3) {
        for (; x + 8 <= width && 3 * x + 32 <= 3 * width; x += 8) {
            v32u8 v;
            memcpy(&v, row + 3 * x, sizeof v);
            v8d r = __builtin_convertvector(__builtin_shufflevector(v, v, 0, 3, 6, 9, 12, 15, 18, 21), v8d);
            v8d g = __builtin_convertvector(__builtin_shufflevector(v, v, 1, 4, 7, 10, 13, 16, 19, 22), v8d);
            v8d b = __builtin_convertvector(__builtin_shufflevector(v, v, 2, 5, 8, 11, 14, 17, 20, 23), v8d);
            v8d y = (r * 0.299 + g * 0.587) + b * 0.114;
            v8f f = __builtin_convertvector(y, v8f);
            memcpy(out + x, &f, sizeof f);
        }
    }
    for (; x < width; x++) out[x] = luma_at(t, row, x, channels);
}

/* The column box filter of the first round as a stream: rows arrive in order (already in
   their ring slot), and each call does what box_sweep does for that input row, then the
   means it can write (none at first, several at the end). Same operations per lane as
   box_sweep over the whole column. `slots` is w + ROW_LANES so that a block of rows can be
   put in the ring before any of them is added. */
typedef struct {
    float *ring, *sum;
    intptr_t lanes, slots, ri, li, oi;
    int w, half, count;
} col_stream;

/* Writes row oi's means into row (oi % ROW_LANES) of the block `out` (ROW_LANES rows). */
static inline __attribute__((always_inline))
void col_write(col_stream *s, float *out) {
    const intptr_t lanes = s->lanes;
    float *row = out + (s->oi % ROW_LANES) * lanes;
    const float c = (float)s->count;
    for (intptr_t x = 0; x < lanes; x++) row[x] = s->sum[x] / c;
    s->oi++;
}

static inline __attribute__((always_inline))
void col_sub(col_stream *s) {
    const float *old = s->ring + (s->li % s->slots) * s->lanes;
    float *sum = s->sum;
    for (intptr_t x = 0; x < s->lanes; x++) sum[x] -= old[x];
    s->li++;
}

/* Adds the row in slot ri; returns 1 when a mean was written into `out`. */
static inline __attribute__((always_inline))
int col_push(col_stream *s, float *out) {
    const float *in = s->ring + (s->ri % s->slots) * s->lanes;
    float *sum = s->sum;
    if (s->ri + 1 > s->w) {
        /* the steady state in one pass over the row: add, subtract the oldest, write the
           mean (the same three operations in the same order as col_sub and col_write) */
        const float *old = s->ring + (s->li % s->slots) * s->lanes;
        float *row = out + (s->oi % ROW_LANES) * s->lanes;
        const float c = (float)s->count;
        for (intptr_t x = 0; x < s->lanes; x++) {
            const float v = (sum[x] + in[x]) - old[x];
            sum[x] = v;
            row[x] = v / c;
        }
        s->ri++; s->li++; s->oi++;
        return 1;
    }
    for (intptr_t x = 0; x < s->lanes; x++) sum[x] += in[x];
    s->ri++;
    if (s->ri <= s->half - 1) { s->count++; return 0; }
    s->count++;
    col_write(s, out);
    return 1;
}

/* The second round's row filter over one block of column means (ROW_LANES rows, the first
   `n` of them rows r0...), then the 64 sampled columns into `picked`. */
static inline __attribute__((always_inline))
void second_rows(const float *block, float *t, intptr_t width, int wr, float *ring,
                 const intptr_t cols[64], float *picked, intptr_t r0, intptr_t n) {
    to_lanes(block, width, width, t);
    box_sweep8(t, width, wr, ring);
    for (intptr_t k = 0; k < n; k++)
        for (int j = 0; j < 64; j++) picked[(r0 + k) * 64 + j] = t[cols[j] * ROW_LANES + k];
}

/* The filter's two rounds and the decimation, streamed: eight rows at a time get their luma
   and first row filter (transposed into lanes), go into the column stream's ring, and every
   eight column means that come out get the second row filter, of which only the 64 sampled
   columns are kept for the last column filter. Rows move into lanes and back by 8x8 block
   transposes. Nothing picture-sized is held: the working set
   is about (window + 24) rows. Each value is computed by the same operations as filtering the
   whole picture pass by pass. */
static inline __attribute__((always_inline))
void grid_stream(const uint8_t *px, intptr_t width, intptr_t height, intptr_t channels,
                 const luma_tables *lt, float *scratch, float grid[64][64]) {
    const int wr = (int)((width + 127) / 128), wc = (int)((height + 127) / 128);
    intptr_t cols[64], rows[64];
    for (int j = 0; j < 64; j++) cols[j] = sample_index(j, width);
    for (int i = 0; i < 64; i++) rows[i] = sample_index(i, height);

    const intptr_t slots = wc + ROW_LANES;
    float *t1 = scratch;                              /* width * ROW_LANES */
    float *t2 = t1 + width * ROW_LANES;               /* width * ROW_LANES */
    float *rring = t2 + width * ROW_LANES;            /* (wr + 1) * ROW_LANES */
    float *cring = rring + (wr + 1) * ROW_LANES;      /* slots * width */
    float *csum = cring + slots * width;              /* width */
    float *picked = csum + width;                     /* height * 64 */
    float *pring = picked + height * 64;              /* (wc + 1) * 64 */
    float *psum = pring + (wc + 1) * 64;              /* 64 */
    float *lblk = psum + 64;                          /* ROW_LANES * width: luma rows */
    float *blk = lblk + ROW_LANES * width;            /* ROW_LANES * width: column means */

    col_stream cs = { cring, csum, width, slots, 0, 0, 0, wc, (wc + 2) / 2, 0 };
    for (intptr_t x = 0; x < width; x++) csum[x] = 0.0f;
    intptr_t done = 0;                                /* rows through the second row filter */

    for (intptr_t r0 = 0; r0 < height; r0 += ROW_LANES) {
        const intptr_t n = height - r0 < ROW_LANES ? height - r0 : ROW_LANES;
        for (intptr_t k = 0; k < n; k++) luma_row(lt, px + (r0 + k) * width * channels, width, channels, lblk + k * width);
        to_lanes(lblk, width, width, t1);
        box_sweep8(t1, width, wr, rring);
        /* slots * width is a multiple of ROW_LANES rows only when the block does not wrap */
        if (r0 % slots + ROW_LANES <= slots && n == ROW_LANES) {
            from_lanes(t1, width, cring + (r0 % slots) * width, width);
        } else {
            from_lanes(t1, width, lblk, width);
            for (intptr_t k = 0; k < n; k++)
                memcpy(cring + ((r0 + k) % slots) * width, lblk + k * width, (size_t)width * sizeof(float));
        }
        for (intptr_t k = 0; k < n; k++)
            if (col_push(&cs, blk) && cs.oi % ROW_LANES == 0) {
                second_rows(blk, t2, width, wr, rring, cols, picked, done, ROW_LANES);
                done += ROW_LANES;
            }
    }
    for (int t = 0; t < cs.half - 1; t++) {
        col_sub(&cs);
        cs.count--;
        col_write(&cs, blk);
        if (cs.oi % ROW_LANES == 0) {
            second_rows(blk, t2, width, wr, rring, cols, picked, done, ROW_LANES);
            done += ROW_LANES;
        }
    }
    if (done < height) second_rows(blk, t2, width, wr, rring, cols, picked, done, height - done);

    box_sweep(picked, 64, height, wc, pring, psum);
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) grid[i][j] = picked[rows[i] * 64 + j];
}

static void grid_stream_portable(const uint8_t *px, intptr_t width, intptr_t height, intptr_t channels,
                                 const luma_tables *lt, float *scratch, float grid[64][64]) {
    grid_stream(px, width, height, channels, lt, scratch, grid);
}

#if defined(__x86_64__) || defined(_M_X64)
#include "chashkernels.h"
/* The same code compiled for AVX2 (eight float lanes a vector; AVX2 brings no FMA, and
   contraction is off anyway): chosen at run time as kernels.c chooses its variants. */
__attribute__((target("avx2")))
static void grid_stream_avx2(const uint8_t *px, intptr_t width, intptr_t height, intptr_t channels,
                             const luma_tables *lt, float *scratch, float grid[64][64]) {
    grid_stream(px, width, height, channels, lt, scratch, grid);
}
#endif

/* The filtered, decimated 64x64 grid. Returns -1 when memory is short. */
static int grid64(const uint8_t *px, intptr_t width, intptr_t height, intptr_t channels, float grid[64][64]) {
    luma_tables lt;
    luma_tables_init(&lt);
    if (width == 64 && height == 64) {
        for (intptr_t i = 0; i < 64 * 64; i++) grid[i / 64][i % 64] = luma_at(&lt, px, i, channels);
        return 0;
    }
    const int wr = (int)((width + 127) / 128), wc = (int)((height + 127) / 128);
    const intptr_t floats = 4 * width * ROW_LANES + (wr + 2) * ROW_LANES + (wc + ROW_LANES + 1) * width
                          + height * 64 + (wc + 2) * 64;
    /* zeroed: the lanes of a last, partial block of rows hold no row but are still summed */
    float *scratch = calloc((size_t)floats, sizeof(float));
    if (!scratch) return -1;
#if defined(__x86_64__) || defined(_M_X64)
    if (chk_best_variant() == CHK_AVX2) grid_stream_avx2(px, width, height, channels, &lt, scratch, grid);
    else
#endif
    grid_stream_portable(px, width, height, channels, &lt, scratch, grid);
    free(scratch);
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
