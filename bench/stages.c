/*
 * stages.c - the stages ms_bench measures, one pass function each
 *
 *   (a) MIME decoding alone: ms_scan with matching off (scan_internal.h),
 *       every part still decoded, converted to UTF-8 and HTML flattened
 *   (b) Hyperscan alone: the text the rules see, collected beforehand
 *       through the MS_TAP_TEXT tap, scanned with the engine's database,
 *       one stream per text part in the engine's 64 KiB batches
 *   (c) end to end: ms_scan_feed of the whole message, ms_scan_finish
 *   (d) PCRE2 baseline over the same collected text (baseline.c)
 *
 * The scan passes count allocations around each message after the
 * warm-up pass, so a per-message allocation shows up as a non-zero count.
 * Nothing here allocates inside a timed pass.
 */
#include "bench.h"
#include "engine.h"
#include "scan_internal.h"

#include <stdio.h>

/* The engine scans a text stream in batches of this size (scan.c). */
#define BENCH_HS_BATCH 65536

/* ---- collecting the text the rules see --------------------------------- */

static void on_tap(void *ctx, ms_tap_stage stage, const ms_part_info *part, const void *data,
                   size_t len)
{
    bench_text *t = ctx;

    if (stage == MS_TAP_TEXT && len)
        bench_text_add(t, data, len);
    else if (stage == MS_TAP_PART_END && part->is_text) {
        bench_text_add(t, "\n", 1); /* scan.c ends every text stream so */
        bench_text_close(t);
    }
}

void bench_collect_text(ms_scan *scan, const bench_set *set, bench_text *out)
{
    const ms_result *res;

    ms_scan_set_tap(scan, on_tap, out);
    for (size_t i = 0; i < set->nmsgs; i++) {
        ms_scan_reset(scan);
        ms_scan_feed(scan, set->msgs[i].data, set->msgs[i].len);
        ms_scan_finish(scan, &res);
        bench_text_close(out);
    }
    ms_scan_set_tap(scan, NULL, NULL);
    ms_scan_reset(scan);
}

/* ---- (a), (c): whole messages through a scan --------------------------- */

typedef struct scan_pass {
    ms_scan *scan;
    const bench_set *set;
    bench_scan_stats *st;
} scan_pass;

static void tally(bench_scan_stats *st, const ms_result *res)
{
    if (res->verdict <= MS_ACTION_REJECT)
        st->verdicts[res->verdict]++;
    st->findings += res->nfindings;
    st->text_parts += res->text_parts;
    st->text_bytes += res->text_bytes;
    st->anomalous += res->anomalies != 0;
}

static void run_scan_pass(void *ctx, bool warmup)
{
    scan_pass *c = ctx;
    const ms_result *res;

    for (size_t i = 0; i < c->set->nmsgs; i++) {
        const bench_msg *m = &c->set->msgs[i];
        uint64_t a0 = bench_allocs();
        ms_scan_reset(c->scan);
        int rc = ms_scan_feed(c->scan, m->data, m->len);
        int rc2 = ms_scan_finish(c->scan, &res);
        if (warmup) {
            c->st->errors += rc != MS_OK || rc2 != MS_OK;
            tally(c->st, res);
        } else {
            uint64_t n = bench_allocs() - a0;
            c->st->allocs += n;
            c->st->alloc_msgs += n != 0;
            if (n && c->st->passes == 0 && c->st->nexamples < 3) {
                c->st->example[c->st->nexamples] = i;
                c->st->example_allocs[c->st->nexamples++] = n;
            }
        }
    }
    c->st->passes += !warmup;
}

void bench_stage_scan(ms_scan *scan, const bench_set *set, unsigned runs, double min_s,
                      bench_measure *m, bench_scan_stats *st)
{
    scan_pass c = {scan, set, st};

    m->bytes = set->bytes;
    m->msgs = set->nmsgs;
    bench_measure_run(m, run_scan_pass, &c, runs, min_s);
}

/* ---- (b): Hyperscan over the collected text ---------------------------- */

typedef struct hs_pass {
    hs_scratch_t *scratch;
    hs_stream_t *stream;
    const bench_text *text;
    uint64_t matches;
    hs_error_t err;
} hs_pass;

static int count_match(unsigned int id, unsigned long long from, unsigned long long to,
                       unsigned int flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    ++*(uint64_t *)ctx;
    return 0;
}

static void run_hs_pass(void *ctx, bool warmup)
{
    hs_pass *c = ctx;
    uint64_t n = 0;

    (void)warmup;
    for (size_t i = 0; i < c->text->nseg && c->err == HS_SUCCESS; i++) {
        const char *p = c->text->buf + c->text->seg[i];
        size_t len = bench_text_seglen(c->text, i);
        for (size_t off = 0; off < len && c->err == HS_SUCCESS; off += BENCH_HS_BATCH) {
            size_t k = len - off < BENCH_HS_BATCH ? len - off : BENCH_HS_BATCH;
            c->err =
                hs_scan_stream(c->stream, p + off, (unsigned)k, 0, c->scratch, count_match, &n);
        }
        if (c->err == HS_SUCCESS) /* end of the part: end-anchored matches, fresh state */
            c->err = hs_reset_stream(c->stream, 0, c->scratch, count_match, &n);
    }
    c->matches = n;
}

int bench_stage_hs(const ms_engine *eng, const bench_text *t, size_t msgs, unsigned runs,
                   double min_s, bench_measure *m, uint64_t *matches)
{
    return bench_stage_hs_db(eng->db, t, msgs, runs, min_s, m, matches);
}

int bench_stage_hs_db(const hs_database_t *db, const bench_text *t, size_t msgs, unsigned runs,
                      double min_s, bench_measure *m, uint64_t *matches)
{
    hs_pass c = {NULL, NULL, t, 0, HS_SUCCESS};

    if (hs_alloc_scratch(db, &c.scratch) != HS_SUCCESS ||
        hs_open_stream(db, 0, &c.stream) != HS_SUCCESS) {
        fprintf(stderr, "ms_bench: cannot allocate Hyperscan scratch or stream\n");
        hs_free_scratch(c.scratch);
        return -1;
    }
    m->bytes = t->len;
    m->msgs = msgs;
    bench_measure_run(m, run_hs_pass, &c, runs, min_s);
    hs_close_stream(c.stream, c.scratch, NULL, NULL);
    hs_free_scratch(c.scratch);
    *matches = c.matches;
    if (c.err != HS_SUCCESS)
        fprintf(stderr, "ms_bench: hs_scan_stream failed (%d)\n", c.err);
    return c.err == HS_SUCCESS ? 0 : -1;
}

/* ---- (b2): both stages of the text matcher over the collected text ----- */

typedef struct match_pass {
    ms_scan *scan;
    const bench_text *text;
    uint64_t findings;
} match_pass;

static void run_match_pass(void *ctx, bool warmup)
{
    match_pass *c = ctx;
    const ms_result *res;
    uint64_t n = 0;

    (void)warmup;
    for (size_t i = 0; i < c->text->nseg; i++) {
        size_t len = bench_text_seglen(c->text, i);
        ms_scan_reset(c->scan);
        /* the collected segment ends with the "\n" a scan adds itself */
        ms_scan_match_text(c->scan, c->text->buf + c->text->seg[i], len ? len - 1 : 0);
        ms_scan_finish(c->scan, &res);
        n += res->nfindings;
    }
    c->findings = n;
}

int bench_stage_match(ms_scan *scan, const bench_text *t, size_t msgs, unsigned runs, double min_s,
                      bench_measure *m, uint64_t *findings)
{
    match_pass c = {scan, t, 0};

    m->bytes = t->len;
    m->msgs = msgs;
    bench_measure_run(m, run_match_pass, &c, runs, min_s);
    ms_scan_reset(scan);
    *findings = c.findings;
    return 0;
}

/* ---- (d): PCRE2 over the collected text -------------------------------- */

typedef struct pcre_pass {
    bench_pcre *p;
    const bench_text *text;
    uint64_t matches;
} pcre_pass;

static void run_pcre_pass(void *ctx, bool warmup)
{
    pcre_pass *c = ctx;
    uint64_t n = 0;

    (void)warmup;
    for (size_t i = 0; i < c->text->nseg; i++)
        n += bench_pcre_scan(c->p, c->text->buf + c->text->seg[i], bench_text_seglen(c->text, i));
    c->matches = n;
}

void bench_stage_pcre(bench_pcre *p, const bench_text *t, size_t msgs, unsigned runs, double min_s,
                      bench_measure *m, uint64_t *matches)
{
    pcre_pass c = {p, t, 0};

    m->bytes = t->len;
    m->msgs = msgs;
    bench_measure_run(m, run_pcre_pass, &c, runs, min_s);
    *matches = c.matches;
}
