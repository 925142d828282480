/*
 * helpers.h - shared test helpers
 */
#ifndef MS_TEST_HELPERS_H
#define MS_TEST_HELPERS_H

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stddef.h>

/* A streaming decoder seen generically: state is a caller-sized blob. */
typedef struct ms_test_decoder {
    size_t state_size;
    void (*init)(void *state);
    size_t (*feed)(void *state, const char *in, size_t len, char *out);
    size_t (*finish)(void *state, char *out);
    size_t (*out_room)(size_t len); /* room feed() needs for len bytes */
    void (*fini)(void *state);      /* may be NULL */
} ms_test_decoder;

/*
 * Decode in[0..len) whole, at every two-piece split (every split for inputs
 * up to 4 KiB, 64 evenly spaced otherwise) and byte by byte; fail the test
 * (cmocka) naming `name` and the chunking if any output differs from
 * want[0..wantlen). Pass want NULL to only demand the chunkings agree with
 * the whole-input output. Returns nothing; asserts.
 */
void ms_test_chunked(const char *name, const ms_test_decoder *dec, const char *in, size_t len,
                     const char *want, size_t wantlen);

/*
 * A reviewed exceptions file of a conformance or differential test: one
 * entry a line, "KEY[:INDEX]  reason" ('#' comments). KEY names a message
 * (Maildir names may hold ':' too: only ":digits" at the end is an index);
 * INDEX is a 1-based part, absent for the whole message. Every entry must
 * still match a difference: the tests report unused ones as stale.
 */
typedef struct ms_test_exception {
    char key[256];
    unsigned index; /* 1-based; 0: the whole message */
    char reason[256];
    unsigned line;
    bool used;
} ms_test_exception;

typedef struct ms_test_exceptions {
    const char *path;
    ms_test_exception *e;
    unsigned n;
} ms_test_exceptions;

/* Load path (no file: no exceptions); a malformed line fails the test. */
void ms_test_exceptions_load(ms_test_exceptions *x, const char *path);
/* The entry covering part index of key (marked used), or NULL. */
ms_test_exception *ms_test_exceptions_find(ms_test_exceptions *x, const char *key, unsigned index);
/* Print every unused entry as "path:line: ... remove it"; returns how many. */
unsigned ms_test_exceptions_stale(const ms_test_exceptions *x);
void ms_test_exceptions_free(ms_test_exceptions *x);

/* A growable byte buffer (malloc'd; free p). */
typedef struct ms_test_buf {
    char *p;
    size_t len, cap;
} ms_test_buf;

void ms_test_buf_add(ms_test_buf *b, const void *p, size_t n);

/* Make a fresh directory MS_BINARY_DIR/PREFIX-XXXXXX; its path into dir. */
void ms_test_tmpdir(char *dir, size_t size, const char *prefix);

/* Write text to dir/name (fails the test if it cannot). */
void ms_test_write_file(const char *dir, const char *name, const char *text);

/* Errors a loader or an engine reports, as "file:line: msg" lines. */
typedef struct ms_test_errors {
    char text[8192];
    unsigned n;
} ms_test_errors;

/* An ms_error_fn: add e to the ms_test_errors at ctx (cut when full). */
void ms_test_collect_error(void *ctx, const ms_error *e);

/* Read a whole file into a malloc'd buffer (NUL-terminated); NULL on error. */
char *ms_test_read_file(const char *path, size_t *len);

#endif
