/*
 * cli.h - pieces of the command-line front end
 */
#ifndef MS_CLI_H
#define MS_CLI_H

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* common.c: an ms_error_fn printing each config or rule error to stderr
 * as "mailsift: file:line: message". */
void ms_cli_print_error(void *ctx, const ms_error *err);

/* common.c: build the engine, errors to stderr; 0 or 2. */
int ms_cli_engine(const char *rules, const char *config, ms_engine **eng);

/* The same, choosing whether to use the per-user database cache (rule
 * checks and benchmarks compile, scans load when they can). */
int ms_cli_engine_ex(const char *rules, const char *config, bool use_cache, ms_engine **eng);

/* common.c: write all len bytes to fd, again after EINTR and short
 * writes; 0, or the errno of the failure (EIO when write made no progress). */
int ms_cli_write_all(int fd, const void *buf, size_t len);

/*
 * common.c: one message in flight from a source walk (ms_source_walk) into
 * a scan, as `scan` and each `sweep` worker keep it. Put it first in the
 * sink's context and use ms_cli_msg_begin, _data, _end and _error as the
 * sink's callbacks: they call on_result and on_error with that context.
 * The caller creates and destroys scan.
 */
typedef struct ms_cli_msg {
    ms_scan *scan;
    /* a message's result (owned by the scan, valid during the call) */
    void (*on_result)(void *ctx, const char *source, const ms_result *r);
    /* a source that could not be read, or a message that could not be
     * scanned (once per message: a message failed before gets no result) */
    void (*on_error)(void *ctx, const char *source, const char *msg);
    char source[4200]; /* of the message in flight */
    bool in_msg;       /* between begin and end */
    bool failed;       /* a feed or a read failed: the message gets no result */
} ms_cli_msg;

void ms_cli_msg_begin(void *ctx, const char *source);
void ms_cli_msg_data(void *ctx, const void *buf, size_t len);
void ms_cli_msg_end(void *ctx);
void ms_cli_msg_error(void *ctx, const char *source, const char *msg);

/* `mailsift scan` (argv[0] is "scan"); cli/scan.c. */
int ms_cli_scan(int argc, char **argv);

/* `mailsift sweep` (argv[0] is "sweep"); cli/sweep.c. */
int ms_cli_sweep(int argc, char **argv);

/* `mailsift rules bench` (argv[0] is "bench"); cli/rules_bench.c. */
int ms_cli_rules_bench(int argc, char **argv);

/*
 * ndjson.c: the NDJSON line of one message (the scan output contract in
 * docs/ARCHITECTURE.md), without the newline; and the line of a source that
 * could not be scanned. Both return a malloc'd string, or NULL when out of
 * memory.
 */
char *ms_cli_ndjson_result(const char *source, const ms_result *r);
char *ms_cli_ndjson_error(const char *source, const char *msg);

/* Print line and a newline on stdout, then free it; NULL (out of memory)
 * prints nothing. */
void ms_cli_ndjson_print(char *line);

/* Lines gathered to be written together (a sweep worker's commit). */
typedef struct ms_cli_ndjson_buf {
    char *p;
    size_t len, cap;
} ms_cli_ndjson_buf;

/* Append line and a newline to b, then free line; NULL or out of memory
 * adds nothing. Empty b with len = 0 to start over; fini frees it. */
void ms_cli_ndjson_add(ms_cli_ndjson_buf *b, char *line);
void ms_cli_ndjson_fini(ms_cli_ndjson_buf *b);

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
    /* optional: called at each mbox separator line (file offset off) once
     * the previous message has ended, with done messages of the file seen;
     * nonzero stops the read there (sweep checkpoints) */
    int (*boundary)(void *ctx, uint64_t off, unsigned done);
} ms_source_sink;

/*
 * Walk path: a file holding one message (.eml or any name), an mbox file
 * (first line "From "; each message becomes source "path:N", 1-based, with
 * ">From " lines unescaped), or a directory (entries in name order,
 * recursively; Maildir tmp/ skipped). Returns the number of errors.
 */
unsigned ms_source_walk(const char *path, const ms_source_sink *sink);

/*
 * Read one file as ms_source_walk() would. With mbox_offset > 0 the file is
 * an mbox and reading starts at that offset, which must be the start of a
 * separator line, with message numbers continuing after mbox_done.
 */
unsigned ms_source_read(const char *path, uint64_t mbox_offset, unsigned mbox_done,
                        const ms_source_sink *sink);

/*
 * List the files ms_source_walk() would read, in the same order, without
 * reading them: fn gets each path and its size; sink->error (with sink->ctx)
 * gets what cannot be listed. Returns the number of errors.
 */
typedef void (*ms_source_file_fn)(void *ctx, const char *path, uint64_t size);
unsigned ms_source_list(const char *path, ms_source_file_fn fn, const ms_source_sink *sink);

/* Does path start like an mbox ("From ")? Is dir a Maildir (has cur/)? */
bool ms_source_is_mbox(const char *path);
bool ms_source_is_maildir(const char *dir);

#endif
