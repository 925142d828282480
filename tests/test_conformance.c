/*
 * test_conformance.c - MIME structure and transfer decoding against mime4j
 *
 * Apache James mime4j ships, for each of its test messages, the leaf bodies
 * it decoded (../shared/conformance/README.md). For every NAME.msg in
 * ../shared/corpus/mime4j/{testmsgs,mimetools-testmsgs}/ that has a
 * NAME_decoded.xml, the leaf files named by the XML's <text-body name=...>
 * and <binary-body name=...> elements, in document order, are the message's
 * leaf parts in order, each after transfer decoding and before any charset
 * conversion. mailsift scans the message with the shipped rulesets and the
 * MS_TAP_DECODED bytes of each leaf (MS_TAP_PART_BEGIN .. MS_TAP_PART_END)
 * must equal mime4j's file byte for byte; a leaf only one side has is a
 * difference too. This pins the MIME parser (boundaries, preambles, nesting,
 * message/rfc822, digests, broken structure) and the base64 and
 * quoted-printable decoders (RFC 2045 6.7, 6.8; RFC 2046 5.1, 5.2).
 *
 * A difference fails the test unless tests/conformance-exceptions.txt lists
 * it with a reason:
 *
 *     NAME.msg[:LEAF]  reason
 *
 * LEAF is the 1-based leaf index in document order; without it the entry
 * covers every leaf of the message (use that when the leaf counts differ,
 * as everything after the first missing leaf is shifted). '#' starts a
 * comment. An entry that no longer matches a difference fails the test
 * too, so the file stays a list of differences that exist. Only differences where
 * mailsift is defensibly right, or which are documented BUGS of the engine,
 * belong there; anything else is a mailsift bug.
 *
 * Set MS_CONFORMANCE_VERBOSE=1 to see the excepted differences as well.
 */
#include "helpers.h"

#include <mailsift/mailsift.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CORPUS_DIR   MS_SHARED_DIR "/corpus/mime4j"
#define EXPECTED_DIR MS_SHARED_DIR "/conformance/mime4j"
#define EXCEPTIONS   MS_SOURCE_DIR "/tests/conformance-exceptions.txt"

static const char *const folders[] = {"testmsgs", "mimetools-testmsgs"};

typedef ms_test_buf buf;

/* ---- what mailsift decoded, per leaf ------------------------------------- */

typedef struct leaf {
    buf data;
    char id[64];
    char type[128];
    char encoding[32];
} leaf;

typedef struct leaves {
    leaf *v;
    size_t n, cap;
    bool open;   /* between PART_BEGIN and PART_END */
    bool misuse; /* data outside a part, or unbalanced begin/end */
} leaves;

static void leaves_free(leaves *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].data.p);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void on_tap(void *ctx, ms_tap_stage stage, const ms_part_info *part, const void *data,
                   size_t len)
{
    leaves *l = ctx;

    if (part->is_extra) /* preamble, epilogue: mime4j lists no such leaves */
        return;
    switch (stage) {
    case MS_TAP_PART_BEGIN: {
        if (l->open)
            l->misuse = true;
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 8;
            l->v = realloc(l->v, l->cap * sizeof *l->v);
            assert_non_null(l->v);
        }
        leaf *f = &l->v[l->n++];
        memset(f, 0, sizeof *f);
        snprintf(f->id, sizeof f->id, "%s", part->id);
        snprintf(f->type, sizeof f->type, "%s", part->content_type);
        snprintf(f->encoding, sizeof f->encoding, "%s", part->encoding);
        l->open = true;
        break;
    }
    case MS_TAP_DECODED:
        if (!l->open)
            l->misuse = true;
        else
            ms_test_buf_add(&l->v[l->n - 1].data, data, len);
        break;
    case MS_TAP_PART_END:
        if (!l->open)
            l->misuse = true;
        l->open = false;
        break;
    case MS_TAP_UTF8:
    case MS_TAP_TEXT:
        break;
    }
}

/* ---- the exceptions file ----------------------------------------------- */

static ms_test_exceptions exceptions;

/* ---- mime4j's expected leaves ------------------------------------------ */

/* The leaf file names of NAME_decoded.xml in document order (malloc'd,
 * NULL-terminated), or NULL when there is no such file. */
static char **expected_leaves(const char *folder, const char *name)
{
    char path[1024];
    size_t len, n = 0;

    snprintf(path, sizeof path, "%s/%s/%s_decoded.xml", EXPECTED_DIR, folder, name);
    char *xml = ms_test_read_file(path, &len);
    if (!xml)
        return NULL;
    char **names = calloc(1, sizeof *names);
    assert_non_null(names);
    /* header text in the XML is escaped, so every '<' starts a tag */
    for (const char *p = xml; (p = strchr(p, '<')) != NULL; p++) {
        static const char *const tags[] = {"<text-body name=\"", "<binary-body name=\""};
        const char *file = NULL;
        for (size_t t = 0; t < 2 && !file; t++)
            if (strncmp(p, tags[t], strlen(tags[t])) == 0)
                file = p + strlen(tags[t]);
        if (!file)
            continue;
        const char *q = strchr(file, '"');
        assert_non_null(q);
        names = realloc(names, (n + 2) * sizeof *names);
        assert_non_null(names);
        names[n] = strndup(file, (size_t)(q - file));
        assert_non_null(names[n]);
        names[++n] = NULL;
        p = q;
    }
    free(xml);
    return names;
}

static void free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

/* ---- reporting --------------------------------------------------------- */

/* Up to 24 bytes of b from off, C-escaped, into out. */
static void snippet(const char *b, size_t len, size_t off, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = off; i < len && i < off + 24 && n + 5 < cap; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '\r')
            n += (size_t)snprintf(out + n, cap - n, "\\r");
        else if (c == '\n')
            n += (size_t)snprintf(out + n, cap - n, "\\n");
        else if (c < 0x20 || c >= 0x7f || c == '\\')
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
        else
            out[n++] = (char)c;
        out[n] = '\0';
    }
}

/* One line describing how got differs from want. */
static void describe_diff(const char *want, size_t wlen, const char *got, size_t glen, char *out,
                          size_t cap)
{
    size_t i = 0;
    char ws[128], gs[128];
    while (i < wlen && i < glen && want[i] == got[i])
        i++;
    size_t from = i > 8 ? i - 8 : 0;
    snippet(want, wlen, from, ws, sizeof ws);
    snippet(got, glen, from, gs, sizeof gs);
    snprintf(out, cap,
             "mime4j %zu bytes, mailsift %zu; first difference at %zu: mime4j \"%s\", "
             "mailsift \"%s\"",
             wlen, glen, i, ws, gs);
}

/* ---- the test ---------------------------------------------------------- */

static ms_engine *engine;
static ms_scan *scan;

typedef struct tally {
    unsigned messages, leaves, matched, excepted, failures;
} tally;

static bool verbose(void)
{
    const char *v = getenv("MS_CONFORMANCE_VERBOSE");
    return v && *v && strcmp(v, "0") != 0;
}

/* A difference: excepted (counted) or a failure (printed and counted). */
static void difference(tally *t, const char *folder, const char *name, unsigned leaf_index,
                       const char *what)
{
    ms_test_exception *e = ms_test_exceptions_find(&exceptions, name, leaf_index);
    if (e) {
        e->used = true;
        t->excepted++;
        if (verbose())
            print_message("excepted %s/%s:%u (%s): %s\n", folder, name, leaf_index, e->reason,
                          what);
        return;
    }
    t->failures++;
    print_error("%s/%s:%u: %s\n", folder, name, leaf_index, what);
}

static void check_message(tally *t, const char *folder, const char *file)
{
    char name[256], path[1024], what[1024];
    size_t len;
    const ms_result *res;
    leaves got;

    snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 4), file);
    char **want = expected_leaves(folder, name);
    if (!want)
        return;
    snprintf(path, sizeof path, "%s/%s/%s", CORPUS_DIR, folder, file);
    char *msg = ms_test_read_file(path, &len);
    assert_non_null(msg);

    memset(&got, 0, sizeof got);
    ms_scan_reset(scan);
    ms_scan_set_tap(scan, on_tap, &got);
    assert_int_equal(ms_scan_feed(scan, msg, len), MS_OK);
    assert_int_equal(ms_scan_finish(scan, &res), MS_OK);
    ms_scan_set_tap(scan, NULL, NULL);
    if (got.misuse || got.open)
        fail_msg("%s/%s: unbalanced tap events", folder, file);

    size_t nwant = 0;
    while (want[nwant])
        nwant++;
    t->messages++;
    for (size_t i = 0; i < nwant || i < got.n; i++) {
        unsigned index = (unsigned)i + 1;
        t->leaves++;
        if (i >= got.n) {
            snprintf(what, sizeof what,
                     "leaf %s: mailsift has no leaf %u (mime4j %zu, mailsift %zu)", want[i], index,
                     nwant, got.n);
            difference(t, folder, file, index, what);
            continue;
        }
        const leaf *g = &got.v[i];
        if (i >= nwant) {
            snprintf(what, sizeof what,
                     "mailsift leaf %u (%s, part %s) not in mime4j (mime4j %zu, "
                     "mailsift %zu)",
                     index, g->type, g->id, nwant, got.n);
            difference(t, folder, file, index, what);
            continue;
        }
        size_t wlen;
        snprintf(path, sizeof path, "%s/%s/%s", EXPECTED_DIR, folder, want[i]);
        char *w = ms_test_read_file(path, &wlen);
        if (!w)
            fail_msg("%s/%s: cannot read %s", folder, file, path);
        if (wlen == g->data.len && (wlen == 0 || memcmp(w, g->data.p, wlen) == 0)) {
            t->matched++;
        } else {
            char d[400];
            describe_diff(w, wlen, g->data.p, g->data.len, d, sizeof d);
            snprintf(what, sizeof what, "leaf %s (%s, part %s, %s): %s", want[i], g->type, g->id,
                     g->encoding[0] ? g->encoding : "7bit", d);
            difference(t, folder, file, index, what);
        }
        free(w);
    }
    leaves_free(&got);
    free_names(want);
    free(msg);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_msg(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 4 && strcmp(d->d_name + n - 4, ".msg") == 0;
}

static void test_mime4j_conformance(void **state)
{
    tally t = {0};
    (void)state;

    ms_test_exceptions_load(&exceptions, EXCEPTIONS);
    for (size_t f = 0; f < sizeof folders / sizeof folders[0]; f++) {
        char dir[1024];
        struct dirent **names;
        snprintf(dir, sizeof dir, "%s/%s", CORPUS_DIR, folders[f]);
        int n = scandir(dir, &names, is_msg, by_name);
        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
            check_message(&t, folders[f], names[i]->d_name);
            free(names[i]);
        }
        free(names);
    }
    unsigned stale = ms_test_exceptions_stale(&exceptions);
    ms_test_exceptions_free(&exceptions);
    print_message("mime4j conformance: %u messages, %u leaves: %u matched, %u excepted, "
                  "%u differ; %u stale exceptions\n",
                  t.messages, t.leaves, t.matched, t.excepted, t.failures, stale);
    assert_true(t.messages > 50);
    if (t.failures || stale)
        fail_msg("%u unexplained differences, %u stale exceptions", t.failures, stale);
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
        cmocka_unit_test(test_mime4j_conformance),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
