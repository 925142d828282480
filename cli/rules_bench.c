/*
 * rules_bench.c - `mailsift rules bench`: what a ruleset costs
 *
 *   mailsift rules bench [--rules DIR] [--compare DIR2] [--config FILE]
 *                        [--passes N] [--sample-mb M] [--json] CORPUS...
 *
 * The corpus (files, directories, mbox, as `scan` reads them) is loaded
 * into memory once, so that disk speed is not measured. For each ruleset:
 * the wall time of building the engine, the database size, then N passes
 * (default 5) of one scan over every message on one thread; MB/s and
 * messages/s are of the median pass. Hits per rule (messages and matches)
 * and per category (messages in which it fired) come from the first pass.
 *
 * The most expensive rules are found by removal: the engine is built again
 * with one rule disabled (ms_engine_opts.disabled_rules) and the sample
 * (the first M MB of the corpus, default 16) is scanned 3 times; a rule's
 * cost is the median time with every rule minus the median time without
 * it. Costs under the spread of the all-rules passes are noise and are
 * shown as such. Only text rules (the `rules:` ids of the YAML rulesets) can be
 * removed; attachment checks and YARA rules are not ranked.
 *
 * The matcher per rule comes from one more pass with ms_scan_set_rule_stats:
 * how often the rule's expression in the stream (its anchors when it is
 * two-stage) matched, per MB of mail, and for a two-stage rule how many
 * windows of text were verified around anchors and how long that took. A
 * rule whose anchors hit thousands of times per MB has common anchors.
 *
 * With --compare both rulesets are measured in the same run, passes
 * alternating, and printed side by side.
 */
#include "cli.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#define ABLATION_PASSES 3
#define TOP_RULES       10

typedef struct msg {
    char *p;
    size_t len;
} msg;

typedef struct corpus {
    msg *m;
    size_t n, cap;
    uint64_t bytes;
    unsigned errors;
} corpus;

static void c_begin(void *ctx, const char *source)
{
    corpus *c = ctx;
    (void)source;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        msg *m = realloc(c->m, cap * sizeof *m);
        if (!m) {
            fprintf(stderr, "mailsift: out of memory loading the corpus\n");
            exit(2);
        }
        c->m = m;
        c->cap = cap;
    }
    c->m[c->n++] = (msg){NULL, 0};
}

static void c_data(void *ctx, const void *buf, size_t len)
{
    corpus *c = ctx;
    msg *m = &c->m[c->n - 1];
    char *p = realloc(m->p, m->len + len);
    if (!p) {
        fprintf(stderr, "mailsift: out of memory loading the corpus\n");
        exit(2);
    }
    memcpy(p + m->len, buf, len);
    m->p = p;
    m->len += len;
    c->bytes += len;
}

static void c_end(void *ctx)
{
    (void)ctx;
}

static void c_error(void *ctx, const char *source, const char *msg_)
{
    corpus *c = ctx;
    fprintf(stderr, "mailsift: %s: %s\n", source, msg_);
    c->errors++;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct hit {
    char *name;
    uint64_t messages, matches;
    double cost_ms;
} hit;

typedef struct hits {
    hit *h;
    unsigned n;
} hits;

static hit *hits_get(hits *hs, const char *name)
{
    for (unsigned i = 0; i < hs->n; i++)
        if (strcmp(hs->h[i].name, name) == 0)
            return &hs->h[i];
    hit *h = realloc(hs->h, (hs->n + 1) * sizeof *h);
    if (!h)
        exit(2);
    hs->h = h;
    h[hs->n] = (hit){strdup(name), 0, 0, 0};
    return &h[hs->n++];
}

typedef struct bench {
    const char *dir;
    ms_engine *eng;
    ms_scan *scan;
    ms_engine_info info;
    double build_ms;
    double *pass_ms;
    unsigned npass;
    hits rules, cats;
    char **ids; /* text rule ids of the ruleset */
    unsigned nids;
    double base_sample_ms, spread_ms;
    unsigned failed_builds;
    ms_rule_stats *stats; /* per text rule, from one pass of its own */
} bench;

/* scan_all - one pass over msgs [0, n); counts hits when hs is set */
static double scan_all(ms_scan *scan, const corpus *c, size_t n, bench *count)
{
    double t0 = now_ms();
    for (size_t i = 0; i < n; i++) {
        const ms_result *r;
        ms_scan_reset(scan);
        ms_scan_feed(scan, c->m[i].p, c->m[i].len);
        if (ms_scan_finish(scan, &r) != MS_OK || !count)
            continue;
        for (size_t k = 0; k < r->ncategories; k++)
            hits_get(&count->cats, r->categories[k].name)->messages++;
        for (size_t k = 0; k < r->nfindings; k++) {
            hit *h = hits_get(&count->rules, r->findings[k].rule);
            bool seen = false; /* count a message once per rule */
            for (size_t j = 0; j < k; j++)
                if (strcmp(r->findings[j].rule, r->findings[k].rule) == 0)
                    seen = true;
            if (!seen)
                h->messages++;
            h->matches += r->findings[k].count ? r->findings[k].count : 1;
        }
    }
    return now_ms() - t0;
}

/* add_id - one more text rule id; out of memory, the rule is not ranked */
static void add_id(bench *b, const char *id)
{
    char **ids = realloc(b->ids, (b->nids + 1) * sizeof *ids), *s = strdup(id);

    if (ids)
        b->ids = ids;
    if (ids && s)
        b->ids[b->nids++] = s;
    else
        free(s);
}

/* scalar - the text of node id when it is a scalar, else NULL */
static const char *scalar(yaml_document_t *doc, int id)
{
    yaml_node_t *n = yaml_document_get_node(doc, id);
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* seq_rule_ids - the id: of each rule mapping in the sequence rules */
static void seq_rule_ids(bench *b, yaml_document_t *doc, yaml_node_t *rules)
{
    for (yaml_node_item_t *it = rules->data.sequence.items.start;
         it < rules->data.sequence.items.top; it++) {
        yaml_node_t *r = yaml_document_get_node(doc, *it);
        if (r->type != YAML_MAPPING_NODE)
            continue;
        for (yaml_node_pair_t *rp = r->data.mapping.pairs.start; rp < r->data.mapping.pairs.top;
             rp++) {
            const char *k = scalar(doc, rp->key), *v = scalar(doc, rp->value);
            if (k && v && strcmp(k, "id") == 0)
                add_id(b, v);
        }
    }
}

/* file_rule_ids - the ids of the top-level `rules:` of one YAML file */
static void file_rule_ids(bench *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    yaml_parser_t p;
    yaml_document_t doc;

    if (!f)
        return;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    if (yaml_parser_load(&p, &doc)) {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        for (yaml_node_pair_t *kv =
                 root && root->type == YAML_MAPPING_NODE ? root->data.mapping.pairs.start : NULL;
             kv && kv < root->data.mapping.pairs.top; kv++) {
            const char *k = scalar(&doc, kv->key);
            yaml_node_t *v = yaml_document_get_node(&doc, kv->value);
            if (k && strcmp(k, "rules") == 0 && v->type == YAML_SEQUENCE_NODE)
                seq_rule_ids(b, &doc, v);
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&p);
    fclose(f);
}

/* rule_ids - the `rules: [- id: ...]` of every *.yaml in dir */
static void rule_ids(bench *b)
{
    DIR *d = opendir(b->dir);
    struct dirent *de;

    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        char path[4200];
        if (l < 6 || strcmp(de->d_name + l - 5, ".yaml") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", b->dir, de->d_name);
        file_rule_ids(b, path);
    }
    if (d)
        closedir(d);
}

static int build(bench *b, const char *config)
{
    double t0 = now_ms();
    ms_error err;
    if (ms_cli_engine_ex(b->dir, config, false, &b->eng) != 0) /* its compile time counts */
        return 2;
    b->build_ms = now_ms() - t0;
    ms_engine_get_info(b->eng, &b->info);
    if (ms_scan_create(b->eng, &b->scan, &err) != MS_OK) {
        fprintf(stderr, "mailsift: %s\n", err.msg);
        return 2;
    }
    rule_ids(b);
    return 0;
}

/* ablate - cost of each rule: sample time with all rules minus without it */
static void ablate(bench *b, const char *config, const corpus *c, size_t sample)
{
    double t[ABLATION_PASSES];
    for (unsigned p = 0; p < ABLATION_PASSES; p++)
        t[p] = scan_all(b->scan, c, sample, NULL);
    b->base_sample_ms = median(t, ABLATION_PASSES);
    b->spread_ms = t[ABLATION_PASSES - 1] - t[0];
    for (unsigned i = 0; i < b->nids; i++) {
        const char *off[] = {b->ids[i], NULL};
        ms_engine_opts opts = {.rules_dir = b->dir, .config_path = config, .disabled_rules = off};
        ms_engine *eng;
        ms_scan *scan;
        ms_error err;
        if (ms_engine_create(&opts, &eng, &err) != MS_OK) {
            b->failed_builds++;
            continue;
        }
        if (ms_scan_create(eng, &scan, &err) == MS_OK) {
            for (unsigned p = 0; p < ABLATION_PASSES; p++)
                t[p] = scan_all(scan, c, sample, NULL);
            hits_get(&b->rules, b->ids[i])->cost_ms =
                b->base_sample_ms - median(t, ABLATION_PASSES);
            ms_scan_destroy(scan);
        }
        ms_engine_destroy(eng);
    }
}

static int cmp_cost(const void *a, const void *b)
{
    double x = ((const hit *)a)->cost_ms, y = ((const hit *)b)->cost_ms;
    return x > y ? -1 : x < y;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const hit *)a)->name, ((const hit *)b)->name);
}

static bool is_text_rule(const bench *b, const char *name)
{
    for (unsigned j = 0; j < b->nids; j++)
        if (strcmp(b->ids[j], name) == 0)
            return true;
    return false;
}

/* rule_stats - one more pass with the matcher's per-rule counts on (it
 * reads the clock around each verified window, so it is not timed) */
static void rule_stats(bench *b, const corpus *c)
{
    if (!(b->stats = calloc(b->info.rules ? b->info.rules : 1, sizeof *b->stats)))
        return;
    ms_scan_set_rule_stats(b->scan, b->stats);
    scan_all(b->scan, c, c->n, NULL);
    ms_scan_set_rule_stats(b->scan, NULL);
}

/* matcher_json - per text rule: what the stream finds of it and what
 * verifying its windows costs */
static json_t *matcher_json(const bench *b, const corpus *c)
{
    json_t *o = json_object();
    const char *id, *anchor;

    for (unsigned i = 0; b->stats && (anchor = ms_engine_rule_anchor(b->eng, i, &id), id); i++) {
        const ms_rule_stats *st = &b->stats[i];
        json_object_set_new(
            o, id,
            json_pack("{s:b, s:I, s:f, s:I, s:I, s:f}", "two_stage", anchor != NULL, "stream_hits",
                      (json_int_t)st->stream_hits, "stream_hits_per_mb",
                      c->bytes ? (double)st->stream_hits / ((double)c->bytes / 1e6) : 0.0,
                      "windows", (json_int_t)st->windows, "window_bytes",
                      (json_int_t)st->window_bytes, "verify_ms", st->verify_ms));
    }
    return o;
}

/* expensive_json - the costliest text rules, most first; sorts b->rules */
static json_t *expensive_json(bench *b)
{
    json_t *top = json_array();

    qsort(b->rules.h, b->rules.n, sizeof *b->rules.h, cmp_cost);
    for (unsigned i = 0, k = 0; i < b->rules.n && k < TOP_RULES; i++) {
        const hit *h = &b->rules.h[i];
        if (!is_text_rule(b, h->name))
            continue;
        json_array_append_new(
            top, json_pack("{s:s, s:f, s:f, s:b}", "rule", h->name, "cost_ms", h->cost_ms,
                           "cost_percent",
                           b->base_sample_ms > 0 ? 100 * h->cost_ms / b->base_sample_ms : 0.0,
                           "above_noise", h->cost_ms > b->spread_ms));
        k++;
    }
    return top;
}

/* hits_json - hits per rule and messages per category, by name; sorts both */
static void hits_json(bench *b, json_t *o)
{
    json_t *rules = json_object(), *cats = json_object();

    qsort(b->rules.h, b->rules.n, sizeof *b->rules.h, cmp_name);
    for (unsigned i = 0; i < b->rules.n; i++)
        json_object_set_new(rules, b->rules.h[i].name,
                            json_pack("{s:I, s:I}", "messages", (json_int_t)b->rules.h[i].messages,
                                      "matches", (json_int_t)b->rules.h[i].matches));
    qsort(b->cats.h, b->cats.n, sizeof *b->cats.h, cmp_name);
    for (unsigned i = 0; i < b->cats.n; i++)
        json_object_set_new(cats, b->cats.h[i].name,
                            json_integer((json_int_t)b->cats.h[i].messages));
    json_object_set_new(o, "hits_per_rule", rules);
    json_object_set_new(o, "messages_per_category", cats);
}

static json_t *bench_json(bench *b, const corpus *c, uint64_t sample_bytes)
{
    json_t *o = json_object();
    double med = median(b->pass_ms, b->npass);

    json_object_set_new(o, "rules_dir", json_string(b->dir));
    json_object_set_new(o, "text_rules", json_integer(b->info.rules));
    json_object_set_new(o, "categories", json_integer(b->info.categories));
    json_object_set_new(o, "build_ms", json_real(b->build_ms));
    json_object_set_new(o, "compile_ms", json_real(b->info.compile_ms));
    json_object_set_new(o, "database_bytes", json_integer((json_int_t)b->info.database_size));
    json_object_set_new(o, "stream_bytes", json_integer((json_int_t)b->info.stream_size));
    json_object_set_new(o, "passes", json_integer(b->npass));
    json_object_set_new(o, "median_pass_ms", json_real(med));
    json_object_set_new(o, "mb_per_s", json_real((double)c->bytes / 1e6 / (med / 1e3)));
    json_object_set_new(o, "messages_per_s", json_real((double)c->n / (med / 1e3)));
    hits_json(b, o);
    json_object_set_new(o, "matcher_per_rule", matcher_json(b, c));
    json_object_set_new(o, "expensive_rules", expensive_json(b));
    json_object_set_new(o, "ablation",
                        json_pack("{s:s, s:I, s:i, s:f, s:f}", "method",
                                  "sample time with all rules minus without the rule",
                                  "sample_bytes", (json_int_t)sample_bytes, "passes",
                                  ABLATION_PASSES, "all_rules_ms", b->base_sample_ms, "spread_ms",
                                  b->spread_ms));
    return o;
}

/* print_ruleset - one ruleset's hits and most expensive rules */
static void print_ruleset(json_t *s)
{
    json_t *v, *ab = json_object_get(s, "ablation");
    const char *key;
    size_t i;

    printf("\n%s\n  messages per category:", json_string_value(json_object_get(s, "rules_dir")));
    json_object_foreach(json_object_get(s, "messages_per_category"), key, v)
    {
        printf(" %s %lld", key, json_integer_value(v));
    }
    printf("\n  hits per rule (messages / matches):\n");
    json_object_foreach(json_object_get(s, "hits_per_rule"), key, v)
    {
        printf("    %-36s %8lld %8lld\n", key, json_integer_value(json_object_get(v, "messages")),
               json_integer_value(json_object_get(v, "matches")));
    }
    printf("  the matcher per rule: stream hits (of its anchors, or of itself if direct) per MB,\n"
           "  windows verified around anchors, their KB and the time verifying them:\n");
    json_object_foreach(json_object_get(s, "matcher_per_rule"), key, v)
    {
        printf("    %-36s %-6s %10.1f /MB %8lld win %9.1f KB %8.2f ms\n", key,
               json_is_true(json_object_get(v, "two_stage")) ? "anchor" : "direct",
               json_number_value(json_object_get(v, "stream_hits_per_mb")),
               json_integer_value(json_object_get(v, "windows")),
               (double)json_integer_value(json_object_get(v, "window_bytes")) / 1e3,
               json_number_value(json_object_get(v, "verify_ms")));
    }
    printf("  most expensive rules (sample %.1f MB, %.1f ms with all rules, spread %.1f ms):\n",
           json_number_value(json_object_get(ab, "sample_bytes")) / 1e6,
           json_number_value(json_object_get(ab, "all_rules_ms")),
           json_number_value(json_object_get(ab, "spread_ms")));
    json_array_foreach(json_object_get(s, "expensive_rules"), i, v)
    {
        printf("    %-36s %8.2f ms %6.1f %%%s\n", json_string_value(json_object_get(v, "rule")),
               json_number_value(json_object_get(v, "cost_ms")),
               json_number_value(json_object_get(v, "cost_percent")),
               json_is_true(json_object_get(v, "above_noise")) ? "" : "  (noise)");
    }
}

/* print_text - the rulesets side by side, then each in detail */
static void print_text(json_t *all, unsigned nb)
{
    json_t *c = json_object_get(all, "corpus"), *sets = json_object_get(all, "rulesets");
    json_t *s[2] = {json_array_get(sets, 0), json_array_get(sets, nb - 1)};
    static const char *const rows[][2] = {
        {"text rules", "text_rules"},         {"categories", "categories"},
        {"engine build ms", "build_ms"},      {"compile ms", "compile_ms"},
        {"database bytes", "database_bytes"}, {"stream bytes/scan", "stream_bytes"},
        {"median pass ms", "median_pass_ms"}, {"MB/s (1 thread)", "mb_per_s"},
        {"messages/s", "messages_per_s"}};

    printf("corpus: %lld messages, %.1f MB; %lld passes, median\n\n",
           json_integer_value(json_object_get(c, "messages")),
           json_number_value(json_object_get(c, "bytes")) / 1e6,
           json_integer_value(json_object_get(s[0], "passes")));
    printf("%-22s", "");
    for (unsigned k = 0; k < nb; k++)
        printf(" %28.28s", json_string_value(json_object_get(s[k], "rules_dir")));
    printf("\n");
    for (unsigned r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        printf("%-22s", rows[r][0]);
        for (unsigned k = 0; k < nb; k++)
            printf(" %28.1f", json_number_value(json_object_get(s[k], rows[r][1])));
        printf("\n");
    }
    for (unsigned k = 0; k < nb; k++)
        print_ruleset(s[k]);
}

static void bench_free(bench *b)
{
    free(b->stats);
    ms_scan_destroy(b->scan);
    ms_engine_destroy(b->eng);
    for (unsigned i = 0; i < b->rules.n; i++)
        free(b->rules.h[i].name);
    for (unsigned i = 0; i < b->cats.n; i++)
        free(b->cats.h[i].name);
    for (unsigned i = 0; i < b->nids; i++)
        free(b->ids[i]);
    free(b->rules.h);
    free(b->cats.h);
    free(b->ids);
    free(b->pass_ms);
}

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->m[i].p);
    free(c->m);
}

typedef struct bench_args {
    const char *config;
    unsigned nb;     /* rulesets: 1, or 2 with --compare */
    unsigned passes; /* over the whole corpus */
    double sample_mb;
    bool as_json;
} bench_args;

static int usage(void)
{
    fprintf(stderr, "usage: mailsift rules bench [--rules DIR] [--compare DIR2] "
                    "[--config FILE] [--passes N] [--sample-mb M] [--json] CORPUS...\n");
    return 2;
}

/* parse_args - options into a and b; each CORPUS is loaded as it comes,
 * through sink; 0 or 2 */
static int parse_args(int argc, char **argv, bench_args *a, bench *b, const ms_source_sink *sink)
{
    int ncorpus = 0;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--json") == 0)
            a->as_json = true;
        else if (i + 1 < argc && strcmp(o, "--rules") == 0)
            b[0].dir = argv[++i];
        else if (i + 1 < argc && strcmp(o, "--compare") == 0)
            b[1].dir = argv[++i], a->nb = 2;
        else if (i + 1 < argc && strcmp(o, "--config") == 0)
            a->config = argv[++i];
        else if (i + 1 < argc && strcmp(o, "--passes") == 0)
            a->passes = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(o, "--sample-mb") == 0)
            a->sample_mb = strtod(argv[++i], NULL);
        else if (o[0] != '-') {
            ms_source_walk(o, sink);
            ncorpus++;
        } else {
            fprintf(stderr, "mailsift: unknown option or missing value: %s\n", o);
            return 2;
        }
    }
    return ncorpus == 0 || a->passes < 1 || a->passes > 1000 ? usage() : 0;
}

/* build_all - each ruleset's engine, scan and pass table; 0 or 2 */
static int build_all(const bench_args *a, bench *b)
{
    for (unsigned k = 0; k < a->nb; k++) {
        if (build(&b[k], a->config) != 0)
            return 2;
        if (!(b[k].pass_ms = calloc(a->passes, sizeof *b[k].pass_ms)))
            return 2;
    }
    return 0;
}

/* measure - the passes over the whole corpus, alternating rulesets so
 * both see the same conditions (hits counted in the first pass), then
 * each rule's cost on the first sample_mb MB; the sample's bytes */
static uint64_t measure(const bench_args *a, bench *b, const corpus *c)
{
    size_t sample = 0;
    uint64_t sample_bytes = 0;

    while (sample < c->n && (double)sample_bytes < a->sample_mb * 1e6)
        sample_bytes += c->m[sample++].len;
    for (unsigned p = 0; p < a->passes; p++)
        for (unsigned k = 0; k < a->nb; k++)
            b[k].pass_ms[b[k].npass++] = scan_all(b[k].scan, c, c->n, p == 0 ? &b[k] : NULL);
    for (unsigned k = 0; k < a->nb; k++) {
        rule_stats(&b[k], c);
        ablate(&b[k], a->config, c, sample);
    }
    return sample_bytes;
}

/* print_results - as JSON (--json) or as text for a person */
static void print_results(const bench_args *a, bench *b, const corpus *c, uint64_t sample_bytes)
{
    json_t *all = json_object(), *sets = json_array();

    json_object_set_new(all, "corpus",
                        json_pack("{s:I, s:I, s:i}", "messages", (json_int_t)c->n, "bytes",
                                  (json_int_t)c->bytes, "errors", (int)c->errors));
    for (unsigned k = 0; k < a->nb; k++)
        json_array_append_new(sets, bench_json(&b[k], c, sample_bytes));
    json_object_set_new(all, "rulesets", sets);
    if (a->as_json) {
        char *s = json_dumps(all, JSON_INDENT(2));
        if (s)
            puts(s);
        free(s);
    } else {
        print_text(all, a->nb);
    }
    json_decref(all);
}

int ms_cli_rules_bench(int argc, char **argv)
{
    bench_args a = {.nb = 1, .passes = 5, .sample_mb = 16};
    bench b[2] = {{.dir = MS_DEFAULT_RULES_DIR}, {0}};
    corpus c = {0};
    ms_source_sink sink = {&c, c_begin, c_data, c_end, c_error, NULL};
    int rc = parse_args(argc, argv, &a, b, &sink);

    if (rc == 0 && c.n == 0) {
        fprintf(stderr, "mailsift: no messages in the corpus\n");
        rc = 2;
    }
    if (rc == 0)
        rc = build_all(&a, b);
    if (rc == 0)
        print_results(&a, b, &c, measure(&a, b, &c));
    for (unsigned k = 0; k < a.nb; k++)
        bench_free(&b[k]);
    corpus_free(&c);
    return rc;
}
