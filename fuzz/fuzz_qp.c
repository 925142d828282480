/*
 * fuzz_qp.c - libFuzzer harness for engine/qp.c
 *
 * The first byte picks the chunk size (0: the whole input at once); the rest
 * is the quoted-printable text. Checks: a feed of n bytes writes at most
 * n + MS_QP_SLACK and finish at most MS_QP_SLACK (each call gets a buffer of
 * exactly that size, so ASan sees an overrun); the whole output is never
 * longer than the input; the chunked run gives the same output and
 * anomalies as the whole input; and the input bytes themselves, QP-encoded
 * with soft breaks of every kind the decoder accepts, decode back to
 * themselves with no anomaly, in the same chunks.
 */
#include "qp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct run {
    char *out;
    size_t len;
    uint32_t anomalies;
} run;

/* decode - feed in through a fresh decoder in chunks of step bytes */
static run decode(const char *in, size_t len, size_t step)
{
    run r = {malloc(len + MS_QP_SLACK * (len / step + 2)), 0, 0};
    ms_qp d;

    if (!r.out)
        abort();
    ms_qp_init(&d);
    for (size_t i = 0; i < len; i += step) {
        size_t n = len - i < step ? len - i : step;
        char *buf = malloc(n + MS_QP_SLACK);
        if (!buf)
            abort();
        size_t w = ms_qp_feed(&d, in + i, n, buf);
        if (w > n + MS_QP_SLACK)
            abort();
        memcpy(r.out + r.len, buf, w);
        r.len += w;
        free(buf);
    }
    char *buf = malloc(MS_QP_SLACK);
    if (!buf)
        abort();
    size_t w = ms_qp_finish(&d, buf);
    if (w > MS_QP_SLACK)
        abort();
    memcpy(r.out + r.len, buf, w);
    r.len += w;
    free(buf);
    r.anomalies = d.anomalies;
    return r;
}

/*
 * encode - quoted-printable of p[0..n): printable ASCII but '=' as itself,
 * all else as =XY (hex case from the byte's low bit), and after every 60
 * characters a soft break whose form (=CRLF, =LF, '=' blanks CRLF) turns
 * with the line number.
 */
static char *encode(const unsigned char *p, size_t n, size_t *outlen)
{
    static const char *const breaks[] = {"=\r\n", "=\n", "= \t \r\n", "=      \n"};
    static const char hex[2][17] = {"0123456789ABCDEF", "0123456789abcdef"};
    char *out = malloc(n * 3 + (n / 20 + 1) * 10);
    size_t o = 0, col = 0, line = 0;

    if (!out)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (p[i] > ' ' && p[i] < 0x7F && p[i] != '=') {
            out[o++] = (char)p[i];
            col++;
        } else {
            out[o++] = '=';
            out[o++] = hex[p[i] & 1][p[i] >> 4];
            out[o++] = hex[p[i] & 1][p[i] & 15];
            col += 3;
        }
        if (col >= 60) {
            const char *b = breaks[line++ % 4];
            memcpy(out + o, b, strlen(b));
            o += strlen(b);
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

    if (whole.len > len)
        abort();
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
