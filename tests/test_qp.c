/*
 * test_qp.c - pins engine/qp.c, the streaming quoted-printable decoder
 *
 * Every case goes through ms_test_chunked(): whole, at every two-piece
 * split and byte by byte, so each one also pins chunk independence; the
 * anomaly bits are checked whole and byte by byte. Where a case differs
 * from GMime 3.2 (the reference decoder of the differential tests), its
 * name or a comment says so; the others give GMime's output.
 */
#include "helpers.h"
#include "qp.h"

#include <mailsift/mailsift.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct qp_case {
    const char *name, *in;
    size_t len;
    const char *want;
    size_t wantlen;
    uint32_t anomalies;
} qp_case;

/* Lengths from the literals, so cases may hold NULs. */
#define CASE(name, in, want, anomalies)                                                            \
    {                                                                                              \
        name, in, sizeof in - 1, want, sizeof want - 1, anomalies                                  \
    }

#define BROKEN MS_ANOM_QP_BROKEN_ESCAPE

static void qp_init(void *st)
{
    ms_qp_init(st);
}

static size_t qp_feed(void *st, const char *in, size_t len, char *out)
{
    return ms_qp_feed(st, in, len, out);
}

static size_t qp_finish(void *st, char *out)
{
    return ms_qp_finish(st, out);
}

static size_t qp_room(size_t len)
{
    return len + MS_QP_SLACK;
}

static const ms_test_decoder qp_decoder = {
    sizeof(ms_qp), qp_init, qp_feed, qp_finish, qp_room, NULL,
};

/* anomalies_after - the anomaly bits after decoding in, step bytes a feed */
static uint32_t anomalies_after(const char *in, size_t len, size_t step)
{
    char out[512];
    ms_qp d;

    assert_true(len + MS_QP_SLACK < sizeof out);
    ms_qp_init(&d);
    for (size_t i = 0; i < len; i += step)
        ms_qp_feed(&d, in + i, len - i < step ? len - i : step, out);
    ms_qp_finish(&d, out);
    return d.anomalies;
}

static void run_cases(const qp_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const qp_case *c = &cases[i];
        ms_test_chunked(c->name, &qp_decoder, c->in, c->len, c->want, c->wantlen);
        uint32_t whole = anomalies_after(c->in, c->len, c->len ? c->len : 1);
        uint32_t bytewise = anomalies_after(c->in, c->len, 1);
        if (whole != c->anomalies || bytewise != c->anomalies)
            fail_msg("%s: anomalies 0x%x whole, 0x%x byte by byte, want 0x%x", c->name, whole,
                     bytewise, c->anomalies);
    }
}

#define RUN_CASES(t) run_cases(t, sizeof t / sizeof t[0])

static const qp_case text_cases[] = {
    CASE("empty input gives nothing", "", "", 0),
    CASE("plain text passes through", "Card 4111 1111 1111 1111.", "Card 4111 1111 1111 1111.", 0),
    CASE("hard line breaks are kept as they come", "a\r\nb\nc\rd", "a\r\nb\nc\rd", 0),
    CASE("8-bit bytes pass through", "caf\xc3\xa9", "caf\xc3\xa9", 0),
    CASE("NUL bytes pass through", "4\0001", "4\0001", 0),
    CASE("trailing blanks before a hard break are kept, as GMime keeps them", "a \t\r\nb \nc",
         "a \t\r\nb \nc", 0),
};

static const qp_case escape_cases[] = {
    CASE("hex escapes decode", "=34=31=31=31", "4111", 0),
    CASE("lowercase hex decodes", "=3d=4a=4A=ff", "=JJ\xff", 0),
    CASE("an escaped '=' is a literal '='", "a=3Db", "a=b", 0),
    CASE("escaped line breaks decode", "=0D=0A", "\r\n", 0),
    CASE("an escaped NUL decodes", "x=00y", "x\0y", 0),
    CASE("escaped UTF-8 decodes", "caf=C3=A9", "caf\xc3\xa9", 0),
};

static const qp_case soft_break_cases[] = {
    CASE("soft break splits a card number", "4111=\r\n1111", "41111111", 0),
    CASE("soft break with a bare LF", "4111=\n1111", "41111111", 0),
    CASE("a soft break on every line", "4=\r\n1=\r\n1=\r\n1", "4111", 0),
    CASE("escapes across a soft break", "=34=\r\n=31", "41", 0),
    CASE("blanks after '=' then CRLF are a soft break (GMime keeps them)", "4111= \r\n1111",
         "41111111", 0),
    CASE("blanks and tabs after '=' then LF are a soft break", "4111=\t \n1111", "41111111", 0),
    CASE("six blanks after '=' are still padding", "a=      \nb", "ab", 0),
    CASE("seven blanks after '=' are text, not padding", "a=       \nb", "a=       \nb", BROKEN),
    CASE("'=' at the end of the data is a soft break", "abc=", "abc", 0),
    CASE("'=' and blanks at the end of the data are a soft break", "abc= \t", "abc", 0),
    CASE("'=' and CR at the end of the data are a soft break", "abc=\r", "abc", 0),
};

static const qp_case broken_cases[] = {
    CASE("broken escape passes through", "=zz", "=zz", BROKEN),
    CASE("one hex digit then a non-hex byte passes through", "=4z", "=4z", BROKEN),
    CASE("a broken escape does not hide the digits after it", "41=1x11", "41=1x11", BROKEN),
    CASE("the byte that breaks an escape starts the next (GMime: \"=4=31\")", "=4=31", "=41",
         BROKEN),
    CASE("'=' after '=' starts the next escape (GMime: \"==31\")", "==31", "=1", BROKEN),
    CASE("'==' before a line break: one literal '=', one soft break", "a==\r\nb", "a=b", BROKEN),
    CASE("'=' then CR without LF passes through", "a=\rb", "a=\rb", BROKEN),
    CASE("'=' CR CR LF: the first CR breaks, the line break stays", "a=\r\r\nb", "a=\r\r\nb",
         BROKEN),
    CASE("'=', blanks and CR without LF pass through", "a= \rb", "a= \rb", BROKEN),
    CASE("'=' then a blank then text passes through", "= x", "= x", BROKEN),
    CASE("an escape cut after one hex digit at the end is kept (GMime drops it)", "abc=4", "abc=4",
         BROKEN),
};

static void test_text(void **state)
{
    (void)state;
    RUN_CASES(text_cases);
}

static void test_escapes(void **state)
{
    (void)state;
    RUN_CASES(escape_cases);
}

static void test_soft_breaks(void **state)
{
    (void)state;
    RUN_CASES(soft_break_cases);
}

static void test_broken_escapes(void **state)
{
    (void)state;
    RUN_CASES(broken_cases);
}

/*
 * A feed of len bytes writes at most len + MS_QP_SLACK: the worst case
 * releases a full held escape ('=', six blanks, '\r') from the previous
 * feed. Each feed gets exactly that room followed by a guard byte.
 */
static void test_feed_stays_within_its_room(void **state)
{
    static const struct {
        const char *name, *first, *second;
    } cases[] = {
        {"a full held escape broken by one byte", "a=      \r", "x"},
        {"a held hex digit broken by one byte", "=4", "z"},
        {"a full held escape broken, then a run of text", "=      \r", "xyz=41=\r\nabc"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        ms_qp d;
        ms_qp_init(&d);
        ms_qp_feed(&d, cases[i].first, strlen(cases[i].first), out);
        size_t len = strlen(cases[i].second), room = qp_room(len);
        memset(out, 0x5A, sizeof out);
        size_t w = ms_qp_feed(&d, cases[i].second, len, out);
        if (w > room || out[room] != 0x5A)
            fail_msg("%s: wrote %zu bytes, room %zu", cases[i].name, w, room);
        if (ms_qp_finish(&d, out) > MS_QP_SLACK)
            fail_msg("%s: finish wrote more than MS_QP_SLACK", cases[i].name);
    }
}

/* ms_qp_init after a body that ended inside an escape starts clean. */
static void test_init_resets_state(void **state)
{
    char out[32];
    ms_qp d;
    (void)state;
    ms_qp_init(&d);
    ms_qp_feed(&d, "=z=4", 4, out);
    ms_qp_init(&d);
    size_t w = ms_qp_feed(&d, "1=32", 4, out);
    w += ms_qp_finish(&d, out + w);
    assert_int_equal(w, 2);
    assert_memory_equal(out, "12", 2);
    assert_int_equal(d.anomalies, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_soft_breaks),
        cmocka_unit_test(test_broken_escapes),
        cmocka_unit_test(test_feed_stays_within_its_room),
        cmocka_unit_test(test_init_resets_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
