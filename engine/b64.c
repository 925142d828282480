/*
 * b64.c - streaming base64 decoder
 *
 * Decodes a base64 body (Content-Transfer-Encoding: base64) chunk by chunk
 * into the bytes the sender encoded, so a card number in an attachment or a
 * base64 text part reaches the rules. Any chunking gives the same output:
 * up to three sextets of an unfinished quantum are carried in the state.
 *
 * Standard: RFC 2045 6.8. Four characters of the 65-character alphabet
 * (A-Z a-z 0-9 + / and '=' for padding) make three bytes; "xx==" and
 * "xxx=" at the end make one and two. Line breaks are not significant.
 *
 * Tolerated on purpose:
 * - Whitespace (SP, HT, CR, LF, VT, FF) anywhere is skipped, as the RFC
 *   asks of line breaks. Other bytes outside the alphabet are skipped too
 *   (RFC 2045: "must be ignored") but set MS_ANOM_B64_BAD_CHAR.
 * - '=' ends the quantum it is in and decoding goes on after it: mailing
 *   list footers, concatenated attachments and senders who hide data after
 *   an early "==" all produce base64 after padding, and a scanner that
 *   stopped there (as GMime does) would never look at what follows.
 *   Padding in excess of what the quantum needs sets MS_ANOM_B64_BAD_CHAR;
 *   missing padding ("xx=" then more base64) is accepted silently.
 * - A quantum cut short, by '=' after a single sextet or by the end of the
 *   data, sets MS_ANOM_B64_TRUNCATED. At the end of the data the bytes its
 *   two or three sextets hold are still written (GMime drops them): the last
 *   digits of a number must not vanish because the trailing "=" did.
 *
 * One feed of len bytes writes at most (len / 4 + 1) * 3 bytes: the (at
 * most three) sextets carried in from earlier feeds are finished by the
 * first input byte or two and write at most 3 bytes; after that a quantum
 * writes 3 bytes for 4 input bytes and a '=' 2 for 4 ("xxx=") or 1 for 3
 * ("xx="). Finish writes at most 2.
 *
 * BUGS
 * The URL-safe alphabet (RFC 4648 5: '-' and '_') is not recognised; those
 * bytes are skipped as bad characters, which shifts the bit stream. The low
 * bits a well-formed encoder leaves zero in a padded quantum are not checked.
 */
#include "b64.h"

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Byte classes: 0..63 are sextet values, then these. */
#define WS 64 /* whitespace: skipped */
#define PD 65 /* '=': padding */
#define XX 66 /* outside the alphabet: skipped, flagged */

/* clang-format off */
static const unsigned char b64_class[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, WS, WS, WS, WS, WS, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    WS, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, PD, XX, XX,
    XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,
    XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
};
/* clang-format on */

/* ms_b64_init - a decoder at the start of a body */
void ms_b64_init(ms_b64 *d)
{
    d->acc = 0;
    d->n = 0;
    d->pad = 0;
    d->anomalies = 0;
}

/* flush_partial - write the whole bytes held by n (0..3) sextets in acc */
static size_t flush_partial(uint32_t acc, unsigned n, unsigned char *out)
{
    if (n == 2) {
        out[0] = (unsigned char)(acc >> 4);
        return 1;
    }
    if (n == 3) {
        out[0] = (unsigned char)(acc >> 10);
        out[1] = (unsigned char)(acc >> 2);
        return 2;
    }
    return 0;
}

/*
 * end_quantum - '=' seen: write what the quantum holds and start a new one.
 * d->pad counts the '=' still due for the quantum just ended ("xx==" is
 * due two, "xxx=" one); one more than that is a stray byte.
 */
static size_t end_quantum(ms_b64 *d, unsigned char *out)
{
    size_t w = flush_partial(d->acc, d->n, out);

    if (d->n == 0) {
        if (d->pad > 0)
            d->pad--;
        else
            d->anomalies |= MS_ANOM_B64_BAD_CHAR;
        return 0;
    }
    if (d->n == 1) /* six bits make no byte */
        d->anomalies |= MS_ANOM_B64_TRUNCATED;
    d->pad = 3 - d->n; /* '=' left after this one */
    d->n = 0;
    d->acc = 0;
    return w;
}

/*
 * ms_b64_feed - decode len bytes of in into out; out needs room for
 * (len / 4 + 1) * 3 bytes (see the top of this file). Returns the number
 * of bytes written. Never reads in[len] or beyond.
 */
size_t ms_b64_feed(ms_b64 *d, const char *in, size_t len, unsigned char *out)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + len;
    unsigned char *o = out;

    while (p < end) {
        /* Fast path: a whole quantum of alphabet bytes, the common case. */
        if (d->n == 0 && end - p >= 4) {
            unsigned a = b64_class[p[0]], b = b64_class[p[1]];
            unsigned c = b64_class[p[2]], e = b64_class[p[3]];
            if ((a | b | c | e) < 64) {
                uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | e;
                o[0] = (unsigned char)(v >> 16);
                o[1] = (unsigned char)(v >> 8);
                o[2] = (unsigned char)v;
                o += 3;
                p += 4;
                d->pad = 0;
                continue;
            }
        }
        unsigned k = b64_class[*p++];
        if (k < 64) {
            d->acc = d->acc << 6 | k;
            d->pad = 0;
            if (++d->n == 4) {
                o[0] = (unsigned char)(d->acc >> 16);
                o[1] = (unsigned char)(d->acc >> 8);
                o[2] = (unsigned char)d->acc;
                o += 3;
                d->n = 0;
                d->acc = 0;
            }
        } else if (k == PD) {
            o += end_quantum(d, o);
        } else if (k == XX) {
            d->anomalies |= MS_ANOM_B64_BAD_CHAR;
        }
    }
    return (size_t)(o - out);
}

/*
 * ms_b64_finish - end of data: write the bytes of an unfinished quantum
 * (at most 2; out needs room for 3) and flag it. The decoder is left ready
 * for ms_b64_init(); anomalies are kept for the caller to read.
 */
size_t ms_b64_finish(ms_b64 *d, unsigned char *out)
{
    size_t w = flush_partial(d->acc, d->n, out);

    if (d->n != 0)
        d->anomalies |= MS_ANOM_B64_TRUNCATED;
    d->acc = 0;
    d->n = 0;
    d->pad = 0;
    return w;
}
