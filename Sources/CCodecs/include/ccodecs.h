#ifndef CCODECS_H
#define CCODECS_H
#include <stddef.h>
/* Filled in by the decoder work: JPEG/PNG decoding with Pillow semantics, JPEG encoding. */
int ccodecs_version(void);
#endif
