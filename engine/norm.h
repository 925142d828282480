/*
 * norm.h - streaming normalisation of decoded UTF-8 text before matching
 */
#ifndef MS_NORM_H
#define MS_NORM_H

#include <stddef.h>

typedef struct ms_norm {
    unsigned char hold[4]; /* a multibyte sequence cut by the chunk end */
    size_t hlen;
} ms_norm;

void ms_norm_init(ms_norm *n);

/* Normalise len bytes into out (room: len + 4 bytes; output never grows
 * past input plus what is held). Returns bytes written. */
size_t ms_norm_feed(ms_norm *n, const char *in, size_t len, char *out);

/* End of text: write a held incomplete sequence as it is (room: 4). */
size_t ms_norm_finish(ms_norm *n, char *out);

#endif
