/*
 * norm.c - normalise decoded text so that disguised digits and words match
 *
 * Senders (and word processors) put characters between the digits of a
 * card number that a reader does not see or reads as a space: no-break and
 * thin spaces, zero-width spaces and joiners, soft hyphens, fullwidth
 * digits, Unicode dashes. The rules are written for ASCII spaces, dashes
 * and digits, so before matching:
 *
 *   U+00A0, U+2000..U+200A, U+202F, U+205F, U+3000   -> ' '
 *   U+200B..U+200D, U+2060, U+FEFF, U+00AD           -> removed
 *   U+2010..U+2015, U+2212, U+FE58, U+FE63, U+FF0D   -> '-'
 *   U+FF10..U+FF19 (fullwidth digits)                -> '0'..'9'
 *
 * Every mapping makes the text shorter or keeps its length, so output never
 * exceeds input (plus a held sequence). Other bytes, valid or not, pass
 * through unchanged: charset conversion already replaced invalid input.
 * ASCII runs are copied without inspection of each byte's class.
 *
 * BUGS: letters are not folded (homoglyphs such as Cyrillic 'а' for 'a'
 * are left as they are); combining marks are kept.
 */
#include "norm.h"

#include <string.h>

void ms_norm_init(ms_norm *n)
{
    n->hlen = 0;
}

/* Length of the UTF-8 sequence led by byte c (1 for ASCII and stray bytes). */
static size_t seq_len(unsigned char c)
{
    if (c < 0xC2)
        return 1;
    if (c < 0xE0)
        return 2;
    if (c < 0xF0)
        return 3;
    return c < 0xF5 ? 4 : 1;
}

/* Are all n bytes continuation bytes? */
static int tail_continues(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return 1;
}

/* Decode a complete sequence of length n; -1 if malformed. */
static long decode(const unsigned char *s, size_t n)
{
    long cp;
    if (n == 2)
        cp = s[0] & 0x1F;
    else if (n == 3)
        cp = s[0] & 0x0F;
    else
        cp = s[0] & 0x07;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    return cp;
}

/* Write the normal form of one sequence; returns bytes written. */
static size_t map(const unsigned char *s, size_t n, char *out)
{
    long cp = decode(s, n);

    if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
        cp == 0x3000) {
        *out = ' ';
        return 1;
    }
    if ((cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp == 0xAD)
        return 0;
    if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFE58 || cp == 0xFE63 ||
        cp == 0xFF0D) {
        *out = '-';
        return 1;
    }
    if (cp >= 0xFF10 && cp <= 0xFF19) {
        *out = (char)('0' + (cp - 0xFF10));
        return 1;
    }
    memcpy(out, s, n);
    return n;
}

/* Complete the held sequence from in; returns input bytes used. */
static size_t finish_held(ms_norm *n, const unsigned char *in, size_t len, char *out, size_t *o)
{
    size_t need = seq_len(n->hold[0]), used = 0;

    while (n->hlen < need && used < len && (in[used] & 0xC0) == 0x80)
        n->hold[n->hlen++] = in[used++];
    if (n->hlen == need) {
        *o += map(n->hold, need, out + *o);
        n->hlen = 0;
    } else if (used < len) { /* broken by a non-continuation byte */
        memcpy(out + *o, n->hold, n->hlen);
        *o += n->hlen;
        n->hlen = 0;
    }
    return used;
}

size_t ms_norm_feed(ms_norm *n, const char *in_, size_t len, char *out)
{
    const unsigned char *in = (const unsigned char *)in_;
    size_t i = 0, o = 0;

    if (n->hlen)
        i = finish_held(n, in, len, out, &o);
    while (i < len) {
        size_t run = i;
        while (run < len && in[run] < 0x80)
            run++;
        memcpy(out + o, in + i, run - i);
        o += run - i;
        i = run;
        if (i == len)
            break;
        size_t sl = seq_len(in[i]);
        if (i + sl > len && tail_continues(in + i + 1, len - i - 1)) {
            /* cut by the chunk end: hold it */
            n->hlen = len - i;
            memcpy(n->hold, in + i, n->hlen);
            break;
        }
        if (i + sl > len) { /* a lead byte not followed by its sequence */
            out[o++] = (char)in[i++];
            continue;
        }
        if (sl == 1 || decode(in + i, sl) < 0) {
            out[o++] = (char)in[i++];
            continue;
        }
        o += map(in + i, sl, out + o);
        i += sl;
    }
    return o;
}

size_t ms_norm_finish(ms_norm *n, char *out)
{
    size_t k = n->hlen;
    memcpy(out, n->hold, k);
    n->hlen = 0;
    return k;
}
