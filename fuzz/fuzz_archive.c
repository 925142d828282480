/*
 * fuzz_archive.c - libFuzzer harness for the attachment layer's container
 * path (engine/attach.c, archive.c, office.c, pdf.c, clam.c, datauri.c)
 *
 * The input is one attachment's decoded bytes: typed and opened as
 * whatever it is (zip, tar, gzip, 7z, rar, Office package, PDF, TNEF,
 * OLE2, RTF objects, ARJ, HTML data: URIs, a message) with small limits,
 * so bombs and deep nesting are reached quickly. No whole engine: the
 * layer gets its settings and libclamav's engine, and reports to a sink of
 * this harness (as scan.c's), which checks what comes up: text streams
 * open and close in pairs and never nest, every finding names a category
 * and a rule, messages come no deeper than the depth limit. YARA rules are
 * left out (fuzz_scan runs them). Checks besides: no crash, no leak, no
 * hang (the time limit).
 */
#include "attach.h"
#include "clam.h"
#include "engine.h"
#include "mime.h"

#include <mailsift/mailsift.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ms_engine eng;
static ms_attach *att;
static struct {
    bool open;
    size_t findings, text;
} seen;

static void text_begin(void *ctx, const char *part, const char *ctype, const char *filename)
{
    (void)ctx;
    if (seen.open || !part || !ctype || !filename)
        abort();
    seen.open = true;
}

static void text_feed(void *ctx, const char *utf8, size_t len)
{
    (void)ctx;
    if (!seen.open || (len && !utf8))
        abort();
    seen.text += len;
}

static void text_end(void *ctx)
{
    (void)ctx;
    if (!seen.open)
        abort();
    seen.open = false;
}

static int finding(void *ctx, const char *cat, const char *rule, const char *desc, const char *part,
                   const char *ctype, const char *filename, const char *excerpt)
{
    (void)ctx, (void)ctype, (void)filename, (void)excerpt;
    if (!cat || !rule || !desc || !part || seen.open)
        abort();
    seen.findings++;
    return MS_OK;
}

static void fail(void *ctx, int code)
{
    (void)ctx, (void)code;
}

static int message(void *ctx, const char *part, unsigned depth, const void *msg, size_t len)
{
    (void)ctx, (void)part, (void)msg, (void)len;
    if (depth > eng.attach.limits.depth)
        abort();
    return MS_OK;
}

static unsigned nesting(void *ctx)
{
    (void)ctx;
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const ms_attach_sink sink = {NULL,    text_begin, text_feed, text_end,
                                 finding, fail,       message,   nesting};

    (void)argc, (void)argv;
    ms_attach_conf_init(&eng.attach);
    eng.attach.limits.max_bytes = 1048576;
    eng.attach.limits.members = 200;
    eng.attach.limits.archive_bytes = 4194304;
    eng.attach.limits.depth = 4;
    eng.attach.limits.time_ms = 2000;
    if (!(eng.clam = ms_clam_engine_create(&eng.attach)) || !(att = ms_attach_create(&eng, &sink)))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ms_mime_entity ent;

    memset(&ent, 0, sizeof ent);
    snprintf(ent.id, sizeof ent.id, "2");
    snprintf(ent.type, sizeof ent.type, "application/octet-stream");
    snprintf(ent.filename, sizeof ent.filename, "fuzz.bin");
    ent.attachment = true;
    ms_attach_begin(att, &ent, false);
    ms_attach_feed(att, data, size);
    ms_attach_end(att);
    if (seen.open)
        abort();
    ms_attach_reset(att);
    return 0;
}
