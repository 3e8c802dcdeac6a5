#include "ccodecs_encode.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

struct enc_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *message;
    size_t message_size;
};

static void enc_error_exit(j_common_ptr cinfo) {
    struct enc_error *e = (struct enc_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (e->message && e->message_size > 0) snprintf(e->message, e->message_size, "%s", text);
    longjmp(e->jump, 1);
}

/* Warnings never make an encode fail; libjpeg would print them to stderr otherwise. */
static void enc_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void set_error(char *err, size_t err_size, const char *text) {
    if (err && err_size > 0) snprintf(err, err_size, "%s", text);
}

int ccodecs_jpeg_encode(const unsigned char *pixels, int width, int height, int channels,
                        int quality, unsigned char **out, unsigned long *out_size,
                        char *err, size_t err_size) {
    if (!out || !out_size) { set_error(err, err_size, "no output buffer given"); return -1; }
    *out = NULL;
    *out_size = 0;
    if (!pixels || width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
        set_error(err, err_size, "invalid image for JPEG encoding");
        return -1;
    }
    if (quality < 1) quality = 1;
    if (quality > 100) quality = 100;

    struct jpeg_compress_struct cinfo;
    struct enc_error jerr;
    /* Kept in volatile storage: longjmp may clobber non-volatile locals changed after setjmp. */
    unsigned char *volatile buffer = NULL;
    unsigned long volatile size = 0;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = enc_error_exit;
    jerr.pub.output_message = enc_output_message;
    jerr.message = err;
    jerr.message_size = err_size;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, (unsigned long *)&size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = size;
    return 0;
}

void ccodecs_jpeg_free(unsigned char *buffer) { free(buffer); }
