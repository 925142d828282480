/*
 * mailsift.c - command-line front end
 *
 *   mailsift scan [--rules DIR] [--config FILE] [--format ndjson|text] PATH...
 *   mailsift sweep [--jobs N] [--report FILE] [--resume CHECKPOINT] PATH...
 *   mailsift rules check [DIR]
 *   mailsift rules bench [--rules DIR] [--compare DIR2] [--json] CORPUS...
 *   mailsift milter [--config FILE] [--rules DIR] [--foreground]
 *   mailsift suspend list|clear ADDRESS [--config FILE]
 *   mailsift version
 *
 * Uses the public API (include/mailsift/) only: it reads files, hands their
 * bytes to a scan and prints results. Exit status of scan: 0 every message
 * clean, 1 findings in at least one, 2 an error (an unreadable file; the
 * scan goes on with the others).
 *
 * This file only dispatches (and runs `rules check`); each subcommand has a
 * file of its own, and what they share is in common.c.
 */
#include "cli.h"
#include "milter.h"

#include <mailsift/mailsift.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mailsift scan [--rules DIR] [--config FILE] [--format ndjson|text] "
            "PATH...\n"
            "       mailsift sweep [--jobs N] [--report FILE] [--format json|txt|html]\n"
            "                      [--resume CHECKPOINT] [--rules DIR] [--config FILE] PATH...\n"
            "       mailsift rules check [--config FILE] [DIR]\n"
            "       mailsift rules bench [--rules DIR] [--compare DIR2] [--config FILE] [--json]\n"
            "                            [--passes N] CORPUS...\n"
            "       mailsift milter [--config FILE] [--rules DIR] [--foreground]\n"
            "       mailsift suspend list|clear ADDRESS [--config FILE]\n"
            "       mailsift version\n"
            "\n"
            "scan reads .eml files, directories (recursively, Maildir cur/ and new/)\n"
            "and mbox files, and prints one line per message. Exit status: 0 clean,\n"
            "1 findings, 2 error.\n");
}

static int cmd_rules(int argc, char **argv)
{
    const char *dir = MS_DEFAULT_RULES_DIR, *config = NULL;
    ms_engine *eng;
    ms_engine_info info;

    if (argc >= 2 && strcmp(argv[1], "bench") == 0)
        return ms_cli_rules_bench(argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "check") != 0) {
        usage(stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (argv[i][0] != '-')
            dir = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (ms_cli_engine_ex(dir, config, false, &eng) != 0) /* check compiles, always */
        return 1;
    ms_engine_get_info(eng, &info);
    printf("%s: %u rules in %u categories compiled in %.1f ms; database %zu bytes, "
           "%zu bytes of stream state per scan; %u YARA rules from %u file%s\n",
           dir, info.rules, info.categories, info.compile_ms, info.database_size, info.stream_size,
           info.yara_rules, info.yara_files, info.yara_files == 1 ? "" : "s");
    const char *id, *anchor;
    for (unsigned i = 0; (anchor = ms_engine_rule_anchor(eng, i, &id)), id; i++) {
        if (anchor && strlen(anchor) > 600) /* a long list's: its start, and its length */
            printf("  %-40s anchors: %.600s... (%zu bytes)\n", id, anchor, strlen(anchor));
        else
            printf("  %-40s %s%s\n", id, anchor ? "anchors: " : "direct", anchor ? anchor : "");
    }
    ms_engine_destroy(eng);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "scan") == 0)
        return ms_cli_scan(argc - 1, argv + 1);
    if (strcmp(argv[1], "sweep") == 0)
        return ms_cli_sweep(argc - 1, argv + 1);
    if (strcmp(argv[1], "rules") == 0)
        return cmd_rules(argc - 1, argv + 1);
    if (strcmp(argv[1], "milter") == 0)
        return ms_cli_milter(argc - 1, argv + 1);
    if (strcmp(argv[1], "suspend") == 0)
        return ms_cli_suspend(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("mailsift %s\n", MS_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
