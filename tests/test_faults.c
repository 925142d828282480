/*
 * test_faults.c - every allocation fails in turn (util.h: ms_fault_fail_at,
 * as SQLite's sqlite3FaultSim and its malloc tests)
 *
 * For N = 1, 2, ... until a run reaches no failure, the Nth allocation
 * fails, in turn the Nth only (those after it succeed: the code must carry
 * on from the failure, not only give up) and the Nth and all after it
 * (cleaning up when nothing can be had), in:
 *
 *   - building an engine from the shipped rulesets and a site
 *     configuration that reaches every list and map the config reads
 *     (compiled databases from a cache; the Nth only). There every
 *     allocation site fails at its first SITE_RUNS allocations only, the
 *     later ones are passed over (ms_fault_set_skip): a site that reads a
 *     word list's entries runs once an entry, and failing each of
 *     thousands of entries in turn would test the same code thousands of
 *     times;
 *   - building one from a small ruleset directory, its cache emptied
 *     before each run, so the compile and the cache's store fail as well;
 *   - creating a scan and scanning a message with a card number in its
 *     text, in a file uuencoded into it, in a zip, a docx, a pdf and a
 *     forwarded message (tests/gen_attach_fixtures.py, mixed.eml).
 *
 * Hyperscan's allocations count too (hs_set_allocator). Building an engine
 * must end in MS_ERR_NOMEM, or succeed with an engine equal to the one
 * built without failures (a failure the engine can do without: the cache
 * not written). A scan must end in MS_ERR_NOMEM (from create, feed or
 * finish), or in a result that says what was not read (a finding of
 * category unscannable or a limit.* rule, and not accept), or in the
 * findings and verdict of the run without failures. Never a crash; leaks
 * are ASan's to find (detect_leaks=1 in CI).
 */
#include "helpers.h"
#include "util.h"

#include <mailsift/mailsift.h>

#include <dirent.h>
#include <hs/hs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define FAULTS_DIR  MS_BINARY_DIR "/faults"
#define MESSAGE     FAULTS_DIR "/mixed.eml"
#define CONFIG      FAULTS_DIR "/mailsift.yaml"
#define CACHE       FAULTS_DIR "/hs-cache"
#define SMALL       FAULTS_DIR "/small-rules"
#define FRESH_CACHE FAULTS_DIR "/small-cache"
#define MAX_RUNS    100000 /* a loop that never ends is a bug of its own */
#define SITE_RUNS   4      /* building the shipped engine: failures per allocation site */

/* A configuration with something in every section that allocates. */
static const char config_yaml[] =
    "limits: { findings: 128 }\n"
    "categories:\n"
    "  pci: { action: reject, levels: { low: quarantine, high: reject, bulk: reject } }\n"
    "internal_domains: [example.org]\n"
    "policy:\n"
    "  pci: { scope: every, exempt_encrypted: false,\n"
    "         reply: \"550 5.7.1 Message blocked: payment card number detected\" }\n"
    "attachments:\n"
    "  dangerous_types: [application/x-dosexec, application/x-executable, "
    "text/x-shellscript]\n"
    "  script_extensions: [vbs, js, ps1, sh, bat]\n"
    "milter:\n"
    "  login_maps: logins.txt\n"
    "  rate_limit: { messages: 700, window: 60 }\n";

static const char logins_txt[] = "alice@example.org  alice, alice@example.org\n"
                                 "@sales.example.org bob carol\n";

/* Every loader path once, small enough to compile in milliseconds. */
static const char small_yaml[] = "categories:\n"
                                 "  - name: marker\n"
                                 "    description: Test markers\n"
                                 "    threshold: 2\n"
                                 "    levels: {low: tag, high: reject}\n"
                                 "    context_window: 100\n"
                                 "headers: [Sensitivity, X-Label]\n"
                                 "rules:\n"
                                 "  - id: marker.banner\n"
                                 "    category: marker\n"
                                 "    description: A banner line\n"
                                 "    pattern: '^SECRET$'\n"
                                 "    flags: [multiline]\n"
                                 "    weight: 2\n"
                                 "  - id: marker.words\n"
                                 "    category: marker\n"
                                 "    words: words/markers.txt\n"
                                 "    pattern: 'label: {words}'\n"
                                 "    flags: [caseless, word]\n"
                                 "    weight: 3\n"
                                 "  - id: marker.footer\n"
                                 "    category: marker\n"
                                 "    words: words/markers.txt\n"
                                 "    weight: -1\n"
                                 "    scope: body\n"
                                 "    excerpt: none\n";
static const char small_words[] = "# markers\n"
                                  "top secret\n"
                                  "internal  only\n"
                                  "re:conf[i1]dential\n"
                                  "restricted\n";
static const char small_local[] = "eyes only\n"
                                  "!restricted\n";
static const char small_yar[] = "rule marker_blob\n"
                                "{\n"
                                "    meta:\n"
                                "        category = \"marker\"\n"
                                "        description = \"A marker blob\"\n"
                                "    strings:\n"
                                "        $a = \"MARKERBLOB\"\n"
                                "    condition:\n"
                                "        $a\n"
                                "}\n";

/* Hyperscan's allocations on the same countdown as the engine's. */
static void *hs_alloc(size_t n)
{
    return ms_fault_step("hyperscan") ? NULL : malloc(n);
}

static int setup(void **state)
{
    (void)state;
    if (system("rm -rf " FAULTS_DIR " && mkdir -p " FAULTS_DIR "/small-rules/words " CACHE
               " " FRESH_CACHE) != 0 ||
        system("python3 " MS_SOURCE_DIR "/tests/gen_attach_fixtures.py " FAULTS_DIR " mixed") != 0)
        return -1;
    ms_test_write_file(FAULTS_DIR, "mailsift.yaml", config_yaml);
    ms_test_write_file(FAULTS_DIR, "logins.txt", logins_txt);
    ms_test_write_file(SMALL, "markers.yaml", small_yaml);
    ms_test_write_file(SMALL, "words/markers.txt", small_words);
    ms_test_write_file(SMALL, "words/markers.txt.local", small_local);
    ms_test_write_file(SMALL, "markers.yar", small_yar);
    if (hs_set_allocator(hs_alloc, free) != HS_SUCCESS)
        return -1;
    return 0;
}

/* ---- what was failed ------------------------------------------------------ */

static struct {
    const char *site[512];
    unsigned runs[512];
    unsigned n;
} sites;

static void count_site(const char *site)
{
    unsigned i = 0;
    while (i < sites.n && strcmp(sites.site[i], site) != 0)
        i++;
    if (i == sites.n) {
        assert_true(sites.n < sizeof sites.site / sizeof sites.site[0]);
        sites.site[sites.n++] = site;
    }
    sites.runs[i]++;
}

static unsigned runs_before[512]; /* sites.runs when the capped loop began */

/* A site failed SITE_RUNS times already in this loop (ms_fault_set_skip) */
static bool saturated(const char *site)
{
    for (unsigned i = 0; i < sites.n; i++)
        if (strcmp(sites.site[i], site) == 0)
            return sites.runs[i] - runs_before[i] >= SITE_RUNS;
    return false;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, unsigned long runs, unsigned nsites, double t0)
{
    print_message("[ faults   ] %s: %lu allocations failed in turn, at %u sites (%.1f s)\n", what,
                  runs, nsites, now_s() - t0);
}

/* ---- building an engine --------------------------------------------------- */

static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[1024];

    assert_non_null(d);
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
    closedir(d);
}

/* Fail the Nth allocation (persist: and those after it). */
static void arm(unsigned long n, bool persist)
{
    if (persist)
        ms_fault_fail_from(n);
    else
        ms_fault_fail_at(n);
}

static void engine_faults(const char *what, const ms_engine_opts *o, bool fresh_cache, bool persist,
                          bool capped)
{
    ms_engine_info ref, info;
    ms_engine *eng;
    ms_error err;
    unsigned before = sites.n, failed = 0, whole = 0;
    double t0 = now_s();
    unsigned long n, runs;

    if (fresh_cache)
        empty_dir(o->cache_dir);
    if (ms_engine_create(o, &eng, &err) != MS_OK)
        fail_msg("%s: %s:%u: %s", what, err.file, err.line, err.msg);
    ms_engine_get_info(eng, &ref);
    ms_engine_destroy(eng);
    memcpy(runs_before, sites.runs, sizeof runs_before);
    ms_fault_set_skip(capped && !persist ? saturated : NULL);
    for (n = 1, runs = 0; runs < MAX_RUNS; runs++) {
        if (fresh_cache)
            empty_dir(o->cache_dir);
        memset(&err, 0, sizeof err);
        arm(n, persist);
        int rc = ms_engine_create(o, &eng, &err);
        const char *site = ms_fault_fired() ? ms_fault_site() : NULL;
        n = ms_fault_index() + 1; /* the failed one, or past the skipped ones */
        ms_fault_fail_at(0);
        if (!site) { /* the run went through without reaching the fault */
            assert_int_equal(rc, MS_OK);
            ms_engine_destroy(eng);
            break;
        }
        count_site(site);
        if (rc == MS_OK) {
            /* a failure it can do without: the engine must be whole */
            ms_engine_get_info(eng, &info);
            ms_engine_destroy(eng);
            if (info.rules == ref.rules && info.categories == ref.categories &&
                info.yara_rules == ref.yara_rules) {
                whole++;
                continue;
            }
            print_error("%s: allocation %lu (%s) failed: engine built with %u rules, %u "
                        "categories, %u YARA rules (want %u, %u, %u)\n",
                        what, n - 1, site, info.rules, info.categories, info.yara_rules, ref.rules,
                        ref.categories, ref.yara_rules);
            failed++;
        } else if (rc != MS_ERR_NOMEM || err.code != MS_ERR_NOMEM || eng) {
            print_error("%s: allocation %lu (%s) failed: returned %d, error %d \"%s:%u: %s\"\n",
                        what, n - 1, site, rc, err.code, err.file, err.line, err.msg);
            failed++;
        }
    }
    ms_fault_set_skip(NULL);
    assert_true(runs < MAX_RUNS);
    report(what, runs, sites.n - before, t0);
    if (whole)
        print_message("[ faults   ]   of them %u built the engine whole (a cache not read or "
                      "not written)\n",
                      whole);
    assert_int_equal(failed, 0);
}

static void test_engine_shipped(void **state)
{
    ms_engine_opts o = {
        .rules_dir = MS_SOURCE_DIR "/rulesets", .config_path = CONFIG, .cache_dir = CACHE};
    (void)state;
    engine_faults("engine (shipped rulesets, config)", &o, false, false, true);
}

static void test_engine_compile(void **state)
{
    ms_engine_opts o = {.rules_dir = SMALL, .cache_dir = FRESH_CACHE};
    (void)state;
    engine_faults("engine (compiled, cache stored)", &o, true, false, false);
    engine_faults("engine (compiled, cache stored), all after N", &o, true, true, false);
}

/* ---- a scan --------------------------------------------------------------- */

typedef struct outcome {
    int rc; /* first error of create, feed, finish */
    ms_action verdict;
    char findings[64][160]; /* "rule part", sorted */
    unsigned n;
    bool unread; /* a finding says what was not read */
} outcome;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void scan(const ms_engine *eng, const char *msg, size_t len, outcome *out)
{
    const ms_result *r = NULL;
    ms_scan *s;
    ms_error err;

    memset(out, 0, sizeof *out);
    out->rc = ms_scan_create(eng, &s, &err);
    if (out->rc != MS_OK) {
        assert_null(s);
        assert_int_equal(err.code, out->rc);
        return;
    }
    /* in three pieces: an error of feed is seen at the next feed too */
    size_t cut[] = {0, len / 3, 2 * len / 3, len};
    for (unsigned i = 0; i < 3; i++) {
        int rc = ms_scan_feed(s, msg + cut[i], cut[i + 1] - cut[i]);
        if (!out->rc)
            out->rc = rc;
    }
    int rc = ms_scan_finish(s, &r);
    if (!out->rc)
        out->rc = rc;
    assert_non_null(r);
    out->verdict = r->verdict;
    for (size_t i = 0; i < r->nfindings; i++) {
        const ms_finding *f = &r->findings[i];
        if (out->n < sizeof out->findings / sizeof out->findings[0])
            snprintf(out->findings[out->n++], sizeof out->findings[0], "%s %s", f->rule, f->part);
        out->unread |=
            strcmp(f->category, "unscannable") == 0 || strncmp(f->rule, "limit.", 6) == 0;
    }
    qsort(out->findings, out->n, sizeof out->findings[0], cmp_str);
    ms_scan_destroy(s);
}

static bool same_findings(const outcome *a, const outcome *b)
{
    if (a->n != b->n)
        return false;
    for (unsigned i = 0; i < a->n; i++)
        if (strcmp(a->findings[i], b->findings[i]) != 0)
            return false;
    return true;
}

static void print_findings(const char *what, const outcome *o)
{
    print_error("  %s: rc %d, verdict %s, %u findings%s\n", what, o->rc, ms_action_name(o->verdict),
                o->n, o->unread ? " (some content unread)" : "");
    for (unsigned i = 0; i < o->n; i++)
        print_error("    %s\n", o->findings[i]);
}

static unsigned scan_faults(const char *what, const ms_engine *eng, const char *msg, size_t len,
                            const outcome *ref, bool persist)
{
    static outcome got;
    unsigned before = sites.n, failed = 0;
    double t0 = now_s();
    unsigned long n;

    for (n = 1; n < MAX_RUNS; n++) {
        arm(n, persist);
        scan(eng, msg, len, &got);
        const char *site = ms_fault_fired() ? ms_fault_site() : NULL;
        ms_fault_fail_at(0);
        if (!site) {
            assert_int_equal(got.rc, MS_OK);
            assert_true(same_findings(&got, ref));
            break;
        }
        count_site(site);
        const char *why = NULL;
        if (got.rc != MS_OK && got.rc != MS_ERR_NOMEM)
            why = "an error other than MS_ERR_NOMEM";
        else if (got.rc == MS_OK && got.verdict == MS_ACTION_ACCEPT)
            why = "accepted";
        else if (got.rc == MS_OK && !got.unread &&
                 (got.verdict != ref->verdict || !same_findings(&got, ref)))
            why = "findings lost, and no finding says what was not read";
        if (why) {
            print_error("%s: allocation %lu (%s) failed: %s\n", what, n, site, why);
            print_findings("got", &got);
            print_findings("want", ref);
            failed++;
        }
    }
    assert_true(n < MAX_RUNS);
    report(what, n - 1, sites.n - before, t0);
    return failed;
}

static void test_scan(void **state)
{
    ms_engine_opts o = {
        .rules_dir = MS_SOURCE_DIR "/rulesets", .config_path = CONFIG, .cache_dir = CACHE};
    static outcome ref;
    ms_engine *eng;
    ms_error err;
    size_t len;
    unsigned failed;
    (void)state;

    char *msg = ms_test_read_file(MESSAGE, &len);
    assert_non_null(msg);
    if (ms_engine_create(&o, &eng, &err) != MS_OK)
        fail_msg("engine: %s:%u: %s", err.file, err.line, err.msg);
    scan(eng, msg, len, &ref);
    /* the reference: the card number found everywhere it is, rejected */
    static const char *const want[] = {"pci.pan 1", "pci.pan 1/notes.txt", "pci.pan 2/cards.csv",
                                       "pci.pan 3", "pci.pan 4",           "pci.pan 5.1"};
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
        unsigned k = 0;
        while (k < ref.n && strcmp(ref.findings[k], want[i]) != 0)
            k++;
        if (k == ref.n) {
            print_findings("reference", &ref);
            fail_msg("reference scan: no %s", want[i]);
        }
    }
    assert_int_equal(ref.rc, MS_OK);
    assert_int_equal(ref.verdict, MS_ACTION_REJECT);
    assert_false(ref.unread);

    failed = scan_faults("scan (create, feed, finish)", eng, msg, len, &ref, false);
    failed += scan_faults("scan (create, feed, finish), all after N", eng, msg, len, &ref, true);
    ms_engine_destroy(eng);
    free(msg);
    assert_int_equal(failed, 0);
}

static int teardown(void **state)
{
    unsigned ours = 0;
    (void)state;
    for (unsigned i = 0; i < sites.n; i++)
        ours += strcmp(sites.site[i], "hyperscan") != 0;
    print_message("[ faults   ] %u allocation sites of the engine failed, and Hyperscan's; runs "
                  "per site:\n",
                  ours);
    for (unsigned i = 0; i < sites.n; i++)
        print_message("[ faults   ]   %-28s %u\n", sites.site[i], sites.runs[i]);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_compile),
        cmocka_unit_test(test_engine_shipped),
        cmocka_unit_test(test_scan),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
