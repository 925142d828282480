/*
 * test_differential.c - text parts decoded to UTF-8, against GMime 3
 *
 * Every file under ../shared/corpus/ (recursively, SOURCES.md aside) is
 * one message: an mbox file too is parsed whole, by GMime as one message
 * (GMIME_FORMAT_MESSAGE) and by mailsift as one message, so both read its
 * first message and take the rest as that message's body. GMime parses it
 * with g_mime_parser_construct_message() and the parts are walked in order,
 * descending into multiparts and message/rfc822 parts; each text leaf
 * gives GMime's text in UTF-8 as g_mime_text_part_get_text() makes it
 * (transfer decoding, then GMime's charset filter to UTF-8, or the bytes as
 * they are when no charset is declared). mailsift scans the same bytes
 * with the shipped rulesets and the MS_TAP_UTF8 stream of each text part
 * (is_text, between MS_TAP_PART_BEGIN and MS_TAP_PART_END) is its text.
 * The i-th text leaf of one is compared with the i-th of the other: same
 * content type (case aside), same text after the normalisation below, and
 * the same part number (IMAP numbering, computed for GMime's tree here).
 *
 * What is compared, and the conventions made equal (the same on both
 * sides), found by comparing the two on this corpus:
 *
 * - Line breaks need nothing: GMime, like mailsift, keeps CRLF and bare LF
 *   as the message has them, and neither strips a final line break (both
 *   give the break before a delimiter to the delimiter).
 * - An mbox "From " line at the top needs nothing: both skip it.
 * - Bytes that are not text: for a declared charset GMime drops each byte
 *   iconv rejects, mailsift writes U+FFFD for it; with no charset (and for
 *   an unknown one) GMime copies the bytes as they are, where mailsift
 *   reads them as UTF-8 (U+FFFD for invalid bytes). So every U+FFFD, and
 *   every byte that does not start a valid UTF-8 sequence (GLib decides;
 *   NUL is kept), is dropped from both texts before they are compared. A
 *   character one side decodes and the other does not still differs.
 * - Empty text parts are left out on both sides (after the above): a
 *   delimiter line right after another, a headers-only part or an empty
 *   attached message is an empty part to mailsift (and mime4j) and no
 *   part to GMime; an empty part carries nothing to scan. A non-empty part
 *   only one side has still differs, and shifts the rest.
 * - g_mime_text_part_get_text() returns a C string; gmime_text() below
 *   makes the same text with its length, and checks it agrees with
 *   get_text() up to the first NUL.
 *
 * Real disagreements stay: content types, structure (a text part only one
 * side finds), transfer decoding, a charset one side converts and the
 * other does not, text one side has and the other has not.
 *
 * A difference fails the test unless tests/differential-exceptions.txt
 * lists it with a reason:
 *
 *     relative/path[:TEXT_PART]  reason
 *
 * relative/path is the file's path under corpus/, TEXT_PART the 1-based
 * index of the text part in order; without it the entry covers every text
 * part of the message (use that when the number of text parts differs);
 * a path that itself ends in ":digits" needs the index. '#' starts a
 * comment. An entry that matches no difference fails the test, so the file
 * lists only differences that exist.
 *
 * Set MS_DIFFERENTIAL_VERBOSE=1 to see the excepted differences as well.
 */
#include "helpers.h"

#include <mailsift/mailsift.h>

#include <gmime/gmime.h>

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CORPUS_DIR MS_SHARED_DIR "/corpus"
#define EXCEPTIONS MS_SOURCE_DIR "/tests/differential-exceptions.txt"

typedef ms_test_buf buf;

/* ---- text parts, from either side --------------------------------------- */

typedef struct text_part {
    char id[64];    /* IMAP part number */
    char type[128]; /* "type/subtype" as the parser reports it */
    char charset[64];
    buf text;
} text_part;

typedef struct text_parts {
    text_part *v;
    size_t n, cap;
    bool open;   /* mailsift: inside a text part */
    bool misuse; /* mailsift: unbalanced tap events */
} text_parts;

static text_part *add_part(text_parts *l, const char *id, const char *type, const char *charset)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    text_part *t = &l->v[l->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", id);
    snprintf(t->type, sizeof t->type, "%s", type);
    snprintf(t->charset, sizeof t->charset, "%s", charset ? charset : "");
    return t;
}

static void free_parts(text_parts *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].text.p);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ---- mailsift ------------------------------------------------------------ */

static ms_engine *engine;
static ms_scan *scan;

static void on_tap(void *ctx, ms_tap_stage stage, const ms_part_info *part, const void *data,
                   size_t len)
{
    text_parts *l = ctx;

    if (part->is_extra) /* preamble, epilogue: GMime has no such leaves */
        return;

    switch (stage) {
    case MS_TAP_PART_BEGIN:
        if (l->open)
            l->misuse = true;
        if (part->is_text) {
            add_part(l, part->id, part->content_type, part->charset);
            l->open = true;
        }
        break;
    case MS_TAP_UTF8:
        if (!l->open)
            l->misuse = true;
        else
            ms_test_buf_add(&l->v[l->n - 1].text, data, len);
        break;
    case MS_TAP_PART_END:
        l->open = false;
        break;
    case MS_TAP_DECODED:
    case MS_TAP_TEXT:
        break;
    }
}

static void mailsift_parts(const char *path, const char *msg, size_t len, text_parts *out)
{
    const ms_result *res;

    ms_scan_reset(scan);
    ms_scan_set_tap(scan, on_tap, out);
    assert_int_equal(ms_scan_feed(scan, msg, len), MS_OK);
    assert_int_equal(ms_scan_finish(scan, &res), MS_OK);
    ms_scan_set_tap(scan, NULL, NULL);
    if (out->misuse || out->open)
        fail_msg("%s: unbalanced tap events", path);
}

/* ---- GMime --------------------------------------------------------------- */

/* The text of a text part in UTF-8, as g_mime_text_part_get_text() makes it
 * (same calls, same order: decode the content, convert from the declared
 * charset with GMime's charset filter, or copy the bytes when there is no
 * charset or GMime cannot convert from it), but with its length kept. */
static void gmime_text(GMimeTextPart *part, buf *out)
{
    GMimeDataWrapper *content = g_mime_part_get_content((GMimePart *)part);
    GMimeContentType *ct = g_mime_object_get_content_type((GMimeObject *)part);
    const char *charset = g_mime_content_type_get_parameter(ct, "charset");

    if (content) {
        GMimeStream *stream = g_mime_stream_mem_new();
        GMimeFilter *filter = charset ? g_mime_filter_charset_new(charset, "utf-8") : NULL;
        if (filter) {
            GMimeStream *filtered = g_mime_stream_filter_new(stream);
            g_mime_stream_filter_add((GMimeStreamFilter *)filtered, filter);
            g_object_unref(filter);
            g_mime_data_wrapper_write_to_stream(content, filtered);
            g_mime_stream_flush(filtered);
            g_object_unref(filtered);
        } else {
            g_mime_data_wrapper_write_to_stream(content, stream);
        }
        GByteArray *bytes = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)stream);
        ms_test_buf_add(out, bytes->data, bytes->len);
        g_object_unref(stream);
    }

    /* the same text as GMime's own call, up to its NUL terminator */
    char *text = g_mime_text_part_get_text(part);
    size_t n = text ? strlen(text) : 0;
    if (n > out->len || (n && memcmp(text, out->p, n) != 0) || (n < out->len && out->p[n] != '\0'))
        fail_msg("gmime_text() differs from g_mime_text_part_get_text()");
    g_free(text);
}

static void gmime_walk(GMimeObject *obj, const char *id, text_parts *out);

/* The body of a message (top level or message/rfc822) numbered as IMAP
 * does: a multipart's children are prefix.N, a single body is prefix.1. */
static void gmime_walk_message(GMimeMessage *msg, const char *prefix, text_parts *out)
{
    GMimeObject *body = msg ? g_mime_message_get_mime_part(msg) : NULL;
    char id[64];

    if (!body)
        return;
    if (GMIME_IS_MULTIPART(body))
        snprintf(id, sizeof id, "%s", prefix);
    else
        snprintf(id, sizeof id, "%s%s1", prefix, prefix[0] ? "." : "");
    gmime_walk(body, id, out);
}

static void gmime_walk(GMimeObject *obj, const char *id, text_parts *out)
{
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = (GMimeMultipart *)obj;
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; i++) {
            char cid[64];
            snprintf(cid, sizeof cid, "%.40s%s%d", id, id[0] ? "." : "", i + 1);
            gmime_walk(g_mime_multipart_get_part(mp, i), cid, out);
        }
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        gmime_walk_message(g_mime_message_part_get_message((GMimeMessagePart *)obj), id, out);
    } else if (GMIME_IS_TEXT_PART(obj)) {
        GMimeContentType *ct = g_mime_object_get_content_type(obj);
        char *type = g_mime_content_type_get_mime_type(ct);
        text_part *t = add_part(out, id, type, g_mime_content_type_get_parameter(ct, "charset"));
        g_free(type);
        gmime_text((GMimeTextPart *)obj, &t->text);
    }
}

/* false when GMime cannot parse the file as a message */
static bool gmime_parts(const char *msg, size_t len, text_parts *out)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(msg, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);

    g_object_unref(parser);
    g_object_unref(stream);
    if (!m)
        return false;
    gmime_walk_message(m, "", out);
    g_object_unref(m);
    return true;
}

/* ---- normalisation ------------------------------------------------------ */

/* Drop U+FFFD and every byte that does not start a valid UTF-8 sequence
 * (GLib decides what is valid; NUL is kept), in place. */
static void normalise(buf *b)
{
    size_t o = 0;

    for (size_t i = 0; i < b->len;) {
        const char *p = b->p + i;
        if (*p == '\0') {
            b->p[o++] = b->p[i++];
            continue;
        }
        gunichar c = g_utf8_get_char_validated(p, (gssize)(b->len - i));
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            i++;
            continue;
        }
        size_t n = (size_t)g_utf8_skip[*(const guchar *)p];
        if (c != 0xFFFD) {
            memmove(b->p + o, p, n);
            o += n;
        }
        i += n;
    }
    b->len = o;
}

/* ---- the exceptions file ----------------------------------------------- */

static ms_test_exceptions exceptions;

/* ---- reporting --------------------------------------------------------- */

/* Up to 32 bytes of b from off, C-escaped, into out. */
static void snippet(const char *b, size_t len, size_t off, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = off; i < len && i < off + 32 && n + 5 < cap; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '\r')
            n += (size_t)snprintf(out + n, cap - n, "\\r");
        else if (c == '\n')
            n += (size_t)snprintf(out + n, cap - n, "\\n");
        else if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"')
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
        else
            out[n++] = (char)c;
        out[n] = '\0';
    }
}

static void describe_diff(const buf *want, const buf *got, char *out, size_t cap)
{
    size_t i = 0;
    char ws[160], gs[160];
    while (i < want->len && i < got->len && want->p[i] == got->p[i])
        i++;
    size_t from = i > 8 ? i - 8 : 0;
    snippet(want->p, want->len, from, ws, sizeof ws);
    snippet(got->p, got->len, from, gs, sizeof gs);
    snprintf(out, cap,
             "GMime %zu bytes, mailsift %zu; first difference at %zu: GMime \"%s\", "
             "mailsift \"%s\"",
             want->len, got->len, i, ws, gs);
}

/* ---- the test ---------------------------------------------------------- */

typedef struct tally {
    unsigned messages, unparsed, parts, equal, excepted, failures;
} tally;

static tally totals;

static bool verbose(void)
{
    const char *v = getenv("MS_DIFFERENTIAL_VERBOSE");
    return v && *v && strcmp(v, "0") != 0;
}

static void difference(const char *rel, unsigned part, const char *what)
{
    ms_test_exception *e = ms_test_exceptions_find(&exceptions, rel, part);
    if (e) {
        e->used = true;
        totals.excepted++;
        if (verbose())
            print_message("excepted %s:%u (%s): %s\n", rel, part, e->reason, what);
        return;
    }
    totals.failures++;
    print_error("%s:%u: %s\n", rel, part, what);
}

/* Leave out the text parts with no text (after normalise()). */
static void drop_empty(text_parts *l)
{
    size_t o = 0;

    for (size_t i = 0; i < l->n; i++) {
        normalise(&l->v[i].text);
        if (l->v[i].text.len == 0)
            free(l->v[i].text.p);
        else
            l->v[o++] = l->v[i];
    }
    l->n = o;
}

static void compare(const char *rel, text_parts *gm, text_parts *ms)
{
    char what[1024];

    drop_empty(gm);
    drop_empty(ms);

    for (size_t i = 0; i < gm->n || i < ms->n; i++) {
        unsigned index = (unsigned)i + 1;
        totals.parts++;
        if (i >= ms->n || i >= gm->n) {
            const text_part *t = i >= ms->n ? &gm->v[i] : &ms->v[i];
            snprintf(what, sizeof what,
                     "text part %u (%s, part %s) only in %s (GMime %zu text parts, "
                     "mailsift %zu)",
                     index, t->type, t->id, i >= ms->n ? "GMime" : "mailsift", gm->n, ms->n);
            difference(rel, index, what);
            continue;
        }
        text_part *g = &gm->v[i], *m = &ms->v[i];
        if (strcasecmp(g->type, m->type) != 0) {
            snprintf(what, sizeof what, "text part %u: GMime %s (part %s), mailsift %s (part %s)",
                     index, g->type, g->id, m->type, m->id);
            difference(rel, index, what);
            continue;
        }
        if (g->text.len == m->text.len &&
            (g->text.len == 0 || memcmp(g->text.p, m->text.p, g->text.len) == 0)) {
            if (strcmp(g->id, m->id) == 0) {
                totals.equal++;
                continue;
            }
            snprintf(what, sizeof what,
                     "text part %u (%s): same text, but part %s in GMime, %s in mailsift", index,
                     m->type, g->id, m->id);
            difference(rel, index, what);
            continue;
        }
        char d[600];
        describe_diff(&g->text, &m->text, d, sizeof d);
        snprintf(what, sizeof what, "text part %u (%s, part %s, charset \"%s\"): %s", index,
                 m->type, m->id, m->charset, d);
        difference(rel, index, what);
    }
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *rel = path + strlen(CORPUS_DIR) + 1;
    text_parts gm = {0}, ms = {0};
    size_t len;

    (void)st;
    (void)ftw;
    if (flag != FTW_F || strcmp(rel, "SOURCES.md") == 0)
        return 0;
    char *msg = ms_test_read_file(path, &len);
    assert_non_null(msg);
    totals.messages++;
    if (!gmime_parts(msg, len, &gm))
        totals.unparsed++;
    mailsift_parts(path, msg, len, &ms);
    compare(rel, &gm, &ms);
    free_parts(&gm);
    free_parts(&ms);
    free(msg);
    return 0;
}

static void test_gmime_differential(void **state)
{
    (void)state;
    ms_test_exceptions_load(&exceptions, EXCEPTIONS);
    assert_int_equal(nftw(CORPUS_DIR, visit, 16, FTW_PHYS), 0);
    unsigned stale = ms_test_exceptions_stale(&exceptions);
    ms_test_exceptions_free(&exceptions);
    print_message("GMime differential: %u messages (%u GMime could not parse), %u text parts "
                  "compared: %u equal, %u excepted, %u differ; %u stale exceptions\n",
                  totals.messages, totals.unparsed, totals.parts, totals.equal, totals.excepted,
                  totals.failures, stale);
    assert_true(totals.messages > 1000);
    if (totals.failures || stale)
        fail_msg("%u unexplained differences, %u stale exceptions", totals.failures, stale);
}

static int setup(void **state)
{
    ms_engine_opts opts = {.rules_dir = MS_SOURCE_DIR "/rulesets"};
    ms_error err;
    (void)state;
    g_mime_init();
    if (ms_engine_create(&opts, &engine, &err) != MS_OK)
        return -1;
    return ms_scan_create(engine, &scan, &err) == MS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_scan_destroy(scan);
    ms_engine_destroy(engine);
    g_mime_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gmime_differential),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
