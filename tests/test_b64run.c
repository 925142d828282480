/*
 * test_b64run.c - pins engine/b64run.c, base64 pasted into text
 *
 * Every case goes through ms_test_chunked() (whole, at every two-piece
 * split, byte by byte): the runs found are written as "[t|BYTES]" ("t"
 * truncated at the cap, "-" otherwise), so each case also pins chunk
 * independence. Encoded text comes from Python's base64.encodebytes (76
 * columns) and base64.b64encode (one line), the references here.
 */
#include "b64run.h"
#include "helpers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_BYTES 4096

/* 130 bytes: a CSV with two card numbers, then 60 'x' */
#define CSV_B64                                                                                    \
    "bmFtZSxjYXJkCkRhbmEgV2ViZXIsNDExMSAxMTExIDExMTEgMTExMQpMZWUgUGFyayw1NTU1IDU1\n"               \
    "NTUgNTU1NSA0NDQ0Cnh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"               \
    "eHh4eHh4eHh4eHh4eHh4eA==\n"
/* the same, on one line (base64 -w0) */
#define CSV_B64_LINE                                                                               \
    "bmFtZSxjYXJkCkRhbmEgV2ViZXIsNDExMSAxMTExIDExMTEgMTExMQpMZWUgUGFyayw1NTU1IDU1"                 \
    "NTUgNTU1NSA0NDQ0Cnh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4"                 \
    "eHh4eHh4eHh4eHh4eHh4eA=="
#define CSV                                                                                        \
    "name,card\nDana Weber,4111 1111 1111 1111\nLee Park,5555 5555 5555 4444\n"                    \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

/* 48 and 54 'A' decoded (64 and 72 "QUFB") */
#define A48 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define A54 A48 "AAAAAA"

static void run_init(void *st)
{
    ms_b64run_init(st, MAX_BYTES);
    ms_b64run_reset(st);
}

static size_t run_feed(void *st, const char *in, size_t len, char *out)
{
    (void)out;
    ms_b64run_feed(st, in, len);
    return 0;
}

static size_t run_finish(void *st, char *out)
{
    ms_b64run *r = st;
    size_t o = 0;

    ms_b64run_finish(r);
    for (unsigned i = 0; i < r->nblocks; i++) {
        const ms_b64run_block *b = &r->blocks[i];
        o += (size_t)sprintf(out + o, "[%c|", b->truncated ? 't' : '-');
        memcpy(out + o, r->buf.p + b->off, b->len);
        o += b->len;
        out[o++] = ']';
    }
    return o;
}

static size_t run_room(size_t len)
{
    return len + MS_B64RUN_BLOCKS * 8;
}

static void run_fini(void *st)
{
    ms_b64run_free(st);
}

static const ms_test_decoder dec = {sizeof(ms_b64run), run_init, run_feed,
                                    run_finish,        run_room, run_fini};

static void check(const char *name, const char *in, const char *want)
{
    ms_test_chunked(name, &dec, in, strlen(in), want, strlen(want));
}

static void test_runs(void **state)
{
    (void)state;
    check("a pasted run between lines of text", "Here it is:\n\n" CSV_B64 "\nthanks\n",
          "[-|" CSV "]");
    check("CRLF lines", "x\r\n" CSV_B64 "y\r\n", "[-|" CSV "]");
    check("no line break at the end",
          "bmFtZSxjYXJkCkRhbmEgV2ViZXIsNDExMSAxMTExIDExMTEgMTExMQpMZWUgUGFyayw1NTU1IDU1\n"
          "NTUgNTU1NSA0NDQ0Cnh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
          "eHh4eHh4eHh4eHh4eHh4eA==",
          "[-|" CSV "]");
    check("two runs", CSV_B64 "--\n" CSV_B64, "[-|" CSV "][-|" CSV "]");
    check("a full-width last line, then text ends the run",
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\nend of it\n",
          "[-|" A54 A54 "]");
    check("two lines long enough together",
          "bmFtZSxjYXJkCkRhbmEgV2ViZXIsNDExMSAxMTExIDExMTEgMTExMQpMZWUgUGFyayw1NTU1IDU1\n"
          "NTUgNTU1NSA0NDQ0Cg==\n",
          "[-|name,card\nDana Weber,4111 1111 1111 1111\nLee Park,5555 5555 5555 4444\n]");
}

static void test_tokens(void **state)
{
    (void)state;
    check("one line, alone", "Here it is:\n" CSV_B64_LINE "\nthanks\n", "[-|" CSV "]");
    check("one line, after other text on its line", "file: " CSV_B64_LINE "\n", "[-|" CSV "]");
    check("one line, CRLF", "x\r\n" CSV_B64_LINE "\r\ny\r\n", "[-|" CSV "]");
    check("a data: URI in HTML",
          "<p>Hi</p><img alt=\"\" src=\"data:text/csv;base64," CSV_B64_LINE "\"><p>Bye</p>\n",
          "[-|" CSV "]");
    check("a JavaScript string", "<script>var b = atob('" CSV_B64_LINE "');</script>",
          "[-|" CSV "]");
    check("after '=' of a key", "payload=" CSV_B64_LINE "&x=1\n", "[-|" CSV "]");
    check("two tokens split by padding", "t " CSV_B64_LINE CSV_B64_LINE " .\n",
          "[-|" CSV "][-|" CSV "]");
    check("a data: URI wrapped over lines",
          "<a href=\"data:text/csv;base64,bmFtZSxjYXJkCkRhbmEgV2ViZXIsNDEx\n"
          "MSAxMTExIDExMTEgMTExMQpMZWUgUGFyayw1NTU1IDU1NTUgNTU1NSA0NDQ0Cnh4eHh4eHh4eHh4\n"
          "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eA==\">the list</a>\n",
          "[-|" CSV "]");
    check("a token of exactly the minimum",
          "see UXVhcnRlcmx5IGNhcmQgbGlzdCAyMDI2OiA0MTExIDExMTEgMTExMSAxMTExIG9r here\n",
          "[-|Quarterly card list 2026: 4111 1111 1111 1111 ok]");
}

static void test_not_runs(void **state)
{
    (void)state;
    check("ordinary text", "The quick brown fox\njumps over the lazy dog.\n", "");
    check("two short lines are too few", "bmFtZSxjYXJkCkRhbmEgV2ViZXIsNDEx\nMSAxMTExIDEx\n", "");
    check("a token one short of the minimum",
          "see UXVhcnRlcmx5IGNhcmQgbGlzdCAyMDI2OiA0MTExIDExMTEgMTExMSAxMTExIG9 here\n", "");
    check("the path of a link",
          "https://mail.example.com/app/linkClick/12676/98e125c4de106b1f/"
          "4852414/3fd76deeb52f82ceAB12cd34\n",
          "");
    check("a link without a host name",
          "<a href=\"//Cdn4Example/assets/v2/Img7Qq9ZzPlm3NnBb8Vv1Xx0Ww5"
          "Yy4Uu6TtRr2Ss\">\n",
          "");
    check("a path with a slash every few characters",
          "see src/Main/java/org/Example3/app/Module1/sub/ClassName12/Util9/Abc/x.java\n", "");
    check("a long word of one case",
          "filler iszjzmyzcxaesethqbqwhfsgrzgkrgrguzduuugbipgwisfadwdycvqwlb"
          "buljatrjsqjq end\n",
          "");
    check("a hexadecimal hash is no base64",
          "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 ok\n", "");
    check("a word ending a line and a word beginning the next",
          "Please find the attached\nspreadsheetsandfigures for review\n", "");
    check("a word after a run is not its last line",
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\nend. Thanks\n",
          "[-|" A54 A54 "]");
    check("lines shorter than the minimum",
          "QUFBQUFBQUFBQUFB\nQUFBQUFBQUFBQUFB\nQUFBQUFBQUFBQUFB\nQUFBQUFBQUFBQUFB\n", "");
    check("lines each wider than the last are no run",
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n",
          "");
    check("a padded line in the middle ends the run there",
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=\n"
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n",
          "");
    check("words with a blank are not base64",
          "This line is long enough to be base64 but it has blanks in it\n"
          "This line is long enough to be base64 but it has blanks in it\n"
          "This line is long enough to be base64 but it has blanks in it\n",
          "");
}

/* n bytes of "QWIx009+" (base64 of "Ab1", 0xd3, "O~") over and over */
static void fill(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = "QWIx009+"[i % 8];
}

static void test_limits(void **state)
{
    char *in = malloc(64 * 1024);
    size_t n = 0;
    ms_b64run r;
    (void)state;
    assert_non_null(in);

    /* more bytes than the cap: the first MAX_BYTES kept, truncated */
    for (int i = 0; i < 200; i++) /* 54 'A' a line */
        n += (size_t)sprintf(
            in + n, "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n");
    ms_b64run_init(&r, MAX_BYTES);
    ms_b64run_reset(&r);
    ms_b64run_feed(&r, in, n);
    ms_b64run_finish(&r);
    assert_int_equal(r.nblocks, 1);
    assert_true(r.blocks[0].truncated);
    assert_int_equal(r.blocks[0].len, MAX_BYTES);

    /* pieces past MS_B64RUN_BLOCKS are not kept, and that is said; lines
     * and words that would not count anyway say nothing (a cap that
     * holds them all) */
    ms_b64run big;
    ms_b64run_init(&big, 1u << 20);
    ms_b64run_reset(&big);
    for (int i = 0; i < MS_B64RUN_BLOCKS; i++)
        ms_b64run_feed(&big, CSV_B64 "--\n", strlen(CSV_B64) + 3);
    ms_b64run_feed(&big, "Thanks\nQUFBQUFB\nQUFBQUFB\nsee you\n", 33);
    ms_b64run_finish(&big);
    assert_int_equal(big.nblocks, MS_B64RUN_BLOCKS);
    assert_false(big.over);
    ms_b64run_reset(&big);
    for (int i = 0; i < MS_B64RUN_BLOCKS + 1; i++)
        ms_b64run_feed(&big, CSV_B64 "--\n", strlen(CSV_B64) + 3);
    ms_b64run_finish(&big);
    assert_int_equal(big.nblocks, MS_B64RUN_BLOCKS);
    assert_true(big.over);
    ms_b64run_reset(&big);
    for (int i = 0; i < MS_B64RUN_BLOCKS; i++)
        ms_b64run_feed(&big, CSV_B64 "--\n", strlen(CSV_B64) + 3);
    ms_b64run_feed(&big, "x " CSV_B64_LINE " y\n", strlen(CSV_B64_LINE) + 5);
    ms_b64run_finish(&big);
    assert_true(big.over); /* a token */
    ms_b64run_free(&big);

    /* a line longer than MS_B64RUN_LINE_MAX is no line of a run, but a
     * token of its own, decoded as it comes */
    ms_b64run_reset(&r);
    fill(in, 3 * (MS_B64RUN_LINE_MAX + 8));
    for (int i = 1; i <= 3; i++)
        in[i * (MS_B64RUN_LINE_MAX + 8) - 1] = '\n';
    ms_b64run_feed(&r, in, 3 * (MS_B64RUN_LINE_MAX + 8));
    ms_b64run_finish(&r);
    assert_int_equal(r.nblocks, 3);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(r.blocks[i].len, (MS_B64RUN_LINE_MAX + 7) * 3 / 4);

    /* one token of 40 KiB in 1000-byte chunks: cut at the cap, the start kept */
    ms_b64run_reset(&r);
    fill(in, 40 * 1024);
    for (size_t i = 0; i < 40 * 1024; i += 1000)
        ms_b64run_feed(&r, in + i, 40 * 1024 - i < 1000 ? 40 * 1024 - i : 1000);
    ms_b64run_finish(&r);
    assert_int_equal(r.nblocks, 1);
    assert_true(r.blocks[0].truncated);
    assert_int_equal(r.blocks[0].len, MAX_BYTES);

    /* reset forgets a run under way */
    ms_b64run_feed(&r, CSV_B64, strlen(CSV_B64)); /* a whole run, not yet ended */
    ms_b64run_reset(&r);
    ms_b64run_finish(&r);
    assert_int_equal(r.nblocks, 0);
    ms_b64run_free(&r);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_not_runs),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
