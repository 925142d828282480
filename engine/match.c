/*
 * match.c - compile every text rule into one Hyperscan streaming database
 *
 * Each rule is first checked on its own with hs_expression_info() so that
 * every bad pattern is reported at its rule's file:line (hs_compile_multi
 * stops at the first). The expression id of a pattern is its rule index.
 *
 * With a cache directory, the compiled database is serialised there under
 * a 128-bit key made of Hyperscan's version and every pattern, flag and id,
 * and loaded instead of compiled when the key matches (a daemon restart or
 * a `mailsift scan` pays ~0.5 s of compile otherwise). A cache file that
 * does not deserialise (another CPU, a damaged file) is ignored.
 */
#include "match.h"
#include "engine.h"
#include "exprinfo.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The stream database's expression for rule i: its anchors, or itself. */
static const char *stream_expr(const ms_rule *r, unsigned *flags)
{
    *flags = r->anchor ? r->hs_flags & HS_FLAG_CASELESS : r->hs_flags;
    return r->anchor ? r->anchor : r->pattern;
}

/* The expressions of rule r in the stream database (stream_expr, in its
 * parts when long) into out[] when out is not NULL; returns how many. */
static unsigned stream_exprs(const ms_rule *r, const char **out, unsigned *flags)
{
    const ms_parts *p = r->anchor ? &r->anchor_parts : &r->parts;
    unsigned f;
    const char *one = stream_expr(r, &f);

    for (unsigned k = 0; out && k < (p->n ? p->n : 1); k++) {
        out[k] = p->n ? p->s[k] : one;
        flags[k] = f;
    }
    return p->n ? p->n : 1;
}

/* Hyperscan's information on a pattern in parts (or whole when p->n is
 * 0): the least min_width and the most max_width of its parts. */
static hs_error_t parts_info(ms_exprinfo *xi, const char *whole, const ms_parts *p, unsigned flags,
                             unsigned *min_width, unsigned *max_width, hs_compile_error_t **cerr)
{
    *min_width = UINT_MAX;
    *max_width = 0;
    for (unsigned k = 0; k < (p->n ? p->n : 1); k++) {
        unsigned lo, hi;
        hs_error_t rc = ms_exprinfo_get(xi, p->n ? p->s[k] : whole, flags, &lo, &hi, cerr);
        if (rc != HS_SUCCESS)
            return rc;
        if (lo < *min_width)
            *min_width = lo;
        if (hi > *max_width)
            *max_width = hi;
    }
    return HS_SUCCESS;
}

/* The cache file for this rule set: DIR/hs-KEY.db. */
static void cache_path(const ms_engine *eng, const char *dir, char *out, size_t cap)
{
    uint64_t h[2] = {1469598103934665603ULL, 0x84222325cbf29ce4ULL};
    const char *v = hs_version();
    const unsigned part_bytes = MS_RULE_PART_BYTES; /* how long lists are cut */
    ms_hash_mix(h, v, strlen(v) + 1);
    ms_hash_mix(h, &part_bytes, sizeof part_bytes);
    for (unsigned i = 0; i < eng->nrules; i++) {
        unsigned flags;
        const char *e = stream_expr(&eng->rules[i], &flags);
        ms_hash_mix(h, e, strlen(e) + 1);
        ms_hash_mix(h, &flags, sizeof flags);
        ms_hash_mix(h, &i, sizeof i);
        if (eng->rules[i].anchor) { /* its verify database, cached beside */
            ms_hash_mix(h, eng->rules[i].pattern, strlen(eng->rules[i].pattern) + 1);
            ms_hash_mix(h, &eng->rules[i].hs_flags, sizeof eng->rules[i].hs_flags);
        }
    }
    snprintf(out, cap, "%s/hs-%016llx%016llx.db", dir, (unsigned long long)h[0],
             (unsigned long long)h[1]);
}

/* The cache file of rule i's verify database, beside the stream one. */
static void verify_path(const char *path, unsigned i, char *out, size_t cap)
{
    size_t n = strlen(path) - 3; /* without ".db" */
    snprintf(out, cap, "%.*s-v%u.db", (int)n, path, i);
}

static bool cache_load(hs_database_t **db, const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf = NULL;
    bool ok = false;

    if (!f)
        return false;
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && (size_t)st.st_size <= MS_MATCH_CACHE_MAX &&
        (buf = ms_malloc((size_t)st.st_size)) &&
        fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size)
        ok = hs_deserialize_database(buf, (size_t)st.st_size, db) == HS_SUCCESS;
    free(buf);
    fclose(f);
    return ok;
}

/* Write atomically: a reader sees the old file, none, or the whole new one. */
static void cache_store(const hs_database_t *db, const char *dir, const char *path)
{
    char *bytes = NULL, tmp[4200];
    size_t len = 0;
    FILE *f;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if ((f = fopen(tmp, "wb"))) {
        bool ok = fwrite(bytes, 1, len, f) == len;
        ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok &= fclose(f) == 0;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
    }
    free(bytes);
}

static void report_code(ms_error_fn fn, void *ctx, ms_error *first, unsigned *nerrors, int code,
                        const ms_rule *r, const char *what, const char *msg)
{
    ms_error e;
    ms_error_set(&e, code, r ? r->file : "", r ? r->line : 0, "%s%s%s: %s", r ? "rule " : "",
                 r ? r->id : "", r ? " pattern" : what, msg);
    if (fn)
        fn(ctx, &e);
    if ((*nerrors)++ == 0)
        *first = e;
}

static void report(ms_error_fn fn, void *ctx, ms_error *first, unsigned *nerrors, const ms_rule *r,
                   const char *what, const char *msg)
{
    report_code(fn, ctx, first, nerrors, MS_ERR_RULES, r, what, msg);
}

int ms_match_error_code(const hs_compile_error_t *cerr)
{
    /* "Unable to allocate memory.", "Could not allocate memory for bytecode." */
    return cerr && strstr(cerr->message, "allocate memory") ? MS_ERR_NOMEM : MS_ERR_RULES;
}

static bool check_each(ms_engine *eng, ms_error_fn fn, void *ctx, ms_error *first,
                       unsigned *nerrors)
{
    bool ok = true;
    for (unsigned i = 0; i < eng->nrules; i++) {
        const ms_rule *r = &eng->rules[i];
        hs_compile_error_t *cerr = NULL;
        unsigned min_width, max_width;

        if (parts_info(eng->exprinfo, r->pattern, &r->parts, r->hs_flags, &min_width, &max_width,
                       &cerr) != HS_SUCCESS) {
            report_code(fn, ctx, first, nerrors, ms_match_error_code(cerr), r, "",
                        cerr ? cerr->message : "does not compile");
            hs_free_compile_error(cerr);
            ok = false;
            continue;
        }
        if (min_width == 0) {
            report(fn, ctx, first, nerrors, r, "", "matches the empty string");
            ok = false;
        }
        if (r->anchor && max_width > MS_RULE_REACH_MAX) {
            char msg[160];
            if (max_width == UINT_MAX)
                snprintf(msg, sizeof msg,
                         "has anchors but no bounded length (bound every + and *, e.g. "
                         "[a-z]{1,30})");
            else
                snprintf(msg, sizeof msg, "has anchors but may match %u bytes (at most %d)",
                         max_width, MS_RULE_REACH_MAX);
            report(fn, ctx, first, nerrors, r, "", msg);
            ok = false;
        }
        if (r->anchor &&
            parts_info(eng->exprinfo, r->anchor, &r->anchor_parts, r->hs_flags & HS_FLAG_CASELESS,
                       &min_width, &max_width, &cerr) != HS_SUCCESS) {
            report_code(fn, ctx, first, nerrors, ms_match_error_code(cerr), r, "",
                        cerr ? cerr->message : "anchors do not compile");
            hs_free_compile_error(cerr);
            ok = false;
        } else if (r->anchor && min_width == 0) {
            report(fn, ctx, first, nerrors, r, "", "an anchor matches the empty string");
            ok = false;
        }
    }
    return ok;
}

/* The block-mode database of rule r: any one byte, then the pattern (each
 * of its parts, under one id). */
static hs_error_t compile_block(const ms_rule *r, hs_database_t **db, hs_compile_error_t **cerr)
{
    unsigned n = r->parts.n ? r->parts.n : 1;
    char **exprs = ms_calloc(n, sizeof *exprs);
    unsigned *flags = ms_calloc(n, sizeof *flags), *ids = ms_calloc(n, sizeof *ids);
    hs_error_t rc = exprs && flags && ids ? HS_SUCCESS : HS_NOMEM;

    *cerr = NULL;
    for (unsigned k = 0; rc == HS_SUCCESS && k < n; k++) {
        const char *p = r->parts.n ? r->parts.s[k] : r->pattern;
        if ((exprs[k] = ms_malloc(strlen(p) + 16)))
            sprintf(exprs[k], "(?s:.)(?:%s)", p);
        else
            rc = HS_NOMEM;
        flags[k] = r->hs_flags;
    }
    if (rc == HS_SUCCESS)
        rc = hs_compile_multi((const char *const *)exprs, flags, ids, n, HS_MODE_BLOCK, NULL, db,
                              cerr);
    for (unsigned k = 0; exprs && k < n; k++)
        free(exprs[k]);
    free(exprs);
    free(flags);
    free(ids);
    return rc;
}

/* compile_verify - the block-mode database of each two-stage rule: any
 * one byte (the text before the window, so that \b and ^ at its start see
 * what the stream sees), then the pattern; and the history a scan keeps.
 * With a cache (path: the stream database's file), each is loaded from
 * beside it or compiled and kept there: a start with unchanged rules must
 * not compile (the milter, and a test that builds many engines). */
static bool compile_verify(ms_engine *eng, const char *cache_dir, const char *path, ms_error_fn fn,
                           void *ctx, ms_error *first, unsigned *nerrors)
{
    char vpath[4200];

    size_t reach = 0;

    for (unsigned i = 0; i < eng->nrules; i++) {
        ms_rule *r = &eng->rules[i];
        hs_compile_error_t *cerr = NULL;
        unsigned min_width;

        if (!r->anchor)
            continue;
        if (r->reach == 0 && /* a word list's reach is known from its entries */
            parts_info(eng->exprinfo, r->pattern, &r->parts, r->hs_flags, &min_width, &r->reach,
                       &cerr) != HS_SUCCESS) {
            report_code(fn, ctx, first, nerrors, ms_match_error_code(cerr), r, "",
                        cerr ? cerr->message : "does not compile");
            hs_free_compile_error(cerr);
            return false;
        }
        if (r->reach > reach)
            reach = r->reach;
        if (path)
            verify_path(path, i, vpath, sizeof vpath);
        if (path && cache_load(&r->vdb, vpath)) {
            if (hs_alloc_scratch(r->vdb, &eng->vscratch) != HS_SUCCESS) {
                report_code(fn, ctx, first, nerrors, MS_ERR_NOMEM, r, "",
                            "cannot allocate scratch");
                return false;
            }
            continue;
        }
        hs_error_t rc = compile_block(r, &r->vdb, &cerr);
        if (rc != HS_SUCCESS || (rc = hs_alloc_scratch(r->vdb, &eng->vscratch)) != HS_SUCCESS) {
            report_code(fn, ctx, first, nerrors,
                        cerr             ? ms_match_error_code(cerr)
                        : rc == HS_NOMEM ? MS_ERR_NOMEM
                                         : MS_ERR_RULES,
                        r, "", cerr ? cerr->message : "cannot allocate scratch");
            hs_free_compile_error(cerr);
            return false;
        }
        if (path)
            cache_store(r->vdb, cache_dir, vpath);
    }
    eng->text_history = reach + 2 > MS_SCAN_HISTORY_MIN ? reach + 2 : MS_SCAN_HISTORY_MIN;
    return true;
}

/* The database is there: scratch and sizes. */
static bool finish_db(ms_engine *eng, const struct timespec *t0, ms_error_fn fn, void *ctx,
                      ms_error *first, unsigned *nerrors)
{
    struct timespec t1;

    hs_error_t rc = hs_alloc_scratch(eng->db, &eng->scratch);
    if (rc != HS_SUCCESS) {
        report_code(fn, ctx, first, nerrors, rc == HS_NOMEM ? MS_ERR_NOMEM : MS_ERR_RULES, NULL,
                    "rulesets", "cannot allocate scratch");
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    eng->compile_ms =
        (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
    hs_database_size(eng->db, &eng->db_size);
    hs_stream_size(eng->db, &eng->stream_size);
    return true;
}

/* The stream expressions of a set of rules, with their flags and rule ids
 * (Hyperscan's arrays), and how many rules gave them. */
typedef struct stream_set {
    const char **exprs;
    unsigned *flags, *ids;
    unsigned n, nrules;
} stream_set;

enum { SET_ALL, SET_DIRECT, SET_TWO_STAGE };

static bool in_set(const ms_rule *r, int which)
{
    return which == SET_ALL || (which == SET_TWO_STAGE) == (r->anchor != NULL);
}

/* stream_set_build - the expressions of the rules in set `which` into
 * *out (stream_set_free frees them). False out of memory. */
static bool stream_set_build(const ms_engine *eng, int which, stream_set *out)
{
    *out = (stream_set){0};
    for (unsigned i = 0; i < eng->nrules; i++)
        if (in_set(&eng->rules[i], which)) {
            out->n += stream_exprs(&eng->rules[i], NULL, NULL);
            out->nrules++;
        }
    out->exprs = ms_calloc(out->n ? out->n : 1, sizeof *out->exprs);
    out->flags = ms_calloc(out->n ? out->n : 1, sizeof *out->flags);
    out->ids = ms_calloc(out->n ? out->n : 1, sizeof *out->ids);
    if (!out->exprs || !out->flags || !out->ids)
        return false;
    for (unsigned i = 0, k = 0; i < eng->nrules; i++) {
        if (!in_set(&eng->rules[i], which))
            continue;
        unsigned m = stream_exprs(&eng->rules[i], out->exprs + k, out->flags + k);
        while (m--)
            out->ids[k++] = i;
    }
    return true;
}

static void stream_set_free(stream_set *s)
{
    free(s->exprs);
    free(s->flags);
    free(s->ids);
}

hs_error_t ms_match_compile_kind(const ms_engine *eng, bool two_stage, hs_database_t **db,
                                 unsigned *nrules)
{
    stream_set set;
    hs_compile_error_t *cerr = NULL;
    hs_error_t rc = HS_NOMEM;

    *db = NULL;
    if (stream_set_build(eng, two_stage ? SET_TWO_STAGE : SET_DIRECT, &set)) {
        rc = set.n == 0 ? HS_INVALID
                        : hs_compile_multi(set.exprs, set.flags, set.ids, set.n, HS_MODE_STREAM,
                                           NULL, db, &cerr);
        hs_free_compile_error(cerr);
    }
    *nrules = rc == HS_SUCCESS ? set.nrules : 0;
    stream_set_free(&set);
    return rc;
}

bool ms_match_compile(ms_engine *eng, const char *cache_dir, ms_error_fn fn, void *ctx,
                      ms_error *first, unsigned *nerrors)
{
    hs_compile_error_t *cerr = NULL;
    struct timespec t0;
    char path[4096];
    bool ok = false;

    if (eng->nrules == 0) {
        report(fn, ctx, first, nerrors, NULL, "rulesets", "no rules defined");
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (cache_dir && cache_dir[0]) {
        cache_path(eng, cache_dir, path, sizeof path);
        if (cache_load(&eng->db, path)) { /* these exact rules compiled before */
            eng->from_cache = true;
            return compile_verify(eng, cache_dir, path, fn, ctx, first, nerrors) &&
                   finish_db(eng, &t0, fn, ctx, first, nerrors);
        }
    }
    bool cached = cache_dir && cache_dir[0];
    if (!check_each(eng, fn, ctx, first, nerrors) ||
        !compile_verify(eng, cache_dir, cached ? path : NULL, fn, ctx, first, nerrors))
        return false;
    stream_set set;
    if (stream_set_build(eng, SET_ALL, &set)) {
        if (hs_compile_multi(set.exprs, set.flags, set.ids, set.n, HS_MODE_STREAM, NULL, &eng->db,
                             &cerr) != HS_SUCCESS) {
            const ms_rule *r =
                cerr && cerr->expression >= 0 ? &eng->rules[set.ids[cerr->expression]] : NULL;
            report_code(fn, ctx, first, nerrors, ms_match_error_code(cerr), r, "rulesets",
                        cerr ? cerr->message : "database does not compile");
            hs_free_compile_error(cerr);
        } else if ((ok = finish_db(eng, &t0, fn, ctx, first, nerrors)) && cache_dir &&
                   cache_dir[0]) {
            cache_store(eng->db, cache_dir, path);
        }
    } else {
        report_code(fn, ctx, first, nerrors, MS_ERR_NOMEM, NULL, "rulesets", "out of memory");
    }
    stream_set_free(&set);
    return ok;
}
