/*
 * fuzz_charset.c - libFuzzer harness for engine/charset.c
 *
 * Input: the first byte picks a charset from the list below, the second a
 * chunk size (1 to 256 bytes); the rest is the text. It is converted as one
 * stream fed whole, as a stream fed in chunks of that size, and one-shot.
 * Checks: the three outputs and anomaly bits agree; each feed() writes at
 * most 3 * len + MS_CHARSET_SLACK bytes and finish() at most
 * MS_CHARSET_SLACK (each call gets a buffer of exactly that size, so ASan
 * catches a byte past it). The whole and chunked streams use two long-lived
 * ms_charset with different histories, so state left in a reused iconv
 * descriptor shows up as a difference.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"

/* Charsets whose output stays within three bytes per input byte (so not
 * TSCII, see charset.c BUGS), with single-byte, multibyte, stateful and
 * sniffed ones and aliases. */
static const char *const charsets[] = {
    "utf-8",          "us-ascii",     "",
    "iso-8859-1",     "windows-1252", "windows-1255",
    "windows-1258",   "koi8-r",       "shift_jis",
    "cp932",          "euc-jp",       "iso-2022-jp",
    "iso-2022-jp-2",  "iso-2022-kr",  "gb2312",
    "gb18030",        "big5",         "big5-hkscs",
    "ks_c_5601-1987", "euc-kr",       "johab",
    "euc-tw",         "utf-16",       "utf-16le",
    "utf-16be",       "utf-32",       "utf-7",
    "ucs-2",          "viscii",       "tis-620",
    "x-unknown",      "iso-8859-8-i", "macintosh",
    "cp1251",         "iso-2022-cn",  "iso-2022-cn-ext",
    "ibm930",         "ibm933",       "euc-jisx0213",
    "shift_jisx0213", "utf-7-imap",   "csunicode",
};

static ms_charset whole_cs, chunk_cs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ms_charset_init(&whole_cs);
    ms_charset_init(&chunk_cs);
    return 0;
}

/* Feed in[0..len) in chunks of step; returns malloc'd output. */
static char *convert_stream(ms_charset *c, const char *name, const char *in, size_t len,
                            size_t step, size_t *outlen, uint32_t *anom)
{
    char *acc = malloc(3 * len + MS_CHARSET_SLACK * (len / step + 2) + 1);
    size_t o = 0;

    if (!acc)
        abort();
    ms_charset_begin(c, name);
    for (size_t off = 0; off < len; off += step) {
        size_t n = step < len - off ? step : len - off, room = 3 * n + MS_CHARSET_SLACK;
        char *out = malloc(room);
        if (!out)
            abort();
        size_t got = ms_charset_feed(c, in + off, n, out);
        if (got > room)
            abort();
        memcpy(acc + o, out, got);
        o += got;
        free(out);
    }
    char *out = malloc(MS_CHARSET_SLACK);
    if (!out)
        abort();
    size_t got = ms_charset_finish(c, out);
    if (got > MS_CHARSET_SLACK)
        abort();
    memcpy(acc + o, out, got);
    free(out);
    *outlen = o + got;
    *anom = c->anomalies;
    return acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *name = charsets[data[0] % (sizeof charsets / sizeof charsets[0])];
    size_t step = (size_t)data[1] + 1, len = size - 2, wlen, clen;
    const char *in = (const char *)data + 2;
    uint32_t wanom, canom, oanom = 0;

    char *whole = convert_stream(&whole_cs, name, in, len, len ? len : 1, &wlen, &wanom);
    char *chunked = convert_stream(&chunk_cs, name, in, len, step, &clen, &canom);
    if (clen != wlen || memcmp(whole, chunked, wlen) != 0 || canom != wanom)
        abort();
    size_t cap = 3 * len + MS_CHARSET_SLACK + 1;
    char *one = malloc(cap);
    if (!one)
        abort();
    size_t olen = ms_charset_convert(&whole_cs, name, in, len, one, cap, &oanom);
    if (olen != wlen || memcmp(one, whole, wlen) != 0 || one[olen] != '\0' || oanom != wanom)
        abort();
    free(one);
    free(whole);
    free(chunked);
    return 0;
}
