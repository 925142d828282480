/*
 * test_hdr.c - pins engine/hdr.c: the type token and the parameters of
 * Content-Type and Content-Disposition
 *
 * Cases marked "like GMime" give what g_mime_content_type_get_parameter()
 * gives; the others name what we do where GMime differs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hdr.h"

static const struct token_case {
    const char *name, *in, *want;
} token_cases[] = {
    {"type is lower-cased", "Text/HTML; charset=x", "text/html"},
    {"leading blanks are skipped", "  text/plain", "text/plain"},
    {"leading comment is skipped", "(legacy) multipart/mixed; boundary=x", "multipart/mixed"},
    {"comments and blanks around the slash", "text (a) / (b) plain (c)", "text/plain"},
    {"disposition is one token", "Attachment; filename=a.txt", "attachment"},
    {"folded value", "multipart/alternative;\r\n\tboundary=x", "multipart/alternative"},
    {"empty value has none", "", ""},
    {"parameters without a type have none", "; charset=x", ""},
    {"subtype may be missing", "text/; x=y", "text/"},
    {"token ends at a special", "text/plain,junk", "text/plain"},
};

static void test_token_cases(void **unused)
{
    (void)unused;
    char out[64];

    for (size_t i = 0; i < sizeof token_cases / sizeof token_cases[0]; i++) {
        const struct token_case *tc = &token_cases[i];
        size_t n = ms_hdr_token(tc->in, strlen(tc->in), out, sizeof out);
        if (n != strlen(tc->want) || strcmp(out, tc->want) != 0)
            fail_msg("%s: got %zu bytes \"%s\", want \"%s\"", tc->name, n, out, tc->want);
    }
}

static void test_token_is_cut(void **unused)
{
    (void)unused;
    char out[8];

    memset(out, 'X', sizeof out);
    assert_int_equal(ms_hdr_token("text/plain", 10, out, 5), 4);
    assert_string_equal(out, "text");
    assert_int_equal(out[5], 'X');
    assert_int_equal(ms_hdr_token("text/plain", 10, out, 0), 0);
}

static const struct param_case {
    const char *name, *value, *param;
    bool found;
    const char *want;
} param_cases[] = {
    {"token value", "text/plain; name=a.txt", "name", true, "a.txt"},
    {"name is not filename", "attachment; filename=a.exe", "name", false, ""},
    {"filename is not name", "text/plain; name=a.txt", "filename", false, ""},
    {"name after filename", "text/plain; filename=b.txt; name=a.txt", "name", true, "a.txt"},
    {"boundary is not x-boundary", "multipart/mixed; x-boundary=a", "boundary", false, ""},
    {"boundary after x-boundary", "multipart/mixed; x-boundary=a; boundary=b", "boundary", true,
     "b"},
    {"names in any case", "text/plain; NAME=v", "name", true, "v"},
    {"quoted value with escapes", "text/plain; name=\"q \\\"x\\\" y\"", "name", true, "q \"x\" y"},
    {"semicolon inside quotes", "text/plain; name=\"a;b\"", "name", true, "a;b"},
    {"parameter inside a quoted value is not one", "text/plain; x=\"; name=evil\"; name=good",
     "name", true, "good"},
    {"parameter inside a comment is not one", "text/plain; (name=evil) name=good", "name", true,
     "good"},
    {"comments around = are skipped, like GMime", "text/plain; (c) name (c) = (c) \"v\" (c)",
     "name", true, "v"},
    {"blanks around = are skipped", "text/plain; name = v ", "name", true, "v"},
    {"unquoted value runs to the semicolon, like GMime", "text/plain; name=my file.pdf; x=1",
     "name", true, "my file.pdf"},
    {"comment after an unquoted value is part of it, like GMime", "text/plain; name=v (c)", "name",
     true, "v (c)"},
    {"junk after the closing quote is ignored, like GMime", "text/plain; name=\"a\"b; x=1", "name",
     true, "a"},
    {"unterminated quote runs to the end", "text/plain; name=\"a b", "name", true, "a b"},
    {"empty parameters are skipped", "text/plain;; name=v", "name", true, "v"},
    {"empty value is present", "text/plain; name=", "name", true, ""},
    {"empty value before does not hide it (GMime stops)", "text/plain; x=; name=v", "name", true,
     "v"},
    {"parameter without = does not hide it", "text/plain; junk; name=v", "name", true, "v"},
    {"= without a name does not hide it", "text/plain; =x; name=v", "name", true, "v"},
    {"no semicolon, no parameter, like GMime", "text/plain name=v", "name", false, ""},
    {"folded parameters", "text/plain;\r\n\tcharset=\"utf-8\";\r\n name=a", "name", true, "a"},
    {"first of two wins, like GMime", "text/plain; name=a; name=b", "name", true, "a"},
    {"plain before extended wins, like GMime", "text/plain; name=a; name*=utf-8''b", "name", true,
     "a"},
    {"extended before plain wins, like GMime", "text/plain; name*=utf-8''b; name=a", "name", true,
     "b"},
    {"RFC 2231 value in utf-8", "attachment; filename*=utf-8''%E2%82%AC.txt", "filename", true,
     "\xe2\x82\xac.txt"},
    {"RFC 2231 value with a language", "text/plain; name*=iso-8859-1'en'%E9", "name", true,
     "\xc3\xa9"},
    {"RFC 2231 value in upper-case charset", "text/plain; name*=UTF-8''%c3%a9", "name", true,
     "\xc3\xa9"},
    {"RFC 2231 value quoted, like GMime", "text/plain; name*=\"utf-8''%41\"", "name", true, "A"},
    {"RFC 2231 value without charset", "text/plain; name*=%41%42", "name", true, "AB"},
    {"RFC 2231 broken escapes stay, like GMime", "text/plain; name*=utf-8''%zz%4", "name", true,
     "%zz%4"},
    {"RFC 2231 unknown charset passes bytes", "text/plain; name*=x-bogus''%41%E9", "name", true,
     "A\xe9"},
    {"continuations join in order", "text/plain; name*0=\"a\"; name*1*=%41; name*2=c", "name", true,
     "aAc"},
    {"continuations out of order join in order", "text/plain; name*2=c; name*0=\"a\"; name*1*=%41",
     "name", true, "aAc"},
    {"continuation splits a character", "text/plain; name*0*=utf-8''%E2%82; name*1*=%AC", "name",
     true, "\xe2\x82\xac"},
    {"charset comes from section 0", "text/plain; name*0*=iso-8859-1''%E9; name*1*=%E9", "name",
     true, "\xc3\xa9\xc3\xa9"},
    {"plain continuation after an extended one", "text/plain; name*0*=utf-8''%41; name*1=\"b c\"",
     "name", true, "Ab c"},
    {"gap in sections is skipped, like GMime", "text/plain; name*0=a; name*2=c", "name", true,
     "ac"},
    {"missing section 0, like GMime", "text/plain; name*1=b; name*2=c", "name", true, "bc"},
    {"leading zeros in a section, like GMime", "text/plain; name*00=a; name*1=b", "name", true,
     "ab"},
    {"repeated section keeps the first (GMime joins both)", "text/plain; name*0=a; name*0=b",
     "name", true, "a"},
    {"sections past 63 are ignored", "text/plain; name*0=a; name*64=b; name*1=c", "name", true,
     "ac"},
    {"name*x is a name of its own", "text/plain; name*x=a; name=b", "name", true, "b"},
    {"encoded word in a quoted value, like GMime", "text/plain; name=\"=?utf-8?b?4oKs?=.txt\"",
     "name", true, "\xe2\x82\xac.txt"},
    {"encoded words in a quoted value join", "text/plain; name=\"=?utf-8?q?a?= =?utf-8?q?b?=\"",
     "name", true, "ab"},
    {"encoded word in a token value, like GMime", "text/plain; name==?utf-8?q?x?=", "name", true,
     "x"},
    {"encoded word after an escape", "text/plain; name=\"\\\"=?utf-8?q?x?=\"", "name", true, "\"x"},
    {"boundary is byte-exact (GMime decodes the word)",
     "multipart/mixed; boundary=\"=_a\\\"b=?utf-8?q?x?=\"", "boundary", true,
     "=_a\"b=?utf-8?q?x?="},
    {"boundary keeps inner blanks", "multipart/mixed; boundary=\"a b \"", "boundary", true, "a b "},
    {"boundary token is trimmed, like GMime", "multipart/mixed; boundary=  abc  ; x=1", "boundary",
     true, "abc"},
    {"first of two boundaries wins, like GMime", "multipart/mixed; boundary=X; boundary=Y",
     "boundary", true, "X"},
    {"boundary with a semicolon", "multipart/mixed; boundary=\"X;\"", "boundary", true, "X;"},
    {"boundary in RFC 2231 form is only %-decoded", "multipart/mixed; boundary*=iso-8859-1''%41%E9",
     "boundary", true, "A\xe9"},
    {"charset parameter", "text/plain; format=flowed; charset=\"ISO-8859-1\"", "charset", true,
     "ISO-8859-1"},
};

static void test_param_cases(void **unused)
{
    (void)unused;
    ms_charset cs;
    char out[256];

    ms_charset_init(&cs);
    for (size_t i = 0; i < sizeof param_cases / sizeof param_cases[0]; i++) {
        const struct param_case *tc = &param_cases[i];
        memset(out, 'X', sizeof out);
        bool found = ms_hdr_param(&cs, tc->value, strlen(tc->value), tc->param, out, sizeof out);
        if (found != tc->found || strcmp(out, tc->want) != 0)
            fail_msg("%s: %s \"%s\", want %s \"%s\"", tc->name, found ? "found" : "missing", out,
                     tc->found ? "found" : "missing", tc->want);
    }
    ms_charset_fini(&cs);
}

static void test_param_is_cut(void **unused)
{
    (void)unused;
    static const char *const values[] = {
        "text/plain; name=abcdef",
        "text/plain; name=\"ab\\cdef\"",
        "text/plain; name*=utf-8''abcdef",
        "text/plain; name==?utf-8?q?abcdef?=",
    };
    ms_charset cs;
    char out[8];

    ms_charset_init(&cs);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        memset(out, 'X', sizeof out);
        assert_true(ms_hdr_param(&cs, values[i], strlen(values[i]), "name", out, 4));
        assert_string_equal(out, "abc");
        assert_int_equal(out[4], 'X');
    }
    assert_false(ms_hdr_param(&cs, values[0], strlen(values[0]), "name", out, 0));
    ms_charset_fini(&cs);
}

/* The value is read by length: no NUL needed, nothing read past it. */
static void test_value_is_not_nul_terminated(void **unused)
{
    (void)unused;
    const char value[] = {'t', '/', 'p', ';', 'n', 'a', 'm', 'e', '=', '"', 'a'};
    ms_charset cs;
    char out[16];

    ms_charset_init(&cs);
    assert_true(ms_hdr_param(&cs, value, sizeof value, "name", out, sizeof out));
    assert_string_equal(out, "a");
    assert_int_equal(ms_hdr_token(value, 3, out, sizeof out), 3);
    assert_string_equal(out, "t/p");
    ms_charset_fini(&cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_cases),
        cmocka_unit_test(test_token_is_cut),
        cmocka_unit_test(test_param_cases),
        cmocka_unit_test(test_param_is_cut),
        cmocka_unit_test(test_value_is_not_nul_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
