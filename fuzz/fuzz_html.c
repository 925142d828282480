/*
 * fuzz_html.c - libFuzzer harness for engine/html.c
 *
 * The first byte picks the chunk size (0: the whole input at once); the rest
 * is the HTML. Checks: a feed of n bytes writes at most n + MS_HTML_SLACK
 * (each call gets a buffer of exactly that size, so ASan sees an overrun),
 * finish at most MS_HTML_SLACK; the chunked run gives the same output and
 * anomalies as the whole input; valid UTF-8 in gives valid UTF-8 out.
 */
#include "html.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct run {
    char *out;
    size_t len;
    uint32_t anomalies;
} run;

/* convert - feed in through a fresh filter in chunks of step bytes */
static run convert(const char *in, size_t len, size_t step)
{
    run r = {malloc(len + MS_HTML_SLACK * (len / step + 2)), 0, 0};
    ms_html h;

    if (!r.out)
        abort();
    ms_html_init(&h);
    for (size_t i = 0; i < len; i += step) {
        size_t n = len - i < step ? len - i : step;
        char *buf = malloc(n + MS_HTML_SLACK);
        size_t w = ms_html_feed(&h, in + i, n, buf);
        if (!buf || w > n + MS_HTML_SLACK)
            abort();
        memcpy(r.out + r.len, buf, w);
        r.len += w;
        free(buf);
    }
    char *buf = malloc(MS_HTML_SLACK);
    size_t w = ms_html_finish(&h, buf);
    if (!buf || w > MS_HTML_SLACK)
        abort();
    memcpy(r.out + r.len, buf, w);
    r.len += w;
    free(buf);
    r.anomalies = h.anomalies;
    return r;
}

/* utf8_check - true if p[0..n) is well-formed UTF-8 (RFC 3629) */
static bool utf8_check(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = p[i], need = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 9;
        uint32_t cp = need == 0 ? c : c & (0x3F >> need);
        if (need == 9 || c > 0xF4 || need > n - i - 1)
            return false;
        for (unsigned k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    run whole = convert(in, len, len ? len : 1);
    run cut = convert(in, len, data[0] ? data[0] : (len ? len : 1));

    if (cut.len != whole.len || memcmp(cut.out, whole.out, whole.len) != 0 ||
        cut.anomalies != whole.anomalies)
        abort();
    if (utf8_check(data + 1, len) && !utf8_check((const unsigned char *)whole.out, whole.len))
        abort();
    free(whole.out);
    free(cut.out);
    return 0;
}
