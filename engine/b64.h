/*
 * b64.h - streaming base64 decoder (RFC 2045 6.8)
 */
#ifndef MS_B64_H
#define MS_B64_H

#include <stddef.h>
#include <stdint.h>

typedef struct ms_b64 {
    uint32_t acc;       /* sextets collected for the current quantum */
    unsigned n;         /* how many (0..3) */
    unsigned pad;       /* '=' still due after the last padded quantum */
    uint32_t anomalies; /* MS_ANOM_B64_* bits */
} ms_b64;

void ms_b64_init(ms_b64 *d);

/* Decode len bytes of in into out; out needs room for (len / 4 + 1) * 3
 * bytes. Returns the number of bytes written. Whitespace and bytes outside
 * the alphabet are skipped (the latter set MS_ANOM_B64_BAD_CHAR). */
size_t ms_b64_feed(ms_b64 *d, const char *in, size_t len, unsigned char *out);

/* End of data: write out a pending partial quantum (room for 3 bytes). */
size_t ms_b64_finish(ms_b64 *d, unsigned char *out);

#endif
