/*
 * cli.h - pieces of the command-line front end
 */
#ifndef MS_CLI_H
#define MS_CLI_H

#include <mailsift/mailsift.h>

#include <stddef.h>

/* Build the engine, errors to stderr; 0 or 2. */
int ms_cli_engine(const char *rules, const char *config, ms_engine **eng);

/* `mailsift scan` (argv[0] is "scan"). */
int ms_cli_scan(int argc, char **argv);

/*
 * Where messages found under a path go: begin, any number of data calls
 * with the raw message bytes, end. error reports a file that could not be
 * read (the walk goes on).
 */
typedef struct ms_source_sink {
    void *ctx;
    void (*begin)(void *ctx, const char *source);
    void (*data)(void *ctx, const void *buf, size_t len);
    void (*end)(void *ctx);
    void (*error)(void *ctx, const char *source, const char *msg);
} ms_source_sink;

/*
 * Walk path: a file holding one message (.eml or any name), an mbox file
 * (first line "From "; each message becomes source "path:N", 1-based, with
 * ">From " lines unescaped), or a directory (entries in name order,
 * recursively; Maildir tmp/ skipped). Returns the number of errors.
 */
unsigned ms_source_walk(const char *path, const ms_source_sink *sink);

#endif
