/* libFuzzer harness over the C decoders (Sources/CCodecs): header, then pixels, on any bytes.
 * Built and run by scripts/fuzz.sh. The pixel limit keeps single inputs from asking for
 * gigabytes (the limit check itself is exercised: over-limit inputs stop after the header). */
#include "ccodecs_decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_PIXELS (4u * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cc_decoder *decoder = cc_decoder_create();
    if (decoder == NULL) return 0;
    cc_header header;
    memset(&header, 0, sizeof header);
    if (cc_decoder_read_header(decoder, data, size, FUZZ_MAX_PIXELS, &header) == CC_OK) {
        size_t bytes = (size_t)header.width * header.height * (size_t)header.channels;
        uint8_t *pixels = malloc(bytes);
        if (pixels != NULL) {
            int status = cc_decoder_decode(decoder, pixels, bytes);
            /* Read every byte so that MSan/ASan see uninitialised or out-of-bounds output. */
            if (status == CC_OK) {
                volatile uint8_t sink = 0;
                for (size_t i = 0; i < bytes; i += 61) sink ^= pixels[i];
                (void)sink;
            }
            free(pixels);
        }
    }
    for (int i = 0; i < cc_decoder_warning_count(decoder); i++) (void)strlen(cc_decoder_warning(decoder, i));
    (void)strlen(cc_decoder_message(decoder));
    cc_decoder_destroy(decoder);
    return 0;
}
