/*
 * util.c - allocation (and its fault simulation), names and messages of
 * the public enums, error formatting, default limits
 */
#include "util.h"
#include "limits.h"

#include <mailsift/mailsift.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation ---------------------------------------------------------- */

static unsigned long fault_countdown; /* 0: no fault armed */
static bool fault_persist;            /* every allocation after it fails too */
static const char *fault_site;        /* where the armed fault fired, or NULL */
static bool (*fault_skip)(const char *site);
static unsigned long fault_seen, fault_at; /* allocations since arming; the one that failed */

void ms_fault_fail_at(unsigned long n)
{
    fault_countdown = n;
    fault_persist = false;
    fault_site = NULL;
    fault_seen = fault_at = 0;
}

void ms_fault_set_skip(bool (*skip)(const char *site))
{
    fault_skip = skip;
}

unsigned long ms_fault_index(void)
{
    return fault_at;
}

void ms_fault_fail_from(unsigned long n)
{
    ms_fault_fail_at(n);
    fault_persist = n != 0;
}

bool ms_fault_fired(void)
{
    return fault_site != NULL;
}

const char *ms_fault_site(void)
{
    return fault_site;
}

void ms_hash_mix(uint64_t h[2], const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h[0] = (h[0] ^ b[i]) * 1099511628211ULL;
        h[1] = (h[1] ^ b[i]) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    }
}

bool ms_fault_step(const char *site)
{
    if (__builtin_expect(fault_countdown == 0, 1))
        return false;
    fault_seen++;
    if (--fault_countdown)
        return false;
    if (!fault_site && fault_skip && fault_skip(site)) {
        fault_countdown = 1; /* the next allocation instead */
        return false;
    }
    if (!fault_site) {
        fault_site = site;
        fault_at = fault_seen;
    }
    fault_countdown = fault_persist; /* 1: the next one fails as well */
    return true;
}

void *ms_malloc_at(size_t n, const char *site)
{
    return ms_fault_step(site) ? NULL : malloc(n);
}

void *ms_calloc_at(size_t n, size_t size, const char *site)
{
    return ms_fault_step(site) ? NULL : calloc(n, size);
}

void *ms_realloc_at(void *p, size_t n, const char *site)
{
    return ms_fault_step(site) ? NULL : realloc(p, n);
}

char *ms_strdup_at(const char *s, const char *site)
{
    return ms_fault_step(site) ? NULL : strdup(s);
}

char *ms_strndup_at(const char *s, size_t n, const char *site)
{
    return ms_fault_step(site) ? NULL : strndup(s, n);
}

/* ---- names and errors ----------------------------------------------------- */

const char *ms_strerror(int code)
{
    switch (code) {
    case MS_OK:
        return "success";
    case MS_ERR_NOMEM:
        return "out of memory";
    case MS_ERR_IO:
        return "input/output error";
    case MS_ERR_CONFIG:
        return "invalid configuration";
    case MS_ERR_RULES:
        return "invalid ruleset";
    case MS_ERR_MATCHER:
        return "pattern matcher failed";
    case MS_ERR_MISUSE:
        return "API misuse";
    case MS_ERR_LIMIT:
        return "internal limit reached";
    }
    return "unknown error";
}

const char *ms_error_format(const ms_error *err, char *buf, size_t size)
{
    if (err->file[0] && err->line)
        snprintf(buf, size, "%s:%u: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, size, "%s", err->msg);
    return buf;
}

const char *ms_action_name(ms_action action)
{
    static const char *const names[] = {"accept", "tag", "quarantine", "reject"};
    if ((unsigned)action < sizeof names / sizeof names[0])
        return names[action];
    return "unknown";
}

bool ms_action_parse(const char *s, ms_action *out)
{
    for (int a = MS_ACTION_ACCEPT; a <= MS_ACTION_REJECT; a++) {
        if (strcmp(s, ms_action_name((ms_action)a)) == 0) {
            *out = (ms_action)a;
            return true;
        }
    }
    return false;
}

const char *ms_anomaly_name(uint32_t bit)
{
    static const char *const names[] = {
        "long_line",
        "header_truncated",
        "no_header_end",
        "missing_boundary",
        "no_boundary_param",
        "b64_bad_char",
        "b64_truncated",
        "qp_broken_escape",
        "charset_unknown",
        "charset_invalid",
        "depth",
        "parts",
        "bad_encoded_word",
        "html_truncated",
        "findings_dropped",
        "unknown_encoding",
        "field_truncated",
        "header_junk",
        "empty_multipart",
        "boundary_too_long",
        "encrypted",
        "embedded_limit",
    };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (bit == (1u << i))
            return names[i];
    return NULL;
}

void ms_error_set(ms_error *err, int code, const char *file, unsigned line, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void ms_limits_default(ms_limits *l)
{
    l->line_length = MS_LIMIT_LINE_LENGTH_DEFAULT;
    l->header_bytes = MS_LIMIT_HEADER_BYTES_DEFAULT;
    l->header_value = MS_LIMIT_HEADER_VALUE_DEFAULT;
    l->parts = MS_LIMIT_PARTS_DEFAULT;
    l->depth = MS_LIMIT_DEPTH_DEFAULT;
    l->findings = MS_LIMIT_FINDINGS_DEFAULT;
}

size_t ms_utf8_put(char *out, uint32_t cp)
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool ms_utf8_check(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k;

    while (i < n) {
        if (u[i] < 0x80) { /* ASCII runs are most text */
            i++;
            continue;
        }
        if ((k = ms_utf8_len(u + i, n - i)) == 0)
            return false;
        i += k;
    }
    return true;
}

size_t ms_utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned long cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

size_t ms_copy_utf8(char *dst, size_t cap, const char *src, size_t n)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, o = 0;

    while (i < n) {
        size_t k = ms_utf8_len(s + i, n - i);
        if (k == 0) {
            if (o + 1 >= cap)
                break;
            dst[o++] = '?';
            i++;
            continue;
        }
        if (o + k >= cap)
            break;
        memcpy(dst + o, s + i, k);
        o += k;
        i += k;
    }
    dst[o] = '\0';
    return o;
}

void ms_capbuf_put_piece(ms_capbuf *b, const void *data, size_t n, size_t *len, bool *truncated)
{
    size_t w = ms_capbuf_put(b, data, n);

    *len += w;
    if (w < n)
        *truncated = true;
}

size_t ms_capbuf_put(ms_capbuf *b, const void *data, size_t n)
{
    if (b->nomem)
        return 0;
    if (n > b->max - b->len)
        n = b->max - b->len;
    if (n == 0)
        return 0;
    if (b->len + n > b->cap) {
        size_t c = b->cap ? b->cap : 65536;
        while (c < b->len + n)
            c *= 2;
        if (c > b->max)
            c = b->max;
        unsigned char *q = ms_realloc(b->p, c);
        if (!q) {
            b->nomem = true;
            return 0;
        }
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return n;
}

void ms_capbuf_free(ms_capbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
