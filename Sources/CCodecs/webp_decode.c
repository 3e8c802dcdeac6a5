/* WebP decoding through libwebp, as Pillow 13 does it: Pillow opens every WebP (still or
 * animated, lossy or lossless) with libwebp's WebPAnimDecoder in RGBA and takes the first frame
 * of the canvas; convert('RGB') / convert('L') then ignore the alpha channel. We do the same
 * calls on Debian's libwebp (the header is read with WebPGetFeatures first, which allocates
 * nothing, so the pixel limit is enforced before the decoder allocates its canvas). */
#include "decode_internal.h"

#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

int cc_webp_read_header(cc_decoder *d, uint64_t max_pixels) {
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
    if (features.width <= 0 || features.height <= 0)
        return cc_fail(d, CC_ERR_CORRUPT, "WebP declares an empty image");
    if ((uint64_t)features.width * (uint64_t)features.height > max_pixels)
        return cc_fail(d, CC_ERR_TOO_MANY_PIXELS, "too many pixels");
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

int cc_webp_decode(cc_decoder *d, uint8_t *dst) {
    if (!d->header.progressive) return decode_still(d, dst);
    WebPAnimDecoderOptions options;
    if (!WebPAnimDecoderOptionsInit(&options)) return cc_fail(d, CC_ERR_USAGE, "libwebp version mismatch");
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    WebPData input = {d->data, d->size};
    WebPAnimDecoder *decoder = WebPAnimDecoderNew(&input, &options);
    if (decoder == NULL) return cc_fail(d, CC_ERR_CORRUPT, "libwebp could not parse the file (could not create decoder object)");
    WebPAnimInfo info;
    int result = CC_OK;
    uint8_t *frame = NULL;
    int timestamp = 0;
    if (!WebPAnimDecoderGetInfo(decoder, &info)) {
        result = cc_fail(d, CC_ERR_CORRUPT, "libwebp could not read the animation info");
    } else if (info.canvas_width != d->header.width || info.canvas_height != d->header.height) {
        result = cc_fail(d, CC_ERR_CORRUPT, "canvas size %ux%u differs from the header's %ux%u",
                         info.canvas_width, info.canvas_height, d->header.width, d->header.height);
    } else if (!WebPAnimDecoderGetNext(decoder, &frame, &timestamp) || frame == NULL) {
        result = cc_fail(d, CC_ERR_CORRUPT, "failed to decode the first frame of the WebP file");
    } else {
        const size_t count = (size_t)info.canvas_width * info.canvas_height;
        for (size_t i = 0; i < count; i++) memcpy(dst + 3 * i, frame + 4 * i, 3);
    }
    WebPAnimDecoderDelete(decoder);
    return result;
}
