/*
 * baseline.c - the engine's rules through PCRE2 with JIT, as a yardstick
 *
 * What a scanner without Hyperscan would do: compile each rule on its own
 * (pcre2_compile + pcre2_jit_compile) and run every rule over the text,
 * finding all its matches (each search starts where the last match ended,
 * as pcre2grep does). Hyperscan patterns are a subset of PCRE syntax, and
 * the flags map one to one: caseless, dotall, multiline, utf8 (with
 * PCRE2_MATCH_INVALID_UTF, because a part whose charset lied is scanned as
 * raw bytes), ucp; single-match stops a rule after its first match in a
 * text. A rule PCRE2 refuses is skipped and counted, never guessed at.
 *
 * The counts differ from Hyperscan's by design: Hyperscan reports every end
 * offset of a match, PCRE2 non-overlapping leftmost matches. Both are
 * printed so that a rule that matches in one engine only stands out.
 *
 * BUGS: Hyperscan-only flags (combination, quiet, prefilter, leftmost start)
 * are not emulated; rules using them are skipped.
 */
#include "bench.h"
#include "engine.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

/* JIT stack for deeply nested patterns; PCRE2's default is 32 KiB. */
#define BENCH_PCRE_JIT_STACK (1024 * 1024)

typedef struct pcre_rule {
    pcre2_code *code;
    bool jit, single;
} pcre_rule;

struct bench_pcre {
    pcre_rule *rules;
    unsigned nrules, compiled, jit, skipped;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *stack;
    char first_error[300];
};

/* PCRE2 options for Hyperscan flags; false if a flag has no equivalent. */
static bool map_flags(unsigned hs, uint32_t *opts, bool *single)
{
    const unsigned known = HS_FLAG_CASELESS | HS_FLAG_DOTALL | HS_FLAG_MULTILINE |
                           HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_ALLOWEMPTY;

    *opts = 0;
    *single = (hs & HS_FLAG_SINGLEMATCH) != 0;
    if (hs & HS_FLAG_CASELESS)
        *opts |= PCRE2_CASELESS;
    if (hs & HS_FLAG_DOTALL)
        *opts |= PCRE2_DOTALL;
    if (hs & HS_FLAG_MULTILINE)
        *opts |= PCRE2_MULTILINE;
    if (hs & HS_FLAG_UTF8)
        *opts |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (hs & HS_FLAG_UCP)
        *opts |= PCRE2_UCP;
    return (hs & ~known) == 0;
}

static void skip_rule(bench_pcre *p, const ms_rule *r, const char *why)
{
    if (p->skipped++ == 0)
        snprintf(p->first_error, sizeof p->first_error, "rule %s: %s", r->id, why);
}

static void compile_rule(bench_pcre *p, const ms_rule *r, pcre_rule *out)
{
    uint32_t opts;
    int code;
    PCRE2_SIZE off;
    char msg[200];

    if (!map_flags(r->hs_flags, &opts, &out->single)) {
        skip_rule(p, r, "Hyperscan-only flag");
        return;
    }
    out->code =
        pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
    if (!out->code) {
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
        skip_rule(p, r, msg);
        return;
    }
    p->compiled++;
    out->jit = pcre2_jit_compile(out->code, PCRE2_JIT_COMPLETE) == 0;
    p->jit += out->jit;
}

bench_pcre *bench_pcre_create(const ms_engine *eng)
{
    bench_pcre *p = calloc(1, sizeof *p);

    if (!p)
        return NULL;
    p->nrules = eng->nrules;
    p->rules = calloc(eng->nrules ? eng->nrules : 1, sizeof *p->rules);
    p->md = pcre2_match_data_create(32, NULL);
    p->mctx = pcre2_match_context_create(NULL);
    p->stack = pcre2_jit_stack_create(32 * 1024, BENCH_PCRE_JIT_STACK, NULL);
    if (!p->rules || !p->md || !p->mctx || !p->stack) {
        bench_pcre_destroy(p);
        return NULL;
    }
    pcre2_jit_stack_assign(p->mctx, NULL, p->stack);
    for (unsigned i = 0; i < eng->nrules; i++)
        compile_rule(p, &eng->rules[i], &p->rules[i]);
    return p;
}

void bench_pcre_destroy(bench_pcre *p)
{
    if (!p)
        return;
    for (unsigned i = 0; p->rules && i < p->nrules; i++)
        pcre2_code_free(p->rules[i].code);
    free(p->rules);
    pcre2_match_data_free(p->md);
    pcre2_match_context_free(p->mctx);
    pcre2_jit_stack_free(p->stack);
    free(p);
}

static uint64_t scan_rule(bench_pcre *p, const pcre_rule *r, const char *text, size_t len)
{
    PCRE2_SPTR s = (PCRE2_SPTR)text;
    PCRE2_SIZE off = 0;
    uint64_t n = 0;

    while (off <= len) {
        int rc = r->jit ? pcre2_jit_match(r->code, s, len, off, 0, p->md, p->mctx)
                        : pcre2_match(r->code, s, len, off, 0, p->md, p->mctx);
        if (rc < 0)
            break; /* no match, or a match limit: stop this rule here */
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
        n++;
        if (r->single)
            break;
        off = ov[1] > off ? ov[1] : off + 1;
    }
    return n;
}

uint64_t bench_pcre_scan(bench_pcre *p, const char *text, size_t len)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < p->nrules; i++)
        if (p->rules[i].code)
            n += scan_rule(p, &p->rules[i], text, len);
    return n;
}

void bench_pcre_counts(const bench_pcre *p, unsigned *compiled, unsigned *jit, unsigned *skipped,
                       const char **first_error)
{
    *compiled = p->compiled;
    *jit = p->jit;
    *skipped = p->skipped;
    *first_error = p->first_error;
}
