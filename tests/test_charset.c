/*
 * test_charset.c - pins engine/charset.c: declared charsets to UTF-8
 *
 * Every stream case is fed whole, at every two-piece split and byte by byte
 * (tests/helpers.h), so a multibyte character or an ISO-2022 escape cut by a
 * chunk end must come out the same. The same cases go through the one-shot
 * ms_charset_convert(). Further tests pin the descriptor cache: reuse
 * resets state, and a one-shot conversion leaves a stream alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "charset.h"
#include "helpers.h"

#include <mailsift/mailsift.h>

/* A string literal and its length (inputs may hold NULs). */
#define S(lit) lit, sizeof(lit) - 1

#define INVALID MS_ANOM_CHARSET_INVALID
#define UNKNOWN MS_ANOM_CHARSET_UNKNOWN

static const struct charset_case {
    const char *name; /* the behaviour */
    const char *charset;
    const char *in;
    size_t inlen;
    const char *want;
    size_t wantlen;
    uint32_t anom; /* bits after finish */
} charset_cases[] = {
    {"utf-8 passes through", "utf-8", S("caf\xc3\xa9 \xe2\x82\xac 4111 1111"),
     S("caf\xc3\xa9 \xe2\x82\xac 4111 1111"), 0},
    {"utf-8 four-byte character passes", "UTF-8", S("a\xf0\x9f\x98\x80z"), S("a\xf0\x9f\x98\x80z"),
     0},
    {"long ascii run passes", "utf-8", S("0123456789abcdefghijklmnopqrstuvwxyz\xc3\xa9"),
     S("0123456789abcdefghijklmnopqrstuvwxyz\xc3\xa9"), 0},
    {"utf-8 invalid byte becomes U+FFFD", "utf-8",
     S("a\xff"
       "b"),
     S("a\xef\xbf\xbd"
       "b"),
     INVALID},
    {"utf-8 overlong form is invalid", "utf-8", S("\xc0\xaf"), S("\xef\xbf\xbd\xef\xbf\xbd"),
     INVALID},
    {"utf-8 surrogate is invalid", "utf-8", S("\xed\xa0\x80!"),
     S("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!"), INVALID},
    {"utf-8 above U+10FFFF is invalid", "utf-8", S("\xf4\x90\x80\x80"),
     S("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"), INVALID},
    {"utf-8 cut short before a letter", "utf-8",
     S("\xe2\x82"
       "A"),
     S("\xef\xbf\xbd\xef\xbf\xbd"
       "A"),
     INVALID},
    {"utf-8 cut short at the end", "utf-8", S("ok\xe2\x82"), S("ok\xef\xbf\xbd\xef\xbf\xbd"),
     INVALID},
    {"utf8 is utf-8", "utf8", S("\xc3\xa9"), S("\xc3\xa9"), 0},
    {"quoted and blank name is cleaned", " \"UTF-8\" ", S("\xc3\xa9"), S("\xc3\xa9"), 0},
    {"us-ascii carrying utf-8 passes", "us-ascii", S("\xc3\xa9t\xc3\xa9"), S("\xc3\xa9t\xc3\xa9"),
     0},
    {"us-ascii with a latin-1 byte is invalid", "US-ASCII", S("caf\xe9"), S("caf\xef\xbf\xbd"),
     INVALID},
    {"no charset is ascii", "", S("plain"), S("plain"), 0},
    {"ansi_x3.4-1968 is ascii", "ANSI_X3.4-1968", S("plain"), S("plain"), 0},
    {"iso-8859-1 maps 0x80 to U+0080 like GMime", "iso-8859-1", S("\x80\xe9"),
     S("\xc2\x80\xc3\xa9"), 0},
    {"latin1 is iso-8859-1", "latin1", S("\xe9"), S("\xc3\xa9"), 0},
    {"iso_8859-1:1987 is iso-8859-1", "ISO_8859-1:1987", S("\xe9"), S("\xc3\xa9"), 0},
    {"iso8859-15 has the euro", "iso8859-15", S("\xa4"), S("\xe2\x82\xac"), 0},
    {"windows-1252 has smart quotes", "windows-1252", S("\x80\x93\x94"),
     S("\xe2\x82\xac\xe2\x80\x9c\xe2\x80\x9d"), 0},
    {"cp1252 is windows-1252", "cp1252", S("\x80"), S("\xe2\x82\xac"), 0},
    {"windows-1255 flushes a held letter at the end", "windows-1255", S("\xf9\xe0"),
     S("\xd7\xa9\xd7\x90"), 0},
    {"windows-1258 composes across a split", "windows-1258", S("xa\xd2y"), S("x\xe1\xba\xa3y"), 0},
    {"iso-8859-8-i is iso-8859-8", "iso-8859-8-i", S("\xe0"), S("\xd7\x90"), 0},
    {"koi8-r", "koi8-r", S("\xd0\xd2\xc9\xd7\xc5\xd4"),
     S("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"), 0},
    {"shift_jis split mid-character", "shift_jis", S("\x93\xfa\x96\x7b 12"),
     S("\xe6\x97\xa5\xe6\x9c\xac 12"), 0},
    {"x-sjis is shift_jis", "x-sjis", S("\x93\xfa"), S("\xe6\x97\xa5"), 0},
    {"shift_jis invalid byte becomes U+FFFD", "shift_jis",
     S("a\xff"
       "b"),
     S("a\xef\xbf\xbd"
       "b"),
     INVALID},
    {"shift_jis lead byte at the end is invalid", "shift_jis", S("a\x93"), S("a\xef\xbf\xbd"),
     INVALID},
    {"euc-jp", "euc-jp", S("\xc6\xfc\xcb\xdc"), S("\xe6\x97\xa5\xe6\x9c\xac"), 0},
    {"iso-2022-jp escapes split anywhere", "iso-2022-jp", S("a\x1b$B$K$[$s\x1b(B 4111"),
     S("a\xe3\x81\xab\xe3\x81\xbb\xe3\x82\x93 4111"), 0},
    {"gb2312 decodes gbk-only characters", "gb2312", S("\xd6\xd0\x81\x40"),
     S("\xe4\xb8\xad\xe4\xb8\x82"), 0},
    {"gb18030 four-byte sequence", "gb18030", S("\x81\x30\x81\x30\xa2\xe3"),
     S("\xc2\x80\xe2\x82\xac"), 0},
    {"big5", "big5", S("\xa4\xa4\xa4\xe5"), S("\xe4\xb8\xad\xe6\x96\x87"), 0},
    {"euc-kr", "euc-kr", S("\xc7\xd1\xb1\xdb"), S("\xed\x95\x9c\xea\xb8\x80"), 0},
    {"ks_c_5601-1987 decodes uhc-only characters", "ks_c_5601-1987", S("\x81\x41"),
     S("\xea\xb0\x82"), 0},
    {"cp949 pair glibc rejects after reading it keeps the next letter", "ks_c_5601-1987",
     S("x\xa2\xe8"
       "a"),
     S("x\xef\xbf\xbd"
       "a"),
     INVALID},
    {"utf-16 with little-endian mark", "utf-16", S("\xff\xfe\x41\x00\xac\x20"), S("A\xe2\x82\xac"),
     0},
    {"utf-16 with big-endian mark", "UTF-16", S("\xfe\xff\x00\x41\x20\xac"), S("A\xe2\x82\xac"), 0},
    {"utf-16 without mark, NUL first, is big-endian", "utf-16", S("\x00\x41\x00\x42"), S("AB"), 0},
    {"utf-16 without mark, NUL second, is little-endian", "utf-16", S("\x41\x00\x42\x00"), S("AB"),
     0},
    {"utf-16le surrogate pair split", "utf-16le", S("\x3d\xd8\x00\xde"), S("\xf0\x9f\x98\x80"), 0},
    {"utf-16be", "utf-16be", S("\x00\x34\x00\x31"), S("41"), 0},
    {"utf-16 odd byte at the end is invalid", "utf-16le", S("\x41\x00\x42"), S("A\xef\xbf\xbd"),
     INVALID},
    {"utf-16 one byte only is invalid", "utf-16", S("\x41"), S("\xef\xbf\xbd"), INVALID},
    {"utf-32 with little-endian mark", "utf-32", S("\xff\xfe\x00\x00\x41\x00\x00\x00"), S("A"), 0},
    {"utf-32 without mark is big-endian", "utf-32", S("\x00\x00\x00\x41"), S("A"), 0},
    {"utf-7 base64 run", "utf-7", S("+AKM-1 +2D3eAA-"),
     S("\xc2\xa3"
       "1 \xf0\x9f\x98\x80"),
     0},
    {"utf-7 plus-minus is a plus sign", "unicode-1-1-utf-7", S("1+-1=2"), S("1+1=2"), 0},
    {"utf-7 run ends at any non-base64 byte", "utf-7", S("+AKM."), S("\xc2\xa3."), 0},
    {"utf-7 lone surrogate is invalid wherever it is cut", "utf-7", S("a+3D3eAA 1"),
     S("a\xef\xbf\xbd\xef\xbf\xbd 1"), INVALID},
    {"utf-7 plus before a non-base64 byte is invalid", "utf-7", S("+!"), S("\xef\xbf\xbd!"),
     INVALID},
    {"utf-7 run with leftover bits is invalid", "utf-7", S("+AKN-"), S("\xc2\xa3\xef\xbf\xbd"),
     INVALID},
    {"utf-7 8-bit byte is invalid", "utf-7", S("\xe9"), S("\xef\xbf\xbd"), INVALID},
    {"utf-7-imap is refused: glibc's errors depend on chunking", "utf-7-imap", S("&AKM-"),
     S("&AKM-"), UNKNOWN},
    {"unknown charset passes bytes through", "x-nonsense", S("caf\xe9"), S("caf\xe9"), UNKNOWN},
    {"iconv suffix in a name is unknown", "utf-8//ignore", S("\xff"), S("\xff"), UNKNOWN},
    {"name longer than the limit is unknown", "iso-8859-1-and-a-very-long-name-indeed-yes",
     S("\xe9"), S("\xe9"), UNKNOWN},
    {"empty input gives nothing", "shift_jis", S(""), S(""), 0},
};

/* The stream decoder seen by ms_test_chunked: begin() in init. */
static const char *stream_charset;

typedef struct charset_stream {
    ms_charset cs;
} charset_stream;

static void stream_init(void *state)
{
    charset_stream *s = state;
    ms_charset_init(&s->cs);
    ms_charset_begin(&s->cs, stream_charset);
}

static size_t stream_feed(void *state, const char *in, size_t len, char *out)
{
    charset_stream *s = state;
    size_t n = ms_charset_feed(&s->cs, in, len, out);
    assert_true(n <= 3 * len + MS_CHARSET_SLACK);
    return n;
}

static size_t stream_finish(void *state, char *out)
{
    charset_stream *s = state;
    size_t n = ms_charset_finish(&s->cs, out);
    assert_true(n <= MS_CHARSET_SLACK);
    return n;
}

static size_t stream_room(size_t len)
{
    return 3 * len + MS_CHARSET_SLACK;
}

static void stream_fini(void *state)
{
    charset_stream *s = state;
    ms_charset_fini(&s->cs);
}

static const ms_test_decoder stream_decoder = {
    sizeof(charset_stream), stream_init, stream_feed, stream_finish, stream_room, stream_fini,
};

static void test_stream_cases(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof charset_cases / sizeof charset_cases[0]; i++) {
        const struct charset_case *tc = &charset_cases[i];
        stream_charset = tc->charset;
        ms_test_chunked(tc->name, &stream_decoder, tc->in, tc->inlen, tc->want, tc->wantlen);
    }
}

static void test_stream_anomalies(void **unused)
{
    (void)unused;
    char out[512];
    ms_charset cs;

    ms_charset_init(&cs);
    for (size_t i = 0; i < sizeof charset_cases / sizeof charset_cases[0]; i++) {
        const struct charset_case *tc = &charset_cases[i];
        bool known = ms_charset_begin(&cs, tc->charset);
        size_t n = ms_charset_feed(&cs, tc->in, tc->inlen, out);
        n += ms_charset_finish(&cs, out + n);
        if (cs.anomalies != tc->anom || known != !(tc->anom & UNKNOWN))
            fail_msg("%s: anomalies %#x, want %#x; begin() %d", tc->name, cs.anomalies, tc->anom,
                     known);
    }
    ms_charset_fini(&cs);
}

static void test_convert_cases(void **unused)
{
    (void)unused;
    char out[512];
    ms_charset cs;

    ms_charset_init(&cs);
    for (size_t i = 0; i < sizeof charset_cases / sizeof charset_cases[0]; i++) {
        const struct charset_case *tc = &charset_cases[i];
        uint32_t anom = 0;
        size_t n = ms_charset_convert(&cs, tc->charset, tc->in, tc->inlen, out, sizeof out, &anom);
        if (n != tc->wantlen || memcmp(out, tc->want, n) != 0 || out[n] != '\0')
            fail_msg("%s: one-shot gave %zu bytes \"%.*s\"", tc->name, n, (int)n, out);
        if (anom != tc->anom)
            fail_msg("%s: one-shot anomalies %#x, want %#x", tc->name, anom, tc->anom);
    }
    ms_charset_fini(&cs);
}

static const struct cut_case {
    const char *name, *charset, *in;
    size_t outcap;
    const char *want;
} cut_cases[] = {
    {"utf-8 is cut before a character", "utf-8", "\xe2\x82\xac\xe2\x82\xac", 6, "\xe2\x82\xac"},
    {"iconv output is cut before a character", "shift_jis", "\x93\xfa\x96\x7b", 6, "\xe6\x97\xa5"},
    {"unknown charset bytes are cut", "x-nonsense", "abcdef", 4, "abc"},
    {"room for the NUL only", "utf-8", "abc", 1, ""},
    {"replacement that does not fit is left out", "utf-8", "a\xff", 3, "a"},
};

static void test_convert_cuts(void **unused)
{
    (void)unused;
    ms_charset cs;
    char out[64];

    ms_charset_init(&cs);
    for (size_t i = 0; i < sizeof cut_cases / sizeof cut_cases[0]; i++) {
        const struct cut_case *tc = &cut_cases[i];
        memset(out, 'X', sizeof out);
        size_t n =
            ms_charset_convert(&cs, tc->charset, tc->in, strlen(tc->in), out, tc->outcap, NULL);
        if (n != strlen(tc->want) || strcmp(out, tc->want) != 0 || out[tc->outcap] != 'X')
            fail_msg("%s: got %zu bytes \"%s\"", tc->name, n, out);
    }
    assert_int_equal(ms_charset_convert(&cs, "utf-8", "abc", 3, out, 0, NULL), 0);
    ms_charset_fini(&cs);
}

/* Convert in one stream with cs, return a static copy for comparison. */
static const char *stream_once(ms_charset *cs, const char *charset, const char *in, size_t len)
{
    static char out[256];
    ms_charset_begin(cs, charset);
    size_t n = ms_charset_feed(cs, in, len, out);
    n += ms_charset_finish(cs, out + n);
    out[n] = '\0';
    return out;
}

static void test_cache_cycles_more_charsets_than_slots(void **unused)
{
    (void)unused;
    static const struct {
        const char *charset, *in, *want;
    } rounds[] = {
        {"shift_jis", "\x93\xfa", "\xe6\x97\xa5"}, {"koi8-r", "\xd0", "\xd0\xbf"},
        {"big5", "\xa4\xa4", "\xe4\xb8\xad"},      {"euc-kr", "\xc7\xd1", "\xed\x95\x9c"},
        {"gbk", "\x81\x40", "\xe4\xb8\x82"},       {"windows-1252", "\x80", "\xe2\x82\xac"},
        {"iso-8859-15", "\xa4", "\xe2\x82\xac"},   {"euc-jp", "\xc6\xfc", "\xe6\x97\xa5"},
    };
    ms_charset cs;

    ms_charset_init(&cs);
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < sizeof rounds / sizeof rounds[0]; i++)
            assert_string_equal(
                stream_once(&cs, rounds[i].charset, rounds[i].in, strlen(rounds[i].in)),
                rounds[i].want);
    ms_charset_fini(&cs);
}

static void test_reused_descriptor_starts_fresh(void **unused)
{
    (void)unused;
    ms_charset cs;

    ms_charset_init(&cs);
    /* a stream that ends in JIS mode must not leave the next one there */
    stream_once(&cs, "iso-2022-jp", "\x1b$B$K", 5);
    assert_string_equal(stream_once(&cs, "iso-2022-jp", "$K", 2), "$K");
    /* glibc's "UTF-16" keeps the last byte order after a reset; ours not */
    assert_string_equal(stream_once(&cs, "utf-16", "\xff\xfe\x41\x00", 4), "A");
    assert_string_equal(stream_once(&cs, "utf-16", "\x00\x41", 2), "A");
    ms_charset_fini(&cs);
}

static void test_convert_leaves_stream_alone(void **unused)
{
    (void)unused;
    ms_charset cs;
    char out[64], one[64];
    size_t n;

    ms_charset_init(&cs);
    assert_true(ms_charset_begin(&cs, "iso-2022-jp"));
    n = ms_charset_feed(&cs, "\x1b$B", 3, out);
    ms_charset_convert(&cs, "iso-2022-jp", "$K", 2, one, sizeof one, NULL);
    assert_string_equal(one, "$K");
    n += ms_charset_feed(&cs, "$K", 2, out + n);
    n += ms_charset_finish(&cs, out + n);
    out[n] = '\0';
    assert_string_equal(out, "\xe3\x81\xab");
    ms_charset_fini(&cs);
}

static void test_output_bound_on_noise(void **unused)
{
    (void)unused;
    static const char *const charsets[] = {"utf-8",     "us-ascii",    "iso-8859-1", "windows-1255",
                                           "shift_jis", "iso-2022-jp", "gb18030",    "big5",
                                           "cp949",     "utf-16",      "utf-32",     "utf-7",
                                           "x-unknown", "euc-jp",      "iso-2022-kr"};
    unsigned seed = 12345;
    char in[300], *out = malloc(3 * sizeof in + MS_CHARSET_SLACK);
    ms_charset cs;

    assert_non_null(out);
    ms_charset_init(&cs);
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof in; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (char)(seed >> 16);
        }
        ms_charset_begin(&cs, charsets[round % (sizeof charsets / sizeof charsets[0])]);
        for (size_t off = 0, step = 1 + (size_t)round % 17; off < sizeof in; off += step) {
            size_t len = step < sizeof in - off ? step : sizeof in - off;
            assert_true(ms_charset_feed(&cs, in + off, len, out) <= 3 * len + MS_CHARSET_SLACK);
        }
        assert_true(ms_charset_finish(&cs, out) <= MS_CHARSET_SLACK);
    }
    ms_charset_fini(&cs);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_cases),
        cmocka_unit_test(test_stream_anomalies),
        cmocka_unit_test(test_convert_cases),
        cmocka_unit_test(test_convert_cuts),
        cmocka_unit_test(test_cache_cycles_more_charsets_than_slots),
        cmocka_unit_test(test_reused_descriptor_starts_fresh),
        cmocka_unit_test(test_convert_leaves_stream_alone),
        cmocka_unit_test(test_output_bound_on_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
