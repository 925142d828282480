/*
 * bigpart.c - one message with a huge text part, to show memory is bounded
 *
 * docs/ARCHITECTURE.md: a text part is never held whole; its bytes stream through the
 * decoders into Hyperscan. This feeds a message whose single text/plain
 * part is GIB GiB of prose, made chunk by chunk as it is fed (the harness
 * never holds it either), in the 64 KiB pieces `mailsift scan` reads, and
 * reports the scan's throughput (CPU time inside ms_scan_feed and
 * ms_scan_finish only, not the generator's) and the process's peak
 * resident set size, before and after. The target is a 1 GiB part under
 * 64 MiB peak RSS.
 */
#include "bench.h"
#include "prose.h"

#include <mailsift/mailsift.h>

#include <stdio.h>
#include <stdlib.h>

#define BIG_CHUNK      (1 << 20)     /* prose made at a time */
#define BIG_FEED       65536         /* bytes per ms_scan_feed, as cli/source.c reads */
#define BIG_RSS_TARGET (64.0 * 1024) /* KiB */

static const char big_header[] = "From: \"Bench\" <bench@example.edu>\r\n"
                                 "To: <archive@example.org>\r\n"
                                 "Subject: Full text of the annual report\r\n"
                                 "Date: Mon, 2 Sep 2024 09:00:00 +0000\r\n"
                                 "Message-ID: <big-part@example.edu>\r\n"
                                 "MIME-Version: 1.0\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Transfer-Encoding: 8bit\r\n"
                                 "\r\n";

typedef struct big_run {
    uint64_t part_bytes;
    double scan_cpu, wall;
    long rss_before, rss_after;
    const ms_result *res;
    int rc;
} big_run;

/* Feed len bytes in BIG_FEED pieces, adding the CPU time spent to *cpu. */
static int feed(ms_scan *scan, const char *p, size_t len, double *cpu)
{
    int rc = MS_OK;
    for (size_t off = 0; off < len && rc == MS_OK; off += BIG_FEED) {
        size_t k = len - off < BIG_FEED ? len - off : BIG_FEED;
        double t0 = bench_cpu_now();
        rc = ms_scan_feed(scan, p + off, k);
        *cpu += bench_cpu_now() - t0;
    }
    return rc;
}

static void run_big(ms_scan *scan, char *chunk, big_run *b)
{
    prose_rng r;
    double w0 = bench_wall_now(), t0;

    prose_seed(&r, 1, 0xB16);
    b->rss_before = bench_peak_rss_kib();
    b->rc = feed(scan, big_header, sizeof big_header - 1, &b->scan_cpu);
    for (uint64_t left = b->part_bytes; left && b->rc == MS_OK;) {
        size_t n = prose_fill(&r, chunk, BIG_CHUNK, PROSE_UTF8, "\r\n");
        if (n > left)
            n = (size_t)left;
        b->rc = feed(scan, chunk, n, &b->scan_cpu);
        left -= n;
    }
    t0 = bench_cpu_now();
    if (b->rc == MS_OK)
        b->rc = ms_scan_finish(scan, &b->res);
    b->scan_cpu += bench_cpu_now() - t0;
    b->wall = bench_wall_now() - w0;
    b->rss_after = bench_peak_rss_kib();
}

static void print_big(const big_run *b, double gib, bool json)
{
    double mbps = b->scan_cpu > 0 ? (double)b->part_bytes / 1e6 / b->scan_cpu : 0;
    const char *met = b->rss_after < BIG_RSS_TARGET ? "met" : "NOT met";
    unsigned long long text = b->res ? (unsigned long long)b->res->text_bytes : 0;

    if (json) {
        printf("{\"big_part\":{\"gib\":%g,\"part_bytes\":%llu,\"text_bytes_scanned\":%llu,"
               "\"scan_cpu_s\":%.3f,\"wall_s\":%.3f,\"mb_per_s_per_core\":%.1f,"
               "\"peak_rss_kib_before\":%ld,\"peak_rss_kib\":%ld,\"rss_target_kib\":%.0f,"
               "\"verdict\":\"%s\",\"status\":%d}}\n",
               gib, (unsigned long long)b->part_bytes, text, b->scan_cpu, b->wall, mbps,
               b->rss_before, b->rss_after, BIG_RSS_TARGET,
               b->res ? ms_action_name(b->res->verdict) : "", b->rc);
        return;
    }
    printf("big part: one message, one text/plain part of %g GiB (%llu bytes), made on the fly\n",
           gib, (unsigned long long)b->part_bytes);
    printf("  decoded text scanned   %llu bytes, verdict %s, status %s\n", text,
           b->res ? ms_action_name(b->res->verdict) : "-", ms_strerror(b->rc));
    printf("  scan throughput        %.1f MB/s per core (%.2f s CPU in feed+finish; %.2f s wall "
           "with the generator)\n",
           mbps, b->scan_cpu, b->wall);
    printf("  peak RSS               %.1f MiB (%.1f MiB before the message); target < %.0f MiB "
           "for 1 GiB: %s\n",
           b->rss_after / 1024.0, b->rss_before / 1024.0, BIG_RSS_TARGET / 1024, met);
}

int bench_big_part(const ms_engine *eng, double gib, bool json)
{
    big_run b = {0};
    ms_scan *scan;
    ms_error err;
    char *chunk = malloc(BIG_CHUNK);

    b.part_bytes = (uint64_t)(gib * 1024 * 1024 * 1024);
    if (!chunk || ms_scan_create(eng, &scan, &err) != MS_OK) {
        fprintf(stderr, "ms_bench: cannot create a scan\n");
        free(chunk);
        return 2;
    }
    run_big(scan, chunk, &b);
    print_big(&b, gib, json);
    ms_scan_destroy(scan);
    free(chunk);
    return b.rc == MS_OK ? 0 : 2;
}
