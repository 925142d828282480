/*
 * charset.h - conversion of declared charsets to UTF-8 (iconv)
 */
#ifndef MS_CHARSET_H
#define MS_CHARSET_H

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_CHARSET_NAME_MAX 40
/* iconv descriptors kept open per scan. A site's mail uses a few dozen
 * charsets (the shared corpus about fifty labels); with fewer slots the
 * cache thrashes and iconv_open allocates for some messages every time. */
#define MS_CHARSET_CACHE 32
#define MS_CHARSET_HOLD  16 /* incomplete multibyte sequence held across chunks */

typedef struct ms_charset_slot {
    char name[MS_CHARSET_NAME_MAX]; /* normalised name; "" when free */
    iconv_t cd;
    unsigned long last_use;
} ms_charset_slot;

typedef struct ms_charset_utf7 {
    uint32_t acc;  /* base64 bits not used yet */
    uint8_t nbits; /* how many */
    uint8_t state; /* charset.c: direct, just after '+', base64 */
    uint16_t high; /* high surrogate waiting for its pair, 0 if none */
} ms_charset_utf7;

typedef struct ms_charset {
    ms_charset_slot slots[MS_CHARSET_CACHE];
    unsigned long clock;
    /* current stream (set by ms_charset_begin) */
    iconv_t cur; /* (iconv_t)-1: pass bytes through */
    int mode;    /* charset.c: passthrough, iconv, utf16 sniffing ... */
    size_t hlen;
    char hold[MS_CHARSET_HOLD];
    bool replaced;        /* charset.c: U+FFFD written for the bytes at hand */
    ms_charset_utf7 utf7; /* charset.c decodes UTF-7 itself */
    uint32_t anomalies;   /* MS_ANOM_CHARSET_* bits of the current stream */
} ms_charset;

void ms_charset_init(ms_charset *c);
void ms_charset_fini(ms_charset *c); /* closes cached descriptors */

/* Start converting a new stream from charset name (any case, may be "" for
 * us-ascii). Unknown names set MS_ANOM_CHARSET_UNKNOWN and pass bytes
 * through. Returns false when falling back to raw bytes. */
bool ms_charset_begin(ms_charset *c, const char *name);

/* Convert len bytes; out needs room for 3 * len + MS_CHARSET_SLACK bytes.
 * Invalid sequences become U+FFFD and set MS_ANOM_CHARSET_INVALID. */
#define MS_CHARSET_SLACK (3 * MS_CHARSET_HOLD + 16)
size_t ms_charset_feed(ms_charset *c, const char *in, size_t len, char *out);

/* End of stream: flush held bytes (room for MS_CHARSET_SLACK bytes). */
size_t ms_charset_finish(ms_charset *c, char *out);

/* One-shot conversion of a short string (header words) to UTF-8 into out
 * (NUL-terminated, cut at outcap - 1); returns the length written. Uses the
 * same descriptor cache; does not disturb a stream in progress. Unknown
 * charsets copy bytes and set *anom bits. */
size_t ms_charset_convert(ms_charset *c, const char *name, const char *in, size_t len, char *out,
                          size_t outcap, uint32_t *anom);

#endif
