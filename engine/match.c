/*
 * match.c - compile every text rule into one Hyperscan streaming database
 *
 * Each rule is first checked on its own with hs_expression_info() so that
 * every bad pattern is reported at its rule's file:line (hs_compile_multi
 * stops at the first). The expression id of a pattern is its rule index.
 */
#include "engine.h"
#include "util.h"

#include <stdlib.h>
#include <time.h>

static void report(ms_error_fn fn, void *ctx, ms_error *first, unsigned *nerrors, const ms_rule *r,
                   const char *what, const char *msg)
{
    ms_error e;
    ms_error_set(&e, MS_ERR_RULES, r ? r->file : "", r ? r->line : 0, "%s%s%s: %s",
                 r ? "rule " : "", r ? r->id : "", r ? " pattern" : what, msg);
    if (fn)
        fn(ctx, &e);
    if ((*nerrors)++ == 0)
        *first = e;
}

static bool check_each(ms_engine *eng, ms_error_fn fn, void *ctx, ms_error *first,
                       unsigned *nerrors)
{
    bool ok = true;
    for (unsigned i = 0; i < eng->nrules; i++) {
        const ms_rule *r = &eng->rules[i];
        hs_expr_info_t *info = NULL;
        hs_compile_error_t *cerr = NULL;

        if (hs_expression_info(r->pattern, r->hs_flags, &info, &cerr) != HS_SUCCESS) {
            report(fn, ctx, first, nerrors, r, "", cerr ? cerr->message : "does not compile");
            hs_free_compile_error(cerr);
            ok = false;
            continue;
        }
        if (info->min_width == 0) {
            report(fn, ctx, first, nerrors, r, "", "matches the empty string");
            ok = false;
        }
        free(info);
    }
    return ok;
}

bool ms_match_compile(ms_engine *eng, ms_error_fn fn, void *ctx, ms_error *first, unsigned *nerrors)
{
    const char **exprs;
    unsigned *flags, *ids;
    hs_compile_error_t *cerr = NULL;
    struct timespec t0, t1;
    bool ok = false;

    if (eng->nrules == 0) {
        report(fn, ctx, first, nerrors, NULL, "rulesets", "no rules defined");
        return false;
    }
    if (!check_each(eng, fn, ctx, first, nerrors))
        return false;
    exprs = calloc(eng->nrules, sizeof *exprs);
    flags = calloc(eng->nrules, sizeof *flags);
    ids = calloc(eng->nrules, sizeof *ids);
    if (exprs && flags && ids) {
        for (unsigned i = 0; i < eng->nrules; i++) {
            exprs[i] = eng->rules[i].pattern;
            flags[i] = eng->rules[i].hs_flags;
            ids[i] = i;
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (hs_compile_multi(exprs, flags, ids, eng->nrules, HS_MODE_STREAM, NULL, &eng->db,
                             &cerr) != HS_SUCCESS) {
            const ms_rule *r = cerr && cerr->expression >= 0 ? &eng->rules[cerr->expression] : NULL;
            report(fn, ctx, first, nerrors, r, "rulesets",
                   cerr ? cerr->message : "database does not compile");
            hs_free_compile_error(cerr);
        } else if (hs_alloc_scratch(eng->db, &eng->scratch) != HS_SUCCESS) {
            report(fn, ctx, first, nerrors, NULL, "rulesets", "cannot allocate scratch");
        } else {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            eng->compile_ms =
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
            hs_database_size(eng->db, &eng->db_size);
            hs_stream_size(eng->db, &eng->stream_size);
            ok = true;
        }
    }
    free(exprs);
    free(flags);
    free(ids);
    return ok;
}
