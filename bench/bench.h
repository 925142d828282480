/*
 * bench.h - pieces of the ms_bench harness: input sets held in memory,
 * collected decoded text, the timing loop, allocation counting and the
 * PCRE2 baseline
 */
#ifndef MS_BENCH_H
#define MS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- corpus.c: messages loaded into memory before anything is timed ---- */

typedef struct bench_msg {
    char *data;
    size_t len;
    char *source; /* file path, or path:N for the N-th message of an mbox */
} bench_msg;

typedef struct bench_set {
    const char *name; /* the path as given */
    bench_msg *msgs;
    size_t nmsgs, cap;
    uint64_t bytes;      /* sum of message sizes */
    unsigned files;      /* files read (an mbox gives several messages) */
    unsigned unreadable; /* files that could not be read (skipped) */
} bench_set;

/*
 * Load a file or a directory tree (recursively, in name order, skipping
 * Maildir tmp/, as `mailsift scan` walks it) into set; mbox files are split
 * into messages. Returns 0, or -1 if path itself cannot be opened.
 */
int bench_set_load(bench_set *set, const char *path);
void bench_set_free(bench_set *set);

/* ---- collected decoded text: one segment per text part ------------------ */

typedef struct bench_text {
    char *buf;
    size_t len, cap;
    size_t *seg; /* segment i is buf[seg[i] .. seg[i + 1]) */
    size_t nseg, segcap;
    bool open; /* a segment is being appended to */
} bench_text;

/* Append to the open segment (opening one if none is open). Exits on OOM. */
void bench_text_add(bench_text *t, const void *p, size_t n);

/* Close the open segment, if any. */
void bench_text_close(bench_text *t);

static inline size_t bench_text_seglen(const bench_text *t, size_t i)
{
    return (i + 1 < t->nseg ? t->seg[i + 1] : t->len) - t->seg[i];
}

void bench_text_free(bench_text *t);

/* ---- timing.c: median of runs ------------------------------------------ */

#define BENCH_RUNS_MIN 5
#define BENCH_RUNS_MAX 101

typedef struct bench_stat {
    double median, min, max;
} bench_stat;

/*
 * One pass over the input. warmup is true for the first, untimed pass
 * (which also calibrates how many passes a run needs).
 */
typedef void (*bench_pass_fn)(void *ctx, bool warmup);

typedef struct bench_measure {
    uint64_t bytes;       /* input bytes of one pass */
    size_t msgs;          /* messages of one pass; 0 if not message based */
    unsigned runs, reps;  /* runs, passes per run */
    bench_stat mbps;      /* MB/s (10^6 bytes) per second of thread CPU time */
    bench_stat msgps;     /* messages per second of thread CPU time */
    bench_stat wall_mbps; /* MB/s per second of wall-clock time */
    double cpu_seconds;   /* all timed passes */
} bench_measure;

/*
 * Run fn once untimed, then runs timed runs of reps passes each, reps
 * chosen so that a run lasts at least min_seconds of CPU time. m->bytes
 * and m->msgs must be set by the caller.
 */
void bench_measure_run(bench_measure *m, bench_pass_fn fn, void *ctx, unsigned runs,
                       double min_seconds);

/* Thread CPU time and wall-clock time in seconds. */
double bench_cpu_now(void);
double bench_wall_now(void);

/* Peak resident set size of the process so far, in KiB (ru_maxrss). */
long bench_peak_rss_kib(void);

/* ---- allocs.c: malloc interposition ------------------------------------ */

/* Calls to malloc, calloc, realloc and the aligned allocators so far. */
uint64_t bench_allocs(void);

/* False when allocations are not counted (a sanitizer build). */
bool bench_allocs_counted(void);

/* ---- baseline.c: the same rules through PCRE2 with JIT ------------------ */

typedef struct bench_pcre bench_pcre;
struct ms_engine;

/*
 * Compile every text rule of eng with PCRE2 (options mapped from the
 * Hyperscan flags) and JIT-compile it. Rules PCRE2 rejects are skipped and
 * counted. Returns NULL on out-of-memory.
 */
bench_pcre *bench_pcre_create(const struct ms_engine *eng);
void bench_pcre_destroy(bench_pcre *p);

/* All matches of every rule in text (non-overlapping, as pcre2grep finds
 * them; a rule with the single-match flag stops at its first). */
uint64_t bench_pcre_scan(bench_pcre *p, const char *text, size_t len);

/* Rules compiled, of which JIT-compiled; rules skipped, with the first reason. */
void bench_pcre_counts(const bench_pcre *p, unsigned *compiled, unsigned *jit, unsigned *skipped,
                       const char **first_error);

/* ---- stages.c: the measured stages ------------------------------------- */

struct ms_scan;

/* What the scan passes saw besides time. */
typedef struct bench_scan_stats {
    uint64_t errors;      /* ms_scan_feed / ms_scan_finish failures, warm-up pass */
    uint64_t allocs;      /* allocations during the timed passes */
    uint64_t alloc_msgs;  /* messages that allocated, summed over the timed passes */
    uint64_t passes;      /* timed passes */
    unsigned verdicts[4]; /* warm-up pass, by ms_action */
    uint64_t findings, text_parts, text_bytes, anomalous;
    size_t example[3];          /* messages that allocated in the first timed pass */
    uint64_t example_allocs[3]; /* and how often */
    unsigned nexamples;
} bench_scan_stats;

/* Decode every message of set (the scan's matching should be off) and
 * collect what the rules would see, one segment per text part, each ending
 * in the line break the engine appends. */
void bench_collect_text(struct ms_scan *scan, const bench_set *set, bench_text *out);

/* (a) and (c): reset, feed each message whole, finish. */
void bench_stage_scan(struct ms_scan *scan, const bench_set *set, unsigned runs, double min_s,
                      bench_measure *m, bench_scan_stats *st);

/* (b): each segment through the engine's Hyperscan database in its own
 * stream; returns 0, or -1 if Hyperscan failed (message on stderr). */
int bench_stage_hs(const struct ms_engine *eng, const bench_text *t, size_t msgs, unsigned runs,
                   double min_s, bench_measure *m, uint64_t *matches);

/* (b) with another database (the split by kind of rule: match.h) */
struct hs_database;
int bench_stage_hs_db(const struct hs_database *db, const bench_text *t, size_t msgs, unsigned runs,
                      double min_s, bench_measure *m, uint64_t *matches);

/* (b2): each segment through the text matcher, both stages (anchors in the
 * stream, two-stage rules verified around them), as a scan runs it;
 * *findings counts the findings. */
int bench_stage_match(struct ms_scan *scan, const bench_text *t, size_t msgs, unsigned runs,
                      double min_s, bench_measure *m, uint64_t *findings);

/* (d): each segment through every rule with PCRE2. */
void bench_stage_pcre(bench_pcre *p, const bench_text *t, size_t msgs, unsigned runs, double min_s,
                      bench_measure *m, uint64_t *matches);

/* ---- bigpart.c ---------------------------------------------------------- */

/* Scan one message with a text part of gib GiB made on the fly; print the
 * throughput and peak RSS. Returns the exit status. */
int bench_big_part(const struct ms_engine *eng, double gib, bool json);

#endif
