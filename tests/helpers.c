/*
 * helpers.c - shared test helpers: the chunking invariant for decoders
 */
#include "helpers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Run dec over in split at the given cut points; returns malloc'd output. */
static char *decode_split(const ms_test_decoder *dec, const char *in, size_t len,
                          const size_t *cuts, size_t ncuts, size_t *outlen)
{
    void *st = calloc(1, dec->state_size);
    size_t cap = dec->out_room(len) + dec->out_room(1) * (ncuts + 2) + 64;
    char *out = malloc(cap);
    size_t o = 0, prev = 0;

    assert_non_null(st);
    assert_non_null(out);
    dec->init(st);
    for (size_t i = 0; i <= ncuts; i++) {
        size_t cut = i < ncuts ? cuts[i] : len;
        o += dec->feed(st, in + prev, cut - prev, out + o);
        assert_true(o <= cap);
        prev = cut;
    }
    o += dec->finish(st, out + o);
    assert_true(o <= cap);
    if (dec->fini)
        dec->fini(st);
    free(st);
    *outlen = o;
    return out;
}

static void expect_same(const char *name, const char *how, const char *got, size_t gotlen,
                        const char *want, size_t wantlen)
{
    if (gotlen != wantlen || memcmp(got, want, wantlen) != 0) {
        fail_msg("%s: %s: got %zu bytes \"%.*s\", want %zu bytes \"%.*s\"", name, how, gotlen,
                 (int)(gotlen > 200 ? 200 : gotlen), got, wantlen,
                 (int)(wantlen > 200 ? 200 : wantlen), want);
    }
}

void ms_test_chunked(const char *name, const ms_test_decoder *dec, const char *in, size_t len,
                     const char *want, size_t wantlen)
{
    size_t wlen;
    char *whole = decode_split(dec, in, len, NULL, 0, &wlen);
    char how[64];

    if (want)
        expect_same(name, "whole", whole, wlen, want, wantlen);

    size_t step = len <= 4096 ? 1 : len / 64;
    for (size_t cut = 1; cut < len; cut += step) {
        size_t glen;
        char *got = decode_split(dec, in, len, &cut, 1, &glen);
        snprintf(how, sizeof how, "split at %zu", cut);
        expect_same(name, how, got, glen, whole, wlen);
        free(got);
    }

    size_t *cuts = malloc((len ? len : 1) * sizeof *cuts);
    assert_non_null(cuts);
    for (size_t i = 1; i < len; i++)
        cuts[i - 1] = i;
    size_t glen;
    char *got = decode_split(dec, in, len, cuts, len ? len - 1 : 0, &glen);
    expect_same(name, "byte by byte", got, glen, whole, wlen);
    free(got);
    free(cuts);
    free(whole);
}

char *ms_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* "KEY[:INDEX]" into e; false if INDEX is out of range. */
static bool parse_key(ms_test_exception *e, const char *line, size_t klen)
{
    char key[sizeof e->key + 16];
    snprintf(key, sizeof key, "%.*s", (int)klen, line);
    char *colon = strrchr(key, ':');
    e->index = 0;
    if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
        unsigned long v = strtoul(colon + 1, NULL, 10);
        if (v == 0 || v > 100000)
            return false;
        e->index = (unsigned)v;
        *colon = '\0';
    }
    snprintf(e->key, sizeof e->key, "%.255s", key);
    return true;
}

void ms_test_exceptions_load(ms_test_exceptions *x, const char *path)
{
    size_t len, cap = 0;
    char *text = ms_test_read_file(path, &len);
    unsigned lineno = 0;

    x->path = path;
    x->e = NULL;
    x->n = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        line += strspn(line, " \t");
        if (*line == '#' || *line == '\0')
            continue;
        if (x->n == cap) {
            cap = cap ? cap * 2 : 64;
            x->e = realloc(x->e, cap * sizeof *x->e);
            assert_non_null(x->e);
        }
        ms_test_exception *e = &x->e[x->n++];
        size_t klen = strcspn(line, " \t");
        const char *reason = line + klen + strspn(line + klen, " \t");
        if (!*reason)
            fail_msg("%s:%u: exception \"%.*s\" has no reason", path, lineno, (int)klen, line);
        if (!parse_key(e, line, klen))
            fail_msg("%s:%u: bad part index in \"%.*s\"", path, lineno, (int)klen, line);
        snprintf(e->reason, sizeof e->reason, "%.255s", reason);
        e->line = lineno;
        e->used = false;
    }
    free(text);
}

ms_test_exception *ms_test_exceptions_find(ms_test_exceptions *x, const char *key, unsigned index)
{
    for (unsigned i = 0; i < x->n; i++) {
        ms_test_exception *e = &x->e[i];
        if (strcmp(e->key, key) == 0 && (e->index == 0 || e->index == index)) {
            e->used = true;
            return e;
        }
    }
    return NULL;
}

unsigned ms_test_exceptions_stale(const ms_test_exceptions *x)
{
    unsigned stale = 0;
    for (unsigned i = 0; i < x->n; i++) {
        if (!x->e[i].used) {
            print_error("%s:%u: exception %s:%u matches no difference; remove it\n", x->path,
                        x->e[i].line, x->e[i].key, x->e[i].index);
            stale++;
        }
    }
    return stale;
}

void ms_test_exceptions_free(ms_test_exceptions *x)
{
    free(x->e);
    x->e = NULL;
    x->n = 0;
}

void ms_test_buf_add(ms_test_buf *b, const void *p, size_t n)
{
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (n > cap - b->len)
            cap *= 2;
        char *np = realloc(b->p, cap);
        assert_non_null(np);
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

void ms_test_tmpdir(char *dir, size_t size, const char *prefix)
{
    snprintf(dir, size, "%s/%s-XXXXXX", MS_BINARY_DIR, prefix);
    assert_non_null(mkdtemp(dir));
}

void ms_test_write_file(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

void ms_test_collect_error(void *ctx, const ms_error *e)
{
    ms_test_errors *es = ctx;
    char line[600];
    ms_error_format(e, line, sizeof line);
    strncat(es->text, line, sizeof es->text - strlen(es->text) - 2);
    strcat(es->text, "\n");
    es->n++;
}
