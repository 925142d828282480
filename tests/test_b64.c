/*
 * test_b64.c - pins engine/b64.c, the streaming base64 decoder
 *
 * Every case goes through ms_test_chunked(): whole, at every two-piece
 * split and byte by byte, so each one also pins chunk independence; the
 * anomaly bits are checked whole and byte by byte. Where a case differs
 * from GMime 3.2 (the reference decoder of the differential tests), its
 * name or a comment says so.
 */
#include "b64.h"
#include "helpers.h"

#include <mailsift/mailsift.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct b64_case {
    const char *name, *in;
    size_t len;
    const char *want;
    size_t wantlen;
    uint32_t anomalies;
} b64_case;

/* Lengths from the literals, so cases may hold NULs. */
#define CASE(name, in, want, anomalies)                                                            \
    {                                                                                              \
        name, in, sizeof in - 1, want, sizeof want - 1, anomalies                                  \
    }

#define BAD   MS_ANOM_B64_BAD_CHAR
#define TRUNC MS_ANOM_B64_TRUNCATED

static void b64_init(void *st)
{
    ms_b64_init(st);
}

static size_t b64_feed(void *st, const char *in, size_t len, char *out)
{
    return ms_b64_feed(st, in, len, (unsigned char *)out);
}

static size_t b64_finish(void *st, char *out)
{
    return ms_b64_finish(st, (unsigned char *)out);
}

static size_t b64_room(size_t len)
{
    return (len / 4 + 1) * 3;
}

static const ms_test_decoder b64_decoder = {
    sizeof(ms_b64), b64_init, b64_feed, b64_finish, b64_room, NULL,
};

/* anomalies_after - the anomaly bits after decoding in, step bytes a feed */
static uint32_t anomalies_after(const char *in, size_t len, size_t step)
{
    unsigned char out[512];
    ms_b64 d;

    assert_true(len < 512);
    ms_b64_init(&d);
    for (size_t i = 0; i < len; i += step)
        ms_b64_feed(&d, in + i, len - i < step ? len - i : step, out);
    ms_b64_finish(&d, out);
    return d.anomalies;
}

static void run_cases(const b64_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const b64_case *c = &cases[i];
        size_t len = c->len;
        ms_test_chunked(c->name, &b64_decoder, c->in, len, c->want, c->wantlen);
        if (anomalies_after(c->in, len, len ? len : 1) != c->anomalies ||
            anomalies_after(c->in, len, 1) != c->anomalies)
            fail_msg("%s: anomalies 0x%x whole, 0x%x byte by byte, want 0x%x", c->name,
                     anomalies_after(c->in, len, len ? len : 1), anomalies_after(c->in, len, 1),
                     c->anomalies);
    }
}

#define RUN_CASES(t) run_cases(t, sizeof t / sizeof t[0])

static const b64_case well_formed_cases[] = {
    CASE("empty input gives nothing", "", "", 0),
    CASE("four characters make three bytes", "QUJD", "ABC", 0),
    CASE("two sextets and '==' make one byte", "QQ==", "A", 0),
    CASE("three sextets and '=' make two bytes", "QUI=", "AB", 0),
    CASE("a card number decodes", "NDExMSAxMTExIDExMTEgMTExMQ==", "4111 1111 1111 1111", 0),
    CASE("every alphabet character has its value",
         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
         "\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93\x51\x55\x97\x61\x96\x9b"
         "\x71\xd7\x9f\x82\x18\xa3\x92\x59\xa7\xa2\x9a\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7"
         "\xe3\x9e\xbb\xf3\xdf\xbf",
         0),
    CASE("all ones decode to 0xff", "////", "\xff\xff\xff", 0),
    CASE("decoded NULs are kept", "AAAA", "\0\0\0", 0),
};

static const b64_case whitespace_cases[] = {
    CASE("CRLF line breaks are skipped", "NDEx\r\nMTEx\r\n", "411111", 0),
    CASE("bare LF line breaks are skipped", "NDEx\nMTEx\n", "411111", 0),
    CASE("blanks and tabs inside a quantum are skipped", "ND Ex\tMT\t\tEx", "411111", 0),
    CASE("vertical tab and form feed are whitespace", "ND\vEx\fMTEx", "411111", 0),
    CASE("only whitespace gives nothing", " \r\n\t\r\n", "", 0),
    CASE("a card number split over many lines decodes",
         "Q2Fy\r\nZDog\r\nNTU1\r\nNSA1\r\nNTU1\r\n"
         "IDU1\r\nNTUg\r\nNDQ0\r\nNA0K\r\n",
         "Card: 5555 5555 5555 4444\r\n", 0),
};

static const b64_case bad_char_cases[] = {
    CASE("bytes outside the alphabet are skipped and flagged", "QU*JD", "ABC", BAD),
    CASE("8-bit bytes are skipped and flagged", "QU\xc3\xa9JD", "ABC", BAD),
    CASE("NUL bytes are skipped and flagged", "QU\0JD", "ABC", BAD),
    CASE("URL-safe '-' and '_' are not in the alphabet", "QU-_JD", "ABC", BAD),
    CASE("a mailing-list footer inside base64 is skipped", "QUJD\n-- \nlist: x@y.z\n",
         "ABC\x96\x2b\x2d\xc7\x2c", BAD | TRUNC),
};

/* GMime 3.2 stops at the first '=': it gives "A" for "QQ==QUJD". */
static const b64_case padding_cases[] = {
    CASE("decoding goes on after '==' (GMime stops)", "QQ==QUJD", "AABC", 0),
    CASE("decoding goes on after '=' (GMime stops)", "QUI=QUJD", "ABABC", 0),
    CASE("concatenated blocks on separate lines", "NDEx\r\nMQ==\r\nMTEx\r\nMQ==\r\n", "41111111",
         0),
    CASE("a single '=' where two are due is accepted", "QQ=QUJD", "AABC", 0),
    CASE("'=' inside a quantum ends it", "QUI=JD==", "AB$", 0),
    CASE("'=' after a whole quantum is stray", "QUJD=", "ABC", BAD),
    CASE("'=' at the start is stray", "=QUJD", "ABC", BAD),
    CASE("three '=' after two sextets: the third is stray", "QQ===", "A", BAD),
    CASE("'=' after a lone sextet: no byte, flagged", "QUJDQ===", "ABC", TRUNC),
    CASE("whitespace between padding characters", "QQ=\r\n=QUJD", "AABC", 0),
};

/* GMime 3.2 drops an unfinished quantum at the end; we write its bytes. */
static const b64_case truncated_cases[] = {
    CASE("two sextets at the end make one byte", "QUJDQQ", "ABCA", TRUNC),
    CASE("three sextets at the end make two bytes", "QUJDQUI", "ABCAB", TRUNC),
    CASE("one sextet at the end makes nothing", "QUJDQ", "ABC", TRUNC),
    CASE("the last digits of a card survive a lost '='", "NDExMSAxMTExIDExMTEgMTExMQ",
         "4111 1111 1111 1111", TRUNC),
    CASE("a quantum cut by '=' and resumed is truncated at the end", "QU=JD", "A$", TRUNC),
};

static void test_well_formed(void **state)
{
    (void)state;
    RUN_CASES(well_formed_cases);
}

static void test_whitespace(void **state)
{
    (void)state;
    RUN_CASES(whitespace_cases);
}

static void test_bad_characters(void **state)
{
    (void)state;
    RUN_CASES(bad_char_cases);
}

static void test_padding(void **state)
{
    (void)state;
    RUN_CASES(padding_cases);
}

static void test_truncated(void **state)
{
    (void)state;
    RUN_CASES(truncated_cases);
}

/*
 * A feed of len bytes writes at most (len / 4 + 1) * 3: the worst cases
 * finish a quantum carried in from the previous feed. Each feed gets a
 * buffer of exactly that size followed by a guard byte.
 */
static void test_feed_stays_within_its_room(void **state)
{
    static const struct {
        const char *name, *first, *second;
    } cases[] = {
        {"three sextets carried, one completes", "QUJ", "D"},
        {"three sextets carried, '=' ends them", "QUJ", "="},
        {"three sextets carried, then a quantum and a padded pair", "QUJ", "DQUJDQQ="},
        {"two sextets carried, then padded triples", "QU", "I=QUI=QUI="},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char out[64];
        ms_b64 d;
        ms_b64_init(&d);
        ms_b64_feed(&d, cases[i].first, strlen(cases[i].first), out);
        size_t len = strlen(cases[i].second), room = b64_room(len);
        memset(out, 0xA5, sizeof out);
        size_t w = ms_b64_feed(&d, cases[i].second, len, out);
        if (w > room || out[room] != 0xA5)
            fail_msg("%s: wrote %zu bytes, room %zu", cases[i].name, w, room);
        if (ms_b64_finish(&d, out) > 3)
            fail_msg("%s: finish wrote more than 3 bytes", cases[i].name);
    }
}

/* ms_b64_init after a body with anomalies starts clean. */
static void test_init_resets_state(void **state)
{
    unsigned char out[16];
    ms_b64 d;
    (void)state;
    ms_b64_init(&d);
    ms_b64_feed(&d, "QU*", 3, out);
    ms_b64_init(&d);
    size_t w = ms_b64_feed(&d, "QUJD", 4, out);
    w += ms_b64_finish(&d, out + w);
    assert_int_equal(w, 3);
    assert_memory_equal(out, "ABC", 3);
    assert_int_equal(d.anomalies, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),       cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_bad_characters),    cmocka_unit_test(test_padding),
        cmocka_unit_test(test_truncated),         cmocka_unit_test(test_feed_stays_within_its_room),
        cmocka_unit_test(test_init_resets_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
