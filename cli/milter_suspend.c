/*
 * milter_suspend.c - `mailsift suspend list|clear ADDRESS`
 *
 *   mailsift suspend list [--config FILE]
 *   mailsift suspend clear ADDRESS [--config FILE]
 *
 * Reads and changes the rate limiter's shared state (the state file or
 * Redis, as milter.state in the config says) while the daemon runs: the
 * daemon rereads a state file another process replaced, and Redis is
 * shared anyway. Exit status: 0 done, 1 ADDRESS was not suspended, 2 error.
 */
#include "cli.h"
#include "milter.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void print_one(void *ctx, const char *sender, time_t since, unsigned count)
{
    char when[32];
    struct tm tm;
    unsigned *n = ctx;

    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&since, &tm));
    printf("%s\tsuspended since %s\t%u messages in the window\n", sender, when, count);
    (*n)++;
}

int ms_cli_suspend(int argc, char **argv)
{
    const char *config = NULL, *rules = MS_DEFAULT_RULES_DIR, *cmd = NULL, *addr = NULL;
    ms_engine *eng;
    ms_ratelimit *rl;
    ms_error err = {0};
    int status = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            rules = argv[++i];
        else if (!cmd)
            cmd = argv[i];
        else if (!addr)
            addr = argv[i];
        else
            cmd = "";
    }
    if (!cmd || !((strcmp(cmd, "list") == 0 && !addr) || (strcmp(cmd, "clear") == 0 && addr))) {
        fprintf(stderr, "usage: mailsift suspend list [--config FILE]\n"
                        "       mailsift suspend clear ADDRESS [--config FILE]\n");
        return 2;
    }
    if (ms_cli_engine(rules, config, &eng) != 0)
        return 2;
    if (ms_ratelimit_create(eng, &rl, &err) != MS_OK) {
        fprintf(stderr, "mailsift: rate-limit state: %s\n", err.msg);
        ms_engine_destroy(eng);
        return 2;
    }
    if (strcmp(cmd, "list") == 0) {
        unsigned n = 0;
        if (ms_ratelimit_list(rl, print_one, &n) != MS_OK) {
            fprintf(stderr, "mailsift: %s\n", ms_ratelimit_error(rl));
            status = 2;
        } else if (n == 0)
            printf("no sender is suspended\n");
    } else {
        bool found;
        if (ms_ratelimit_clear(rl, addr, &found) != MS_OK) {
            fprintf(stderr, "mailsift: %s\n", ms_ratelimit_error(rl));
            status = 2;
        } else if (found)
            printf("%s: suspension cleared\n", addr);
        else {
            printf("%s: not suspended\n", addr);
            status = 1;
        }
    }
    ms_ratelimit_destroy(rl);
    ms_engine_destroy(eng);
    return status;
}
