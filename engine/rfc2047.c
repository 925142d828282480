/*
 * rfc2047.c - decoding of encoded words in header values
 *
 * Subjects and file names in the wild are RFC 2047 encoded words:
 * =?charset?B|Q?text?=. This module turns an unfolded header value into
 * UTF-8 so that the rules see "Confidential" and card numbers whatever
 * encoding the sender's software chose.
 *
 * Standards: RFC 2047 sections 2 (syntax), 4.1 (B), 4.2 (Q: '_' is a space,
 * =XX a byte), 6.2 (whitespace between adjacent encoded words is dropped);
 * RFC 2231 section 5 (=?charset*language?...?=: the language is ignored).
 *
 * Tolerated on purpose, as GMime (our reference decoder in differential
 * tests) does, because MUAs produce it:
 *  - encoded words glued to text or to each other ("foo=?utf-8?q?x?=bar"),
 *    inside quoted strings and comments, anywhere in the value;
 *  - blanks and '?' inside the encoded text: the word ends at the first "?="
 *    after "?B?" or "?Q?";
 *  - adjacent words in the same charset (case-insensitive) are decoded to
 *    bytes and joined before charset conversion, whatever their encodings,
 *    so a multibyte character split across two words survives;
 *  - a Q escape split across two such words ("=E2=8" "2=AC") is joined;
 *  - base64 without padding is decoded.
 *
 * Deliberately unlike GMime: a broken Q escape ("=zz", or "=" at the end of
 * the run) is kept literally rather than dropped, as senders hide digits
 * behind broken escapes; bytes invalid in the charset become U+FFFD rather
 * than '?'; an unknown charset passes the decoded bytes through (with
 * MS_ANOM_CHARSET_UNKNOWN) rather than guessing; NULs produced by decoding
 * are dropped rather than turned into '?'; after a "=?" that does not begin
 * a word, the search for a word goes on at the next byte.
 *
 * A "=?charset?" that does not go on to form a word is copied literally and
 * sets MS_ANOM_BAD_ENCODED_WORD, as do broken escapes and base64 noise.
 *
 * BUGS
 *  - A run of adjacent same-charset words decoding to more than MS_RFC2047_RUN_MAX
 *    bytes is converted in pieces; a character cut at a piece boundary
 *    becomes U+FFFD (a stateful charset restarts in its initial state).
 *  - All charset names of MS_CHARSET_NAME_MAX bytes or more count as one
 *    (unknown) charset when adjacent words are joined.
 *  - 8-bit text outside encoded words (RFC 6532 UTF-8, or raw Latin-1) is
 *    copied as it is.
 */
#include "rfc2047.h"
#include "limits.h"
#include "util.h"

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* One encoded word found in the value. */
typedef struct word {
    char charset[MS_CHARSET_NAME_MAX]; /* language stripped */
    char enc;                          /* 'B' or 'Q' */
    const char *text;                  /* encoded text */
    size_t tlen;
    size_t end; /* offset just past "?=" */
} word;

/* State of one ms_rfc2047_decode() call. */
typedef struct decoder {
    ms_charset *cs;
    char *out;
    size_t outcap, o; /* o < outcap always */
    uint32_t anom;
    char charset[MS_CHARSET_NAME_MAX]; /* of the open run; "" when none */
    char run[MS_RFC2047_RUN_MAX];      /* decoded bytes of the open run */
    size_t rlen;
    char qpend[2]; /* a Q escape cut by the end of a word: "=" or "=X" */
    size_t qlen;
    size_t end_from, end_pos; /* last search for "?=" (find_end) */
} decoder;

static bool is_lwsp(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_encoding(char c)
{
    return c == 'B' || c == 'b' || c == 'Q' || c == 'q';
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = ms_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static bool all_lwsp(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_lwsp((unsigned char)s[i]))
            return false;
    return true;
}

/* Printable ASCII, no blank: what a real charset name looks like. */
static bool all_graphic(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

/* Copy n literal bytes to the output, as far as it has room. */
static void emit(decoder *d, const char *s, size_t n)
{
    size_t room = d->outcap - 1 - d->o;

    if (n > room)
        n = room;
    memcpy(d->out + d->o, s, n);
    d->o += n;
}

/* Convert the bytes of the open run and append them, without NULs. */
static void run_convert(decoder *d)
{
    size_t n = ms_charset_convert(d->cs, d->charset, d->run, d->rlen, d->out + d->o,
                                  d->outcap - d->o, &d->anom);
    char *p = d->out + d->o, *w = p;

    for (size_t i = 0; i < n; i++)
        if (p[i] != '\0')
            *w++ = p[i];
    if ((size_t)(w - p) != n)
        d->anom |= MS_ANOM_BAD_ENCODED_WORD;
    d->o += (size_t)(w - p);
    d->rlen = 0;
}

static void run_put(decoder *d, char byte)
{
    if (d->rlen == MS_RFC2047_RUN_MAX)
        run_convert(d);
    d->run[d->rlen++] = byte;
}

/* A Q escape left open by the previous word goes out as it was written. */
static void q_unpend(decoder *d)
{
    for (size_t i = 0; i < d->qlen; i++)
        run_put(d, d->qpend[i]);
    if (d->qlen)
        d->anom |= MS_ANOM_BAD_ENCODED_WORD;
    d->qlen = 0;
}

/* Close the open run: convert what it holds. */
static void run_close(decoder *d)
{
    q_unpend(d);
    if (d->charset[0])
        run_convert(d);
    d->charset[0] = '\0';
}

/* Q (RFC 2047 4.2), continuing an escape cut by the previous word. */
static void decode_q(decoder *d, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (d->qlen > 0) {
            if (hex_value((unsigned char)c) < 0) {
                q_unpend(d);
            } else if (d->qlen == 1) {
                d->qpend[d->qlen++] = c;
                continue;
            } else {
                int v = hex_value((unsigned char)d->qpend[1]) * 16 + hex_value((unsigned char)c);
                run_put(d, (char)v);
                d->qlen = 0;
                continue;
            }
        }
        if (c == '=') {
            d->qpend[0] = c;
            d->qlen = 1;
        } else {
            run_put(d, c == '_' ? ' ' : c);
        }
    }
}

/* B (RFC 2047 4.1): blanks skipped, '=' ends a quantum, padding optional. */
static void decode_b(decoder *d, const char *s, size_t n)
{
    unsigned acc = 0, bits = 0, sextets = 0;

    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) {
            if (s[i] == '=') {
                if (sextets % 4 == 1)
                    d->anom |= MS_ANOM_BAD_ENCODED_WORD;
                acc = bits = sextets = 0;
            } else if (!is_lwsp((unsigned char)s[i])) {
                d->anom |= MS_ANOM_BAD_ENCODED_WORD;
            }
            continue;
        }
        acc = (acc << 6 | (unsigned)v) & 0xffffu;
        bits += 6;
        sextets++;
        if (bits >= 8) {
            bits -= 8;
            run_put(d, (char)(acc >> bits));
        }
    }
    if (sextets % 4 == 1)
        d->anom |= MS_ANOM_BAD_ENCODED_WORD;
}

/*
 * Offset of the first "?=" at or after from (len if none). The last answer
 * is remembered and only the bytes in front of it are searched again, so a
 * value full of "=?x?q?" without an end costs one pass, not one per "=?".
 */
static size_t find_end(decoder *d, const char *in, size_t len, size_t from)
{
    size_t stop = len; /* search in[from..stop) */

    if (d->end_from <= len && from <= d->end_pos) {
        if (from >= d->end_from)
            return d->end_pos;
        stop = d->end_from + 1 < len ? d->end_from + 1 : len;
    }
    const char *p = memmem(in + from, stop - from, "?=", 2);
    if (p)
        d->end_pos = (size_t)(p - in);
    else if (stop == len)
        d->end_pos = len;
    d->end_from = from;
    return d->end_pos;
}

/*
 * Does an encoded word begin at in[at] ("=?" is there)? The charset runs
 * to the next '?' whatever it holds, as in GMime: a word in a charset
 * nobody knows still shows its bytes. That scan stops at the '?' of the
 * next "=?" at the latest, so all scans together read the value once.
 */
static bool parse_word(decoder *d, const char *in, size_t len, size_t at, word *w)
{
    size_t cs = at + 2, i, cslen;
    const char *q = memchr(in + cs, '?', len - cs);

    if (!q)
        return false;
    i = (size_t)(q - in);
    bool shaped = len - i >= 3 && is_encoding(in[i + 1]) && in[i + 2] == '?';
    if (!shaped && (i == cs || !all_graphic(in + cs, i - cs)))
        return false; /* "=??" or "=? why?" in prose */
    /* "=?charset?" or "=??B?" from here on: failing is a malformed word */
    const char *star = memchr(in + cs, '*', i - cs);
    cslen = star ? (size_t)(star - (in + cs)) : i - cs;
    if (cslen == 0 || !shaped)
        goto malformed;
    size_t end = find_end(d, in, len, i + 3);
    if (end == len)
        goto malformed;
    if (cslen < MS_CHARSET_NAME_MAX) {
        memcpy(w->charset, in + cs, cslen);
        w->charset[cslen] = '\0';
    } else {
        strcpy(w->charset, "?"); /* too long to be known; ms_charset says unknown */
    }
    w->enc = (char)(in[i + 1] & ~0x20);
    w->text = in + i + 3;
    w->tlen = end - (i + 3);
    w->end = end + 2;
    return true;
malformed:
    d->anom |= MS_ANOM_BAD_ENCODED_WORD;
    return false;
}

/* Add a word to the open run, or close it and open one for the word. */
static void take_word(decoder *d, const word *w, const char *gap, size_t gaplen)
{
    bool adjacent = d->charset[0] && all_lwsp(gap, gaplen); /* 6.2 */

    if (!adjacent) {
        run_close(d);
        emit(d, gap, gaplen);
    } else if (strcasecmp(d->charset, w->charset) != 0) {
        run_close(d);
    }
    if (!d->charset[0])
        strcpy(d->charset, w->charset);
    if (w->enc == 'Q') {
        decode_q(d, w->text, w->tlen);
    } else {
        q_unpend(d);
        decode_b(d, w->text, w->tlen);
    }
}

size_t ms_rfc2047_decode(ms_charset *cs, const char *in, size_t len, char *out, size_t outcap,
                         uint32_t *anom)
{
    decoder d;
    size_t lit = 0, i = 0; /* in[lit..) is text not yet copied */
    const char *p;

    if (outcap == 0)
        return 0;
    d.cs = cs;
    d.out = out;
    d.outcap = outcap;
    d.o = 0;
    d.anom = 0;
    d.charset[0] = '\0';
    d.rlen = d.qlen = 0;
    d.end_from = SIZE_MAX; /* nothing searched yet */
    d.end_pos = 0;
    while (i < len && (p = memmem(in + i, len - i, "=?", 2)) != NULL) {
        size_t at = (size_t)(p - in);
        word w;
        if (!parse_word(&d, in, len, at, &w)) {
            i = at + 1;
            continue;
        }
        take_word(&d, &w, in + lit, at - lit);
        lit = i = w.end;
    }
    run_close(&d);
    emit(&d, in + lit, len - lit);
    out[d.o] = '\0';
    if (anom)
        *anom |= d.anom;
    return d.o;
}
