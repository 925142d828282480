/*
 * test_b64run.c - pins engine/b64run.c, base64 pasted into text
 *
 * Every case goes through ms_test_chunked() (whole, at every two-piece
 * split, byte by byte): the runs found are written as "[t|BYTES]" ("t"
 * truncated at the cap, "-" otherwise), so each case also pins chunk
 * independence. Encoded text comes from Python's base64.encodebytes (76
 * columns), the reference here.
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
#define CSV                                                                                        \
    "name,card\nDana Weber,4111 1111 1111 1111\nLee Park,5555 5555 5555 4444\n"                    \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

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
          "[-|AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA]");
}

static void test_not_runs(void **state)
{
    (void)state;
    check("ordinary text", "The quick brown fox\njumps over the lazy dog.\n", "");
    check("two lines are too few",
          "bmFtZSxjYXJkCkRhbmEgV2ViZXIsNDExMSAxMTExIDExMTEgMTExMQpMZWUgUGFyayw1NTU1IDU1\n"
          "NTUgNTU1NSA0NDQ0Cg==\n",
          "");
    check("lines shorter than the minimum",
          "QUFBQUFBQUFBQUFB\nQUFBQUFBQUFBQUFB\nQUFBQUFBQUFBQUFB\nQUFBQUFBQUFBQUFB\n", "");
    check("lines of different widths are no run",
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
          "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
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

    /* runs past MS_B64RUN_BLOCKS are not kept */
    ms_b64run_reset(&r);
    for (int i = 0; i < MS_B64RUN_BLOCKS + 4; i++)
        ms_b64run_feed(&r, CSV_B64 "--\n", strlen(CSV_B64) + 3);
    ms_b64run_finish(&r);
    assert_int_equal(r.nblocks, MS_B64RUN_BLOCKS);

    /* a line longer than MS_B64RUN_LINE_MAX is no base64 line */
    ms_b64run_reset(&r);
    memset(in, 'A', 3 * (MS_B64RUN_LINE_MAX + 8));
    for (int i = 1; i <= 3; i++)
        in[i * (MS_B64RUN_LINE_MAX + 8) - 1] = '\n';
    ms_b64run_feed(&r, in, 3 * (MS_B64RUN_LINE_MAX + 8));
    ms_b64run_finish(&r);
    assert_int_equal(r.nblocks, 0);

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
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
