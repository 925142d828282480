/*
 * test_mime.c - the streaming MIME structure parser (engine/mime.c)
 *
 * Each case is a message and the events the parser must send: header
 * fields of message header blocks ("H name=value"), leaf part starts
 * ("B id type cte charset filename"), body bytes between "[" and "]", and
 * anomalies. Every case is run whole, at every two-piece split and byte by
 * byte, and must give the same events each time. The raw sink must hand on
 * every byte of the message once and in order (a rewriting consumer such as
 * the disclaimer depends on it), unless a header line was over the limit.
 */
#include "helpers.h"
#include "mime.h"

#include <mailsift/mailsift.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct rec {
    char *buf;
    size_t len, cap;
} rec;

static void put(rec *r, const char *p, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        r->cap = (r->len + n + 1) * 2;
        r->buf = realloc(r->buf, r->cap);
        assert_non_null(r->buf);
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    r->buf[r->len] = '\0';
}

static void putf(rec *r, const char *fmt, ...)
{
    char *tmp;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&tmp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    put(r, tmp, (size_t)n);
    free(tmp);
}

static void on_header(void *ctx, const ms_mime_entity *e, const char *name, size_t nlen,
                      const char *value, size_t vlen)
{
    if (nlen == 0)
        putf(ctx, "J %.*s\n", (int)vlen, value);
    else if (e->is_message)
        putf(ctx, "H %.*s=%.*s\n", (int)nlen, name, (int)vlen, value);
}

static void on_header_end(void *ctx, const ms_mime_entity *e)
{
    if (e->is_message)
        putf(ctx, "EOH %s\n", e->prefix[0] ? e->prefix : "-");
}

static void on_begin(void *ctx, const ms_mime_entity *e)
{
    static const char *const cte[] = {"7bit", "base64", "qp", "unknown"};
    putf(ctx, "B %s %s %s %s %s\n", e->id, e->type, cte[e->cte], e->charset[0] ? e->charset : "-",
         e->filename[0] ? e->filename : "-");
}

static void on_data(void *ctx, const char *p, size_t n)
{
    put(ctx, p, n);
}

static void on_end(void *ctx)
{
    putf(ctx, "|E\n");
}

/* The events and, apart, the raw bytes; events first so ctx is a rec. */
typedef struct parse_ctx {
    rec ev, raw;
} parse_ctx;

static void on_raw(void *ctx, ms_mime_raw kind, const ms_mime_entity *e, const char *p, size_t n)
{
    (void)kind;
    (void)e;
    put(&((parse_ctx *)ctx)->raw, p, n);
}

/* Parse msg with the given cut points; returns the malloc'd event record. */
static char *parse(const ms_limits *lim, const char *msg, size_t len, const size_t *cuts,
                   size_t ncuts, uint32_t *anom)
{
    parse_ctx c = {{0}, {0}};
    ms_charset cs;
    ms_mime_sink sink = {&c, on_header, on_header_end, on_begin, on_data, on_end, on_raw};

    ms_charset_init(&cs);
    ms_mime *m = ms_mime_create(lim, &cs, &sink);
    assert_non_null(m);
    size_t prev = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t cut = i < ncuts ? cuts[i] : len;
        ms_mime_feed(m, msg + prev, cut - prev);
        prev = cut;
    }
    ms_mime_finish(m);
    *anom = ms_mime_anomalies(m);
    ms_mime_destroy(m);
    ms_charset_fini(&cs);
    put(&c.raw, "", 0);
    if (!(*anom & MS_ANOM_LONG_LINE) && (c.raw.len != len || memcmp(c.raw.buf, msg, len) != 0))
        fail_msg("the raw sink did not hand on the message as fed:\n%s\n--- fed:\n%.*s", c.raw.buf,
                 (int)len, msg);
    free(c.raw.buf);
    put(&c.ev, "", 0);
    return c.ev.buf;
}

/* Whole, every split, byte by byte: identical events and anomalies. */
static char *parse_all_ways(const ms_limits *lim, const char *msg, uint32_t *anom)
{
    size_t len = strlen(msg);
    char *whole = parse(lim, msg, len, NULL, 0, anom);

    for (size_t cut = 1; cut < len; cut++) {
        uint32_t a;
        char *got = parse(lim, msg, len, &cut, 1, &a);
        if (strcmp(got, whole) != 0 || a != *anom)
            fail_msg("split at %zu differs:\n%s\n--- whole:\n%s", cut, got, whole);
        free(got);
    }
    size_t *cuts = malloc(len * sizeof *cuts);
    for (size_t i = 1; i < len; i++)
        cuts[i - 1] = i;
    uint32_t a;
    char *got = parse(lim, msg, len, cuts, len - 1, &a);
    if (strcmp(got, whole) != 0 || a != *anom)
        fail_msg("byte by byte differs:\n%s\n--- whole:\n%s", got, whole);
    free(got);
    free(cuts);
    return whole;
}

static const struct mime_case {
    const char *name, *in, *want;
    uint32_t anomalies;
} mime_cases[] = {
    {"single part with LF line ends", "Subject: hi\nFrom: a@b\n\nline 1\nline 2\n",
     "H Subject=hi\nH From=a@b\nEOH -\nB 1 text/plain 7bit - -\nline 1\nline 2\n|E\n", 0},
    {"folded header is unfolded", "Subject: one\r\n two\r\n\tthree\r\n\r\nx",
     "H Subject=one two\tthree\nEOH -\nB 1 text/plain 7bit - -\nx|E\n", 0},
    {"multipart with preamble and epilogue; CRLF before boundary belongs to it",
     "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\n"
     "Content-Type: text/plain; charset=UTF-8\r\n\r\nfirst\r\n--XX\r\n"
     "Content-Transfer-Encoding: base64\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\n"
     "QUJD\r\n--XX--\r\nepilogue\r\n",
     "H Content-Type=multipart/mixed; boundary=\"XX\"\nEOH -\n"
     "B preamble text/plain 7bit us-ascii -\npreamble|E\nB 1 text/plain 7bit utf-8 -\n"
     "first|E\nB 2 application/pdf base64 - a.pdf\nQUJD|E\n"
     "B epilogue text/plain 7bit us-ascii -\nepilogue\r\n|E\n",
     0},
    {"preamble and epilogue of a nested multipart are named below its part",
     "Content-Type: multipart/mixed; boundary=o\n\n--o\n"
     "Content-Type: multipart/alternative; boundary=i\n\ninner preamble\n--i\n\nx\n--i--\n"
     "inner epilogue\n--o--\n",
     "H Content-Type=multipart/mixed; boundary=o\nEOH -\n"
     "B 1.preamble text/plain 7bit us-ascii -\ninner preamble|E\nB 1.1 text/plain 7bit - -\n"
     "x|E\nB 1.epilogue text/plain 7bit us-ascii -\ninner epilogue|E\n",
     0},
    {"inner boundary that has the outer one as its prefix",
     "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
     "Content-Type: multipart/alternative; boundary=ab\n\n--ab\n\ninner\n--ab--\n--a\n\n"
     "outer\n--a--\n",
     "H Content-Type=multipart/mixed; boundary=a\nEOH -\nB 1.1 text/plain 7bit - -\n"
     "inner|E\nB 2 text/plain 7bit - -\nouter|E\n",
     0},
    {"outer boundary closes the inner multipart",
     "Content-Type: multipart/mixed; boundary=out\n\n--out\n"
     "Content-Type: multipart/alternative; boundary=in\n\n--in\n\ninner\n--out\n\nnext\n"
     "--out--\n",
     "H Content-Type=multipart/mixed; boundary=out\nEOH -\nB 1.1 text/plain 7bit - -\n"
     "inner|E\nB 2 text/plain 7bit - -\nnext|E\n",
     MS_ANOM_MISSING_BOUNDARY},
    {"missing final boundary ends at end of message",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nlast line\n",
     "H Content-Type=multipart/mixed; boundary=b\nEOH -\nB 1 text/plain 7bit - -\n"
     "last line\n|E\n",
     MS_ANOM_MISSING_BOUNDARY},
    {"boundary followed by blanks still delimits",
     "Content-Type: multipart/mixed; boundary=b\n\n--b  \t\n\nx\n--b-- \n",
     "H Content-Type=multipart/mixed; boundary=b\nEOH -\nB 1 text/plain 7bit - -\nx|E\n", 0},
    {"boundary with trailing text is body",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b and more\n--b--\n",
     "H Content-Type=multipart/mixed; boundary=b\nEOH -\nB 1 text/plain 7bit - -\n"
     "x\n--b and more|E\n",
     0},
    {"message/rfc822 is descended into with IMAP numbering",
     "Subject: outer\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nbody\n--b\n"
     "Content-Type: message/rfc822\n\nSubject: inner\nContent-Type: multipart/alternative; "
     "boundary=c\n\n--c\n\nin1\n--c\nContent-Type: text/html\n\nin2\n--c--\n--b--\n",
     "H Subject=outer\nH Content-Type=multipart/mixed; boundary=b\nEOH -\n"
     "B 1 text/plain 7bit - -\nbody|E\nH Subject=inner\nH Content-Type=multipart/alternative; "
     "boundary=c\nEOH 2\nB 2.1 text/plain 7bit - -\nin1|E\nB 2.2 text/html 7bit - -\nin2|E\n",
     0},
    {"single-part encapsulated message body is N.1",
     "Content-Type: message/rfc822\n\nSubject: in\n\nhello\n",
     "H Content-Type=message/rfc822\nEOH -\nH Subject=in\nEOH 1\nB 1.1 text/plain 7bit - -\n"
     "hello\n|E\n",
     0},
    {"lines that are no fields are passed on and the header goes on",
     "Subject: x\nthis is not a header\nmore\n",
     "H Subject=x\nJ this is not a header\nJ more\nEOH -\nB 1 text/plain 7bit - -\n|E\n",
     MS_ANOM_HEADER_JUNK | MS_ANOM_NO_HEADER_END},
    {"a junk line does not hide the fields after it",
     "Subject: t\nThis line is junk\nContent-Type: text/plain\nContent-Transfer-Encoding: "
     "base64\n\nQUJD\n",
     "H Subject=t\nJ This line is junk\nH Content-Type=text/plain\n"
     "H Content-Transfer-Encoding=base64\nEOH -\nB 1 text/plain base64 - -\nQUJD\n|E\n",
     MS_ANOM_HEADER_JUNK},
    {"byte order mark before the first field is skipped", "\xEF\xBB\xBFSubject: b\n\nx",
     "H Subject=b\nEOH -\nB 1 text/plain 7bit - -\nx|E\n", 0},
    {"mbox From_ line at the top of an attached message is skipped",
     "Content-Type: message/rfc822\n\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: in\n\nhi\n",
     "H Content-Type=message/rfc822\nEOH -\nH Subject=in\nEOH 1\nB 1.1 text/plain 7bit - -\n"
     "hi\n|E\n",
     0},
    {"a boundary that ends in a blank delimits",
     "Content-Type: multipart/mixed; boundary=\"b \"\n\n--b \n\nx\n--b --\n",
     "H Content-Type=multipart/mixed; boundary=\"b \"\nEOH -\nB 1 text/plain 7bit - -\nx|E\n", 0},
    {"a delimiter right after the multipart's header starts the first part",
     "Content-Type: multipart/mixed; boundary=foo\n--foo\nContent-Type: text/plain\n\ncard\n"
     "--foo--\n",
     "H Content-Type=multipart/mixed; boundary=foo\nEOH -\nB 1 text/plain 7bit - -\ncard|E\n", 0},
    {"a multipart that ends without parts is flagged; its text is the preamble",
     "Content-Type: multipart/mixed; boundary=b\n\n--b trailing\ntext\n--b--\n",
     "H Content-Type=multipart/mixed; boundary=b\nEOH -\n"
     "B preamble text/plain 7bit us-ascii -\n--b trailing\ntext|E\n",
     MS_ANOM_EMPTY_MULTIPART},
    {"leading mbox From_ line skipped",
     "From someone@example.com Mon Jan  1 00:00:00 2024\n"
     "Subject: s\n\nb\n",
     "H Subject=s\nEOH -\nB 1 text/plain 7bit - -\nb\n|E\n", 0},
    {"multipart without boundary is read as text", "Content-Type: multipart/mixed\n\n--x\nhello\n",
     "H Content-Type=multipart/mixed\nEOH -\nB 1 text/plain 7bit - -\n--x\nhello\n|E\n",
     MS_ANOM_NO_BOUNDARY_PARAM},
    {"digest parts default to message/rfc822",
     "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: m1\n\nt1\n--d--\n",
     "H Content-Type=multipart/digest; boundary=d\nEOH -\nH Subject=m1\nEOH 1\n"
     "B 1.1 text/plain 7bit - -\nt1|E\n",
     0},
    {"message with headers only", "Subject: only headers\n",
     "H Subject=only headers\nEOH -\nB 1 text/plain 7bit - -\n|E\n", MS_ANOM_NO_HEADER_END},
    {"RFC 2231 file name and quoted-printable encoding",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/csv\n"
     "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.csv\n"
     "Content-Transfer-Encoding: Quoted-Printable\n\na=3Db\n--b--\n",
     "H Content-Type=multipart/mixed; boundary=b\nEOH -\n"
     "B 1 text/csv qp - r\xc3\xa9sum\xc3\xa9.csv\na=3Db|E\n",
     0},
    {"CRLF empty part between boundaries",
     "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n\r\n--b\r\n\r\nz\r\n--b--\r\n",
     "H Content-Type=multipart/mixed; boundary=b\nEOH -\nB 1 text/plain 7bit - -\n|E\n"
     "B 2 text/plain 7bit - -\nz|E\n",
     0},
};

static void test_cases(void **state)
{
    ms_limits lim;
    (void)state;
    ms_limits_default(&lim);
    for (size_t i = 0; i < sizeof mime_cases / sizeof mime_cases[0]; i++) {
        const struct mime_case *c = &mime_cases[i];
        uint32_t anom;
        char *got = parse_all_ways(&lim, c->in, &anom);
        if (strcmp(got, c->want) != 0)
            fail_msg("%s:\ngot:\n%s\nwant:\n%s", c->name, got, c->want);
        if (anom != c->anomalies)
            fail_msg("%s: anomalies 0x%x, want 0x%x", c->name, anom, c->anomalies);
        free(got);
    }
}

/* Nesting one deeper than the limit stops descending and says so. */
static void test_depth_limit(void **state)
{
    ms_limits lim;
    char msg[4096] = "";
    uint32_t anom;
    (void)state;
    ms_limits_default(&lim);
    lim.depth = 3;
    for (int d = 0; d < 4; d++) {
        char line[128];
        snprintf(line, sizeof line, "%sContent-Type: multipart/mixed; boundary=b%d\n\n--b%d\n",
                 d ? "" : "", d, d);
        strcat(msg, line);
    }
    strcat(msg, "\ndeep text\n");
    char *got = parse_all_ways(&lim, msg, &anom);
    assert_true(anom & MS_ANOM_DEPTH);
    free(got);

    lim.depth = 4; /* at the limit: no anomaly */
    got = parse_all_ways(&lim, msg, &anom);
    assert_false(anom & MS_ANOM_DEPTH);
    assert_non_null(strstr(got, "B 1.1.1.1 text/plain"));
    free(got);
}

/* One part over the part limit skips the rest. */
static void test_parts_limit(void **state)
{
    ms_limits lim;
    const char *msg = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n1\n--b\n\n2\n--b\n\n3\n"
                      "--b--\n";
    uint32_t anom;
    (void)state;
    ms_limits_default(&lim);
    lim.parts = 4; /* the message and three parts */
    char *got = parse_all_ways(&lim, msg, &anom);
    assert_false(anom & MS_ANOM_PARTS);
    assert_non_null(strstr(got, "B 3 "));
    free(got);
    lim.parts = 3;
    got = parse_all_ways(&lim, msg, &anom);
    assert_true(anom & MS_ANOM_PARTS);
    assert_null(strstr(got, "B 3 "));
    free(got);
}

/* A body line far longer than the line limit passes whole; a header line
 * longer than the limit is cut. */
/* A boundary over the limit: the multipart is read whole as text. */
static void test_boundary_too_long(void **state)
{
    ms_limits lim;
    char b[MS_BOUNDARY_MAX + 2], msg[4 * MS_BOUNDARY_MAX];
    uint32_t anom;
    (void)state;
    ms_limits_default(&lim);
    memset(b, 'q', sizeof b - 1);
    b[sizeof b - 1] = '\0';
    snprintf(msg, sizeof msg, "Content-Type: multipart/mixed; boundary=%s\n\n--%s\n\ncard\n", b, b);
    char *got = parse(&lim, msg, strlen(msg), NULL, 0, &anom);
    assert_true(anom & MS_ANOM_BOUNDARY_TOO_LONG);
    assert_non_null(strstr(got, "B 1 text/plain 7bit - -\n--qqq"));
    assert_non_null(strstr(got, "\n\ncard\n|E"));
    free(got);
    b[sizeof b - 2] = '\0'; /* at the limit: a multipart */
    snprintf(msg, sizeof msg, "Content-Type: multipart/mixed; boundary=%s\n\n--%s\n\ncard\n", b, b);
    got = parse(&lim, msg, strlen(msg), NULL, 0, &anom);
    assert_false(anom & MS_ANOM_BOUNDARY_TOO_LONG);
    assert_non_null(strstr(got, "B 1 text/plain 7bit - -\ncard\n|E"));
    free(got);
}

static void test_long_lines(void **state)
{
    ms_limits lim;
    size_t n = 5000;
    char *msg = malloc(2 * n + 64);
    uint32_t anom;
    (void)state;
    ms_limits_default(&lim);
    lim.line_length = 1024;
    strcpy(msg, "X-Long: ");
    memset(msg + 8, 'h', n);
    strcpy(msg + 8 + n, "\n\n");
    size_t off = strlen(msg);
    memset(msg + off, 'b', n);
    strcpy(msg + off + n, "\n");
    char *got = parse(&lim, msg, strlen(msg), NULL, 0, &anom);
    assert_true(anom & MS_ANOM_LONG_LINE);
    char *body = strstr(got, "B 1 text/plain 7bit - -\n");
    assert_non_null(body);
    body += strlen("B 1 text/plain 7bit - -\n");
    assert_int_equal(strspn(body, "b"), n);
    free(got);
    free(msg);
}

/* A header line over the limit, and a non-header line over the limit that
 * starts the body, give the same events however the input is split. */
static void test_long_header_lines_any_chunking(void **state)
{
    ms_limits lim;
    char msg[8192];
    uint32_t anom;
    (void)state;
    ms_limits_default(&lim);
    lim.line_length = 1024;
    size_t n = (size_t)snprintf(msg, sizeof msg, "Subject: ");
    memset(msg + n, 's', 1500);
    n += 1500;
    n += (size_t)snprintf(msg + n, sizeof msg - n, "\r\nX-No-Colon ");
    memset(msg + n, 'x', 1500);
    n += 1500;
    snprintf(msg + n, sizeof msg - n, "\r\n\r\nlast line");
    char *got = parse_all_ways(&lim, msg, &anom);
    assert_true(anom & MS_ANOM_LONG_LINE);
    assert_true(anom & MS_ANOM_HEADER_JUNK);
    /* the junk line is cut at the limit; the header still ends at the blank line */
    char *j = strstr(got, "J X-No-Colon ");
    assert_non_null(j);
    assert_int_equal(strcspn(j + 2, "\n"), 1024);
    assert_non_null(strstr(got, "EOH -\nB 1 text/plain 7bit - -\nlast line|E"));
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_parts_limit),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_boundary_too_long),
        cmocka_unit_test(test_long_header_lines_any_chunking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
