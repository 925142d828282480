/*
 * test_chunking.c - any chunking gives the same result
 *
 * Every message of ../shared/corpus/ is scanned whole, in 1-byte, 7-byte
 * and 4 KiB chunks with the shipped rulesets. The verdict, the findings,
 * the anomalies, and a digest of every decoding stage of every part (the
 * taps: transfer-decoded bytes, UTF-8, text as the rules see it) must be
 * identical. A scan is reused across messages, which also exercises
 * ms_scan_reset().
 */
#include "helpers.h"

#include <mailsift/mailsift.h>

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct digest {
    uint64_t h[5];   /* per tap stage */
    uint64_t n[5];   /* bytes per tap stage */
    unsigned events; /* tap calls with a part id */
} digest;

static void fnv(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ b[i]) * 1099511628211ULL;
}

static void on_tap(void *ctx, ms_tap_stage stage, const ms_part_info *part, const void *data,
                   size_t len)
{
    digest *d = ctx;
    if (stage == MS_TAP_PART_BEGIN || stage == MS_TAP_PART_END) {
        fnv(&d->h[stage], part->id, strlen(part->id));
        fnv(&d->h[stage], part->content_type, strlen(part->content_type));
        d->events++;
        return;
    }
    fnv(&d->h[stage], data, len);
    d->n[stage] += len;
}

/* The result and digests of one scan as a string (malloc'd). */
static char *describe(const ms_result *r, const digest *d)
{
    size_t cap = 256 + r->nfindings * 300, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s + n, cap - n, "%s anom=%x parts=%u text=%llu",
                          ms_action_name(r->verdict), r->anomalies, r->parts,
                          (unsigned long long)r->text_bytes);
    for (int i = 0; i < 5; i++)
        n += (size_t)snprintf(s + n, cap - n, " t%d=%016llx/%llu", i, (unsigned long long)d->h[i],
                              (unsigned long long)d->n[i]);
    for (size_t i = 0; i < r->nfindings; i++) {
        const ms_finding *f = &r->findings[i];
        n += (size_t)snprintf(s + n, cap - n, "\n %s %s %s @%llu x%u [%s]", f->category, f->rule,
                              f->part, (unsigned long long)f->offset, f->count, f->excerpt);
    }
    return s;
}

static ms_engine *engine;
static ms_scan *scan;
static unsigned files, flagged;

static char *scan_chunked(const char *msg, size_t len, size_t chunk)
{
    digest d;
    const ms_result *r;

    memset(&d, 0, sizeof d);
    ms_scan_reset(scan);
    ms_scan_set_tap(scan, on_tap, &d);
    for (size_t off = 0; off < len; off += chunk)
        assert_int_equal(ms_scan_feed(scan, msg + off, len - off < chunk ? len - off : chunk),
                         MS_OK);
    assert_int_equal(ms_scan_finish(scan, &r), MS_OK);
    return describe(r, &d);
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    static const size_t chunks[] = {1, 7, 4096};
    size_t len;
    (void)st;
    (void)ftw;
    if (flag != FTW_F || strstr(path, "SOURCES.md"))
        return 0;
    char *msg = ms_test_read_file(path, &len);
    assert_non_null(msg);
    char *whole = scan_chunked(msg, len, len ? len : 1);
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        char *got = scan_chunked(msg, len, chunks[i]);
        if (strcmp(got, whole) != 0)
            fail_msg("%s: %zu-byte chunks differ from whole:\n%s\n--- whole:\n%s", path, chunks[i],
                     got, whole);
        free(got);
    }
    flagged += strncmp(whole, "accept", 6) != 0;
    files++;
    free(whole);
    free(msg);
    return 0;
}

static void test_corpus_chunking(void **state)
{
    (void)state;
    assert_int_equal(nftw(MS_SHARED_DIR "/corpus", visit, 16, FTW_PHYS), 0);
    print_message("chunking invariant held on %u corpus files (%u flagged)\n", files, flagged);
    assert_true(files > 1000);
}

static int setup(void **state)
{
    ms_engine_opts opts = {.rules_dir = MS_SOURCE_DIR "/rulesets"};
    ms_error err;
    (void)state;
    if (ms_engine_create(&opts, &engine, &err) != MS_OK)
        return -1;
    return ms_scan_create(engine, &scan, &err) == MS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_scan_destroy(scan);
    ms_engine_destroy(engine);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_chunking),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
