/*
 * test_norm.c - normalisation of decoded text (engine/norm.c), each case
 * checked whole, at every split and byte by byte
 */
#include "helpers.h"
#include "norm.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void init(void *st)
{
    ms_norm_init(st);
}

static size_t feed(void *st, const char *in, size_t len, char *out)
{
    return ms_norm_feed(st, in, len, out);
}

static size_t finish(void *st, char *out)
{
    return ms_norm_finish(st, out);
}

static size_t room(size_t len)
{
    return len + 4;
}

static const ms_test_decoder norm_decoder = {sizeof(ms_norm), init, feed, finish, room, NULL};

static const struct norm_case {
    const char *name, *in, *want;
} norm_cases[] = {
    {"ASCII passes unchanged", "Card 4111 1111 1111 1111.", "Card 4111 1111 1111 1111."},
    {"no-break spaces between digit groups become spaces",
     "4111\xc2\xa0"
     "1111\xc2\xa0"
     "1111",
     "4111 1111 1111"},
    {"thin and narrow no-break spaces become spaces",
     "4111\xe2\x80\x89"
     "1111\xe2\x80\xaf"
     "22",
     "4111 1111 22"},
    {"zero-width space and joiner inside a number are removed",
     "41\xe2\x80\x8b"
     "11\xe2\x80\x8d"
     "11\xef\xbb\xbf"
     "11",
     "41111111"},
    {"soft hyphen is removed",
     "con\xc2\xad"
     "fidential",
     "confidential"},
    {"fullwidth digits become ASCII digits", "\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91",
     "4111"},
    {"Unicode dashes become '-'",
     "4111\xe2\x80\x93"
     "1111\xe2\x88\x92"
     "1111",
     "4111-1111-1111"},
    {"other letters stay",
     "Gr\xc3\xbc\xc3\x9f"
     "e \xe6\x97\xa5\xe6\x9c\xac",
     "Gr\xc3\xbc\xc3\x9f"
     "e \xe6\x97\xa5\xe6\x9c\xac"},
    {"a broken sequence passes through as bytes",
     "a\xe2\x80"
     "b\xff"
     "c",
     "a\xe2\x80"
     "b\xff"
     "c"},
    {"a stray lead byte before a dash stays; the dash is mapped", "x\xe2\xe2\x80\x94y", "x\xe2-y"},
    {"a sequence cut at the end of text is kept", "abc\xe2\x80", "abc\xe2\x80"},
    {"four-byte characters pass", "\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!"},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++) {
        const struct norm_case *c = &norm_cases[i];
        ms_test_chunked(c->name, &norm_decoder, c->in, strlen(c->in), c->want, strlen(c->want));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
