/*
 * yara_rules.c - the site's YARA rules (rulesets/NAME.yar) over attachments
 *
 * Every *.yar file of the rules directory (sorted by name) is compiled
 * once, when the engine is built; the compiled rules are shared read-only
 * by all scans, each of which owns a YR_SCANNER. Each attachment and
 * archive member (its first max_bytes) is scanned; a matching rule makes a
 * finding whose rule is the YARA rule's name and whose category is the
 * rule's `meta: category = "..."` (default `attachment`), described by its
 * `meta: description`. A category no ruleset defines is an error at
 * compile time, naming the file and line of the rule.
 *
 * Compile errors are reported like the YAML rulesets' (file:line: message)
 * through the engine's error callback, so `mailsift rules check` lists them
 * all. Warnings (slow rules) are not errors.
 *
 * With a cache directory the compiled rules are kept there as
 * yara-KEY.bin, KEY a hash of YARA's version and every file's name and
 * bytes, so a start with unchanged files loads them (0.05 ms for the
 * shipped file, against 2.5 ms to compile it; a site's large rule set
 * takes seconds). Files that use `include` are compiled every time: the
 * key does not cover the files they name.
 *
 * BUGS: yr_initialize() is process-wide and reference counted by YARA;
 * external variables are not set (a rule using one does not compile).
 */
#include "yara_rules.h"
#include "attach.h"
#include "engine.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

/* A rule file larger than this is compiled every time. */
#define MS_YARA_CACHE_FILE_MAX (64u << 20)
#define MS_YARA_CACHE_PATH     4200 /* bytes of a cache file's path */

typedef struct compile_ctx {
    ms_error_fn fn;
    void *ctx;
    ms_error *first;
    unsigned *nerrors;
} compile_ctx;

static void report_code(compile_ctx *c, int code, const char *file, unsigned line, const char *msg)
{
    ms_error e;
    ms_error_set(&e, code, file, line, "%s", msg);
    if (c->fn)
        c->fn(c->ctx, &e);
    if ((*c->nerrors)++ == 0)
        *c->first = e;
}

static void report(compile_ctx *c, const char *file, unsigned line, const char *msg)
{
    report_code(c, MS_ERR_RULES, file, line, msg);
}

static void on_compile(int level, const char *file, int line, const YR_RULE *rule, const char *msg,
                       void *user)
{
    char m[256];
    (void)rule;
    if (level != YARA_ERROR_LEVEL_ERROR)
        return;
    snprintf(m, sizeof m, "YARA: %s", msg);
    report(user, file ? file : "", line > 0 ? (unsigned)line : 0, m);
}

static int yar_file(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".yar") == 0;
}

/* Line of "rule NAME" in the files, for an error about a compiled rule. */
static unsigned rule_line(char **paths, int n, const char *name, const char **file)
{
    char line[1024];
    size_t k = strlen(name);
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "r");
        unsigned no = 0;
        if (!f)
            continue;
        while (fgets(line, sizeof line, f)) {
            no++;
            char *r = strstr(line, "rule ");
            if (r && strncmp(r + 5, name, k) == 0 &&
                (r[5 + k] == ' ' || r[5 + k] == '{' || r[5 + k] == ':' || r[5 + k] == '\n')) {
                fclose(f);
                *file = paths[i];
                return no;
            }
        }
        fclose(f);
    }
    *file = "";
    return 0;
}

static bool check_categories(ms_engine *eng, YR_RULES *rules, char **paths, int n, compile_ctx *c)
{
    YR_RULE *rule;
    YR_META *meta;
    bool ok = true;

    yr_rules_foreach(rules, rule)
    {
        yr_rule_metas_foreach(rule, meta)
        {
            if (strcmp(meta->identifier, "category") != 0)
                continue;
            if (meta->type != META_TYPE_STRING || ms_engine_category(eng, meta->string) < 0) {
                const char *file;
                char m[256];
                unsigned line = rule_line(paths, n, rule->identifier, &file);
                snprintf(m, sizeof m, "YARA rule %s: category \"%s\" is not defined by any ruleset",
                         rule->identifier, meta->type == META_TYPE_STRING ? meta->string : "?");
                report(c, file, line, m);
                ok = false;
            }
        }
    }
    return ok;
}

/* The cache file of the n files: CACHE_DIR/yara-KEY.bin. False (no
 * cache) when a file cannot be read, holds a NUL byte or uses `include`. */
static bool cache_path(const char *cache_dir, char **paths, int n, char *out, size_t cap)
{
    uint64_t h[2] = {1469598103934665603ULL, 0x84222325cbf29ce4ULL};
    static const char version[] = "mailsift yara 1 " YR_VERSION;

    ms_hash_mix(h, version, sizeof version);
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        struct stat st;
        char *text = NULL;
        bool ok = f && fstat(fileno(f), &st) == 0 && st.st_size >= 0 &&
                  (size_t)st.st_size < MS_YARA_CACHE_FILE_MAX &&
                  (text = ms_malloc((size_t)st.st_size + 1)) &&
                  fread(text, 1, (size_t)st.st_size, f) == (size_t)st.st_size;
        if (ok) {
            text[st.st_size] = '\0';
            ok = strlen(text) == (size_t)st.st_size && !strstr(text, "include");
            ms_hash_mix(h, paths[i], strlen(paths[i]) + 1);
            ms_hash_mix(h, text, (size_t)st.st_size + 1);
        }
        free(text);
        if (f)
            fclose(f);
        if (!ok)
            return false;
    }
    int len = snprintf(out, cap, "%s/yara-%016llx%016llx.bin", cache_dir, (unsigned long long)h[0],
                       (unsigned long long)h[1]);
    return len > 0 && (size_t)len < cap;
}

/* Keep rules in the cache, atomically (a reader sees the old file, none,
 * or the whole new one). Failing is harmless: the next start compiles. */
static void cache_store(YR_RULES *rules, const char *cache_dir, const char *path)
{
    char tmp[MS_YARA_CACHE_PATH + 32];

    if (mkdir(cache_dir, 0700) != 0 && errno != EEXIST)
        return;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (yr_rules_save(rules, tmp) != ERROR_SUCCESS || rename(tmp, path) != 0)
        unlink(tmp);
}

bool ms_yara_compile(ms_engine *eng, const char *dir, const char *cache_dir, ms_error_fn fn,
                     void *ctx, ms_error *first, unsigned *nerrors)
{
    compile_ctx c = {fn, ctx, first, nerrors};
    struct dirent **list = NULL;
    int n = scandir(dir, &list, yar_file, alphasort);
    char **paths = NULL, cpath[MS_YARA_CACHE_PATH];
    YR_COMPILER *comp = NULL;
    bool ok = false, cached = false;
    unsigned errors = 0;

    if (n <= 0) {
        free(list);
        return true; /* no YARA rules: nothing to do */
    }
    paths = ms_calloc((size_t)n, sizeof *paths);
    if (!paths || yr_initialize() != ERROR_SUCCESS)
        goto nomem;
    eng->yara_initialized = true;
    for (int i = 0; i < n; i++) {
        size_t plen = strlen(dir) + strlen(list[i]->d_name) + 2;
        if (!(paths[i] = ms_malloc(plen)))
            goto nomem;
        snprintf(paths[i], plen, "%s/%s", dir, list[i]->d_name);
    }
    cached = cache_dir && cache_dir[0] && cache_path(cache_dir, paths, n, cpath, sizeof cpath);
    if (cached && yr_rules_load(cpath, &eng->yara) == ERROR_SUCCESS) {
        eng->yara_from_cache = true;
        ok = check_categories(eng, eng->yara, paths, n, &c);
        YR_RULE *rule;
        yr_rules_foreach(eng->yara, rule) eng->yara_rules++;
        eng->yara_files = (unsigned)n;
        goto out;
    }
    eng->yara = NULL;
    if (yr_compiler_create(&comp) != ERROR_SUCCESS)
        goto nomem;
    yr_compiler_set_callback(comp, on_compile, &c);
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "r");
        if (!f) {
            report(&c, paths[i], 0, "cannot open YARA rules");
            errors++;
            continue;
        }
        errors += (unsigned)yr_compiler_add_file(comp, f, NULL, paths[i]);
        fclose(f);
        if (errors)
            break; /* YARA's compiler cannot take more files after an error */
    }
    if (errors == 0) {
        YR_RULES *rules = NULL;
        if (yr_compiler_get_rules(comp, &rules) != ERROR_SUCCESS)
            goto nomem;
        eng->yara = rules;
        ok = check_categories(eng, rules, paths, n, &c);
        if (ok && cached)
            cache_store(rules, cache_dir, cpath);
        YR_RULE *rule;
        yr_rules_foreach(rules, rule) eng->yara_rules++;
        eng->yara_files = (unsigned)n;
    }
    goto out;
nomem:
    report_code(&c, MS_ERR_NOMEM, dir, 0, "out of memory compiling YARA rules");
out:
    if (comp)
        yr_compiler_destroy(comp);
    for (int i = 0; i < n; i++) {
        free(list[i]);
        if (paths)
            free(paths[i]);
    }
    free(list);
    free(paths);
    return ok;
}

void ms_yara_free(ms_engine *eng)
{
    if (eng->yara)
        yr_rules_destroy(eng->yara);
    eng->yara = NULL;
    if (eng->yara_initialized)
        yr_finalize();
    eng->yara_initialized = false;
}

void *ms_yara_scanner_create(const ms_engine *eng)
{
    YR_SCANNER *sc = NULL;
    if (!eng->yara || yr_scanner_create(eng->yara, &sc) != ERROR_SUCCESS)
        return NULL;
    return sc;
}

void ms_yara_scanner_destroy(void *scanner)
{
    if (scanner)
        yr_scanner_destroy(scanner);
}

typedef struct scan_ctx {
    ms_attach *a;
    const ms_attach_obj *o;
} scan_ctx;

static int on_scan(YR_SCAN_CONTEXT *context, int message, void *data, void *user)
{
    scan_ctx *c = user;
    YR_RULE *rule = data;
    YR_META *meta;
    const char *cat = "attachment", *desc = "A YARA rule of the site matched";

    (void)context;
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    yr_rule_metas_foreach(rule, meta)
    {
        if (meta->type != META_TYPE_STRING)
            continue;
        if (strcmp(meta->identifier, "category") == 0)
            cat = meta->string;
        else if (strcmp(meta->identifier, "description") == 0)
            desc = meta->string;
    }
    ms_attach_finding(c->a, cat, rule->identifier, desc, c->o, rule->identifier);
    return CALLBACK_CONTINUE;
}

void ms_yara_scan(ms_attach *a, void *scanner, const ms_attach_obj *o)
{
    const ms_attach_limits *l = ms_attach_get_limits(a);
    scan_ctx c = {a, o};
    int secs = (int)(l->time_ms / 1000) + 1;

    yr_scanner_set_callback(scanner, on_scan, &c);
    yr_scanner_set_timeout(scanner, secs);
    yr_scanner_set_flags(scanner, SCAN_FLAGS_FAST_MODE);
    int r = yr_scanner_scan_mem(scanner, o->data, o->len);
    if (r == ERROR_SCAN_TIMEOUT)
        ms_attach_finding(a, NULL, "limit.time",
                          "YARA rules took longer than the time limit on an attachment", o, NULL);
}
