/*
 * qp.c - streaming quoted-printable decoder
 *
 * Decodes a quoted-printable body (Content-Transfer-Encoding:
 * quoted-printable) chunk by chunk, so "4111=\r\n1111" reaches the rules as
 * "41111111" and "=34=31" as "41". Any chunking gives the same output: an
 * escape cut by a chunk boundary is held in the state (at most
 * MS_QP_SLACK bytes) until the bytes that finish it arrive.
 *
 * Standard: RFC 2045 6.7. "=XY" with two hex digits is the byte 0xXY
 * (rule 1); "=" at the end of a line is a soft line break and vanishes with
 * the line break (rule 5); every other byte stands for itself. Line breaks
 * are copied as they come (CRLF or bare LF).
 *
 * States: TEXT (ordinary bytes), EQ (after '='), EQ_HEX (one hex digit
 * seen), EQ_WS (blanks after '='), EQ_CR (a soft break's '\r'). Only the
 * cases that consume a byte advance the index, so a byte that breaks an
 * escape is read again in TEXT (where a '=' starts the next escape).
 *
 * Tolerated on purpose:
 * - Lowercase hex digits ("=3d"), as GMime and most decoders accept.
 * - A soft break by bare LF ("=\n"), and '=' followed by up to
 *   MS_QP_BLANKS_MAX spaces or tabs and then the line break ("= \r\n"):
 *   RFC 2045 calls trailing blanks transport padding, and MTAs add them.
 *   GMime does not take the latter as a soft break and keeps "= \r\n".
 * - A broken escape ("=zz", "=4" then a non-hex byte, "=\r" without "\n",
 *   '=' then too many blanks) passes through literally and sets
 *   MS_ANOM_QP_BROKEN_ESCAPE: senders hide digits behind broken escapes,
 *   so nothing is dropped. Unlike GMime, only the held bytes are written
 *   literally and the breaking byte is read again, so "=4=31" gives "=41"
 *   where GMime gives "=4=31".
 * - Trailing blanks before a hard line break are kept, as GMime keeps them
 *   (RFC 2045 says to delete them); they do not change what the rules see
 *   and keeping them keeps the output equal to the reference decoder's.
 * - At the end of the data, '=' (with blanks or '\r' after it) is a soft
 *   break: the MIME parser gives the CRLF before a boundary to the
 *   boundary, so a body ending "=\r\n" arrives here as "=". An escape cut
 *   after its first hex digit ("=4") is written literally and flagged;
 *   GMime drops both.
 *
 * Room: one feed of len bytes writes at most len + MS_QP_SLACK bytes. Each
 * input byte is written once, dropped or, with two others, becomes one
 * byte, so the output never outgrows the input; a feed may in addition
 * write what the previous feeds held (at most MS_QP_SLACK bytes: '=',
 * MS_QP_BLANKS_MAX blanks and '\r'). Finish writes at most 2 bytes.
 *
 * BUGS
 * Encoded line breaks are not canonicalised; bytes an encoder should have
 * escaped (8-bit bytes, control characters, lines over 76 characters) pass
 * through without comment.
 */
#include "qp.h"

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum qp_state {
    QP_TEXT = 0, /* ordinary bytes */
    QP_EQ,       /* held: "=" */
    QP_EQ_HEX,   /* held: "=X", X a hex digit */
    QP_EQ_WS,    /* held: "=" and one or more blanks */
    QP_EQ_CR,    /* held: "=", maybe blanks, and "\r" */
} qp_state;

/* Blanks held after '=' while waiting for the line break; with '=' and '\r'
 * they must fit in MS_QP_SLACK. More than this is not padding but text. */
#define MS_QP_BLANKS_MAX (MS_QP_SLACK - 2)

/* ms_qp_init - a decoder at the start of a body */
void ms_qp_init(ms_qp *d)
{
    d->state = QP_TEXT;
    d->nheld = 0;
    d->anomalies = 0;
}

/* hex_value - the value of a hex digit either case, or -1 */
static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20; /* ASCII lower case */
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* hold - keep c as part of the escape and move to state s */
static void hold(ms_qp *d, unsigned char c, qp_state s)
{
    d->held[d->nheld++] = (char)c;
    d->state = s;
}

/* soft_break - the held escape was a soft line break: it vanishes */
static void soft_break(ms_qp *d)
{
    d->nheld = 0;
    d->state = QP_TEXT;
}

/* release - the held escape is broken: write it literally and flag it */
static size_t release(ms_qp *d, char *out)
{
    size_t n = d->nheld;

    memcpy(out, d->held, n);
    d->anomalies |= MS_ANOM_QP_BROKEN_ESCAPE;
    d->nheld = 0;
    d->state = QP_TEXT;
    return n;
}

/*
 * line_end_step - after '=' (and blanks): blanks up to the limit are held,
 * '\r' waits for its '\n', '\n' ends a soft break. Returns false for any
 * other byte.
 */
static bool line_end_step(ms_qp *d, unsigned char c)
{
    if (c == '\n') {
        soft_break(d);
        return true;
    }
    if (c == '\r') {
        hold(d, c, QP_EQ_CR);
        return true;
    }
    if (is_blank(c) && d->nheld < 1 + MS_QP_BLANKS_MAX) {
        hold(d, c, QP_EQ_WS);
        return true;
    }
    return false;
}

/*
 * escape_step - one byte c in an escape state. Returns true if c was
 * consumed; false if it broke the escape, whose held bytes are then
 * written to out (*o advanced) and c must be read again in TEXT.
 */
static bool escape_step(ms_qp *d, unsigned char c, char *out, size_t *o)
{
    switch ((qp_state)d->state) {
    case QP_EQ:
        if (hex_value(c) >= 0) {
            hold(d, c, QP_EQ_HEX);
            return true;
        }
        if (line_end_step(d, c))
            return true;
        break;
    case QP_EQ_WS:
        if (line_end_step(d, c))
            return true;
        break;
    case QP_EQ_HEX:
        if (hex_value(c) >= 0) {
            out[(*o)++] = (char)(hex_value((unsigned char)d->held[1]) << 4 | hex_value(c));
            d->nheld = 0;
            d->state = QP_TEXT;
            return true;
        }
        break;
    case QP_EQ_CR:
        if (c == '\n') {
            soft_break(d);
            return true;
        }
        break;
    case QP_TEXT:
        break;
    }
    *o += release(d, out + *o);
    return false;
}

/*
 * ms_qp_feed - decode len bytes of in into out. out needs room for
 * len + MS_QP_SLACK bytes: the input's own bytes plus an escape held from
 * earlier feeds that this one shows to be broken and writes literally.
 * Returns the number of bytes written. Never reads in[len] or beyond.
 */
size_t ms_qp_feed(ms_qp *d, const char *in, size_t len, char *out)
{
    size_t i = 0, o = 0;

    while (i < len) {
        if (d->state != QP_TEXT) {
            if (escape_step(d, (unsigned char)in[i], out, &o))
                i++;
            continue;
        }
        const char *eq = memchr(in + i, '=', len - i);
        size_t run = eq ? (size_t)(eq - (in + i)) : len - i;
        memcpy(out + o, in + i, run);
        o += run;
        i += run;
        if (eq) {
            hold(d, '=', QP_EQ);
            i++;
        }
    }
    return o;
}

/*
 * ms_qp_finish - end of data: a held '=' (with blanks or '\r') is a soft
 * break and vanishes; a held "=X" is written literally and flagged. out
 * needs room for MS_QP_SLACK bytes (at most 2 are written). The decoder is
 * left in TEXT; anomalies are kept for the caller to read.
 */
size_t ms_qp_finish(ms_qp *d, char *out)
{
    size_t w = 0;

    if (d->state == QP_EQ_HEX)
        w = release(d, out);
    soft_break(d);
    return w;
}
