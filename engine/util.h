/*
 * util.h - small helpers shared inside the engine
 */
#ifndef MS_UTIL_H
#define MS_UTIL_H

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stddef.h>

#if defined(__GNUC__)
#define MS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MS_PRINTF(a, b)
#endif

/* Fill err (if not NULL) with code, place and a printf-style message. */
void ms_error_set(ms_error *err, int code, const char *file, unsigned line, const char *fmt, ...)
    MS_PRINTF(5, 6);

/* Parse "accept" / "tag" / "quarantine" / "reject". */
bool ms_action_parse(const char *s, ms_action *out);

/* Copy src (n bytes) into dst (cap > 0) as valid UTF-8, NUL-terminated:
 * invalid bytes become '?', a character that does not fit whole is left
 * out. Returns the length written. */
size_t ms_copy_utf8(char *dst, size_t cap, const char *src, size_t n);

/* Bytes decoded out of a part's text (uuencode, base64 runs): a buffer
 * that grows up to max and is kept from part to part. */
typedef struct ms_capbuf {
    unsigned char *p;
    size_t len, cap, max;
    bool nomem;
} ms_capbuf;

/* Append what fits under max; returns the bytes appended (fewer than n:
 * the cap was reached or memory ran out). */
size_t ms_capbuf_put(ms_capbuf *b, const void *data, size_t n);

/* The same for a piece of the buffer (a decoded file): the bytes appended
 * are added to *len, and *truncated is set when not all of them fit (the
 * start of the piece is kept). */
void ms_capbuf_put_piece(ms_capbuf *b, const void *data, size_t n, size_t *len, bool *truncated);
void ms_capbuf_free(ms_capbuf *b);

/* ASCII lower-case of c. */
static inline int ms_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

#endif
