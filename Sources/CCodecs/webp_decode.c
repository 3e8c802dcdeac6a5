/* WebP decoding through libwebp, as Pillow 13 does it: Pillow opens every WebP (still or
 * animated, lossy or lossless) with libwebp's WebPAnimDecoder in RGBA and takes the first frame
 * of the canvas; convert('RGB') / convert('L') then ignore the alpha channel. We do the same
 * calls on Debian's libwebp (the header is read with WebPGetFeatures first, which allocates
 * nothing, so the pixel limit is enforced before the decoder allocates its canvas).
 *
 * Memory: lossy pictures decode a few rows at a time straight into the output (3 bytes a pixel;
 * an alpha plane adds 1). A lossless picture (or frame) cannot: its back-references may point
 * anywhere earlier in the image, so libwebp's VP8L decoder keeps the whole image as 32-bit ARGB
 * until the last row, 4 bytes a pixel beside our output. The header reports that figure
 * (work_bytes_per_pixel) so callers can budget for it before decoding. */
#include "decode_internal.h"

#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

int cc_webp_read_header(cc_decoder *d) {
    WebPBitstreamFeatures features;
    VP8StatusCode status = WebPGetFeatures(d->data, d->size, &features);
    if (status == VP8_STATUS_NOT_ENOUGH_DATA)
        return cc_fail(d, CC_ERR_TRUNCATED, "the file ends inside the WebP headers");
    if (status == VP8_STATUS_UNSUPPORTED_FEATURE)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "a WebP feature libwebp does not support");
    if (status != VP8_STATUS_OK)
        return cc_fail(d, CC_ERR_CORRUPT, "invalid WebP headers (libwebp status %d)", (int)status);
    d->header.width = (uint32_t)features.width;
    d->header.height = (uint32_t)features.height;
    d->header.channels = 3;
    d->header.source_channels = features.has_alpha ? 4 : 3;
    d->header.bit_depth = 8;
    d->header.progressive = features.has_animation;
    /* format: 1 lossy, 2 lossless, 0 mixed (an animation, whose frames may be lossless) */
    d->header.work_bytes_per_pixel = features.format == 1 ? (features.has_alpha ? 2 : 0) : 4;
    if (features.width <= 0 || features.height <= 0)
        return cc_fail(d, CC_ERR_CORRUPT, "WebP declares an empty image");
    return CC_OK;
}

/* A still WebP (no animation) is decoded straight into `dst` as RGB: the animation decoder
 * would hold two RGBA canvases (8 bytes a pixel) for what is, for a still image, exactly the
 * same pixels. Its first frame is a key frame drawn onto a cleared canvas without blending, so
 * its R, G, B are libwebp's own RGBA decode, which equals the RGB decode (same YUV->RGB and
 * lossless conversions; alpha never touches the colour channels in non-premultiplied modes).
 * The demuxer is run first, as the animation decoder runs it, so a file it refuses gets the
 * same message as before. */
static int decode_still(cc_decoder *d, uint8_t *dst) {
    WebPData input = {d->data, d->size};
    WebPDemuxer *demux = WebPDemux(&input);
    if (demux == NULL) return cc_fail(d, CC_ERR_CORRUPT, "libwebp could not parse the file (could not create decoder object)");
    uint32_t cw = WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH), ch = WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT);
    WebPDemuxDelete(demux);
    if (cw != d->header.width || ch != d->header.height)
        return cc_fail(d, CC_ERR_CORRUPT, "canvas size %ux%u differs from the header's %ux%u",
                       cw, ch, d->header.width, d->header.height);
    const size_t stride = (size_t)cw * 3;
    if (WebPDecodeRGBInto(d->data, d->size, dst, stride * ch, (int)stride) == NULL)
        return cc_fail(d, CC_ERR_CORRUPT, "failed to decode the first frame of the WebP file");
    return CC_OK;
}

/* An animated WebP: Pillow takes the first frame of WebPAnimDecoder's canvas. That frame is
 * always a key frame: libwebp clears the canvas (transparent black) and decodes the frame into
 * its rectangle without blending, so its R, G, B are zero outside the rectangle and the frame's
 * own decode inside, which is what we write, straight into `dst` as RGB (the colour channels do
 * not depend on the output mode, as for a still). The animation decoder's two RGBA canvases
 * (8 bytes a pixel) are never allocated. The same demuxer and the same WebPDecode call on the
 * frame's bytes as the animation decoder makes refuse the same files. */
static int decode_first_frame(cc_decoder *d, uint8_t *dst) {
    WebPData input = {d->data, d->size};
    WebPDemuxer *demux = WebPDemux(&input);
    if (demux == NULL) return cc_fail(d, CC_ERR_CORRUPT, "libwebp could not parse the file (could not create decoder object)");
    const uint32_t cw = WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH), ch = WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT);
    int result = CC_OK;
    WebPIterator frame;
    memset(&frame, 0, sizeof frame);
    WebPDecoderConfig config;
    if (cw != d->header.width || ch != d->header.height) {
        result = cc_fail(d, CC_ERR_CORRUPT, "canvas size %ux%u differs from the header's %ux%u",
                         cw, ch, d->header.width, d->header.height);
    } else if (!WebPDemuxGetFrame(demux, 1, &frame) || frame.x_offset < 0 || frame.y_offset < 0 ||
               frame.width <= 0 || frame.height <= 0 || (uint32_t)frame.x_offset + (uint32_t)frame.width > cw ||
               (uint32_t)frame.y_offset + (uint32_t)frame.height > ch) {
        result = cc_fail(d, CC_ERR_CORRUPT, "failed to decode the first frame of the WebP file");
    } else if (!WebPInitDecoderConfig(&config)) {
        result = cc_fail(d, CC_ERR_USAGE, "libwebp version mismatch");
    } else {
        const size_t stride = (size_t)cw * 3;
        memset(dst, 0, stride * ch);
        config.output.colorspace = MODE_RGB;
        config.output.is_external_memory = 1;
        config.options.use_threads = 0;
        config.output.u.RGBA.rgba = dst + (size_t)frame.y_offset * stride + (size_t)frame.x_offset * 3;
        config.output.u.RGBA.stride = (int)stride;
        config.output.u.RGBA.size = ((size_t)frame.height - 1) * stride + (size_t)frame.width * 3;
        if (WebPDecode(frame.fragment.bytes, frame.fragment.size, &config) != VP8_STATUS_OK)
            result = cc_fail(d, CC_ERR_CORRUPT, "failed to decode the first frame of the WebP file");
        WebPFreeDecBuffer(&config.output);
    }
    WebPDemuxReleaseIterator(&frame);
    WebPDemuxDelete(demux);
    return result;
}

int cc_webp_decode(cc_decoder *d, uint8_t *dst) {
    return d->header.progressive ? decode_first_frame(d, dst) : decode_still(d, dst);
}
