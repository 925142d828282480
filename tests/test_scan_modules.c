/*
 * test_scan_modules.c - the seam through which modules that look inside
 * parts (attachments, archives, documents) add text and findings to a scan
 * (engine/scan_internal.h)
 */
#include "helpers.h"
#include "scan_internal.h"

#include <mailsift/mailsift.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_module_text_and_findings(void **state)
{
    ms_engine_opts opts = {.rules_dir = MS_SOURCE_DIR "/rulesets"};
    ms_engine *eng;
    ms_scan *s;
    ms_error err;
    const ms_result *r;
    const char msg[] = "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nhello\n"
                       "--b\nContent-Type: application/zip\n\nPK\n--b--\n";
    (void)state;
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    assert_int_equal(ms_scan_create(eng, &s, &err), MS_OK);
    assert_int_equal(ms_scan_feed(s, msg, sizeof msg - 1), MS_OK);

    /* text a module extracted from an archive member */
    ms_scan_text_begin(s, "2/inner.csv", "text/csv", "inner.csv");
    const char text[] = "name,card\nJo,4111 1111 1111 1111\n";
    for (size_t i = 0; i < sizeof text - 1; i++) /* any chunking */
        ms_scan_text_feed(s, text + i, 1);
    ms_scan_text_end(s);
    /* a finding of the module's own */
    assert_int_equal(ms_scan_add_finding(s, "unscannable", "test.limit", "A test limit", "2",
                                         "application/zip", "a.zip", "id 1234567890123"),
                     MS_OK);
    assert_int_equal(ms_scan_add_finding(s, "nosuch", "r", "d", "2", "", "", NULL), MS_ERR_MISUSE);
    assert_int_equal(ms_scan_finish(s, &r), MS_OK);

    assert_int_equal(r->verdict, MS_ACTION_REJECT);
    assert_int_equal(r->nfindings, 2);
    const ms_finding *pan = &r->findings[0], *lim = &r->findings[1];
    assert_string_equal(pan->rule, "pci.pan");
    assert_string_equal(pan->part, "2/inner.csv");
    assert_string_equal(pan->filename, "inner.csv");
    assert_string_equal(pan->content_type, "text/csv");
    assert_string_equal(pan->excerpt, "411111******1111");
    assert_string_equal(pan->level, "high"); /* "card" is near */
    assert_int_equal(pan->offset, 13);
    assert_string_equal(lim->category, "unscannable");
    assert_string_equal(lim->part, "2");
    assert_string_equal(lim->filename, "a.zip");
    assert_string_equal(lim->excerpt, "id *************"); /* digit runs masked */
    assert_int_equal(r->ncategories, 2);

    /* the next message starts clean */
    ms_scan_reset(s);
    assert_int_equal(ms_scan_feed(s, "Subject: y\n\nnothing\n", 20), MS_OK);
    assert_int_equal(ms_scan_finish(s, &r), MS_OK);
    assert_int_equal(r->verdict, MS_ACTION_ACCEPT);
    assert_int_equal(r->nfindings, 0);
    ms_scan_destroy(s);
    ms_engine_destroy(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_module_text_and_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
