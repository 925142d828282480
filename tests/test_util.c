/*
 * test_util.c - pins engine/util.c: the engine's one UTF-8 encoder and
 * validator
 */
#include "util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void test_utf8_put(void **state)
{
    static const struct {
        const char *name;
        uint32_t cp;
        const char *want;
    } cases[] = {
        {"ASCII is one byte", 0x41, "A"},
        {"NUL is written as it is (callers decide)", 0x00, ""},
        {"two bytes", 0xE9, "\xC3\xA9"},
        {"three bytes", 0x20AC, "\xE2\x82\xAC"},
        {"four bytes", 0x1F600, "\xF0\x9F\x98\x80"},
        {"the last code point", 0x10FFFF, "\xF4\x8F\xBF\xBF"},
        {"a surrogate is U+FFFD", 0xD800, "\xEF\xBF\xBD"},
        {"past Unicode is U+FFFD", 0x110000, "\xEF\xBF\xBD"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[4];
        size_t n = ms_utf8_put(out, cases[i].cp);
        size_t want = cases[i].cp == 0 ? 1 : strlen(cases[i].want);
        if (n != want || memcmp(out, cases[i].want, want) != 0)
            fail_msg("%s: U+%04X gave %zu bytes", cases[i].name, (unsigned)cases[i].cp, n);
        if (ms_utf8_len((const unsigned char *)out, n) != n)
            fail_msg("%s: the validator does not take what the encoder wrote", cases[i].name);
    }
}

static void test_utf8_check(void **state)
{
    static const struct {
        const char *name, *s;
        bool valid;
    } cases[] = {
        {"ASCII", "card 4111", true},
        {"mixed scripts", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", true},
        {"a stray continuation byte", "a\x80z", false},
        {"a cut sequence at the end", "caf\xC3", false},
        {"an overlong slash", "\xC0\xAF", false},
        {"an overlong three-byte form", "\xE0\x80\xAF", false},
        {"an encoded surrogate (CESU)", "\xED\xA0\x80", false},
        {"past U+10FFFF", "\xF4\x90\x80\x80", false},
        {"Latin-1 text", "na\xEFve", false},
        {"empty", "", true},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (ms_utf8_check(cases[i].s, strlen(cases[i].s)) != cases[i].valid)
            fail_msg("%s: want %s", cases[i].name, cases[i].valid ? "valid" : "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_put),
        cmocka_unit_test(test_utf8_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
