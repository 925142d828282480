/*
 * engine.c - build, share and free the compiled engine
 */
#include "engine.h"
#include "clam.h"
#include "config.h"
#include "exprinfo.h"
#include "match.h"
#include "rules.h"
#include "util.h"
#include "yara_rules.h"

#include <stdlib.h>
#include <string.h>

void ms_parts_free(ms_parts *p)
{
    for (unsigned i = 0; i < p->n; i++)
        free(p->s[i]);
    free(p->s);
    p->s = NULL;
    p->n = 0;
}

void ms_rule_free(ms_rule *r)
{
    free(r->id);
    free(r->description);
    free(r->pattern);
    free(r->file);
    free(r->anchor);
    free(r->anchor_text);
    hs_free_database(r->vdb);
    ms_parts_free(&r->parts);
    ms_parts_free(&r->anchor_parts);
}

static void free_engine(ms_engine *eng)
{
    for (unsigned i = 0; i < eng->nrules; i++)
        ms_rule_free(&eng->rules[i]);
    free(eng->rules);
    for (unsigned i = 0; i < eng->ncats; i++) {
        free(eng->cats[i].name);
        free(eng->cats[i].description);
        free(eng->cats[i].file);
    }
    free(eng->cats);
    for (unsigned i = 0; i < eng->nheaders; i++)
        free(eng->headers[i]);
    free(eng->headers);
    hs_free_scratch(eng->scratch);
    hs_free_scratch(eng->vscratch);
    hs_free_database(eng->db);
    ms_yara_free(eng);
    ms_clam_engine_destroy(eng->clam);
    ms_attach_conf_fini(&eng->attach);
    ms_policy_conf_free(&eng->policy);
    free(eng);
}

/* Leave the named rules out of the engine (rule benchmarks). */
static bool disable_rules(ms_engine *eng, const char *const *ids, ms_error_fn fn, void *ctx,
                          ms_error *first, unsigned *nerrors)
{
    bool ok = true;
    for (; *ids; ids++) {
        unsigned i = 0;
        while (i < eng->nrules && strcmp(eng->rules[i].id, *ids) != 0)
            i++;
        if (i == eng->nrules) {
            ms_error e;
            ms_error_set(&e, MS_ERR_RULES, "", 0, "no rule \"%s\" to leave out", *ids);
            if (fn)
                fn(ctx, &e);
            if ((*nerrors)++ == 0)
                *first = e;
            ok = false;
            continue;
        }
        ms_rule_free(&eng->rules[i]);
        memmove(&eng->rules[i], &eng->rules[i + 1], (eng->nrules - i - 1) * sizeof *eng->rules);
        eng->nrules--;
    }
    return ok;
}

/* Every error on its way to the caller's callback: an allocation that
 * failed is the error to return, whatever it made fail after it (a
 * category left out is "unknown category" to every rule of it). */
typedef struct error_tap {
    ms_error_fn fn;
    void *ctx;
    ms_error nomem; /* the first MS_ERR_NOMEM */
} error_tap;

static void tap_error(void *ctx, const ms_error *e)
{
    error_tap *t = ctx;
    if (e->code == MS_ERR_NOMEM && t->nomem.code == MS_OK)
        t->nomem = *e;
    if (t->fn)
        t->fn(t->ctx, e);
}

int ms_engine_create(const ms_engine_opts *opts, ms_engine **out, ms_error *err)
{
    ms_error first = {0};
    unsigned nerrors = 0;
    ms_engine *eng;
    error_tap tap = {0};

    *out = NULL;
    if (!opts || !opts->rules_dir) {
        ms_error_set(err, MS_ERR_MISUSE, "", 0, "no rules directory given");
        return MS_ERR_MISUSE;
    }
    eng = ms_calloc(1, sizeof *eng);
    if (!eng) {
        ms_error_set(err, MS_ERR_NOMEM, "", 0, "out of memory");
        return MS_ERR_NOMEM;
    }
    atomic_init(&eng->refs, 1);
    ms_limits_default(&eng->limits);
    ms_attach_conf_init(&eng->attach);
    int u = ms_engine_add_category(eng, MS_CATEGORY_UNSCANNABLE,
                                   "Content that could not be scanned (a limit was reached)", 0,
                                   MS_ACTION_QUARANTINE);
    if (u < 0) {
        free_engine(eng);
        ms_error_set(err, MS_ERR_NOMEM, "", 0, "out of memory");
        return MS_ERR_NOMEM;
    }
    eng->cat_unscannable = (unsigned)u;
    if (ms_engine_add_category(eng, MS_CATEGORY_UNSCANNABLE_ATTACHMENT,
                               "An attachment recognised but not opened or not read to its end "
                               "(damaged, an unsupported method)",
                               0, MS_ACTION_TAG) < 0) {
        free_engine(eng);
        ms_error_set(err, MS_ERR_NOMEM, "", 0, "out of memory");
        return MS_ERR_NOMEM;
    }

    tap.fn = opts->on_error;
    tap.ctx = opts->on_error_ctx;
    /* after an error the next steps run all the same, to report theirs
     * (`rules check` lists every error at once), but not out of memory */
    eng->exprinfo = ms_exprinfo_open(opts->cache_dir);
    bool ok = ms_rules_load_dir(eng, opts->rules_dir, tap_error, &tap, &first, &nerrors);
    if (ok && opts->disabled_rules)
        ok = disable_rules(eng, opts->disabled_rules, tap_error, &tap, &first, &nerrors);
    if (opts->config_path && !tap.nomem.code)
        ok &= ms_config_load(eng, opts->config_path, tap_error, &tap, &first, &nerrors);
    if (ok)
        ok = ms_match_compile(eng, opts->cache_dir, tap_error, &tap, &first, &nerrors);
    ms_exprinfo_close(eng->exprinfo, ok && !tap.nomem.code);
    eng->exprinfo = NULL;
    /* YARA after the YAML rulesets: its rules name their categories */
    if (!tap.nomem.code)
        ok &= ms_yara_compile(eng, opts->rules_dir, opts->cache_dir, tap_error, &tap, &first,
                              &nerrors);
    /* libclamav (clam.c) with the configured limits: ~1 ms, no signatures */
    if (ok && !nerrors && !tap.nomem.code && !(eng->clam = ms_clam_engine_create(&eng->attach)))
        ms_error_set(&tap.nomem, MS_ERR_NOMEM, "", 0, "out of memory creating libclamav's engine");
    if (tap.nomem.code) {
        first = tap.nomem;
        ok = false;
    }
    if (!ok || nerrors) {
        if (err)
            *err = first;
        int code = first.code ? first.code : MS_ERR_RULES;
        free_engine(eng);
        return code;
    }
    *out = eng;
    return MS_OK;
}

ms_engine *ms_engine_ref(ms_engine *eng)
{
    atomic_fetch_add(&eng->refs, 1);
    return eng;
}

void ms_engine_destroy(ms_engine *eng)
{
    if (eng && atomic_fetch_sub(&eng->refs, 1) == 1)
        free_engine(eng);
}

void ms_engine_get_info(const ms_engine *eng, ms_engine_info *info)
{
    memset(info, 0, sizeof *info);
    info->rules = eng->nrules;
    info->categories = eng->ncats;
    info->database_size = eng->db_size;
    info->stream_size = eng->stream_size;
    info->compile_ms = eng->compile_ms;
    info->from_cache = eng->from_cache;
    info->yara_from_cache = eng->yara_from_cache;
    info->yara_rules = eng->yara_rules;
    info->yara_files = eng->yara_files;
}

const char *ms_engine_rule_anchor(const ms_engine *eng, unsigned i, const char **id)
{
    *id = i < eng->nrules ? eng->rules[i].id : NULL;
    return i < eng->nrules ? eng->rules[i].anchor_text : NULL;
}
