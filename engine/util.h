/*
 * util.h - small helpers shared inside the engine
 */
#ifndef MS_UTIL_H
#define MS_UTIL_H

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define MS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MS_PRINTF(a, b)
#endif

/*
 * Allocation. Every allocation the engine makes goes through these, so a
 * test can fail any one of them and see that the failure is handled (as
 * SQLite's sqlite3FaultSim and its malloc tests do): tests/test_faults.c
 * fails the 1st, 2nd, ... allocation of building an engine and of scanning
 * a message until one run reaches no failure. Memory is released with
 * free(). With no fault armed, an allocation costs one predictable branch
 * more than the C library's.
 */
#define MS_STR_(x) #x
#define MS_STR(x)  MS_STR_(x)
#ifdef __FILE_NAME__
#define MS_HERE __FILE_NAME__ ":" MS_STR(__LINE__)
#else
#define MS_HERE __FILE__ ":" MS_STR(__LINE__)
#endif

void *ms_malloc_at(size_t n, const char *site);
void *ms_calloc_at(size_t n, size_t size, const char *site);
void *ms_realloc_at(void *p, size_t n, const char *site);
char *ms_strdup_at(const char *s, const char *site);
char *ms_strndup_at(const char *s, size_t n, const char *site);

#define ms_malloc(n)     ms_malloc_at((n), MS_HERE)
#define ms_calloc(n, sz) ms_calloc_at((n), (sz), MS_HERE)
#define ms_realloc(p, n) ms_realloc_at((p), (n), MS_HERE)
#define ms_strdup(s)     ms_strdup_at((s), MS_HERE)
#define ms_strndup(s, n) ms_strndup_at((s), (n), MS_HERE)

/*
 * Fault simulation, for tests only. ms_fault_fail_at(n) makes the nth
 * allocation from now fail (1: the next one), that one only;
 * ms_fault_fail_from(n) the nth and every one after it; 0 disarms.
 * ms_fault_fired() tells whether the nth has failed since, and
 * ms_fault_site() where ("rules.c:123"), or NULL. ms_fault_step() counts
 * one allocation made elsewhere (a test's Hyperscan allocator,
 * hs_set_allocator) against the same countdown: true when it must fail.
 *
 * The countdown is a plain global, not atomic: arm it only while a single
 * thread uses the library (a test), never in a daemon.
 */
void ms_fault_fail_at(unsigned long n);
void ms_fault_fail_from(unsigned long n);
bool ms_fault_fired(void);
const char *ms_fault_site(void);
bool ms_fault_step(const char *site);
/* With skip set, an armed fault that falls on an allocation at a site
 * skip() refuses moves on to the next allocation (a test that has failed
 * a site often enough); ms_fault_index() is the allocation, counted from
 * the arming (1: the first), that did fail. */
void ms_fault_set_skip(bool (*skip)(const char *site));
unsigned long ms_fault_index(void);

/* Add n bytes at p to the 128-bit hash h (two FNV-style lanes): the keys
 * of the compiled-rules cache and of exprinfo's table. */
void ms_hash_mix(uint64_t h[2], const void *p, size_t n);

/* Fill err (if not NULL) with code, place and a printf-style message. */
void ms_error_set(ms_error *err, int code, const char *file, unsigned line, const char *fmt, ...)
    MS_PRINTF(5, 6);

/* Parse "accept" / "tag" / "quarantine" / "reject". */
bool ms_action_parse(const char *s, ms_action *out);

/* Copy src (n bytes) into dst (cap > 0) as valid UTF-8, NUL-terminated:
 * invalid bytes become '?', a character that does not fit whole is left
 * out. Returns the length written. */
size_t ms_copy_utf8(char *dst, size_t cap, const char *src, size_t n);

/* UTF-8: the engine's one encoder and one validator. */

/* Write cp as UTF-8 (1 to 4 bytes) into out; a surrogate or a value past
 * U+10FFFF is written as U+FFFD. Returns the bytes written. */
size_t ms_utf8_put(char *out, uint32_t cp);

/* Length (1 to 4) of the valid UTF-8 sequence at s, n bytes available; 0
 * when none starts there (a stray or cut sequence, an overlong form, a
 * surrogate, a value past U+10FFFF). */
size_t ms_utf8_len(const unsigned char *s, size_t n);

/* Is all of s[0..n) valid UTF-8? */
bool ms_utf8_check(const char *s, size_t n);

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
