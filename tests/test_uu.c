/*
 * test_uu.c - pins engine/uu.c, the uuencoded files found in text
 *
 * Every case goes through ms_test_chunked() (whole, at every two-piece
 * split, byte by byte): the files found are written as
 * "[NAME|tu|BYTES]" ("t" truncated at the cap, "u" unended, "-" for
 * neither), so each case also
 * pins chunk independence. Encoded lines come from Python's
 * binascii.b2a_uu, the reference here.
 */
#include "helpers.h"
#include "uu.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_BYTES 4096

static void uu_init(void *st)
{
    ms_uu_init(st, MAX_BYTES);
    ms_uu_reset(st);
}

static size_t uu_feed(void *st, const char *in, size_t len, char *out)
{
    (void)out;
    ms_uu_feed(st, in, len);
    return 0;
}

static size_t uu_finish(void *st, char *out)
{
    ms_uu *u = st;
    size_t o = 0;

    ms_uu_finish(u);
    for (unsigned i = 0; i < u->nblocks; i++) {
        const ms_uu_block *b = &u->blocks[i];
        o += (size_t)sprintf(out + o, "[%s|%c%c|", b->name, b->truncated ? 't' : '-',
                             b->unended ? 'u' : '-');
        memcpy(out + o, u->buf.p + b->off, b->len);
        o += b->len;
        out[o++] = ']';
    }
    return o;
}

static size_t uu_room(size_t len)
{
    return len + MS_UU_BLOCKS * (MS_UU_NAME_MAX + 8);
}

static void uu_fini(void *st)
{
    ms_uu_free(st);
}

static const ms_test_decoder dec = {sizeof(ms_uu), uu_init, uu_feed, uu_finish, uu_room, uu_fini};

static void check(const char *name, const char *in, const char *want)
{
    ms_test_chunked(name, &dec, in, strlen(in), want, strlen(want));
}

static void test_files(void **state)
{
    (void)state;
    check("one short file", "Hello\nbegin 644 cat.txt\n#0V%T\n`\nend\nBye\n", "[cat.txt|--|Cat]");
    check("CRLF lines", "begin 644 cat.txt\r\n#0V%T\r\n`\r\nend\r\n", "[cat.txt|--|Cat]");
    check("a full 45-byte line and a short one",
          "begin 600 n.txt\n"
          "M,#$R,S0U-C<X.3`Q,C,T-38W.#DP,3(S-#4V-S@Y,#$R,S0U-C<X.3`Q,C,T\n"
          "#-38W\n`\nend\n",
          "[n.txt|--|012345678901234567890123456789012345678901234567]");
    check("trailing blanks stripped in transit count as zero bits", "begin 644 z.bin\n!,   \nend\n",
          "[z.bin|--|0]");
    check("the same, with the blanks gone", "begin 644 z.bin\n!,\nend\n", "[z.bin|--|0]");
    check("a blank line inside the file", "begin 644 cat.txt\n\n#0V%T\n`\nend\n",
          "[cat.txt|--|Cat]");
    check("two files", "begin 644 a\n!80``\nend\ntext\nbegin 755 b c.sh\n!8@``\nend\n",
          "[a|--|a][b c.sh|--|b]");
    check("no end line: kept, unended", "begin 644 cat.txt\n#0V%T\n", "[cat.txt|-u|Cat]");
    check("no line break at the end", "begin 644 cat.txt\n#0V%T\n`\nend", "[cat.txt|--|Cat]");
}

static void test_not_files(void **state)
{
    (void)state;
    check("prose that starts with begin", "begin the meeting at 10\n#0V%T\nend\n", "");
    check("a begin line without a name", "begin 644\n#0V%T\nend\n", "");
    check("a begin line without a mode", "begin cat.txt\n#0V%T\nend\n", "");
    check("prose after a begin line ends the file at once",
          "begin 644 notes\nlet us meet on monday\nend\n", "");
    check("a line that is no uuencode ends the file, unended",
          "begin 644 cat.txt\n#0V%T\nsee you {soon}\n#0V%T\nend\n", "[cat.txt|-u|Cat]");
    check("indented begin is not a begin line", " begin 644 cat.txt\n#0V%T\nend\n", "");
}

static void test_limits(void **state)
{
    char *in = malloc(64 * 1024), name[32];
    size_t n = 0;
    (void)state;
    assert_non_null(in);

    /* more bytes than the cap: the first MAX_BYTES kept, truncated */
    n = (size_t)sprintf(in, "begin 644 big\n");
    for (int i = 0; i < 200; i++) /* 45 bytes of "000..." a line */
        n += (size_t)sprintf(in + n,
                             "M,#`P,#`P,#`P,#`P,#`P,#`P,#`P,#`P,#`P,#`P,#`P,#`P,#`P,#`P,#`P\n");
    n += (size_t)sprintf(in + n, "end\n");
    ms_uu u;
    ms_uu_init(&u, MAX_BYTES);
    ms_uu_reset(&u);
    ms_uu_feed(&u, in, n);
    ms_uu_finish(&u);
    assert_int_equal(u.nblocks, 1);
    assert_true(u.blocks[0].truncated);
    assert_int_equal(u.blocks[0].len, MAX_BYTES);
    for (size_t i = 0; i < u.blocks[0].len; i++)
        assert_int_equal(u.buf.p[i], '0');

    /* files past MS_UU_BLOCKS are not kept, and that is said */
    ms_uu_reset(&u);
    for (int i = 0; i < MS_UU_BLOCKS; i++) {
        n = (size_t)sprintf(in, "begin 644 f%d\n!80``\nend\n", i);
        ms_uu_feed(&u, in, n);
    }
    ms_uu_finish(&u);
    assert_int_equal(u.nblocks, MS_UU_BLOCKS);
    assert_false(u.over);
    ms_uu_reset(&u);
    for (int i = 0; i < MS_UU_BLOCKS + 4; i++) {
        n = (size_t)sprintf(in, "begin 644 f%d\n!80``\nend\n", i);
        ms_uu_feed(&u, in, n);
    }
    ms_uu_finish(&u);
    assert_int_equal(u.nblocks, MS_UU_BLOCKS);
    snprintf(name, sizeof name, "f%d", MS_UU_BLOCKS - 1);
    assert_string_equal(u.blocks[MS_UU_BLOCKS - 1].name, name);
    assert_true(u.over);
    ms_uu_reset(&u);
    assert_false(u.over);

    /* a line longer than any uuencode line ends the file, unended */
    ms_uu_reset(&u);
    n = (size_t)sprintf(in, "begin 644 cat.txt\n#0V%%T\n");
    memset(in + n, 'M', 2 * MS_UU_LINE_MAX);
    n += 2 * MS_UU_LINE_MAX;
    n += (size_t)sprintf(in + n, "\n#0V%%T\nend\n");
    ms_uu_feed(&u, in, n);
    ms_uu_finish(&u);
    assert_int_equal(u.nblocks, 1);
    assert_true(u.blocks[0].unended);
    assert_false(u.blocks[0].truncated);
    assert_int_equal(u.blocks[0].len, 3);

    /* a begin line longer than the line buffer is no begin line */
    ms_uu_reset(&u);
    n = (size_t)sprintf(in, "begin 644 ");
    memset(in + n, 'x', MS_UU_LINE_MAX);
    n += MS_UU_LINE_MAX;
    n += (size_t)sprintf(in + n, "\n#0V%%T\nend\n");
    ms_uu_feed(&u, in, n);
    ms_uu_finish(&u);
    assert_int_equal(u.nblocks, 0);

    /* reset forgets an open file */
    ms_uu_feed(&u, "begin 644 a\n!80``\n", 18);
    ms_uu_reset(&u);
    ms_uu_feed(&u, "!80``\nend\n", 10);
    ms_uu_finish(&u);
    assert_int_equal(u.nblocks, 0);
    ms_uu_free(&u);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_not_files),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
