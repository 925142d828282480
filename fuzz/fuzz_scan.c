/*
 * fuzz_scan.c - libFuzzer harness for a whole scan with the shipped rules
 *
 * The engine is built once; one scan is reused (which fuzzes
 * ms_scan_reset()). The first input byte picks a chunk size; the message is
 * scanned whole and in chunks and the verdicts, findings and anomalies must
 * agree. No excerpt may hold a run of more than ten digits (masking).
 */
#include <mailsift/mailsift.h>

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
