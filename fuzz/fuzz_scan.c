/*
 * fuzz_scan.c - libFuzzer harness for a whole scan with the shipped rules
 *
 * The engine is built once; one scan is reused (which fuzzes
 * ms_scan_reset()). The first input byte picks a chunk size; the message is
 * scanned whole and in chunks and the verdicts, findings and anomalies must
 * agree. No string of a finding may show a card number: no excerpt holds a
 * run of more than ten digits, and no part, content type or file name a run
 * of twelve or more (spaces, dashes, dots, underscores between digits), nor
 * more than six digits in a run at the end of a field filled to its last
 * byte (it was cut and may go on).
 */
#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ms_engine *engine;
static ms_scan *scan;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ms_engine_opts opts = {.rules_dir = MS_SOURCE_DIR "/rulesets"};
    ms_error err;
    (void)argc;
    (void)argv;
    if (ms_engine_create(&opts, &engine, &err) != MS_OK ||
        ms_scan_create(engine, &scan, &err) != MS_OK) {
        fprintf(stderr, "fuzz_scan: %s\n", err.msg);
        abort();
    }
    return 0;
}

static void check_masked(const char *x)
{
    unsigned run = 0;
    for (; *x; x++) {
        run = (*x >= '0' && *x <= '9') ? run + 1 : 0;
        if (run > 10)
            abort();
    }
}

static bool sep(char c)
{
    return c == ' ' || c == '-' || c == '.' || c == '_';
}

static void check_field(const char *x, size_t cap)
{
    size_t n = strlen(x);
    for (size_t i = 0; i < n;) {
        size_t j = i, digits = 0;
        while (j < n && ((x[j] >= '0' && x[j] <= '9') ||
                         (sep(x[j]) && digits && x[j + 1] >= '0' && x[j + 1] <= '9'))) {
            digits += x[j] >= '0' && x[j] <= '9';
            j++;
        }
        if (digits >= 12 || (digits > 6 && j == n && n == cap - 1))
            abort(); /* a card number left in a finding's field */
        i = j > i ? j : i + 1;
    }
}

/* A digest of one result: verdict, findings, anomalies. */
static uint64_t digest(const ms_result *r)
{
    uint64_t h = 1469598103934665603ULL;
#define MIX(p, n)                                                                                  \
    for (size_t i_ = 0; i_ < (n); i_++)                                                            \
    h = (h ^ ((const unsigned char *)(p))[i_]) * 1099511628211ULL
    MIX(&r->verdict, sizeof r->verdict);
    MIX(&r->anomalies, sizeof r->anomalies);
    MIX(&r->nfindings, sizeof r->nfindings);
    for (size_t i = 0; i < r->nfindings; i++) {
        const ms_finding *f = &r->findings[i];
        check_masked(f->excerpt);
        check_field(f->part, sizeof f->part);
        check_field(f->content_type, sizeof f->content_type);
        check_field(f->filename, sizeof f->filename);
        check_field(f->excerpt, sizeof f->excerpt);
        MIX(f->rule, strlen(f->rule));
        MIX(f->part, strlen(f->part));
        MIX(f->excerpt, strlen(f->excerpt));
        MIX(&f->offset, sizeof f->offset);
        MIX(&f->count, sizeof f->count);
    }
#undef MIX
    return h;
}

static uint64_t run(const uint8_t *data, size_t len, size_t chunk)
{
    const ms_result *r;
    ms_scan_reset(scan);
    for (size_t off = 0; off < len; off += chunk)
        if (ms_scan_feed(scan, data + off, len - off < chunk ? len - off : chunk) != MS_OK)
            abort();
    if (ms_scan_finish(scan, &r) != MS_OK)
        abort();
    return digest(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] % 64 + 1;
    data++;
    size--;
    if (run(data, size, size ? size : 1) != run(data, size, chunk))
        abort(); /* chunking changed the result */
    return 0;
}
