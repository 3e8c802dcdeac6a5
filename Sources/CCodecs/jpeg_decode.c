/* JPEG decoding with libjpeg-turbo, matching what Pillow 13 returns.
 *
 * Pixels: libjpeg's defaults (auto-detected jpeg_color_space, JDCT_ISLOW, fancy upsampling, no
 * scaling), output JCS_GRAYSCALE for 1 component, JCS_RGB for 3, JCS_CMYK for 4. Pillow reads
 * 4-component data as "CMYK;I" (every channel inverted, the Adobe convention, APP14 or not) and
 * converts CMYK->RGB with nk = 255 - K, X = clip(nk - muldiv255(X, nk)); both steps are fused
 * below. Only 8-bit precision: Pillow refuses anything else in its own SOF parser. No EXIF
 * rotation.
 *
 * When Pillow fails and when it returns pixels (checked with Pillow 13 on this machine):
 * - Pillow feeds libjpeg through a suspending source, 64 KiB blocks at a time, and raises
 *   "image file is truncated" when libjpeg asks for more bytes than the file has before the
 *   last row is out. That covers a file cut anywhere in the header or scan data, including a
 *   sequential file whose EOI marker is missing (the entropy decoder reads ahead for the last
 *   MCU) and a progressive file cut before its EOI (jpeg_start_decompress reads every scan).
 *   So our source manager fails at the end of the data instead of inventing an EOI as
 *   jpeg_mem_src does.
 * - Once every row is out, Pillow calls jpeg_finish_decompress and accepts a suspension there:
 *   whatever libjpeg would read beyond the 64 KiB block Pillow has fed so far is never looked
 *   at (markers after the scan, a missing EOI). We reproduce that horizon exactly; a libjpeg
 *   error inside it (say a bogus marker after the scan) still fails, as in Pillow.
 * - Bytes after EOI are never read: fine.
 * - libjpeg warnings (corrupt entropy data, "N extraneous bytes before marker 0xd9", ...) do not
 *   stop Pillow: it returns the pixels libjpeg produced. We return them too, with the warnings.
 * - libjpeg errors (error_exit: bad Huffman table, unsupported SOF, ...) make Pillow raise
 *   ("broken data stream"); they are errors here too.
 * Known difference: corrupt scan data in progressive JPEGs ("premature end of data segment")
 * can decode to other pixels, because the system libjpeg-turbo 2.1.5 fills damaged
 * coefficients differently from the 3.x inside Pillow 13 (OpenCV's 3.1 agrees with Pillow,
 * djpeg 2.1.5 with us); fuzz/differential.py measures it.
 * One deliberate difference: more than CC_JPEG_MAX_SCANS scans is refused, because a
 * progressive file made of thousands of tiny scans costs quadratic time (libjpeg-turbo's own
 * security advice); no camera or encoder writes more than a few dozen. */
#include "decode_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

#define CC_JPEG_MAX_SCANS 1000
#define PILLOW_BLOCK ((size_t)65536)  /* ImageFile.MAXBLOCK: how much Pillow feeds per call */

enum { PHASE_HEADER, PHASE_START, PHASE_ROWS, PHASE_FINISH };

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    cc_decoder *owner;
    int truncated;      /* the source ran out of data */
    int phase;
    int suspended;      /* finish_decompress read past Pillow's horizon: Pillow stops there */
    int too_many_scans;
} jpeg_error;

typedef struct {
    struct jpeg_decompress_struct cinfo;
    jpeg_error err;
    struct jpeg_source_mgr src;
    struct jpeg_progress_mgr progress;
    int created;
} jpeg_state;

static void on_error_exit(j_common_ptr cinfo) {
    jpeg_error *e = (jpeg_error *)cinfo->err;
    longjmp(e->jump, 1);
}

static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return; /* trace messages */
    jpeg_error *e = (jpeg_error *)cinfo->err;
    e->pub.num_warnings++;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    cc_warn(e->owner, "%s", text);
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void src_init(j_decompress_ptr cinfo) { (void)cinfo; }

/* Called only when the whole buffer has been consumed: the file is shorter than the image. */
static boolean src_fill(j_decompress_ptr cinfo) {
    jpeg_error *e = (jpeg_error *)cinfo->err;
    if (e->phase == PHASE_FINISH) e->suspended = 1;
    else e->truncated = 1;
    longjmp(e->jump, 1);
    return FALSE;
}

static void src_skip(j_decompress_ptr cinfo, long count) {
    struct jpeg_source_mgr *src = cinfo->src;
    if (count <= 0) return;
    if ((size_t)count > src->bytes_in_buffer) {
        src->next_input_byte += src->bytes_in_buffer;
        src->bytes_in_buffer = 0;
        src_fill(cinfo);
        return;
    }
    src->next_input_byte += count;
    src->bytes_in_buffer -= (size_t)count;
}

static void src_term(j_decompress_ptr cinfo) { (void)cinfo; }

static void on_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > CC_JPEG_MAX_SCANS) {
        jpeg_error *e = (jpeg_error *)cinfo->err;
        e->too_many_scans = 1;
        longjmp(e->jump, 1);
    }
}

static void destroy_state(void *impl) {
    jpeg_state *s = impl;
    if (s->created) jpeg_destroy_decompress(&s->cinfo);
    free(s);
}

static int percent(unsigned long done, unsigned long total) {
    if (total == 0) return 0;
    return (int)(done * 100 / total);
}

/* Turns the libjpeg error that just longjmp'ed into a status and a message a user can act on. */
static int report_failure(cc_decoder *d, jpeg_state *s) {
    j_decompress_ptr c = &s->cinfo;
    if (s->err.too_many_scans)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "progressive JPEG with more than %d scans (refused as a denial-of-service risk)",
                       CC_JPEG_MAX_SCANS);
    if (s->err.truncated) {
        switch (s->err.phase) {
        case PHASE_HEADER:
            return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the JPEG header, after %zu bytes", d->size);
        case PHASE_START: {
            unsigned long rows = c->total_iMCU_rows;
            if (c->inputctl != NULL && c->progressive_mode)
                return cc_fail(d, CC_ERR_TRUNCATED,
                               "the file ends in scan %d of a progressive image (%d%% of that scan)",
                               c->input_scan_number, percent(c->input_iMCU_row, rows));
            return cc_fail(d, CC_ERR_TRUNCATED, "the file ends in scan %d (%d%% of that scan)",
                           c->input_scan_number, percent(c->input_iMCU_row, rows));
        }
        case PHASE_ROWS:
            return cc_fail(d, CC_ERR_TRUNCATED, "the file ends after %d%% of the scan, before the end-of-image marker",
                           percent(c->output_scanline, c->output_height));
        default: /* cannot happen: reading past the data in PHASE_FINISH is a suspension */
            return cc_fail(d, CC_ERR_TRUNCATED, "the file ends before the end-of-image marker");
        }
    }
    char text[JMSG_LENGTH_MAX];
    (*c->err->format_message)((j_common_ptr)c, text);
    switch (s->err.pub.msg_code) {
    case JERR_BAD_PRECISION:
        return cc_fail(d, CC_ERR_UNSUPPORTED, "%d-bit JPEG (only 8-bit samples are supported, as in Pillow)",
                       c->data_precision);
    case JERR_SOF_UNSUPPORTED: {
        int marker = s->err.pub.msg_parm.i[0];
        const char *kind = marker == 0xC3 || marker == 0xCB ? "lossless"
                         : (marker & 0x03) != 0 ? "hierarchical" : "unknown";
        return cc_fail(d, CC_ERR_UNSUPPORTED, "%s JPEG (SOF marker 0x%02X)", kind, marker);
    }
    case JERR_OUT_OF_MEMORY:
        return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory (%s)", text);
    default:
        return cc_fail(d, CC_ERR_CORRUPT, "%s", text);
    }
}

int cc_jpeg_read_header(cc_decoder *d) {
    jpeg_state *s = calloc(1, sizeof(jpeg_state));
    if (s == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");
    d->impl = s;
    d->destroy_impl = destroy_state;

    s->cinfo.err = jpeg_std_error(&s->err.pub);
    s->err.pub.error_exit = on_error_exit;
    s->err.pub.emit_message = on_emit_message;
    s->err.pub.output_message = on_output_message;
    s->err.owner = d;
    s->err.phase = PHASE_HEADER;
    if (setjmp(s->err.jump)) return report_failure(d, s);

    jpeg_create_decompress(&s->cinfo);
    s->created = 1;
    s->src.init_source = src_init;
    s->src.fill_input_buffer = src_fill;
    s->src.skip_input_data = src_skip;
    s->src.resync_to_restart = jpeg_resync_to_restart;
    s->src.term_source = src_term;
    s->src.next_input_byte = d->data;
    s->src.bytes_in_buffer = d->size;
    s->cinfo.src = &s->src;
    s->progress.progress_monitor = on_progress;
    s->cinfo.progress = &s->progress;

    jpeg_read_header(&s->cinfo, TRUE);

    j_decompress_ptr c = &s->cinfo;
    d->header.width = c->image_width;
    d->header.height = c->image_height;
    d->header.source_channels = c->num_components;
    d->header.bit_depth = c->data_precision;
    d->header.progressive = c->progressive_mode ? 1 : 0;
    switch (c->num_components) {
    case 1: d->header.channels = 1; c->out_color_space = JCS_GRAYSCALE; break;
    case 3: d->header.channels = 3; c->out_color_space = JCS_RGB; break;
    case 4: d->header.channels = 3; c->out_color_space = JCS_CMYK; break;
    default:
        return cc_fail(d, CC_ERR_UNSUPPORTED, "JPEG with %d colour components (Pillow reads 1, 3 or 4)",
                       c->num_components);
    }
    if (jpeg_has_multiple_scans(c)) {
        /* A progressive (or multi-scan) JPEG is decoded from libjpeg's whole-image DCT
         * coefficient arrays: 2 bytes per coefficient, one coefficient per sample of each
         * component (chroma subsampling makes fewer). */
        int max_h = 1, max_v = 1, samples = 0;
        for (int i = 0; i < c->num_components; i++) {
            if (c->comp_info[i].h_samp_factor > max_h) max_h = c->comp_info[i].h_samp_factor;
            if (c->comp_info[i].v_samp_factor > max_v) max_v = c->comp_info[i].v_samp_factor;
        }
        for (int i = 0; i < c->num_components; i++) samples += c->comp_info[i].h_samp_factor * c->comp_info[i].v_samp_factor;
        d->header.work_bytes_per_pixel = (2 * samples + max_h * max_v - 1) / (max_h * max_v);
    }
    return CC_OK;
}

/* Previews (thumbnails) only: DCT-domain downscaling skips most of the IDCT work. */
int cc_jpeg_set_preview_size(cc_decoder *d, uint32_t min_side) {
    jpeg_state *s = d->impl;
    j_decompress_ptr c = &s->cinfo;
    if (setjmp(s->err.jump)) return report_failure(d, s);
    uint32_t longer = c->image_width > c->image_height ? c->image_width : c->image_height;
    unsigned denom = 1;
    while (denom < 8 && longer / (denom * 2) >= min_side) denom *= 2;
    c->scale_num = 1;
    c->scale_denom = denom;
    c->dct_method = JDCT_IFAST;
    c->do_fancy_upsampling = FALSE;
    jpeg_calc_output_dimensions(c);
    d->header.width = c->output_width;
    d->header.height = c->output_height;
    return CC_OK;
}

/* Pillow's CMYK;I unpack (255 - v) followed by its cmyk2rgb, on raw libjpeg CMYK samples. */
static inline uint8_t cmyk_channel(int raw, int raw_k) {
    int nk = raw_k;            /* 255 - (255 - k) */
    int x = 255 - raw;
    int t = x * nk + 128;
    int v = nk - (((t >> 8) + t) >> 8);
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int cc_jpeg_decode(cc_decoder *d, uint8_t *dst) {
    jpeg_state *s = d->impl;
    j_decompress_ptr c = &s->cinfo;
    /* volatile: modified between setjmp and a possible longjmp */
    uint8_t *volatile cmyk_row = NULL;
    s->err.phase = PHASE_START;
    if (setjmp(s->err.jump)) {
        free(cmyk_row);
        if (s->err.suspended) return CC_OK;
        return report_failure(d, s);
    }

    jpeg_start_decompress(c);
    const size_t width = d->header.width;
    const int channels = d->header.channels;
    if (c->output_width != width || c->output_height != d->header.height ||
        c->output_components != (c->out_color_space == JCS_CMYK ? 4 : channels))
        return cc_fail(d, CC_ERR_CORRUPT, "libjpeg output geometry differs from the header");

    s->err.phase = PHASE_ROWS;
    const size_t stride = width * (size_t)channels;
    if (c->out_color_space == JCS_CMYK) {
        cmyk_row = malloc(width * 4);
        if (cmyk_row == NULL) return cc_fail(d, CC_ERR_NO_MEMORY, "out of memory");
        while (c->output_scanline < c->output_height) {
            uint8_t *out = dst + (size_t)c->output_scanline * stride;
            JSAMPROW row = cmyk_row;
            if (jpeg_read_scanlines(c, &row, 1) != 1) {
                free(cmyk_row);
                return cc_fail(d, CC_ERR_CORRUPT, "libjpeg returned no rows");
            }
            const uint8_t *in = cmyk_row;
            for (size_t x = 0; x < width; x++, in += 4, out += 3) {
                out[0] = cmyk_channel(in[0], in[3]);
                out[1] = cmyk_channel(in[1], in[3]);
                out[2] = cmyk_channel(in[2], in[3]);
            }
        }
        free(cmyk_row);
        cmyk_row = NULL;
    } else {
        JSAMPROW rows[16];
        while (c->output_scanline < c->output_height) {
            JDIMENSION start = c->output_scanline;
            JDIMENSION n = c->output_height - start;
            if (n > 16) n = 16;
            for (JDIMENSION i = 0; i < n; i++) rows[i] = dst + (size_t)(start + i) * stride;
            if (jpeg_read_scanlines(c, rows, n) == 0)
                return cc_fail(d, CC_ERR_CORRUPT, "libjpeg returned no rows");
        }
    }
    /* Pillow's buffer ends at the 64 KiB block holding the point where the last row was done. */
    s->err.phase = PHASE_FINISH;
    size_t pos = d->size - s->src.bytes_in_buffer;
    size_t horizon = (pos + PILLOW_BLOCK - 1) / PILLOW_BLOCK * PILLOW_BLOCK;
    if (horizon > d->size) horizon = d->size;
    s->src.bytes_in_buffer = horizon - pos;
    jpeg_finish_decompress(c);
    return CC_OK;
}
