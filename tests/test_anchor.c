/*
 * test_anchor.c - pins engine/anchor.c: the literals derived from a
 * word-list entry, which the two-stage matcher puts in the stream in the
 * entry's place. The one property that matters is soundness: every text
 * the entry matches holds one of its anchors (else a match is lost
 * silently); the rest is choosing rare literals and giving up cleanly.
 */
#include "anchor.h"

#include <hs/hs.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_derived_literals(void **state)
{
    static const struct {
        const char *name, *entry, *want; /* want NULL: nothing derived */
    } cases[] = {
        {"a plain word is its own anchor", "bastard", "bastard"},
        {"an optional ending is left out", "fuck(?:ing|er)?", "fuck"},
        {"an alternation keeps every branch", "(?:kike|spic)s?", "spic|kike"},
        {"a small class is spelled out", "b[i1!]tch", "b!tch|b1tch|bitch"},
        {"a common word is passed over for a rarer one", "you\\s{1,8}suck", "suck"},
        {"a branch that can match anything leaves nothing", "(?:foo|.*)", NULL},
        {"a word too common to help leaves nothing", "the", NULL},
        {"inline flags are not guessed at", "(?i)damn", NULL},
        {"escapes it does not read are not guessed at", "x\\x41y", NULL},
        {"a bounded run of a letter joins what is on either side", "shit{1,4}head", "thead"},
        {"a run after a class keeps the class spelled out", "f[u*]c+k", "f\\*c|fuc"},
        {"too many variants to join: what they end with is joined instead",
         "p[._-]?[o0][._-]?rnhub",
         "0\\-rnhub|0\\.rnhub|0_rnhub|0rnhub|o\\-rnhub|o\\.rnhub|o_rnhub|ornhub"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = ms_anchor_derive(cases[i].entry, true, MS_ANCHOR_MIN_BITS);
        if ((got == NULL) != (cases[i].want == NULL) || (got && strcmp(got, cases[i].want) != 0))
            fail_msg("%s: %s gave %s, want %s", cases[i].name, cases[i].entry,
                     got ? got : "(nothing)", cases[i].want ? cases[i].want : "(nothing)");
        free(got);
    }
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    *(bool *)ctx = true;
    return 1;
}

/* True if the Hyperscan expression expr (caseless, anywhere) occurs in text. */
static bool occurs(const char *expr, const char *text)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    hs_scratch_t *scratch = NULL;
    bool hit = false;

    if (hs_compile(expr, HS_FLAG_CASELESS, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS)
        fail_msg("anchor %s does not compile: %s", expr, err->message);
    assert_int_equal(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
    hs_scan(db, text, (unsigned)strlen(text), 0, scratch, on_match, &hit);
    hs_free_scratch(scratch);
    hs_free_database(db);
    return hit;
}

/* Every text an entry matches holds one of the entry's anchors. */
static void test_every_match_holds_an_anchor(void **state)
{
    static const struct {
        const char *entry;
        const char *matches[6];
    } cases[] = {
        {"fuck(?:ing|er)?", {"fucking", "FUCKER", "Fuck"}},
        {"b[i1!]tch(?:es|y)?", {"b1tchy", "BITCHES", "b!tch"}},
        {"piece\\s{1,8}of\\s{1,8}shit", {"piece of shit", "PIECE\n  OF\tSHIT"}},
        {"(?:son|sons)\\s{1,8}of\\s{1,8}(?:a\\s{1,8})?bitch(?:es)?",
         {"son of a bitch", "sons of bitches"}},
        {"go\\s{1,8}(?:to|2)\\s{1,8}hell", {"go to hell", "GO 2  HELL"}},
        {"(?:dick|dork)(?:head|wad)s?", {"dickhead", "dorkwads", "DICKWAD"}},
        {"n[i1!*]gg(?:er|a)s?", {"niggers", "n1gga", "N*GGAS"}},
        {"wh[o0]re(?:s|house)?", {"wh0re", "whorehouse"}},
        {"r[e3]t[a4@*]rd(?:ed|s)?", {"r3t4rded", "ret@rds", "RETARD"}},
        {"sleep\\s{1,8}with\\s{1,8}me", {"sleep with me", "SLEEP\nWITH ME"}},
        {"f[uv*@#0][c*#x]k{1,8}(?:ing)?", {"fuck", "FVCKKKing", "f@xk"}},
        {"shit{1,4}head", {"shitthead", "SHITHEAD"}},
        {"[s5]h[i1!*y]t{1,4}s?", {"5h!tt", "shyt", "SHITS"}},
        {"wh[o0]+re", {"whoooore", "wh0re"}},
        {"p[._-]?[o0][._-]?rnhub", {"p.o.rnhub", "P0-RNHUB", "p_0rnhub", "pornhub"}},
        {"q[._*-]?[o0][._*-]?[o0]mps", {"q*0.omps", "QOOMPS", "q-o-0mps", "q0_0mps"}},
        {"f[._*-]?l[._*-]?[o0][._*-]?[o0]mp[s$5][a@4][i1!]ng",
         {"f.l.o.ompsaing", "FL00MP$@1NG", "f*l-0_0mp5a!ng"}},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *anchor = ms_anchor_derive(cases[i].entry, true, MS_ANCHOR_MIN_BITS);
        const char *expr = anchor ? anchor : cases[i].entry; /* nothing derived: the entry */
        for (size_t j = 0; cases[i].matches[j]; j++) {
            if (!occurs(cases[i].entry, cases[i].matches[j]))
                fail_msg("bad case: %s does not match %s", cases[i].entry, cases[i].matches[j]);
            if (!occurs(expr, cases[i].matches[j]))
                fail_msg("%s: anchor %s misses the match %s", cases[i].entry, expr,
                         cases[i].matches[j]);
        }
        free(anchor);
    }
}

static void test_case_kept_when_not_caseless(void **state)
{
    char *a = ms_anchor_derive("Bastard", false, MS_ANCHOR_MIN_BITS);
    (void)state;
    assert_non_null(a);
    assert_string_equal(a, "Bastard");
    free(a);
    /* a (?i:) group makes the anchors of a case-sensitive rule caseless */
    a = ms_anchor_derive("\\bHRKU-AA[A-Z0-9]{58}|(?i:heroku[_.-]?key)", false, MS_ANCHOR_MIN_BITS);
    assert_non_null(a);
    assert_string_equal(a, "(?i:HRKU\\-AA|heroku\\-key|heroku\\.key|heroku_key|herokukey)");
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derived_literals),
        cmocka_unit_test(test_every_match_holds_an_anchor),
        cmocka_unit_test(test_case_kept_when_not_caseless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
