/*
 * fuzz_config.c - libFuzzer harness for the YAML reader (engine/yamldoc.c),
 * the site configuration (engine/config.c, engine/policy_config.c) and the
 * ruleset loader (engine/rules.c)
 *
 * The first byte picks what the rest is: even, a mailsift.yaml applied to
 * an engine holding a small fixed ruleset (so that categories: has names
 * to find) and read for its sweep: limits; odd, a ruleset file loaded
 * after that one (so that its rules can use the fixed categories; a word
 * list words/demo.txt is there for `words:`).
 * Nothing is compiled: Hyperscan and YARA are not what is fuzzed here, and
 * a pattern compile would cost more than the parse. The loaders read
 * paths, so the input is written to a file first.
 *
 * Checks: a loader fails exactly when it reported an error; every error
 * has a message, and one about the input names it and a line no further
 * than the input could hold. A deep or wide input must be refused fast:
 * run with -timeout (a 100,000 '[' config took 23 s before the nesting
 * limit).
 */
#include "config.h"
#include "engine.h"
#include "rules.h"

#include <mailsift/sweep.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[32], base_dir[64], both_dir[64], words_dir[96], site[96], fuzz_rules[96];
static char words[128];

static const char base_ruleset[] = "categories:\n"
                                   "  - name: pci\n"
                                   "    action: reject\n"
                                   "  - name: demo\n"
                                   "    threshold: 2\n"
                                   "headers: [Sensitivity]\n"
                                   "rules:\n"
                                   "  - id: demo.secret\n"
                                   "    category: demo\n"
                                   "    pattern: 'secret'\n"
                                   "    flags: [caseless, word]\n";

typedef struct seen {
    const char *path;
    size_t size;
    unsigned errors;
} seen;

static void on_error(void *ctx, const ms_error *e)
{
    seen *s = ctx;
    s->errors++;
    if (!e->msg[0] || e->code == MS_OK)
        abort();
    if (strcmp(e->file, s->path) == 0 && e->line > s->size + 1)
        abort();
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        abort();
}

static void cleanup(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/base.yaml", base_dir);
    remove(path);
    snprintf(path, sizeof path, "%s/base.yaml", both_dir);
    remove(path);
    remove(words);
    rmdir(words_dir);
    remove(fuzz_rules);
    remove(site);
    rmdir(base_dir);
    rmdir(both_dir);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[256];
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/fuzz_config-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(base_dir, sizeof base_dir, "%s/base", dir);
    snprintf(both_dir, sizeof both_dir, "%s/both", dir);
    snprintf(site, sizeof site, "%s/mailsift.yaml", dir);
    snprintf(fuzz_rules, sizeof fuzz_rules, "%s/fuzz.yaml", both_dir);
    snprintf(words_dir, sizeof words_dir, "%s/words", both_dir);
    snprintf(words, sizeof words, "%s/demo.txt", words_dir);
    if (mkdir(base_dir, 0700) != 0 || mkdir(both_dir, 0700) != 0 || mkdir(words_dir, 0700) != 0)
        abort();
    /* for `words: words/demo.txt` */
    write_file(words, "# demo\nsecret\ntop secret\nre:s[e3]cr[e3]t\n",
               strlen("# demo\nsecret\ntop secret\nre:s[e3]cr[e3]t\n"));
    snprintf(path, sizeof path, "%s/base.yaml", base_dir);
    write_file(path, base_ruleset, strlen(base_ruleset));
    snprintf(path, sizeof path, "%s/base.yaml", both_dir);
    write_file(path, base_ruleset, strlen(base_ruleset));
    atexit(cleanup);
    return 0;
}

/* bare_engine - what ms_engine_create() sets up before it loads files */
static ms_engine *bare_engine(void)
{
    ms_engine *eng = calloc(1, sizeof *eng);
    if (!eng)
        abort();
    atomic_init(&eng->refs, 1);
    ms_limits_default(&eng->limits);
    ms_attach_conf_init(&eng->attach);
    int u = ms_engine_add_category(eng, MS_CATEGORY_UNSCANNABLE, "unscannable", 0,
                                   MS_ACTION_QUARANTINE);
    if (u < 0)
        abort();
    eng->cat_unscannable = (unsigned)u;
    return eng;
}

static void load_rules(ms_engine *eng, const char *rules_dir, seen *s)
{
    ms_error first = {0};
    unsigned nerrors = 0;
    unsigned before = s->errors;
    bool ok = ms_rules_load_dir(eng, rules_dir, on_error, s, &first, &nerrors);
    if (ok != (nerrors == 0) || nerrors != s->errors - before)
        abort();
}

static void fuzz_site_config(const uint8_t *data, size_t size)
{
    seen s = {site, size, 0};
    ms_engine *eng = bare_engine();
    ms_error first = {0};
    unsigned nerrors = 0;

    write_file(site, data, size);
    load_rules(eng, base_dir, &s);
    if (s.errors) /* the fixed ruleset must load */
        abort();
    bool ok = ms_config_load(eng, site, on_error, &s, &first, &nerrors);
    if (ok != (nerrors == 0) || nerrors != s.errors || (nerrors && !first.msg[0]))
        abort();
    ms_engine_destroy(eng);

    ms_sweep_limits sl;
    ms_error err = {0};
    s.errors = 0;
    int rc = ms_sweep_limits_load(site, &sl, on_error, &s, &err);
    if ((rc == MS_OK) != (s.errors == 0) || sl.nnamed > MS_SWEEP_FOLDER_NAMES_MAX)
        abort();
}

static void fuzz_ruleset(const uint8_t *data, size_t size)
{
    seen s = {fuzz_rules, size, 0};
    ms_engine *eng = bare_engine();

    write_file(fuzz_rules, data, size);
    load_rules(eng, both_dir, &s);
    for (unsigned i = 0; i < eng->nrules; i++)
        if (!eng->rules[i].id || eng->rules[i].category >= eng->ncats)
            abort();
    ms_engine_destroy(eng);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_ruleset(data + 1, size - 1);
    else
        fuzz_site_config(data + 1, size - 1);
    return 0;
}
