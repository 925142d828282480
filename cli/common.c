/*
 * common.c - what the subcommands share: building the engine, printing
 * config and rule errors, writing a whole buffer, and the message a source
 * walk has in flight
 *
 * The subcommands (scan.c, sweep.c, rules_bench.c, milter_suspend.c) call
 * these; mailsift.c only dispatches, so no subcommand reaches back into the
 * file that holds main().
 *
 * Compiled rule databases are cached per user (cache_dir() says where) for
 * `scan`, `sweep` and `suspend`; `rules check` and `rules bench` compile,
 * since the compile is what they measure. The milter chooses its cache
 * directory itself (cli/milter.c).
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ms_cli_print_error(void *ctx, const ms_error *err)
{
    char buf[600];
    (void)ctx;
    fprintf(stderr, "mailsift: %s\n", ms_error_format(err, buf, sizeof buf));
}

/* cache_dir - where compiled databases are cached: $MAILSIFT_CACHE_DIR
 * (empty: no cache), else $XDG_CACHE_HOME/mailsift, else
 * ~/.cache/mailsift; NULL: no cache. */
static const char *cache_dir(char *buf, size_t size)
{
    const char *env = getenv("MAILSIFT_CACHE_DIR"), *base = getenv("XDG_CACHE_HOME");

    if (env)
        return env[0] ? env : NULL;
    if (base && base[0] == '/') {
        snprintf(buf, size, "%s/mailsift", base);
        return buf;
    }
    if (!(base = getenv("HOME")) || base[0] != '/')
        return NULL;
    snprintf(buf, size, "%s/.cache", base);
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return NULL;
    snprintf(buf, size, "%s/.cache/mailsift", base);
    return buf;
}

int ms_cli_engine(const char *rules, const char *config, ms_engine **eng)
{
    return ms_cli_engine_ex(rules, config, true, eng);
}

int ms_cli_engine_ex(const char *rules, const char *config, bool use_cache, ms_engine **eng)
{
    char dir[4096];
    ms_engine_opts opts = {.rules_dir = rules,
                           .config_path = config,
                           .on_error = ms_cli_print_error,
                           .cache_dir = use_cache ? cache_dir(dir, sizeof dir) : NULL};
    ms_error err = {0};

    if (ms_engine_create(&opts, eng, &err) != MS_OK) {
        fprintf(stderr, "mailsift: cannot build the engine (%s)\n", ms_strerror(err.code));
        return 2;
    }
    return 0;
}

int ms_cli_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* ---- the message in flight ---- */

void ms_cli_msg_begin(void *ctx, const char *source)
{
    ms_cli_msg *m = ctx;
    snprintf(m->source, sizeof m->source, "%s", source);
    ms_scan_reset(m->scan);
    m->in_msg = true;
    m->failed = false;
}

void ms_cli_msg_data(void *ctx, const void *buf, size_t len)
{
    ms_cli_msg *m = ctx;
    int rc;
    /* a message the scan could not take (out of memory, a matcher error)
     * is an error line and exit status 2 at once, never a missing line in
     * a run that exits 0 as if it were clean */
    if (!m->failed && (rc = ms_scan_feed(m->scan, buf, len)) != MS_OK)
        ms_cli_msg_error(ctx, m->source, ms_strerror(rc));
}

void ms_cli_msg_end(void *ctx)
{
    ms_cli_msg *m = ctx;
    const ms_result *r = NULL;

    m->in_msg = false;
    /* never print a message we failed on as clean: a read error or a
     * failed feed was reported as an error when it happened */
    if (m->failed)
        return;
    int rc = ms_scan_finish(m->scan, &r);
    if (rc != MS_OK)
        m->on_error(ctx, m->source, ms_strerror(rc));
    else
        m->on_result(ctx, m->source, r);
}

void ms_cli_msg_error(void *ctx, const char *source, const char *msg)
{
    ms_cli_msg *m = ctx;

    if (m->in_msg)
        m->failed = true;
    m->on_error(ctx, source, msg);
}
