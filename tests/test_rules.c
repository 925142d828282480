/*
 * test_rules.c - ruleset and configuration loading (engine/rules.c,
 * engine/config.c, engine/match.c): every error names file and line, the
 * loader lists them all, and what loads behaves as written (flags, scope,
 * score thresholds, policy actions).
 */
#include "engine.h"
#include "helpers.h"
#include "match.h"

#include <mailsift/mailsift.h>

#include <errno.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[256];

static void write_file(const char *name, const char *text)
{
    ms_test_write_file(dir, name, text);
}

static void fresh_dir(void)
{
    ms_test_tmpdir(dir, sizeof dir, "rules-test");
}

typedef ms_test_errors errors;

static int build(const char *config, ms_engine **eng, errors *es)
{
    char cpath[512];
    ms_engine_opts opts = {.rules_dir = dir, .on_error = ms_test_collect_error, .on_error_ctx = es};
    ms_error err;
    memset(es, 0, sizeof *es);
    if (config) {
        snprintf(cpath, sizeof cpath, "%s/site.conf", dir);
        FILE *f = fopen(cpath, "w");
        assert_non_null(f);
        fputs(config, f);
        fclose(f);
        opts.config_path = cpath;
    }
    return ms_engine_create(&opts, eng, &err);
}

static const char base[] = "categories:\n"
                           "  - name: demo\n"
                           "    action: quarantine\n"
                           "  - name: scored\n"
                           "    threshold: 3\n"
                           "    action: reject\n"
                           "headers: [Sensitivity]\n"
                           "rules:\n"
                           "  - id: demo.secret\n"
                           "    category: demo\n"
                           "    description: The word secret\n"
                           "    pattern: 'secret'\n"
                           "    flags: [caseless, word]\n"
                           "  - id: demo.hdr\n"
                           "    category: demo\n"
                           "    pattern: 'Sensitivity: *Private'\n"
                           "    scope: header\n"
                           "  - id: scored.a\n"
                           "    category: scored\n"
                           "    pattern: 'alpha'\n"
                           "    weight: 2\n"
                           "  - id: scored.b\n"
                           "    category: scored\n"
                           "    pattern: 'beta'\n"
                           "    weight: 1\n";

static void test_every_error_has_file_and_line(void **state)
{
    ms_engine *eng = NULL;
    errors es;
    (void)state;
    fresh_dir();
    write_file("a.yaml", "categories:\n"
                         "  - name: demo\n"
                         "rules:\n"
                         "  - id: demo.one\n"
                         "    category: demo\n"
                         "    pattern: 'abc('\n"
                         "  - id: demo.two\n"
                         "    category: nosuch\n"
                         "    pattern: 'x'\n"
                         "  - id: demo.three\n"
                         "    category: demo\n"
                         "    pattern: 'y'\n"
                         "    validator: lunh\n"
                         "    colour: red\n");
    assert_int_not_equal(build(NULL, &eng, &es), MS_OK);
    assert_null(eng);
    assert_non_null(strstr(es.text, "a.yaml:8: rule demo.two: unknown category \"nosuch\""));
    assert_non_null(strstr(es.text, "a.yaml:13: rule demo.three: unknown validator \"lunh\" "
                                    "(known: none, pan, context, card_context, other_context)"));
    assert_non_null(strstr(es.text, "a.yaml:14: rule: unknown key \"colour\""));
    /* the bad pattern is reported at its rule although other errors came first */
    write_file("a.yaml", "categories:\n"
                         "  - name: demo\n"
                         "rules:\n"
                         "  - id: demo.one\n"
                         "    category: demo\n"
                         "    pattern: 'abc('\n"
                         "  - id: demo.empty\n"
                         "    category: demo\n"
                         "    pattern: 'x*'\n");
    assert_int_not_equal(build(NULL, &eng, &es), MS_OK);
    assert_non_null(strstr(es.text, "a.yaml:4: rule demo.one pattern:"));
    assert_non_null(strstr(es.text, "a.yaml:7: rule demo.empty pattern: matches the empty string"));
    assert_int_equal(es.n, 2);
}

static void test_yaml_syntax_error(void **state)
{
    ms_engine *eng = NULL;
    errors es;
    (void)state;
    fresh_dir();
    write_file("b.yaml", "rules:\n  - id: x\n   bad: [\n");
    assert_int_not_equal(build(NULL, &eng, &es), MS_OK);
    assert_non_null(strstr(es.text, "b.yaml:"));
    assert_non_null(strstr(es.text, "YAML syntax"));
}

/* build_in - engine over rules directory rdir; the errors into es */
static int build_in(const char *rdir, errors *es)
{
    ms_engine *eng = NULL;
    ms_engine_opts opts = {
        .rules_dir = rdir, .on_error = ms_test_collect_error, .on_error_ctx = es};
    ms_error err;
    memset(es, 0, sizeof *es);
    int rc = ms_engine_create(&opts, &eng, &err);
    ms_engine_destroy(eng);
    return rc;
}

/* The error of a rules directory that cannot be read, as the nobody user
 * (uid 65534) sees it, in a forked child: root reads any directory. The
 * text comes back through a pipe. Returns false when privileges cannot
 * be dropped (a container without CAP_SETUID). */
static bool build_as_nobody(const char *rdir, errors *es)
{
    int fd[2], status;
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(77);
        build_in(rdir, es);
        ssize_t w = write(fd[1], es->text, strlen(es->text));
        _exit(w < 0 ? 1 : 0);
    }
    close(fd[1]);
    memset(es, 0, sizeof *es);
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd[0], es->text + n, sizeof es->text - 1 - n)) > 0)
        n += (size_t)r;
    close(fd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        return false;
    assert_int_equal(WEXITSTATUS(status), 0);
    return true;
}

/* A rules directory that cannot be read says why, with its path, rather
 * than "no rulesets found" (which is kept for a directory without any). */
static void test_unreadable_rules_dir(void **state)
{
    char rdir[512], want[700];
    errors es;
    (void)state;
    fresh_dir();

    assert_int_equal(build_in(dir, &es), MS_ERR_RULES);
    snprintf(want, sizeof want, "%s: no rulesets (*.yaml) found in this directory", dir);
    if (!strstr(es.text, want))
        fail_msg("empty directory: want \"%s\", got:\n%s", want, es.text);

    snprintf(rdir, sizeof rdir, "%s/nosuch", dir);
    assert_int_equal(build_in(rdir, &es), MS_ERR_IO);
    snprintf(want, sizeof want, "%s: cannot read the rules directory: %s", rdir, strerror(ENOENT));
    if (!strstr(es.text, want))
        fail_msg("missing directory: want \"%s\", got:\n%s", want, es.text);

    write_file("plain", "not a directory\n");
    snprintf(rdir, sizeof rdir, "%s/plain", dir);
    assert_int_equal(build_in(rdir, &es), MS_ERR_IO);
    snprintf(want, sizeof want, "%s: cannot read the rules directory: %s", rdir, strerror(ENOTDIR));
    if (!strstr(es.text, want))
        fail_msg("a file as the directory: want \"%s\", got:\n%s", want, es.text);

    /* permission denied: fails for root only as another user */
    snprintf(rdir, sizeof rdir, "%s/locked", dir);
    assert_int_equal(mkdir(rdir, 0755), 0);
    ms_test_write_file(rdir, "a.yaml", base);
    assert_int_equal(chmod(rdir, 0), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    snprintf(want, sizeof want, "%s: cannot read the rules directory: %s", rdir, strerror(EACCES));
    if (geteuid() != 0) {
        assert_int_equal(build_in(rdir, &es), MS_ERR_IO);
    } else if (!build_as_nobody(rdir, &es)) {
        chmod(rdir, 0755);
        fprintf(stderr, "skipped: running as root and cannot drop to uid 65534, so permission "
                        "denied cannot be tested\n");
        skip();
    }
    chmod(rdir, 0755);
    if (!strstr(es.text, want))
        fail_msg("unreadable directory: want \"%s\", got:\n%s", want, es.text);
}

static void test_config_errors(void **state)
{
    ms_engine *eng = NULL;
    errors es;
    (void)state;
    fresh_dir();
    write_file("base.yaml", base);
    assert_int_not_equal(build("limits:\n  depth: 0\n  partz: 3\ncategories:\n"
                               "  nosuch: {action: reject}\n  demo: {action: shred}\n",
                               &eng, &es),
                         MS_OK);
    assert_non_null(strstr(es.text, "site.conf:2: limits.depth: 0 is out of range (1 to 256)"));
    assert_non_null(strstr(es.text, "site.conf:3: limits: unknown key \"partz\""));
    assert_non_null(strstr(es.text, "site.conf:5: categories: \"nosuch\" is not a category"));
    assert_non_null(strstr(es.text, "site.conf:6: categories.demo.action: unknown action"));
    assert_int_equal(es.n, 4);
}

/* The last scan: its result lives as long as it does. */
static ms_scan *keep;

static void release(void)
{
    ms_scan_destroy(keep);
    keep = NULL;
}

/* Scan one message and return the verdict; *nf gets the finding count. */
static ms_action scan_one(ms_engine *eng, const char *msg, size_t *nf, const ms_result **out)
{
    ms_scan *s;
    ms_error err;
    const ms_result *r;
    release();
    assert_int_equal(ms_scan_create(eng, &s, &err), MS_OK);
    assert_int_equal(ms_scan_feed(s, msg, strlen(msg)), MS_OK);
    assert_int_equal(ms_scan_finish(s, &r), MS_OK);
    *nf = r->nfindings;
    if (out)
        *out = r;
    keep = s;
    return r->verdict;
}

static void test_rules_behave(void **state)
{
    ms_engine *eng;
    errors es;
    size_t nf;
    const ms_result *r;
    (void)state;
    fresh_dir();
    write_file("base.yaml", base);
    assert_int_equal(build(NULL, &eng, &es), MS_OK);

    assert_int_equal(scan_one(eng, "Subject: hi\n\nnothing here\n", &nf, NULL), MS_ACTION_ACCEPT);
    assert_int_equal(nf, 0);
    /* word boundaries: "secretary" is not "secret"; case-insensitive */
    assert_int_equal(scan_one(eng, "Subject: hi\n\nour secretary\n", &nf, NULL), MS_ACTION_ACCEPT);
    assert_int_equal(scan_one(eng, "Subject: hi\n\na SECRET plan\n", &nf, &r),
                     MS_ACTION_QUARANTINE);
    assert_string_equal(r->findings[0].rule, "demo.secret");
    assert_string_equal(r->findings[0].part, "1");
    /* the Subject is scanned, and reported as the header part */
    scan_one(eng, "Subject: =?utf-8?q?top_secret?=\n\nbody\n", &nf, &r);
    assert_int_equal(nf, 1);
    assert_string_equal(r->findings[0].part, "header");
    /* header-scoped rule: fires on the named header, not in the body */
    assert_int_equal(scan_one(eng, "Sensitivity: Private\n\nx\n", &nf, NULL), MS_ACTION_QUARANTINE);
    assert_int_equal(scan_one(eng, "Subject: x\n\nSensitivity: Private\n", &nf, NULL),
                     MS_ACTION_ACCEPT);
    /* score threshold 3: alpha (2) alone no, alpha + beta (3) yes, once per rule */
    assert_int_equal(scan_one(eng, "Subject: x\n\nalpha alpha alpha\n", &nf, NULL),
                     MS_ACTION_ACCEPT);
    assert_int_equal(nf, 0);
    assert_int_equal(scan_one(eng, "Subject: x\n\nalpha and beta\n", &nf, &r), MS_ACTION_REJECT);
    assert_int_equal(r->ncategories, 1);
    assert_int_equal(r->categories[0].score, 3);
    assert_int_equal(nf, 2);
    ms_engine_destroy(eng);

    /* the site config overrides a category's action */
    assert_int_equal(build("categories:\n  demo: {action: tag}\n", &eng, &es), MS_OK);
    assert_int_equal(scan_one(eng, "Subject: x\n\nsecret\n", &nf, NULL), MS_ACTION_TAG);
    release();
    ms_engine_destroy(eng);
}

/* Rules named in disabled_rules are left out; an unknown name is an error. */
static void test_disabled_rules(void **state)
{
    ms_engine *eng;
    errors es = {0};
    size_t nf;
    const char *const off[] = {"demo.secret", NULL}, *const bad[] = {"demo.nosuch", NULL};
    ms_engine_opts opts = {
        .rules_dir = dir, .on_error = ms_test_collect_error, .on_error_ctx = &es};
    ms_engine_info info;
    ms_error err;
    (void)state;
    fresh_dir();
    write_file("base.yaml", base);
    opts.rules_dir = dir;
    opts.disabled_rules = off;
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    ms_engine_get_info(eng, &info);
    assert_int_equal(info.rules, 3);
    assert_int_equal(scan_one(eng, "Subject: x\n\na secret\n", &nf, NULL), MS_ACTION_ACCEPT);
    release();
    ms_engine_destroy(eng);
    opts.disabled_rules = bad;
    assert_int_not_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    assert_non_null(strstr(es.text, "no rule \"demo.nosuch\" to leave out"));
}

/* The compiled database is cached by a hash of the rules: the same rules
 * load it, changed rules compile anew, a damaged file is ignored. */
static void test_database_cache(void **state)
{
    char cache[600], cmd[700];
    ms_engine *eng;
    ms_engine_info info;
    ms_error err;
    size_t nf;
    (void)state;
    fresh_dir();
    write_file("base.yaml", base);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    ms_engine_opts opts = {.rules_dir = dir, .cache_dir = cache};

    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    ms_engine_get_info(eng, &info);
    assert_false(info.from_cache);
    ms_engine_destroy(eng);
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    ms_engine_get_info(eng, &info);
    assert_true(info.from_cache);
    /* the loaded database matches as the compiled one did */
    assert_int_equal(scan_one(eng, "Subject: x\n\na SECRET plan\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    ms_engine_destroy(eng);

    char changed[sizeof base + 16];
    snprintf(changed, sizeof changed, "%s", base);
    *strstr(changed, "'secret'") = '\0'; /* the first rule's pattern, the rest dropped */
    strcat(changed, "'hidden'\n");
    write_file("base.yaml", changed);
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    ms_engine_get_info(eng, &info);
    assert_false(info.from_cache); /* a changed rule is a new key */
    assert_int_equal(scan_one(eng, "Subject: x\n\nhidden\n", &nf, NULL), MS_ACTION_QUARANTINE);
    release();
    ms_engine_destroy(eng);

    snprintf(cmd, sizeof cmd, "for f in '%s'/hs-*.db; do printf junk > \"$f\"; done", cache);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    ms_engine_get_info(eng, &info);
    assert_false(info.from_cache); /* damaged: compiled instead */
    ms_engine_destroy(eng);
}

/* Count the files in dir whose names start with prefix. */
static unsigned count_files(const char *d, const char *prefix)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '^%s'", d, prefix);
    FILE *p = popen(cmd, "r");
    unsigned n = 0;
    assert_non_null(p);
    if (fscanf(p, "%u", &n) != 1)
        n = 0;
    pclose(p);
    return n;
}

/* A two-stage rule's verify database is cached beside the stream one, so
 * a start with unchanged rules compiles nothing; its pattern is part of
 * the key (same anchors, another pattern: compiled anew), and a damaged
 * verify file is compiled again, not trusted. */
static void test_database_cache_two_stage(void **state)
{
    static const char rules[] = "categories:\n"
                                "  - name: demo\n"
                                "    action: quarantine\n"
                                "rules:\n"
                                "  - id: demo.phrase\n"
                                "    category: demo\n"
                                "    description: a phrase around a rare word\n"
                                "    pattern: 'send\\s{1,8}(?:it|this)\\s{1,8}to\\s{1,8}PLACE'\n"
                                "    anchors: [PLACE]\n"
                                "    flags: [caseless]\n";
    char cache[600], cmd[700], text[sizeof rules + 32];
    ms_engine *eng;
    ms_engine_info info;
    ms_error err;
    size_t nf;
    (void)state;
    fresh_dir();
    snprintf(text, sizeof text, "%s", rules);
    memcpy(strstr(text, "PLACE'"), "paris", 5);
    memcpy(strstr(text, "[PLACE]"), "[paris]", 7);
    write_file("two.yaml", text);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    ms_engine_opts opts = {.rules_dir = dir, .cache_dir = cache};

    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    ms_engine_destroy(eng);
    assert_int_equal(count_files(cache, "hs-.*-v0\\.db"), 1); /* the verify database, kept */
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    ms_engine_get_info(eng, &info);
    assert_true(info.from_cache);
    assert_int_equal(scan_one(eng, "Subject: x\n\nplease send it to Paris\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    ms_engine_destroy(eng);

    /* the same anchor, another pattern: a new key */
    char *p = strstr(text, "(?:it|this)");
    memcpy(p, "(?:us|them)", 11);
    write_file("two.yaml", text);
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    ms_engine_get_info(eng, &info);
    assert_false(info.from_cache);
    assert_int_equal(scan_one(eng, "Subject: x\n\nplease send it to Paris\n", &nf, NULL),
                     MS_ACTION_ACCEPT);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\nplease send us to Paris\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    ms_engine_destroy(eng);

    snprintf(cmd, sizeof cmd, "for f in '%s'/hs-*-v*.db; do printf junk > \"$f\"; done", cache);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    assert_int_equal(scan_one(eng, "Subject: x\n\nplease send them to Paris\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    ms_engine_destroy(eng);
}

/* A rule that is a word list alone anchors itself: each entry by the rarest
 * literals every match of it holds; its matches are still found, white
 * space runs and line breaks included. A list with an entry that may match
 * without bound stays direct, and matches as before. */
static void test_word_list_anchors_itself(void **state)
{
    static const char rules[] = "categories:\n"
                                "  - name: demo\n"
                                "    action: quarantine\n"
                                "rules:\n"
                                "  - id: demo.list\n"
                                "    category: demo\n"
                                "    words: w.txt\n"
                                "    flags: [caseless, word]\n";
    ms_engine *eng;
    ms_error err;
    const char *id;
    size_t nf;
    (void)state;
    fresh_dir();
    write_file("w.yaml", rules);
    write_file("w.txt", "# demo list\npiece of junk\nre:b[i1]lge(?:rat)?s?\n");
    ms_engine_opts opts = {.rules_dir = dir};
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    const char *anchor = ms_engine_rule_anchor(eng, 0, &id);
    assert_string_equal(id, "demo.list");
    assert_non_null(anchor);
    assert_string_equal(anchor, "junk|bilge|b1lge");
    assert_int_equal(scan_one(eng, "Subject: x\n\nwhat a Piece \n   OF\tjunk it is\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\nyou B1LGERATS\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\na piece of cake; the bilgewater\n", &nf, NULL),
                     MS_ACTION_ACCEPT);
    release();
    ms_engine_destroy(eng);

    write_file("w.txt", "piece of junk\nre:bilge[a-z]+\n");
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    assert_null(ms_engine_rule_anchor(eng, 0, &id));
    assert_int_equal(scan_one(eng, "Subject: x\n\nthe bilgewater\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    ms_engine_destroy(eng);
}

/* A pattern rule that names no anchors anchors itself on its rarest
 * literal when its matches are bounded and it does not depend on where the
 * text begins (^); otherwise it stays direct. Either way it matches the
 * same text. */
static void test_pattern_anchors_itself(void **state)
{
    static const char rules[] =
        "categories:\n"
        "  - name: demo\n"
        "    action: quarantine\n"
        "rules:\n"
        "  - id: demo.phrase\n"
        "    category: demo\n"
        "    pattern: 'wire\\s{1,8}the\\s{1,8}money\\s{1,8}to\\s{1,8}[a-z]{1,20}'\n"
        "    flags: [caseless, word]\n"
        "  - id: demo.line\n"
        "    category: demo\n"
        "    pattern: '^send[ \\t]{1,8}payment$'\n"
        "    flags: [caseless, multiline]\n"
        "  - id: demo.unbounded\n"
        "    category: demo\n"
        "    pattern: 'wire\\s+money'\n"
        "  - id: demo.token\n"
        "    category: demo\n"
        "    pattern: '\\bzq-[0-9]{4}(?:[^0-9]|$)'\n";
    ms_engine *eng;
    ms_error err;
    const char *id;
    size_t nf;
    (void)state;
    fresh_dir();
    write_file("w.yaml", rules);
    ms_engine_opts opts = {.rules_dir = dir};
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    assert_string_equal(ms_engine_rule_anchor(eng, 0, &id), "money");
    assert_string_equal(id, "demo.phrase");
    assert_null(ms_engine_rule_anchor(eng, 1, &id));
    assert_null(ms_engine_rule_anchor(eng, 2, &id));
    assert_string_equal(ms_engine_rule_anchor(eng, 3, &id), "zq\\-");
    assert_int_equal(scan_one(eng, "Subject: x\n\nthe key\nzq-1234", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\nzq-12345\nzq-123\n", &nf, NULL),
                     MS_ACTION_ACCEPT);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\nplease WIRE the\n   money to bob\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\nwire the money\n", &nf, NULL), MS_ACTION_ACCEPT);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\nhi\nSend  payment\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\nplease send payment\n", &nf, NULL),
                     MS_ACTION_ACCEPT);
    release();
    ms_engine_destroy(eng);
}

static int count_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                     void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    ++*(unsigned *)ctx;
    return 0;
}

/* Matches of stream database db in text, as one stream. */
static unsigned stream_hits(const hs_database_t *db, const char *text)
{
    hs_scratch_t *scratch = NULL;
    hs_stream_t *st = NULL;
    unsigned n = 0;

    assert_int_equal(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
    assert_int_equal(hs_open_stream(db, 0, &st), HS_SUCCESS);
    assert_int_equal(hs_scan_stream(st, text, (unsigned)strlen(text), 0, scratch, count_hit, &n),
                     HS_SUCCESS);
    assert_int_equal(hs_close_stream(st, scratch, count_hit, &n), HS_SUCCESS);
    hs_free_scratch(scratch);
    return n;
}

/* The stream database of one kind of rule alone (ms_bench --split): the
 * direct rules' patterns, or the two-stage rules' anchors; none of a kind
 * the rules do not have. */
static void test_compile_kind(void **state)
{
    static const char rules[] = "categories:\n"
                                "  - name: demo\n"
                                "    action: quarantine\n"
                                "rules:\n"
                                "  - id: demo.direct\n"
                                "    category: demo\n"
                                "    pattern: 'wire\\s+money'\n"
                                "  - id: demo.anchored\n"
                                "    category: demo\n"
                                "    pattern: 'send\\s{1,8}(?:it|this)\\s{1,8}to\\s{1,8}paris'\n"
                                "    anchors: [paris]\n"
                                "    flags: [caseless]\n";
    ms_engine *eng;
    ms_error err;
    hs_database_t *db;
    unsigned n;
    (void)state;
    fresh_dir();
    write_file("k.yaml", rules);
    ms_engine_opts opts = {.rules_dir = dir};
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);

    assert_int_equal(ms_match_compile_kind(eng, false, &db, &n), HS_SUCCESS);
    assert_int_equal(n, 1);
    assert_int_equal(stream_hits(db, "wire  money, then Paris"), 1);
    hs_free_database(db);
    assert_int_equal(ms_match_compile_kind(eng, true, &db, &n), HS_SUCCESS);
    assert_int_equal(n, 1);
    assert_int_equal(stream_hits(db, "wire  money, then Paris"), 1); /* the anchor alone */
    assert_int_equal(stream_hits(db, "wire money"), 0);
    hs_free_database(db);
    ms_engine_destroy(eng);

    write_file("k.yaml", "categories:\n  - name: demo\n    action: tag\nrules:\n"
                         "  - id: demo.direct\n    category: demo\n    pattern: 'wire\\s+money'\n");
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    assert_int_equal(ms_match_compile_kind(eng, true, &db, &n), HS_INVALID);
    assert_int_equal(n, 0);
    assert_null(db);
    ms_engine_destroy(eng);
}

/* A word list too long for one Hyperscan expression is compiled in parts
 * under the rule's id, its anchors too: an entry of the last part matches
 * like one of the first, and a near miss does not. */
static void test_long_word_list(void **state)
{
    static const char rules[] = "categories:\n"
                                "  - name: demo\n"
                                "    action: quarantine\n"
                                "rules:\n"
                                "  - id: demo.long\n"
                                "    category: demo\n"
                                "    words: long.txt\n"
                                "    flags: [caseless, word]\n";
    char path[600];
    ms_engine *eng;
    ms_error err;
    const char *id;
    size_t nf;
    (void)state;
    fresh_dir();
    write_file("long.yaml", rules);
    snprintf(path, sizeof path, "%s/long.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (unsigned i = 0; i < 3000; i++) /* about 80 KB of alternation */
        fprintf(f, "you bilgerat%04u\n", i);
    fclose(f);
    ms_engine_opts opts = {.rules_dir = dir};
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    assert_non_null(ms_engine_rule_anchor(eng, 0, &id));
    assert_int_equal(scan_one(eng, "Subject: x\n\nand YOU\n  bilgerat2999!\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\nyou bilgerat0000\n", &nf, NULL),
                     MS_ACTION_QUARANTINE);
    release();
    assert_int_equal(scan_one(eng, "Subject: x\n\nthe bilgerat2999 and you\n", &nf, NULL),
                     MS_ACTION_ACCEPT);
    release();
    ms_engine_destroy(eng);
}

/* Per-rule matcher counts (rules bench): anchor hits in the stream,
 * windows verified and their bytes for a two-stage rule, stream hits for a
 * direct one; nothing once the stats are taken away. */
static void test_rule_stats(void **state)
{
    static const char rules[] = "categories:\n"
                                "  - name: demo\n"
                                "    action: quarantine\n"
                                "rules:\n"
                                "  - id: demo.list\n"
                                "    category: demo\n"
                                "    words: w.txt\n"
                                "    flags: [caseless, word]\n"
                                "  - id: demo.direct\n"
                                "    category: demo\n"
                                "    pattern: 'z[a-z]{4}'\n"; /* no rare literal: direct */
    static const char msg[] = "Subject: x\n\na piece of junk, then junk food, then\n"
                              "many lines later another piece of junk; a zebra, a zebra.\n";
    ms_engine *eng;
    ms_scan *s;
    ms_error err;
    const ms_result *r;
    ms_rule_stats st[2];
    (void)state;
    fresh_dir();
    write_file("w.yaml", rules);
    write_file("w.txt", "piece of junk\n");
    ms_engine_opts opts = {.rules_dir = dir};
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);
    assert_int_equal(ms_scan_create(eng, &s, &err), MS_OK);
    memset(st, 0, sizeof st);
    ms_scan_set_rule_stats(s, st);
    assert_int_equal(ms_scan_feed(s, msg, sizeof msg - 1), MS_OK);
    assert_int_equal(ms_scan_finish(s, &r), MS_OK);
    assert_int_equal(r->verdict, MS_ACTION_QUARANTINE);
    assert_int_equal(st[0].stream_hits, 3); /* "junk" three times */
    assert_true(st[0].windows >= 1 && st[0].windows <= 3);
    assert_true(st[0].window_bytes >= strlen("piece of junk"));
    assert_true(st[0].verify_ms >= 0);
    assert_int_equal(st[1].stream_hits, 2);
    assert_int_equal(st[1].windows, 0);
    ms_rule_stats before = st[0];
    ms_scan_set_rule_stats(s, NULL);
    ms_scan_reset(s);
    assert_int_equal(ms_scan_feed(s, msg, sizeof msg - 1), MS_OK);
    assert_int_equal(ms_scan_finish(s, &r), MS_OK);
    assert_int_equal(st[0].stream_hits, before.stream_hits);
    assert_int_equal(st[0].windows, before.windows);
    ms_scan_destroy(s);
    ms_engine_destroy(eng);
}

/* A Visa test number 4000 0000 0000 0NNC with a valid check digit C. */
static void visa(unsigned nn, char out[20])
{
    char d[17];
    snprintf(d, sizeof d, "40000000000%04u", nn);
    int sum = 0;
    for (int i = 14; i >= 0; i--) {
        int v = d[i] - '0';
        if ((14 - i) % 2 == 0)
            v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
    }
    snprintf(out, 20, "%.4s %.4s %.4s %.3s%d", d, d + 4, d + 8, d + 12, (10 - sum % 10) % 10);
}

/* pci levels with the shipped ruleset: low alone, high with card words or
 * an expiry date within 300 bytes (before or after, same part), bulk over
 * 10 distinct numbers; the site config gives each level its action. */
static void test_pci_levels(void **state)
{
    ms_engine *eng;
    ms_engine_opts opts = {.rules_dir = MS_SOURCE_DIR "/rulesets"};
    ms_error err;
    const ms_result *r;
    size_t nf;
    char msg[8192], pan[20];
    (void)state;
    fresh_dir();
    snprintf(msg, sizeof msg, "%s/site.conf", dir);
    FILE *f = fopen(msg, "w");
    assert_non_null(f);
    fputs("categories:\n  pci: {levels: {low: quarantine, high: reject, bulk: reject}}\n", f);
    fclose(f);
    opts.config_path = msg;
    assert_int_equal(ms_engine_create(&opts, &eng, &err), MS_OK);

    visa(1, pan);
    snprintf(msg, sizeof msg, "Subject: order\n\nPlease charge %s for the order.\n", pan);
    assert_int_equal(scan_one(eng, msg, &nf, &r), MS_ACTION_QUARANTINE);
    assert_string_equal(r->findings[0].level, "low");
    assert_string_equal(r->categories[0].level, "low");

    snprintf(msg, sizeof msg, "Subject: order\n\nMy Visa is %s thanks\n", pan);
    assert_int_equal(scan_one(eng, msg, &nf, &r), MS_ACTION_REJECT);
    assert_string_equal(r->findings[0].level, "high");

    snprintf(msg, sizeof msg, "Subject: order\n\nnumber %s, good thru 04/29\n", pan);
    scan_one(eng, msg, &nf, &r);
    assert_string_equal(r->findings[0].level, "high"); /* context after it */

    char pad[400];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    snprintf(msg, sizeof msg, "Subject: order\n\nvisa\n%s\n%s\n", pad, pan);
    scan_one(eng, msg, &nf, &r);
    assert_string_equal(r->findings[0].level, "low"); /* 400 bytes away */

    snprintf(msg, sizeof msg,
             "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nvisa card\n--b\n"
             "\n%s\n--b--\n",
             pan);
    scan_one(eng, msg, &nf, &r);
    assert_string_equal(r->findings[0].level, "low"); /* context in another part */

    /* a number seen again is counted on its own finding */
    char pan2[20];
    visa(2, pan2);
    visa(1, pan);
    snprintf(msg, sizeof msg, "Subject: x\n\na %s b %s c %s\n", pan, pan2, pan);
    scan_one(eng, msg, &nf, &r);
    assert_int_equal(nf, 2);
    assert_int_equal(r->findings[0].count, 2);
    assert_int_equal(r->findings[1].count, 1);

    size_t n = (size_t)snprintf(msg, sizeof msg, "Subject: export\n\n");
    for (unsigned i = 1; i <= 11; i++) {
        visa(i, pan);
        n += (size_t)snprintf(msg + n, sizeof msg - n, "row %u: %s\n", i, pan);
    }
    assert_int_equal(scan_one(eng, msg, &nf, &r), MS_ACTION_REJECT);
    assert_int_equal(nf, 11);
    assert_string_equal(r->categories[0].level, "bulk");
    assert_string_equal(r->findings[10].level, "bulk");
    /* ten distinct numbers (the same one twice more) are not bulk */
    n = (size_t)snprintf(msg, sizeof msg, "Subject: export\n\n");
    for (unsigned i = 1; i <= 12; i++) {
        visa(i <= 10 ? i : 1, pan);
        n += (size_t)snprintf(msg + n, sizeof msg - n, "row %u: %s\n", i, pan);
    }
    scan_one(eng, msg, &nf, &r);
    assert_string_equal(r->categories[0].level, "low");
    release();
    ms_engine_destroy(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_error_has_file_and_line),
        cmocka_unit_test(test_yaml_syntax_error),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_unreadable_rules_dir),
        cmocka_unit_test(test_rules_behave),
        cmocka_unit_test(test_pci_levels),
        cmocka_unit_test(test_disabled_rules),
        cmocka_unit_test(test_database_cache),
        cmocka_unit_test(test_database_cache_two_stage),
        cmocka_unit_test(test_word_list_anchors_itself),
        cmocka_unit_test(test_pattern_anchors_itself),
        cmocka_unit_test(test_compile_kind),
        cmocka_unit_test(test_long_word_list),
        cmocka_unit_test(test_rule_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
