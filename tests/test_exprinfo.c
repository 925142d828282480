/*
 * test_exprinfo.c - pins engine/exprinfo.c: Hyperscan's widths of an
 * expression, remembered in the cache directory across starts; refused
 * expressions are never remembered, and a damaged or foreign file is
 * ignored, not trusted.
 */
#include "exprinfo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[] = "/tmp/ms-exprinfo-XXXXXX";
static char file[sizeof dir + 32];

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(file, sizeof file, "%s/exprinfo-v1.bin", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(file);
    rmdir(dir);
    return 0;
}

static void widths(ms_exprinfo *x, const char *re, unsigned *lo, unsigned *hi)
{
    hs_compile_error_t *cerr = NULL;
    assert_int_equal(ms_exprinfo_get(x, re, HS_FLAG_CASELESS, lo, hi, &cerr), HS_SUCCESS);
    assert_null(cerr);
}

static long file_size(void)
{
    struct stat st;
    return stat(file, &st) == 0 ? (long)st.st_size : -1;
}

static void test_widths_as_hyperscan_gives_them(void **state)
{
    unsigned lo, hi;
    (void)state;
    ms_exprinfo *x = ms_exprinfo_open(NULL); /* no cache: a table for this start only */
    assert_non_null(x);
    widths(x, "abc", &lo, &hi);
    assert_int_equal(lo, 3);
    assert_int_equal(hi, 3);
    widths(x, "a\\s{1,8}b", &lo, &hi);
    assert_int_equal(lo, 3);
    assert_int_equal(hi, 10);
    widths(x, "x[a-z]+", &lo, &hi);
    assert_int_equal(hi, UINT32_MAX); /* no bound */
    ms_exprinfo_close(x, true);
    /* NULL: every answer straight from Hyperscan */
    widths(NULL, "abcd", &lo, &hi);
    assert_int_equal(hi, 4);
}

static void test_remembered_across_starts(void **state)
{
    unsigned lo, hi;
    (void)state;
    unlink(file);
    ms_exprinfo *x = ms_exprinfo_open(dir);
    widths(x, "piece\\s{1,8}of\\s{1,8}junk", &lo, &hi);
    assert_int_equal(hi, 27);
    ms_exprinfo_close(x, false); /* not saved */
    assert_int_equal(file_size(), -1);

    x = ms_exprinfo_open(dir);
    widths(x, "piece\\s{1,8}of\\s{1,8}junk", &lo, &hi);
    ms_exprinfo_close(x, true);
    long one = file_size();
    assert_true(one > 0);

    /* the next start reads it: an entry edited in the file is what it gets */
    FILE *f = fopen(file, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, one - 4, SEEK_SET), 0); /* the last entry's max_width */
    uint32_t fake = 777;
    assert_int_equal(fwrite(&fake, sizeof fake, 1, f), 1);
    fclose(f);
    x = ms_exprinfo_open(dir);
    widths(x, "piece\\s{1,8}of\\s{1,8}junk", &lo, &hi);
    assert_int_equal(hi, 777);
    ms_exprinfo_close(x, true); /* nothing new: the file stays as it is */
    assert_int_equal(file_size(), one);
}

static void test_refused_is_not_remembered(void **state)
{
    hs_compile_error_t *cerr = NULL;
    unsigned lo, hi;
    (void)state;
    unlink(file);
    ms_exprinfo *x = ms_exprinfo_open(dir);
    assert_int_not_equal(ms_exprinfo_get(x, "abc(", 0, &lo, &hi, &cerr), HS_SUCCESS);
    assert_non_null(cerr);
    hs_free_compile_error(cerr);
    cerr = NULL;
    assert_int_not_equal(ms_exprinfo_get(x, "abc(", 0, &lo, &hi, &cerr), HS_SUCCESS);
    assert_non_null(cerr); /* asked again, refused again */
    hs_free_compile_error(cerr);
    ms_exprinfo_close(x, true);
    assert_int_equal(file_size(), -1);
}

static void test_damaged_file_ignored(void **state)
{
    unsigned lo, hi;
    (void)state;
    static const char *const junk[] = {"not ours at all\n", "mailsift exprinfo 1\nshort"};
    for (unsigned i = 0; i < 2; i++) {
        FILE *f = fopen(file, "wb");
        assert_non_null(f);
        fputs(junk[i], f);
        fclose(f);
        ms_exprinfo *x = ms_exprinfo_open(dir);
        assert_non_null(x);
        widths(x, "wxyz", &lo, &hi);
        assert_int_equal(hi, 4);
        ms_exprinfo_close(x, true); /* rewritten whole */
        x = ms_exprinfo_open(dir);
        widths(x, "wxyz", &lo, &hi);
        assert_int_equal(hi, 4);
        ms_exprinfo_close(x, false);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths_as_hyperscan_gives_them),
        cmocka_unit_test(test_remembered_across_starts),
        cmocka_unit_test(test_refused_is_not_remembered),
        cmocka_unit_test(test_damaged_file_ignored),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
