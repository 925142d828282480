/*
 * bench.c - ms_bench: what scanning costs, stage by stage, beside a baseline
 *
 *   ms_bench [--runs N] [--rules DIR] [--json] [--text FILE | --text-size MIB]
 *            [--split] [--min-time SECONDS] [CORPUS...]
 *   ms_bench [--rules DIR] [--json] --big-part GIB
 *   ms_bench [--rules DIR] --save-text FILE CORPUS
 *
 * For each CORPUS (a directory tree, an .eml file or an mbox, loaded into
 * memory first: file reading is not measured) it prints MB/s per core and
 * messages/s, single thread, median of N runs (default and minimum 5) with
 * min and max, for (a) MIME decoding alone, (b) the Hyperscan stage alone
 * over the collected text of every text part, (c) end to end, and (d) the
 * same rules through PCRE2 with JIT over the same text, with the
 * Hyperscan/PCRE2 ratio; then the allocations per message of (c) after a
 * warm-up pass. One stream of text (generated English prose, or --text
 * FILE) goes through (b) and (d) once; the target for (b) there is 1,500
 * MB/s. The process's peak RSS closes the report. --big-part scans one
 * message with a text part of GIB GiB instead. --save-text writes the
 * text the rules see in CORPUS (every decoded text part, each ending in a
 * newline, one after another) to FILE and measures nothing: given back as
 * --text FILE, that is real mail's text as one stream. --split measures
 * that stream's Hyperscan stage again with only the two-stage rules'
 * anchors in the database, then with only the direct rules, to show what
 * each kind of rule costs (the two add up to about the whole).
 *
 * As hsbench does, the baseline runs in the same process on the same
 * bytes, so the ratio holds even on a busy machine. Every figure printed
 * is measured in the run; nothing is carried over from elsewhere.
 *
 * Uses engine internals (engine.h for the Hyperscan database and the rule
 * patterns, scan_internal.h to switch matching off): a benchmark is the one
 * front end allowed to.
 */
#include "bench.h"
#include "engine.h"
#include "match.h"
#include "prose.h"
#include "scan_internal.h"

#include <getopt.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MS_DEFAULT_RULES_DIR
#define MS_DEFAULT_RULES_DIR "rulesets"
#endif

/* Plain English text for the Hyperscan stage when no --text is given. */
#define BENCH_TEXT_MIB_DEFAULT 32
#define BENCH_HS_TARGET_MBPS   1500.0

typedef struct options {
    unsigned runs;
    const char *rules;
    bool json;
    const char *text_file, *save_text;
    unsigned text_mib;
    bool text_only; /* --text or --text-size: may be given without a CORPUS */
    bool split;     /* --split: the stream's kinds of rule measured apart */
    double min_time, big_gib;
    char **corpora;
    int ncorpora;
} options;

typedef struct set_report {
    bench_set set;
    bench_text text;
    bench_measure decode, hs, match, pcre, e2e;
    uint64_t hs_matches, match_findings, pcre_matches;
    bench_scan_stats decode_st, e2e_st;
    char example[3][256]; /* sources of e2e_st.example[] */
    int hs_rc;
} set_report;

/* --split: the stream database of one kind of rule alone */
typedef struct split_report {
    unsigned rules; /* 0: no rule of this kind, or it did not compile */
    bench_measure hs;
    uint64_t matches;
} split_report;

typedef struct text_report {
    char source[300];
    bench_text text;
    bench_measure hs, match, pcre;
    uint64_t hs_matches, match_findings, pcre_matches;
    int hs_rc;
    split_report split[2]; /* [0] direct rules, [1] two-stage rules' anchors */
} text_report;

typedef struct bench {
    options opt;
    ms_engine *eng;
    ms_engine_info info;
    bench_pcre *pcre;
    set_report *sets;
    text_report english;
    bool progress;
} bench;

static void progress(const bench *b, const char *what, const char *name)
{
    if (b->progress) {
        fprintf(stderr, "ms_bench: %s %s\n", what, name);
        fflush(stderr);
    }
}

/* ---- measuring ---------------------------------------------------------- */

static int create_scans(const bench *b, ms_scan **dec, ms_scan **full)
{
    ms_error err;

    *dec = *full = NULL;
    if (ms_scan_create(b->eng, dec, &err) != MS_OK || ms_scan_create(b->eng, full, &err) != MS_OK) {
        fprintf(stderr, "ms_bench: cannot create a scan: %s\n", err.msg);
        ms_scan_destroy(*dec);
        return -1;
    }
    ms_scan_set_matching(*dec, false);
    return 0;
}

static int measure_set(bench *b, set_report *s)
{
    const options *o = &b->opt;
    ms_scan *dec, *full;

    if (create_scans(b, &dec, &full) != 0)
        return -1;
    progress(b, "collecting the decoded text of", s->set.name);
    bench_collect_text(dec, &s->set, &s->text);
    progress(b, "(a) MIME decoding:", s->set.name);
    bench_stage_scan(dec, &s->set, o->runs, o->min_time, &s->decode, &s->decode_st);
    progress(b, "(b) Hyperscan:", s->set.name);
    s->hs_rc = bench_stage_hs(b->eng, &s->text, s->set.nmsgs, o->runs, o->min_time, &s->hs,
                              &s->hs_matches);
    progress(b, "(b2) text matcher:", s->set.name);
    bench_stage_match(full, &s->text, s->set.nmsgs, o->runs, o->min_time, &s->match,
                      &s->match_findings);
    progress(b, "(d) PCRE2:", s->set.name);
    bench_stage_pcre(b->pcre, &s->text, s->set.nmsgs, o->runs, o->min_time, &s->pcre,
                     &s->pcre_matches);
    progress(b, "(c) end to end:", s->set.name);
    bench_stage_scan(full, &s->set, o->runs, o->min_time, &s->e2e, &s->e2e_st);
    for (unsigned i = 0; i < s->e2e_st.nexamples; i++)
        snprintf(s->example[i], sizeof s->example[i], "%s",
                 s->set.msgs[s->e2e_st.example[i]].source);
    ms_scan_destroy(dec);
    ms_scan_destroy(full);
    return 0;
}

static int read_text_file(const char *path, bench_text *t)
{
    char buf[65536];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (!f) {
        perror(path);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        bench_text_add(t, buf, n);
    bench_text_close(t);
    fclose(f);
    return t->len ? 0 : -1;
}

/* Plain English prose as one stream, from a file or made here. */
static int load_english(bench *b)
{
    text_report *e = &b->english;
    prose_rng r;
    char *chunk;

    if (b->opt.text_file) {
        snprintf(e->source, sizeof e->source, "%s", b->opt.text_file);
        return read_text_file(b->opt.text_file, &e->text);
    }
    snprintf(e->source, sizeof e->source, "generated in memory, seed 1");
    if (!(chunk = malloc(1 << 20)))
        return -1;
    prose_seed(&r, 1, ~0ULL); /* what `ms_gen_corpus --text FILE SIZE 1` writes */
    for (size_t left = (size_t)b->opt.text_mib << 20; left;) {
        size_t n = prose_fill(&r, chunk, 1 << 20, PROSE_UTF8, "\n");
        n = n < left ? n : left;
        bench_text_add(&e->text, chunk, n);
        left -= n;
    }
    bench_text_close(&e->text);
    free(chunk);
    return 0;
}

static int measure_english(bench *b)
{
    text_report *e = &b->english;

    if (load_english(b) != 0) {
        fprintf(stderr, "ms_bench: no English text to scan\n");
        return -1;
    }
    progress(b, "(b) Hyperscan:", "plain English text");
    e->hs_rc =
        bench_stage_hs(b->eng, &e->text, 0, b->opt.runs, b->opt.min_time, &e->hs, &e->hs_matches);
    ms_scan *scan;
    ms_error err;
    if (ms_scan_create(b->eng, &scan, &err) != MS_OK) {
        fprintf(stderr, "ms_bench: cannot create a scan: %s\n", err.msg);
        return -1;
    }
    for (int k = 0; b->opt.split && k < 2; k++) {
        split_report *sp = &e->split[k];
        hs_database_t *db = NULL;
        progress(b, "(b) Hyperscan, split:", k ? "two-stage rules' anchors" : "direct rules");
        if (ms_match_compile_kind(b->eng, k == 1, &db, &sp->rules) != HS_SUCCESS ||
            bench_stage_hs_db(db, &e->text, 0, b->opt.runs, b->opt.min_time, &sp->hs,
                              &sp->matches) != 0)
            sp->rules = 0;
        hs_free_database(db);
    }
    progress(b, "(b2) text matcher:", "plain English text");
    bench_stage_match(scan, &e->text, 0, b->opt.runs, b->opt.min_time, &e->match,
                      &e->match_findings);
    ms_scan_destroy(scan);
    progress(b, "(d) PCRE2:", "plain English text");
    bench_stage_pcre(b->pcre, &e->text, 0, b->opt.runs, b->opt.min_time, &e->pcre,
                     &e->pcre_matches);
    return 0;
}

/* ---- the table ---------------------------------------------------------- */

static double ratio(const bench_measure *a, const bench_measure *b)
{
    return b->mbps.median > 0 ? a->mbps.median / b->mbps.median : 0;
}

static void print_row(const char *label, const bench_measure *m)
{
    printf("  %-31s %8.1f  %9.1f [%9.1f - %9.1f]", label, (double)m->bytes / 1e6, m->mbps.median,
           m->mbps.min, m->mbps.max);
    if (m->msgs)
        printf("  %9.0f [%9.0f - %9.0f]", m->msgps.median, m->msgps.min, m->msgps.max);
    else
        printf("  %9s %23s", "-", "");
    printf("  %9.1f  %4u\n", m->wall_mbps.median, m->reps);
}

static void print_columns(void)
{
    printf("  %-31s %8s  %33s  %33s  %9s  %4s\n", "stage", "input MB",
           "MB/s per core: median [min - max]", "messages/s: median [min - max]", "wall MB/s",
           "reps");
}

static void print_allocs(const set_report *s)
{
    const bench_scan_stats *st = &s->e2e_st;
    double per = st->passes && s->set.nmsgs ? (double)st->allocs / st->passes / s->set.nmsgs : 0;

    if (!bench_allocs_counted()) {
        printf("  allocations per message in (c): not counted (sanitizer build)\n");
        return;
    }
    printf("  allocations per message in (c), after a warm-up pass: %.2f (%.1f of %zu messages "
           "allocate per pass; %llu allocations in %llu passes)\n",
           per, st->passes ? (double)st->alloc_msgs / st->passes : 0.0, s->set.nmsgs,
           (unsigned long long)st->allocs, (unsigned long long)st->passes);
    for (unsigned i = 0; i < st->nexamples; i++)
        printf("    e.g. %s: %llu allocations\n", s->example[i],
               (unsigned long long)st->example_allocs[i]);
}

/* (b2) against (b): the share of the matcher's time spent beyond the
 * stream database (verifying windows, findings). */
static void print_verify_share(const bench_measure *hs, const bench_measure *match,
                               uint64_t findings)
{
    double a = hs->mbps.median, b = match->mbps.median;
    printf("  verify stage and findings: %.0f %% of (b2)'s time (%llu findings)\n",
           a > 0 && b > 0 && b < a ? 100.0 * (1.0 / b - 1.0 / a) / (1.0 / b) : 0.0,
           (unsigned long long)findings);
}

static void print_set(const set_report *s)
{
    const bench_scan_stats *st = &s->e2e_st;

    printf("\ninput %s: %zu messages from %u files (%u unreadable), %.1f MB; %zu text parts, "
           "%.1f MB of decoded text\n",
           s->set.name, s->set.nmsgs, s->set.files, s->set.unreadable, (double)s->set.bytes / 1e6,
           s->text.nseg, (double)s->text.len / 1e6);
    print_columns();
    print_row("(a) MIME decoding alone", &s->decode);
    print_row(s->hs_rc ? "(b) Hyperscan: FAILED" : "(b) stream database alone", &s->hs);
    print_row("(b2) text matcher, both stages", &s->match);
    print_verify_share(&s->hs, &s->match, s->match_findings);
    print_row("(d) PCRE2 JIT, collected text", &s->pcre);
    print_row("(c) end to end (feed + finish)", &s->e2e);
    printf("  Hyperscan / PCRE2 speed ratio: %.1fx (matches reported: Hyperscan %llu, PCRE2 "
           "%llu)\n",
           ratio(&s->hs, &s->pcre), (unsigned long long)s->hs_matches,
           (unsigned long long)s->pcre_matches);
    print_allocs(s);
    printf("  verdicts in (c): %u accept, %u tag, %u quarantine, %u reject; %llu findings; "
           "%llu messages with anomalies; %llu scan errors\n",
           st->verdicts[0], st->verdicts[1], st->verdicts[2], st->verdicts[3],
           (unsigned long long)st->findings, (unsigned long long)st->anomalous,
           (unsigned long long)st->errors);
}

static void print_english(const text_report *e)
{
    printf("\none stream of text (%s): %.1f MB\n", e->source, (double)e->text.len / 1e6);
    print_columns();
    print_row(e->hs_rc ? "(b) Hyperscan: FAILED" : "(b) stream database alone", &e->hs);
    for (int k = 0; k < 2; k++) {
        char label[80];
        if (!e->split[k].rules)
            continue;
        snprintf(label, sizeof label, "(b) %s only (%u rules)", k ? "anchors" : "direct",
                 e->split[k].rules);
        print_row(label, &e->split[k].hs);
    }
    print_row("(b2) text matcher, both stages", &e->match);
    print_verify_share(&e->hs, &e->match, e->match_findings);
    print_row("(d) PCRE2 JIT", &e->pcre);
    printf("  Hyperscan / PCRE2 speed ratio: %.1fx (matches reported: Hyperscan %llu, PCRE2 "
           "%llu)\n",
           ratio(&e->hs, &e->pcre), (unsigned long long)e->hs_matches,
           (unsigned long long)e->pcre_matches);
    printf("  text matcher target >= %.0f MB/s per core: %s (median %.1f)\n", BENCH_HS_TARGET_MBPS,
           e->match.mbps.median >= BENCH_HS_TARGET_MBPS ? "met" : "NOT met", e->match.mbps.median);
}

static void print_header(const bench *b)
{
    unsigned compiled, jit, skipped;
    const char *why;
    char pcre_version[64] = "?";

    bench_pcre_counts(b->pcre, &compiled, &jit, &skipped, &why);
    pcre2_config(PCRE2_CONFIG_VERSION, pcre_version);
    printf("ms_bench: rules %s: %u text rules, %u categories; Hyperscan %s database %zu bytes, "
           "stream state %zu bytes, compiled in %.1f ms\n",
           b->opt.rules, b->info.rules, b->info.categories, hs_version(), b->info.database_size,
           b->info.stream_size, b->info.compile_ms);
    printf("ms_bench: baseline PCRE2 %s: %u of %u rules compiled, %u with JIT, %u skipped%s%s\n",
           pcre_version, compiled, b->eng->nrules, jit, skipped, skipped ? ": " : "", why);
    printf("ms_bench: single thread; median of %u runs [min - max]; MB = 10^6 bytes; per core = "
           "per second of this thread's CPU time; reps = passes over the input per run\n",
           b->opt.runs);
}

static void print_table(const bench *b)
{
    print_header(b);
    for (int i = 0; i < b->opt.ncorpora; i++)
        print_set(&b->sets[i]);
    print_english(&b->english);
    printf("\npeak RSS: %.1f MiB (the process: engine, and each input set with its collected text "
           "while it was measured)\n",
           bench_peak_rss_kib() / 1024.0);
}

/* ---- JSON --------------------------------------------------------------- */

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void json_stat(const char *name, const bench_stat *s)
{
    printf("\"%s\":{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f}", name, s->median, s->min, s->max);
}

static void json_measure(const char *name, const bench_measure *m, uint64_t matches, bool last)
{
    printf("\"%s\":{\"input_bytes\":%llu,\"messages\":%zu,\"runs\":%u,\"reps\":%u,", name,
           (unsigned long long)m->bytes, m->msgs, m->runs, m->reps);
    json_stat("mb_per_s_per_core", &m->mbps);
    putchar(',');
    json_stat("messages_per_s", &m->msgps);
    putchar(',');
    json_stat("wall_mb_per_s", &m->wall_mbps);
    printf(",\"matches\":%llu}%s", (unsigned long long)matches, last ? "" : ",");
}

static void json_set(const set_report *s)
{
    const bench_scan_stats *st = &s->e2e_st;

    printf("{\"name\":");
    json_string(s->set.name);
    printf(",\"messages\":%zu,\"files\":%u,\"unreadable\":%u,\"bytes\":%llu,\"text_parts\":%zu,"
           "\"text_bytes\":%llu,\"stages\":{",
           s->set.nmsgs, s->set.files, s->set.unreadable, (unsigned long long)s->set.bytes,
           s->text.nseg, (unsigned long long)s->text.len);
    json_measure("decode", &s->decode, 0, false);
    json_measure("hyperscan", &s->hs, s->hs_matches, false);
    json_measure("matcher", &s->match, s->match_findings, false);
    json_measure("pcre2", &s->pcre, s->pcre_matches, false);
    json_measure("end_to_end", &s->e2e, 0, true);
    printf("},\"hyperscan_pcre2_ratio\":%.3f,", ratio(&s->hs, &s->pcre));
    if (bench_allocs_counted() && st->passes && s->set.nmsgs)
        printf("\"allocs_per_message\":%.4f,\"allocating_messages_per_pass\":%.2f,",
               (double)st->allocs / st->passes / s->set.nmsgs, (double)st->alloc_msgs / st->passes);
    else
        printf("\"allocs_per_message\":null,");
    printf("\"allocating_examples\":[");
    for (unsigned i = 0; i < st->nexamples; i++) {
        printf(i ? ",{\"source\":" : "{\"source\":");
        json_string(s->example[i]);
        printf(",\"allocs\":%llu}", (unsigned long long)st->example_allocs[i]);
    }
    printf("],");
    printf("\"verdicts\":{\"accept\":%u,\"tag\":%u,\"quarantine\":%u,\"reject\":%u},"
           "\"findings\":%llu,\"anomalous_messages\":%llu,\"errors\":%llu}",
           st->verdicts[0], st->verdicts[1], st->verdicts[2], st->verdicts[3],
           (unsigned long long)st->findings, (unsigned long long)st->anomalous,
           (unsigned long long)st->errors);
}

static void print_json(const bench *b)
{
    const text_report *e = &b->english;

    printf("{\"rules_dir\":");
    json_string(b->opt.rules);
    printf(",\"rules\":%u,\"database_bytes\":%zu,\"stream_bytes\":%zu,\"compile_ms\":%.3f,"
           "\"runs\":%u,\"sets\":[",
           b->info.rules, b->info.database_size, b->info.stream_size, b->info.compile_ms,
           b->opt.runs);
    for (int i = 0; i < b->opt.ncorpora; i++) {
        json_set(&b->sets[i]);
        fputs(i + 1 < b->opt.ncorpora ? "," : "", stdout);
    }
    printf("],\"english\":{\"source\":");
    json_string(e->source);
    printf(",\"bytes\":%zu,\"stages\":{", e->text.len);
    json_measure("hyperscan", &e->hs, e->hs_matches, false);
    if (e->split[0].rules)
        json_measure("hyperscan_direct_rules", &e->split[0].hs, e->split[0].matches, false);
    if (e->split[1].rules)
        json_measure("hyperscan_anchors", &e->split[1].hs, e->split[1].matches, false);
    json_measure("matcher", &e->match, e->match_findings, false);
    json_measure("pcre2", &e->pcre, e->pcre_matches, true);
    printf("},\"hyperscan_pcre2_ratio\":%.3f,\"target_mb_per_s\":%.0f},\"peak_rss_kib\":%ld}\n",
           ratio(&e->hs, &e->pcre), BENCH_HS_TARGET_MBPS, bench_peak_rss_kib());
}

/* ---- main --------------------------------------------------------------- */

static int usage(FILE *f)
{
    fprintf(f,
            "usage: ms_bench [--runs N] [--rules DIR] [--json] [--text FILE | --text-size MIB]\n"
            "                [--split] [--min-time SECONDS] [CORPUS...]   (no CORPUS: --text or "
            "--text-size)\n"
            "       ms_bench [--rules DIR] [--json] --big-part GIB\n"
            "       ms_bench [--rules DIR] --save-text FILE CORPUS\n"
            "\n"
            "N >= %d (default %d). CORPUS: a directory of messages, a message or an mbox.\n",
            BENCH_RUNS_MIN, BENCH_RUNS_MIN);
    return 2;
}

static bool parse_number(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longs[] = {
        {"runs", required_argument, NULL, 'r'},
        {"rules", required_argument, NULL, 'R'},
        {"json", no_argument, NULL, 'j'},
        {"text", required_argument, NULL, 't'},
        {"text-size", required_argument, NULL, 's'},
        {"min-time", required_argument, NULL, 'm'},
        {"big-part", required_argument, NULL, 'b'},
        {"save-text", required_argument, NULL, 'S'},
        {"split", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    double v;
    int c;

    *o = (options){.runs = BENCH_RUNS_MIN,
                   .rules = MS_DEFAULT_RULES_DIR,
                   .text_mib = BENCH_TEXT_MIB_DEFAULT,
                   .min_time = 0.2};
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'r':
            ok = parse_number(optarg, BENCH_RUNS_MIN, BENCH_RUNS_MAX, &v) && v == (unsigned)v;
            o->runs = (unsigned)v;
            break;
        case 'R':
            o->rules = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 't':
            o->text_file = optarg;
            o->text_only = true;
            break;
        case 's':
            ok = parse_number(optarg, 1, 4096, &v);
            o->text_mib = (unsigned)v;
            o->text_only = true;
            break;
        case 'm':
            ok = parse_number(optarg, 0, 60, &o->min_time);
            break;
        case 'b':
            ok = parse_number(optarg, 1.0 / 1024, 1024, &o->big_gib);
            break;
        case 'S':
            o->save_text = optarg;
            break;
        case 'p':
            o->split = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            return usage(stderr);
        }
        if (!ok) {
            fprintf(stderr, "ms_bench: bad option value \"%s\"\n", optarg);
            return usage(stderr);
        }
    }
    o->corpora = argv + optind;
    o->ncorpora = argc - optind;
    if (o->save_text ? o->ncorpora != 1 : o->big_gib == 0 && o->ncorpora == 0 && !o->text_only)
        return usage(stderr);
    return 0;
}

static void print_engine_error(void *ctx, const ms_error *err)
{
    char buf[600];
    (void)ctx;
    fprintf(stderr, "ms_bench: %s\n", ms_error_format(err, buf, sizeof buf));
}

static int create_engine(bench *b)
{
    ms_engine_opts opts = {.rules_dir = b->opt.rules, .on_error = print_engine_error};
    ms_error err = {0};

    if (ms_engine_create(&opts, &b->eng, &err) != MS_OK) {
        fprintf(stderr, "ms_bench: cannot build the engine from %s (%s)\n", b->opt.rules,
                ms_strerror(err.code));
        return -1;
    }
    ms_engine_get_info(b->eng, &b->info);
    return 0;
}

/* Drop what a measured set held, keeping the counts the report prints. */
static void release_inputs(set_report *s)
{
    for (size_t i = 0; s->set.msgs && i < s->set.nmsgs; i++) {
        free(s->set.msgs[i].data);
        free(s->set.msgs[i].source);
    }
    free(s->set.msgs);
    s->set.msgs = NULL;
    free(s->text.buf);
    free(s->text.seg);
    s->text.buf = NULL;
    s->text.seg = NULL;
}

/* --save-text: CORPUS's decoded text, as the rules see it, to a file. */
static int save_text(bench *b)
{
    set_report *s = &b->sets[0];
    ms_scan *dec, *full;
    FILE *f;

    if (bench_set_load(&s->set, b->opt.corpora[0]) != 0 || s->set.nmsgs == 0) {
        fprintf(stderr, "ms_bench: %s: no messages\n", b->opt.corpora[0]);
        return -1;
    }
    if (create_scans(b, &dec, &full) != 0)
        return -1;
    bench_collect_text(dec, &s->set, &s->text);
    ms_scan_destroy(dec);
    ms_scan_destroy(full);
    if (!(f = fopen(b->opt.save_text, "wb")) ||
        fwrite(s->text.buf, 1, s->text.len, f) != s->text.len || fclose(f) != 0) {
        fprintf(stderr, "ms_bench: cannot write %s\n", b->opt.save_text);
        return -1;
    }
    fprintf(stderr, "ms_bench: %s: %zu text parts, %zu bytes of decoded text -> %s\n",
            b->opt.corpora[0], s->text.nseg, s->text.len, b->opt.save_text);
    return 0;
}

static int run_sets(bench *b)
{
    for (int i = 0; i < b->opt.ncorpora; i++) {
        set_report *s = &b->sets[i];
        progress(b, "loading", b->opt.corpora[i]);
        if (bench_set_load(&s->set, b->opt.corpora[i]) != 0 || s->set.nmsgs == 0) {
            fprintf(stderr, "ms_bench: %s: no messages\n", b->opt.corpora[i]);
            return -1;
        }
        if (measure_set(b, s) != 0)
            return -1;
        release_inputs(s);
    }
    return measure_english(b);
}

int main(int argc, char **argv)
{
    bench b = {0};
    int rc = parse_options(argc, argv, &b.opt);

    if (rc != 0)
        return rc;
    b.progress = isatty(STDERR_FILENO);
    if (create_engine(&b) != 0)
        return 2;
    if (b.opt.big_gib > 0) {
        rc = bench_big_part(b.eng, b.opt.big_gib, b.opt.json);
        ms_engine_destroy(b.eng);
        return rc;
    }
    b.pcre = b.opt.save_text ? NULL : bench_pcre_create(b.eng);
    b.sets = calloc(b.opt.ncorpora ? (size_t)b.opt.ncorpora : 1, sizeof *b.sets);
    if (!b.sets || (b.opt.save_text ? save_text(&b) != 0 : !b.pcre || run_sets(&b) != 0)) {
        rc = 2;
    } else if (b.opt.save_text) {
        rc = 0;
    } else if (b.opt.json) {
        print_json(&b);
    } else {
        print_table(&b);
    }
    for (int i = 0; b.sets && i < b.opt.ncorpora; i++)
        release_inputs(&b.sets[i]);
    bench_text_free(&b.english.text);
    free(b.sets);
    bench_pcre_destroy(b.pcre);
    ms_engine_destroy(b.eng);
    return rc;
}
