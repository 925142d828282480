/*
 * scan.c - `mailsift scan`: scan messages and print one result per message
 *
 * NDJSON (cli/ndjson.c), one object per message; a file that cannot be read
 * gives {"source":...,"error":"..."} and a line on stderr. --format text
 * explains each finding in plain words.
 *
 * A PATH of "-" is standard input; /dev/stdin and FIFOs are read too, each
 * as a message or an mbox (cli/source.c). Every argument gives a verdict
 * or an error line: exit 0 means everything named was scanned and clean.
 */
#include "cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum format { FMT_NDJSON, FMT_TEXT };

typedef struct scan_ctx {
    ms_cli_msg msg; /* first: the sink's callbacks take the context as one */
    enum format format;
    unsigned messages, flagged, errors;
} scan_ctx;

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

/* "preamble", "2.epilogue": say what that text is. */
static void outside_parts(const char *part)
{
    bool pre = ends_with(part, "preamble");
    int n = (int)(strlen(part) - strlen("preamble"));
    printf("the %s", pre ? "preamble" : "epilogue");
    if (n > 1)
        printf(" of MIME part %.*s", n - 1, part);
    printf(" (text %s, which mail readers hide)",
           pre ? "before the first part" : "after the last part");
}

/* print_finding - a finding in plain words: what, where, how often, text */
static void print_finding(const ms_finding *f)
{
    bool outside = ends_with(f->part, "preamble") || ends_with(f->part, "epilogue");

    printf("    - %s [%s%s%s]\n      where: ", f->description, f->rule,
           f->level[0] ? ", confidence " : "", f->level);
    if (strcmp(f->part, "header") == 0)
        printf("message header");
    else if (strcmp(f->part, "message") == 0)
        printf("the message as a whole");
    else if (outside)
        outside_parts(f->part);
    else
        printf("MIME part %s", f->part);
    if (f->content_type[0] && !outside)
        printf(" (%s%s%s%s)", f->content_type, f->filename[0] ? ", file \"" : "", f->filename,
               f->filename[0] ? "\"" : "");
    if (strcmp(f->part, "message") != 0)
        printf(", byte %llu of its decoded text", (unsigned long long)f->offset);
    if (f->count > 1)
        printf(" (%u times)", f->count);
    if (f->excerpt[0])
        printf("\n      text:  \"%s\"", f->excerpt);
    printf("\n");
}

/* print_text - the verdict, then each category that fired with its findings */
static void print_text(const char *source, const ms_result *r)
{
    printf("%s: %s", source, ms_action_name(r->verdict));
    if (r->nfindings == 0) {
        printf(" (nothing found in %u part%s)\n", r->parts, r->parts == 1 ? "" : "s");
        return;
    }
    printf("\n");
    for (size_t c = 0; c < r->ncategories; c++) {
        const ms_category_hit *h = &r->categories[c];
        printf("  category %s -> %s", h->name, ms_action_name(h->action));
        if (h->level[0])
            printf(" (confidence %s)", h->level);
        if (h->threshold)
            printf(" (score %d, fires at %d)", h->score, h->threshold);
        printf("\n");
        for (size_t i = 0; i < r->nfindings; i++)
            if (strcmp(r->findings[i].category, h->name) == 0)
                print_finding(&r->findings[i]);
    }
}

static void on_error(void *ctx, const char *source, const char *msg)
{
    scan_ctx *c = ctx;

    fprintf(stderr, "mailsift: %s: %s\n", source, msg);
    if (c->format == FMT_NDJSON)
        ms_cli_ndjson_print(ms_cli_ndjson_error(source, msg));
    else
        printf("%s: error: %s\n", source, msg);
    c->errors++;
}

static void on_result(void *ctx, const char *source, const ms_result *r)
{
    scan_ctx *c = ctx;

    c->messages++;
    if (r->verdict != MS_ACTION_ACCEPT)
        c->flagged++;
    if (c->format == FMT_NDJSON)
        ms_cli_ndjson_print(ms_cli_ndjson_result(source, r));
    else
        print_text(source, r);
}

typedef struct scan_args {
    const char *rules, *config;
    enum format format;
    char **paths; /* room for argc */
    int npaths;
} scan_args;

static int usage(void)
{
    fprintf(stderr, "usage: mailsift scan [--rules DIR] [--config FILE] "
                    "[--format ndjson|text] PATH... (- for standard input)\n");
    return 2;
}

static int parse_format(const char *v, enum format *format)
{
    if (strcmp(v, "ndjson") == 0)
        *format = FMT_NDJSON;
    else if (strcmp(v, "text") == 0)
        *format = FMT_TEXT;
    else {
        fprintf(stderr, "mailsift: unknown format \"%s\" (known: ndjson, text)\n", v);
        return 2;
    }
    return 0;
}

/* parse_args - options into a, the rest into a->paths; 0 or 2 */
static int parse_args(int argc, char **argv, scan_args *a)
{
    bool only_paths = false;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (only_paths || o[0] != '-' || !o[1])
            a->paths[a->npaths++] = argv[i];
        else if (strcmp(o, "--") == 0)
            only_paths = true;
        else if (i + 1 < argc && strcmp(o, "--rules") == 0)
            a->rules = argv[++i];
        else if (i + 1 < argc && strcmp(o, "--config") == 0)
            a->config = argv[++i];
        else if (i + 1 < argc && strcmp(o, "--format") == 0) {
            if (parse_format(argv[++i], &a->format) != 0)
                return 2;
        } else {
            fprintf(stderr, "mailsift: unknown option or missing value: %s\n", o);
            return 2;
        }
    }
    return a->npaths ? 0 : usage();
}

/* scan_paths - build the engine and one scan, walk every path; 0 or 2 */
static int scan_paths(const scan_args *a, scan_ctx *c)
{
    ms_source_sink sink = {c,   ms_cli_msg_begin, ms_cli_msg_data, ms_cli_msg_end, ms_cli_msg_error,
                           NULL};
    ms_engine *eng;
    ms_error err;

    if (ms_cli_engine(a->rules, a->config, &eng) != 0)
        return 2;
    if (ms_scan_create(eng, &c->msg.scan, &err) != MS_OK) {
        fprintf(stderr, "mailsift: %s\n", err.msg);
        ms_engine_destroy(eng);
        return 2;
    }
    for (int i = 0; i < a->npaths; i++)
        ms_source_walk(a->paths[i], &sink);
    ms_scan_destroy(c->msg.scan);
    ms_engine_destroy(eng);
    return 0;
}

/* finish - the exit status once every path is done */
static int finish(const scan_ctx *c)
{
    /* a full disk or a closed pipe lost results: say so, never exit 0 */
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mailsift: standard output: %s; results were lost\n",
                errno ? strerror(errno) : "write error");
        return 2;
    }
    if (c->errors)
        return 2;
    return c->flagged ? 1 : 0;
}

int ms_cli_scan(int argc, char **argv)
{
    scan_args a = {.rules = MS_DEFAULT_RULES_DIR, .format = FMT_NDJSON};
    scan_ctx c = {.msg = {.on_result = on_result, .on_error = on_error}};
    int rc = 2;

    a.paths = calloc((size_t)argc, sizeof *a.paths);
    if (a.paths && parse_args(argc, argv, &a) == 0) {
        c.format = a.format;
        rc = scan_paths(&a, &c);
        if (rc == 0)
            rc = finish(&c);
    }
    free(a.paths);
    return rc;
}
