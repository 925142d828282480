/*
 * fuzz_mime.c - libFuzzer harness for the streaming MIME parser
 *
 * The first input byte picks a chunk size (1..256); the rest is a message.
 * It is parsed whole and in chunks; the event streams (header fields, part
 * starts with their ids and types, body bytes, part ends) and anomalies
 * must be identical, and every part id must be NUL-terminated and short.
 * The raw sink must hand on every byte fed, once and in order, unless a
 * header line was over the line limit.
 */
#include "charset.h"
#include "limits.h"
#include "mime.h"

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct digest {
    uint64_t h;
    uint64_t n;
} digest;

static void mix(digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 1099511628211ULL;
    d->n += n;
}

static void on_header(void *ctx, const ms_mime_entity *e, const char *name, size_t nlen,
                      const char *value, size_t vlen)
{
    mix(ctx, "H", 1);
    mix(ctx, e->id, strlen(e->id));
    mix(ctx, name, nlen);
    mix(ctx, value, vlen);
}

static void on_header_end(void *ctx, const ms_mime_entity *e)
{
    mix(ctx, "E", 1);
    mix(ctx, e->prefix, strlen(e->prefix));
}

static void on_begin(void *ctx, const ms_mime_entity *e)
{
    if (strlen(e->id) >= sizeof e->id || strlen(e->type) >= sizeof e->type)
        abort();
    mix(ctx, "B", 1);
    mix(ctx, e->id, strlen(e->id));
    mix(ctx, e->type, strlen(e->type));
    mix(ctx, e->charset, strlen(e->charset));
    mix(ctx, e->filename, strlen(e->filename));
    mix(ctx, &e->cte, sizeof e->cte);
}

static void on_data(void *ctx, const char *p, size_t n)
{
    mix(ctx, p, n);
}

static void on_end(void *ctx)
{
    mix(ctx, "|", 1);
}

static ms_mime *parser;
static ms_charset cs;
static digest cur;
static const uint8_t *raw_want; /* the message fed; raw_at: bytes matched so far */
static size_t raw_len, raw_at;
static bool raw_bad;

static void on_raw(void *ctx, ms_mime_raw kind, const ms_mime_entity *e, const char *p, size_t n)
{
    (void)ctx;
    (void)kind;
    (void)e;
    if (n > raw_len - raw_at || memcmp(raw_want + raw_at, p, n) != 0)
        raw_bad = true;
    else
        raw_at += n;
}

static void run(const uint8_t *data, size_t len, size_t chunk, digest *out, uint32_t *anom)
{
    memset(&cur, 0, sizeof cur);
    raw_want = data;
    raw_len = len;
    raw_at = 0;
    raw_bad = false;
    ms_mime_reset(parser);
    for (size_t off = 0; off < len; off += chunk)
        ms_mime_feed(parser, (const char *)data + off, len - off < chunk ? len - off : chunk);
    ms_mime_finish(parser);
    *out = cur;
    *anom = ms_mime_anomalies(parser);
    if (!(*anom & MS_ANOM_LONG_LINE) && (raw_bad || raw_at != len))
        abort(); /* the raw sink lost, repeated or reordered bytes */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const ms_mime_sink sink = {&cur,    on_header, on_header_end, on_begin,
                                      on_data, on_end,    on_raw};
    ms_limits lim;
    (void)argc;
    (void)argv;
    ms_limits_default(&lim);
    lim.line_length = 4096; /* small limits reach the limit paths */
    lim.header_value = 1024;
    lim.header_bytes = 16384;
    lim.depth = 8;
    lim.parts = 64;
    ms_charset_init(&cs);
    parser = ms_mime_create(&lim, &cs, &sink);
    return parser ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    digest whole, chunked;
    uint32_t a1, a2;
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] + 1;
    data++;
    size--;
    run(data, size, size ? size : 1, &whole, &a1);
    run(data, size, chunk, &chunked, &a2);
    if (whole.h != chunked.h || whole.n != chunked.n || a1 != a2)
        abort(); /* chunking changed what the parser saw */
    return 0;
}
