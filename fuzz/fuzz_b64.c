/*
 * fuzz_b64.c - libFuzzer harness for engine/b64.c
 *
 * The first byte picks the chunk size (0: the whole input at once); the rest
 * is the base64 text. Checks: a feed of n bytes writes at most
 * (n / 4 + 1) * 3 bytes and finish at most 3 (each call gets a buffer of
 * exactly that size, so ASan sees an overrun); the chunked run gives the
 * same output and anomalies as the whole input; and the input bytes
 * themselves, base64-encoded with line breaks, decode back to themselves
 * with no anomaly, in the same chunks.
 */
#include "b64.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct run {
    unsigned char *out;
    size_t len;
    uint32_t anomalies;
} run;

/* decode - feed in through a fresh decoder in chunks of step bytes */
static run decode(const char *in, size_t len, size_t step)
{
    run r = {malloc(len / 4 * 3 + 3 * (len / step + 2)), 0, 0};
    ms_b64 d;

    if (!r.out)
        abort();
    ms_b64_init(&d);
    for (size_t i = 0; i < len; i += step) {
        size_t n = len - i < step ? len - i : step, room = (n / 4 + 1) * 3;
        unsigned char *buf = malloc(room);
        if (!buf)
            abort();
        size_t w = ms_b64_feed(&d, in + i, n, buf);
        if (w > room)
            abort();
        memcpy(r.out + r.len, buf, w);
        r.len += w;
        free(buf);
    }
    unsigned char *buf = malloc(3);
    if (!buf)
        abort();
    size_t w = ms_b64_finish(&d, buf);
    if (w > 3)
        abort();
    memcpy(r.out + r.len, buf, w);
    r.len += w;
    free(buf);
    r.anomalies = d.anomalies;
    return r;
}

/* encode - RFC 2045 base64 of p[0..n), CRLF after every 76 characters */
static char *encode(const unsigned char *p, size_t n, size_t *outlen)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((n + 2) / 3 * 4 * 2 + 4);
    size_t o = 0, col = 0;

    if (!out)
        abort();
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
        if ((col += 4) == 76) {
            out[o++] = '\r';
            out[o++] = '\n';
            col = 0;
        }
    }
    *outlen = o;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t len = size - 1, step = data[0] ? data[0] : (len ? len : 1);
    run whole = decode(in, len, len ? len : 1);
    run cut = decode(in, len, step);

    if (cut.len != whole.len || memcmp(cut.out, whole.out, whole.len) != 0 ||
        cut.anomalies != whole.anomalies)
        abort();

    size_t elen;
    char *enc = encode(data + 1, len, &elen);
    run back = decode(enc, elen, step);
    if (back.len != len || memcmp(back.out, data + 1, len) != 0 || back.anomalies != 0)
        abort();
    free(enc);
    free(back.out);
    free(whole.out);
    free(cut.out);
    return 0;
}
