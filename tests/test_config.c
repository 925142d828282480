/*
 * test_config.c - the YAML reader the site config and the rulesets share
 * (engine/yamldoc.c) and the config loader on top of it (engine/config.c):
 * nesting is bounded and refused fast with file:line, and a key given
 * twice in one mapping, at any level, is an error naming both lines
 * instead of the first silently winning.
 */
#include "helpers.h"
#include "limits.h"
#include "yamldoc.h"

#include <mailsift/mailsift.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static char dir[256];

typedef ms_test_errors errors;

/* load - text as dir/NAME through ms_yaml_load(); errors into es;
 * returns what ms_yaml_load() returned */
static bool load(const char *name, const char *text, errors *es)
{
    char path[512];
    ms_yaml y = {0};
    bool ok;

    memset(es, 0, sizeof *es);
    ms_test_write_file(dir, name, text);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    y.on_error = ms_test_collect_error;
    y.on_error_ctx = es;
    ok = ms_yaml_load(&y, path);
    assert_int_equal(y.errors, es->n);
    ms_yaml_free(&y);
    return ok;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Every line of want appears in text, in that order. */
static bool has_in_order(const char *text, const char *want)
{
    char line[512];
    while (*want) {
        size_t n = strcspn(want, "\n");
        snprintf(line, sizeof line, "%.*s", (int)n, want);
        if (!(text = strstr(text, line)))
            return false;
        text += n;
        want += n + (want[n] == '\n');
    }
    return true;
}

static const struct key_case {
    const char *name, *in;
    const char *want; /* error texts wanted, one a line, in order ("" for none) */
    unsigned nerrors;
} key_cases[] = {
    {"a second top-level section is an error at its line",
     "milter:\n  listen: a\nlimits: {}\n"
     "milter:\n  listen: b\n",
     "k.yaml:4: duplicate key \"milter\" (first at line 1)", 1},
    {"a nested key given twice is an error", "limits:\n  depth: 5\n  parts: 3\n  depth: 6\n",
     "k.yaml:4: duplicate key \"depth\" (first at line 2)", 1},
    {"a key in a list item's mapping", "rules:\n  - id: a\n    pattern: x\n    pattern: y\n",
     "k.yaml:4: duplicate key \"pattern\" (first at line 3)", 1},
    {"flow mappings too", "levels: {low: tag, high: reject, low: reject}\n",
     "k.yaml:1: duplicate key \"low\" (first at line 1)", 1},
    {"quoting does not make another key", "a: 1\n\"a\": 2\n'a': 3\n",
     "k.yaml:3: duplicate key \"a\" (first at line 1)", 2},
    {"each repeat is reported, in file order", "b: 1\na: 1\nb: 2\nc: {x: 1, x: 2}\na: 2\n",
     "k.yaml:3: duplicate key \"b\" (first at line 1)\n"
     "k.yaml:4: duplicate key \"x\" (first at line 4)\n"
     "k.yaml:5: duplicate key \"a\" (first at line 2)\n",
     3},
    {"the same key in two mappings is fine", "a: {x: 1}\nb: {x: 2}\nc: [{x: 1}, {x: 2}]\n", "", 0},
    {"keys that differ by case are two keys", "Milter: 1\nmilter: 2\n", "", 0},
    {"a key that is a prefix of another is another", "dep: 1\ndepth: 2\n", "", 0},
    {"control bytes in a key are shown as ?", "\"a\\tb\": 1\n\"a\\tb\": 2\n",
     "k.yaml:2: duplicate key \"a?b\" (first at line 1)", 1},
};

static void test_duplicate_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof key_cases / sizeof *key_cases; i++) {
        const struct key_case *c = &key_cases[i];
        errors es;
        bool ok = load("k.yaml", c->in, &es);
        if (!ok || es.n != c->nerrors || !has_in_order(es.text, c->want))
            fail_msg("%s: want %u error(s) with \"%s\", got %u:\n%s", c->name, c->nerrors, c->want,
                     es.n, es.text);
    }
}

/* 100,000 distinct keys and one repeat: found, and not in quadratic time */
static void test_duplicate_in_a_large_mapping(void **state)
{
    ms_test_buf b = {0};
    char line[64];
    errors es;
    (void)state;
    for (unsigned i = 0; i < 100000; i++) {
        int n = snprintf(line, sizeof line, "k%u: %u\n", i, i);
        ms_test_buf_add(&b, line, (size_t)n);
    }
    ms_test_buf_add(&b, "k77: again\n", strlen("k77: again\n") + 1);
    double t0 = now_ms();
    assert_true(load("big.yaml", b.p, &es));
    double ms = now_ms() - t0;
    free(b.p);
    if (es.n != 1 || !strstr(es.text, "big.yaml:100001: duplicate key \"k77\" (first at line 78)"))
        fail_msg("one repeat among 100,000 keys: got %u error(s):\n%s", es.n, es.text);
    if (ms > 5000)
        fail_msg("100,000 keys took %.0f ms", ms);
}

/* text: "k: " then depth-1 '[' and as many ']' (the mapping is level 1) */
static char *nested(unsigned depth, bool close)
{
    char *s = malloc(2 * depth + 8);
    size_t n = 0;
    assert_non_null(s);
    memcpy(s, "k: ", 3);
    n = 3;
    for (unsigned i = 1; i < depth; i++)
        s[n++] = '[';
    for (unsigned i = 1; close && i < depth; i++)
        s[n++] = ']';
    s[n++] = '\n';
    s[n] = 0;
    return s;
}

static void test_nesting_limit(void **state)
{
    errors es;
    char *s;
    char want[128];
    (void)state;

    s = nested(MS_YAML_DEPTH_MAX, true);
    if (!load("deep.yaml", s, &es) || es.n)
        fail_msg("nesting of exactly %d is refused:\n%s", MS_YAML_DEPTH_MAX, es.text);
    free(s);

    s = nested(MS_YAML_DEPTH_MAX + 1, true);
    snprintf(want, sizeof want, "deep.yaml:1: lists and mappings nested more than %d deep",
             MS_YAML_DEPTH_MAX);
    if (load("deep.yaml", s, &es) || es.n != 1 || !strstr(es.text, want))
        fail_msg("nesting one past %d: want \"%s\", got:\n%s", MS_YAML_DEPTH_MAX, want, es.text);
    free(s);

    /* block nesting: the line named is the one where the limit is passed */
    ms_test_buf b = {0};
    for (unsigned i = 0; i < 100; i++) {
        char line[256];
        int n = snprintf(line, sizeof line, "%*sk%u:\n", (int)i, "", i);
        ms_test_buf_add(&b, line, (size_t)n);
    }
    ms_test_buf_add(&b, "", 1);
    snprintf(want, sizeof want, "deep.yaml:%d: lists and mappings nested more than %d deep",
             MS_YAML_DEPTH_MAX + 1, MS_YAML_DEPTH_MAX);
    if (load("deep.yaml", b.p, &es) || es.n != 1 || !strstr(es.text, want))
        fail_msg("block nesting: want \"%s\", got:\n%s", want, es.text);
    free(b.p);
}

/* 100,000 '[': libyaml alone took 23 s to refuse it; the depth bound stops at 65. */
static void test_nesting_bomb_is_refused_fast(void **state)
{
    errors es;
    char *s = nested(100000, false);
    (void)state;
    double t0 = now_ms();
    bool ok = load("bomb.yaml", s, &es);
    double ms = now_ms() - t0;
    free(s);
    assert_false(ok);
    if (es.n != 1 || !strstr(es.text, "bomb.yaml:1: lists and mappings nested more than"))
        fail_msg("100,000 '[': got:\n%s", es.text);
    if (ms > 1000)
        fail_msg("100,000 '[' took %.0f ms to refuse", ms);
}

static void test_unreadable_and_too_large(void **state)
{
    errors es;
    ms_yaml y = {0};
    char path[512];
    (void)state;
    y.on_error = ms_test_collect_error;
    y.on_error_ctx = &es;
    memset(&es, 0, sizeof es);
    snprintf(path, sizeof path, "%s/nosuch.yaml", dir);
    assert_false(ms_yaml_load(&y, path));
    assert_non_null(strstr(es.text, "nosuch.yaml: cannot open: No such file or directory"));
    /* a wrong path that never ends is refused, not read into memory */
    memset(&es, 0, sizeof es);
    assert_false(ms_yaml_load(&y, "/dev/zero"));
    if (!strstr(es.text, "/dev/zero: larger than 16 MiB"))
        fail_msg("/dev/zero: got:\n%s", es.text);
    ms_yaml_free(&y);
}

/* Through the engine: a config with a second milter: section does not
 * build, and neither does a ruleset with a rule's key given twice. */
static void test_engine_refuses_duplicates(void **state)
{
    char rdir[256], cpath[512];
    ms_engine *eng = NULL;
    ms_error err;
    errors es = {0};
    ms_engine_opts opts = {
        .rules_dir = rdir, .on_error = ms_test_collect_error, .on_error_ctx = &es};
    (void)state;

    ms_test_tmpdir(rdir, sizeof rdir, "config-test-rules");
    ms_test_write_file(rdir, "r.yaml",
                       "categories:\n  - name: demo\nrules:\n  - id: demo.a\n"
                       "    category: demo\n    pattern: 'secret'\n");
    ms_test_write_file(rdir, "site.conf",
                       "milter:\n  listen: inet:1@127.0.0.1\nlimits:\n"
                       "  depth: 8\nmilter:\n  listen: inet:2@127.0.0.1\n");
    snprintf(cpath, sizeof cpath, "%s/site.conf", rdir);
    opts.config_path = cpath;
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_ERR_CONFIG);
    assert_null(eng);
    if (es.n != 1 || !strstr(es.text, "site.conf:5: duplicate key \"milter\" (first at line 1)"))
        fail_msg("second milter: section: got:\n%s", es.text);

    memset(&es, 0, sizeof es);
    opts.config_path = NULL;
    ms_test_write_file(rdir, "r.yaml",
                       "categories:\n  - name: demo\nrules:\n  - id: demo.a\n"
                       "    category: demo\n    pattern: 'secret'\n"
                       "    pattern: 'public'\n");
    assert_int_not_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    assert_null(eng);
    if (!strstr(es.text, "r.yaml:7: duplicate key \"pattern\" (first at line 6)"))
        fail_msg("a rule's pattern: twice: got:\n%s", es.text);
}

/* The shipped files load: no duplicate, nothing too deep. */
static void test_shipped_files_load(void **state)
{
    static const char *const files[] = {
        "etc/mailsift.yaml",          "rulesets/attachment.yaml",
        "rulesets/chain_letter.yaml", "rulesets/classification.yaml",
        "rulesets/credentials.yaml",  "rulesets/harassment.yaml",
        "rulesets/pci.yaml",          NULL};
    (void)state;
    for (unsigned i = 0; files[i]; i++) {
        char path[1024];
        errors es = {0};
        ms_yaml y = {.on_error = ms_test_collect_error, .on_error_ctx = &es};
        snprintf(path, sizeof path, "%s/%s", MS_SOURCE_DIR, files[i]);
        if (!ms_yaml_load(&y, path) || es.n)
            fail_msg("%s:\n%s", files[i], es.text);
        ms_yaml_free(&y);
    }
}

static int setup(void **state)
{
    (void)state;
    ms_test_tmpdir(dir, sizeof dir, "config-test");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_duplicate_in_a_large_mapping),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_nesting_bomb_is_refused_fast),
        cmocka_unit_test(test_unreadable_and_too_large),
        cmocka_unit_test(test_engine_refuses_duplicates),
        cmocka_unit_test(test_shipped_files_load),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
