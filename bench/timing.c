/*
 * timing.c - run a benchmark pass repeatedly and keep the median
 *
 * Figures are per second of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID):
 * the harness is single-threaded, so that is throughput per core, and it
 * does not drop when other processes share the machine and take the CPU
 * away from us. Wall-clock throughput is kept beside it to show when that
 * happened. A run repeats the pass until it has used at least a minimum of
 * CPU time, so that short inputs are not measured at the clock's grain.
 */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* A run of one pass longer than this needs no repetition. */
#define BENCH_REPS_MAX 100000

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_cpu_now(void)
{
    return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

double bench_wall_now(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

long bench_peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static bench_stat stats_of(double *v, unsigned n)
{
    bench_stat s;
    qsort(v, n, sizeof *v, cmp_double);
    s.min = v[0];
    s.max = v[n - 1];
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

static double rate(double amount, double seconds)
{
    return seconds > 0 ? amount / seconds : 0;
}

void bench_measure_run(bench_measure *m, bench_pass_fn fn, void *ctx, unsigned runs,
                       double min_seconds)
{
    double mb[BENCH_RUNS_MAX], msg[BENCH_RUNS_MAX], wall[BENCH_RUNS_MAX];
    double t0 = bench_cpu_now(), once;

    if (runs > BENCH_RUNS_MAX)
        runs = BENCH_RUNS_MAX;
    fn(ctx, true);
    once = bench_cpu_now() - t0;
    m->runs = runs;
    m->reps = once >= min_seconds
                  ? 1
                  : (unsigned)fmin(ceil(min_seconds / fmax(once, 1e-6)), BENCH_REPS_MAX);
    m->cpu_seconds = 0;
    for (unsigned r = 0; r < runs; r++) {
        double c0 = bench_cpu_now(), w0 = bench_wall_now();
        for (unsigned k = 0; k < m->reps; k++)
            fn(ctx, false);
        double cpu = bench_cpu_now() - c0, w = bench_wall_now() - w0;
        mb[r] = rate((double)m->bytes * m->reps / 1e6, cpu);
        msg[r] = rate((double)m->msgs * m->reps, cpu);
        wall[r] = rate((double)m->bytes * m->reps / 1e6, w);
        m->cpu_seconds += cpu;
    }
    m->mbps = stats_of(mb, runs);
    m->msgps = stats_of(msg, runs);
    m->wall_mbps = stats_of(wall, runs);
}
