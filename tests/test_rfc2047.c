/*
 * test_rfc2047.c - pins engine/rfc2047.c: encoded words in header values
 *
 * Where a case follows GMime (g_mime_utils_header_decode_text, our
 * reference decoder) its name says so; where we deliberately differ, the
 * name says what we do instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rfc2047.h"

#include <mailsift/mailsift.h>

#define BAD     MS_ANOM_BAD_ENCODED_WORD
#define INVALID MS_ANOM_CHARSET_INVALID
#define UNKNOWN MS_ANOM_CHARSET_UNKNOWN
#define FFFD    "\xef\xbf\xbd"

static const struct rfc2047_case {
    const char *name, *in, *want;
    uint32_t anom;
} rfc2047_cases[] = {
    {"plain text is copied", "Hello, world", "Hello, world", 0},
    {"8-bit text outside words is copied", "caf\xc3\xa9 =?utf-8?q?x?=", "caf\xc3\xa9 x", 0},
    {"Q word decodes", "=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9", 0},
    {"Q escapes in lower case decode", "=?utf-8?q?=c3=a9?=", "\xc3\xa9", 0},
    {"Q underscore is a space", "=?UTF-8?Q?hi_there?=", "hi there", 0},
    {"B word decodes", "=?utf-8?B?w6k=?=", "\xc3\xa9", 0},
    {"lower-case b decodes", "=?utf-8?b?YWJj?=", "abc", 0},
    {"text around words keeps its blanks", "Re: =?utf-8?q?x?= tail", "Re: x tail", 0},
    {"blanks between words are dropped", "=?utf-8?q?a?= \t =?utf-8?q?b?=", "ab", 0},
    {"folding between words is dropped", "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab", 0},
    {"text between words is kept", "=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b", 0},
    {"comma between words is kept", "=?utf-8?q?a?=,=?utf-8?q?b?=", "a,b", 0},
    {"blank after the last word is kept", "=?utf-8?b?YWJj?= ", "abc ", 0},
    {"utf-8 character split across Q words", "=?utf-8?q?=E2=82?= =?utf-8?q?=AC?=", "\xe2\x82\xac",
     0},
    {"utf-8 character split across padded B words (GMime loses it)",
     "=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "\xe2\x82\xac", 0},
    {"utf-8 character split across a Q and a B word",
     "=?utf-8?q?=E2=82?= =?utf-8?b?rA==?=", "\xe2\x82\xac", 0},
    {"charsets are compared without case", "=?utf-8?q?=E2=82?= =?UTF-8?q?=AC?=", "\xe2\x82\xac", 0},
    {"different charsets are converted apart",
     "=?utf-8?q?=C3?= =?iso-8859-1?q?=E9?=", FFFD "\xc3\xa9", INVALID},
    {"shift_jis character split across words",
     "=?shift_jis?b?kw==?= =?shift_jis?b?+g==?=", "\xe6\x97\xa5", 0},
    {"iso-2022-jp word",
     "=?iso-2022-jp?B?GyRCJEskWyRzGyhC?=", "\xe3\x81\xab\xe3\x81\xbb\xe3\x82\x93", 0},
    {"iso-2022-jp split across words keeps its shift state",
     "=?iso-2022-jp?B?GyRCJEs=?= =?iso-2022-jp?B?JFskcxsoQg==?=",
     "\xe3\x81\xab\xe3\x81\xbb\xe3\x82\x93", 0},
    {"ks_c_5601-1987 word", "=?ks_c_5601-1987?b?x9Gx2w==?=", "\xed\x95\x9c\xea\xb8\x80", 0},
    {"gb2312 word", "=?gb2312?b?1tDOxA==?=", "\xe4\xb8\xad\xe6\x96\x87", 0},
    {"utf-16 word without mark is big-endian (GMime reads it little-endian)",
     "=?utf-16?b?AEEAQg==?=", "AB", 0},
    {"utf-7 word", "=?utf-7?q?+AKM-?=", "\xc2\xa3", 0},
    {"Q escape split across words is joined", "=?utf-8?q?=E2=8?= =?utf-8?q?2=AC?=", "\xe2\x82\xac",
     0},
    {"word glued to text decodes, like GMime", "foo=?utf-8?q?x?=bar", "fooxbar", 0},
    {"words glued to each other join", "=?utf-8?q?a?==?utf-8?q?b?=", "ab", 0},
    {"word inside quotes decodes, like GMime", "\"=?utf-8?q?x?=\"", "\"x\"", 0},
    {"RFC 2231 language is dropped", "=?utf-8*en?Q?hi?=", "hi", 0},
    {"question mark inside the text, like GMime", "=?utf-8?q?a?b?=", "a?b", 0},
    {"blanks inside the text, like GMime", "=?utf-8?q?a b?=", "a b", 0},
    {"empty encoded text gives nothing", "=?utf-8?q?\?=", "", 0},
    {"empty word between words vanishes", "=?UTF-8?Q?\?= =?UTF-8?Q?a?=", "a", 0},
    {"base64 without padding decodes (GMime drops it)", "=?utf-8?b?w6k?=", "\xc3\xa9", 0},
    {"card number across words joins",
     "=?utf-8?q?4111_1111?= =?utf-8?q?_1111_1111?=", "4111 1111 1111 1111", 0},
    {"unknown encoding letter is kept and flagged", "=?utf-8?x?abc?=", "=?utf-8?x?abc?=", BAD},
    {"missing end is kept and flagged", "=?utf-8?q?abc", "=?utf-8?q?abc", BAD},
    {"empty charset is kept and flagged", "=??q?a?=", "=??q?a?=", BAD},
    {"charset of a language only is kept and flagged", "=?*en?q?a?=", "=?*en?q?a?=", BAD},
    {"a lone =? is text, not flagged", "Is 2+2=? yes", "Is 2+2=? yes", 0},
    {"=? before a question in prose is not flagged", "x=? why? so", "x=? why? so", 0},
    {"charset too long to be known still decodes, like GMime",
     "=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?b?NDExMQ==?=", "4111", UNKNOWN},
    {"charset with a blank still decodes, like GMime", "=?utf 8?q?x?=", "x", UNKNOWN},
    {"word after a failed =? still decodes (GMime stops)", "=?=?utf-8?q?a?=", "=?a", BAD},
    {"broken Q escape is kept literally (GMime keeps it too)", "=?utf-8?q?a=zz?=", "a=zz", BAD},
    {"Q escape cut at the end is kept (GMime drops it)", "=?utf-8?q?a=4?=", "a=4", BAD},
    {"lone = at the end of a Q word is kept", "=?utf-8?q?=?=", "=", BAD},
    {"Q escape left open before a B word is kept", "=?utf-8?q?a=?= =?utf-8?b?Yg==?=", "a=b", BAD},
    {"base64 noise is skipped and flagged", "=?utf-8?b?w6k!?=", "\xc3\xa9", BAD},
    {"lone base64 sextet is flagged", "=?utf-8?b?QUJDR?=", "ABC", BAD},
    {"NUL from decoding is dropped (GMime writes '?')", "=?utf-8?q?41=0011?=", "4111", BAD},
    {"unknown charset passes decoded bytes", "=?x-foo?q?=E9?=", "\xe9", UNKNOWN},
    {"invalid bytes become U+FFFD (GMime writes '?')", "=?utf-8?q?=FF?=", FFFD, INVALID},
    {"iso-8859-1 0x80 is U+0080, like GMime", "=?iso-8859-1?q?=80?=", "\xc2\x80", 0},
};

static void test_decode_cases(void **unused)
{
    (void)unused;
    ms_charset cs;
    char out[512];

    ms_charset_init(&cs);
    for (size_t i = 0; i < sizeof rfc2047_cases / sizeof rfc2047_cases[0]; i++) {
        const struct rfc2047_case *tc = &rfc2047_cases[i];
        uint32_t anom = 0;
        size_t n = ms_rfc2047_decode(&cs, tc->in, strlen(tc->in), out, sizeof out, &anom);
        if (n != strlen(tc->want) || memcmp(out, tc->want, n) != 0 || out[n] != '\0')
            fail_msg("%s: got %zu bytes \"%s\", want \"%s\"", tc->name, n, out, tc->want);
        if (anom != tc->anom)
            fail_msg("%s: anomalies %#x, want %#x", tc->name, anom, tc->anom);
    }
    ms_charset_fini(&cs);
}

static const struct cut_case {
    const char *name, *in;
    size_t outcap;
    const char *want;
} cut_cases[] = {
    {"text is cut at outcap - 1", "abcdef", 4, "abc"},
    {"decoded word is cut before a character", "=?utf-8?q?=E2=82=AC=E2=82=AC?=", 6, "\xe2\x82\xac"},
    {"text after a cut word is left out", "=?utf-8?q?abc?=def", 3, "ab"},
    {"room for the NUL only", "=?utf-8?q?abc?=", 1, ""},
};

static void test_output_is_cut(void **unused)
{
    (void)unused;
    ms_charset cs;
    char out[64];

    ms_charset_init(&cs);
    for (size_t i = 0; i < sizeof cut_cases / sizeof cut_cases[0]; i++) {
        const struct cut_case *tc = &cut_cases[i];
        memset(out, 'X', sizeof out);
        size_t n = ms_rfc2047_decode(&cs, tc->in, strlen(tc->in), out, tc->outcap, NULL);
        if (n != strlen(tc->want) || strcmp(out, tc->want) != 0 || out[tc->outcap] != 'X')
            fail_msg("%s: got %zu bytes \"%s\"", tc->name, n, out);
    }
    memset(out, 'X', sizeof out);
    assert_int_equal(ms_rfc2047_decode(&cs, "abc", 3, out, 0, NULL), 0);
    assert_int_equal(out[0], 'X');
    ms_charset_fini(&cs);
}

/* A run longer than the run buffer is converted in pieces, nothing lost. */
static void test_long_run_is_whole(void **unused)
{
    (void)unused;
    enum { N = 10000 };
    char *in = malloc(N + 32), *out = malloc(N + 1);
    ms_charset cs;
    size_t len;

    assert_non_null(in);
    assert_non_null(out);
    len = (size_t)sprintf(in, "=?utf-8?q?");
    memset(in + len, '7', N);
    len += N;
    len += (size_t)sprintf(in + len, "?=");
    ms_charset_init(&cs);
    assert_int_equal(ms_rfc2047_decode(&cs, in, len, out, N + 1, NULL), N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(out[i], '7');
    ms_charset_fini(&cs);
    free(in);
    free(out);
}

/* 64 KiB of word beginnings without an end: one pass, copied literally. */
static void test_unterminated_words_stay_linear(void **unused)
{
    (void)unused;
    enum { N = 64 * 1024 };
    char *in = malloc(N), *out = malloc(N + 1);
    ms_charset cs;
    uint32_t anom = 0;

    assert_non_null(in);
    assert_non_null(out);
    for (size_t i = 0; i < N; i++)
        in[i] = "=?a?q?x "[i % 8];
    ms_charset_init(&cs);
    assert_int_equal(ms_rfc2047_decode(&cs, in, N, out, N + 1, &anom), N);
    assert_memory_equal(out, in, N);
    assert_int_equal(anom, BAD);
    ms_charset_fini(&cs);
    free(in);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_cases),
        cmocka_unit_test(test_output_is_cut),
        cmocka_unit_test(test_long_run_is_whole),
        cmocka_unit_test(test_unterminated_words_stay_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
