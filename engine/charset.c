/*
 * charset.c - conversion of declared charsets to UTF-8 (glibc iconv), streaming
 *
 * A text part's bytes arrive in chunks of any size after transfer decoding;
 * ms_charset_feed() turns them into UTF-8 for the rules without ever holding
 * the part. A multibyte character cut by a chunk end is held (up to
 * MS_CHARSET_HOLD bytes) and finished by the next chunk, so every chunking
 * gives the same output. ms_charset_convert() does the same for one short
 * string (RFC 2047 words, RFC 2231 parameters).
 *
 * Standards: RFC 2045 5.1 and RFC 2046 4.1.2 (the charset parameter,
 * case-insensitive IANA names, RFC 2978), RFC 3629 (what valid UTF-8 is),
 * RFC 2781 4.3 (UTF-16 without a byte order mark is big-endian).
 *
 * Names are cleaned (case, surrounding quotes and blanks, iso8859_1 and
 * cp1252 spellings) and mapped through an alias table to the name iconv is
 * opened with. Descriptors are kept in a small LRU cache per ms_charset and
 * reset on reuse, so steady-state scanning never calls iconv_open(). The
 * descriptor of a stream in progress is never reused or evicted by a one-shot
 * conversion, which opens a second one if it needs the same charset.
 *
 * Tolerated on purpose, because real mail does it:
 *  - us-ascii (and no charset at all) is read as UTF-8: MUAs that never
 *    declare a charset send UTF-8, and UTF-8 is a superset of ASCII;
 *  - utf-8 and us-ascii skip iconv: valid UTF-8 is copied as it is, and
 *    each byte that is not is replaced by U+FFFD;
 *  - bytes invalid in the declared charset become U+FFFD, one per byte
 *    skipped, and set MS_ANOM_CHARSET_INVALID; the text around them is kept;
 *  - an unknown charset passes the bytes through untouched and sets
 *    MS_ANOM_CHARSET_UNKNOWN: digits and ASCII words are still scanned;
 *  - labels are read as the superset the sender's software really used:
 *    ks_c_5601-1987 and euc-kr as cp949 (UHC), gb2312 as gbk; like GMime,
 *    iso-8859-1 stays iso-8859-1 (not windows-1252 as browsers do);
 *  - utf-16 and utf-32 are sniffed from the first bytes (a byte order
 *    mark, or where the NUL of an ASCII character sits), never handed to
 *    glibc's "UTF-16": that descriptor remembers the byte order of the last
 *    stream even after a reset.
 *
 * Where glibc cannot be trusted to give the same answer for every chunking,
 * we do not use it: UTF-7 is decoded here (RFC 2152), because glibc reports
 * a bad surrogate at a place that depends on where its input ended; glibc's
 * UTF-7-IMAP, which has the same fault and no business in mail, is refused
 * as unknown. glibc's UHC module sometimes reports EILSEQ after consuming
 * the bad pair; see after_error(). fuzz/fuzz_charset.c checks whole, chunked
 * and one-shot conversions agree for some forty charsets.
 *
 * BUGS
 *  - Charset names longer than MS_CHARSET_NAME_MAX - 1 or containing bytes
 *    outside [a-z0-9._:+-] (after cleaning) are unknown, so that a sender
 *    cannot smuggle iconv suffixes such as "//IGNORE" in.
 *  - Output is capped at 3 * len + MS_CHARSET_SLACK bytes per call. Only
 *    TSCII (one byte to up to four characters) can exceed it; the rest of
 *    that chunk is dropped and MS_ANOM_CHARSET_INVALID is set.
 *  - An incomplete sequence longer than MS_CHARSET_HOLD bytes is treated
 *    as invalid; no charset iconv knows has one.
 *  - A byte order mark in text declared utf-16le/utf-16be is kept (as
 *    U+FEFF), as iconv and GMime keep it.
 *  - After a cp949 pair that glibc consumed and rejected, an invalid byte
 *    right behind it is skipped without a U+FFFD of its own.
 *  - glibc charsets not in the fuzzer's list are trusted to report bad
 *    input at the same place however the input is chunked.
 */
#include "charset.h"
#include "util.h"

#include <mailsift/mailsift.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NO_CD       ((iconv_t)-1)
#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

enum mode {
    MODE_IDLE,    /* no stream: bytes pass through */
    MODE_RAW,     /* unknown charset: bytes pass through */
    MODE_UTF8,    /* utf-8 and us-ascii: validated copy */
    MODE_ICONV,   /* c->cur converts */
    MODE_SNIFF16, /* utf-16: byte order not known yet */
    MODE_SNIFF32, /* utf-32: byte order not known yet */
    MODE_UTF7,    /* utf-7: decoded here (utf7_byte) */
};

enum { U7_DIRECT, U7_PLUS, U7_BASE64 }; /* ms_charset_utf7.state */

/* Labels seen in mail, after cleaning, and the name we convert with. */
static const struct charset_alias {
    const char *label, *name;
} aliases[] = {
    {"", "us-ascii"},
    {"ascii", "us-ascii"},
    {"ansi_x3.4-1968", "us-ascii"},
    {"iso646-us", "us-ascii"},
    {"csascii", "us-ascii"},
    {"us", "us-ascii"},
    {"utf8", "utf-8"},
    {"unicode-1-1-utf-8", "utf-8"},
    {"utf16", "utf-16"},
    {"unicode", "utf-16"}, /* Windows' name for UTF-16 with a byte order mark */
    {"csunicode", "utf-16"},
    {"utf32", "utf-32"},
    {"utf7", "utf-7"},
    {"unicode-1-1-utf-7", "utf-7"},
    {"csunicode11utf7", "utf-7"},
    {"latin1", "iso-8859-1"},
    {"latin-1", "iso-8859-1"},
    {"l1", "iso-8859-1"},
    {"latin2", "iso-8859-2"},
    {"l2", "iso-8859-2"},
    /* Outlook labels UHC ks_c_5601-1987; cp949 decodes EUC-KR as well */
    {"ks_c_5601-1987", "cp949"},
    {"ks_c_5601-1989", "cp949"},
    {"ks_c_5601", "cp949"},
    {"ksc_5601", "cp949"},
    {"ksc5601", "cp949"},
    {"ksc-5601", "cp949"},
    {"5601", "cp949"},
    {"euc-kr", "cp949"},
    {"euckr", "cp949"},
    {"windows-949", "cp949"},
    {"x-windows-949", "cp949"},
    {"x-sjis", "shift_jis"},
    {"shift-jis", "shift_jis"},
    {"sjis", "shift_jis"},
    {"ms_kanji", "shift_jis"},
    {"csshiftjis", "shift_jis"},
    {"x-euc-jp", "euc-jp"},
    {"eucjp", "euc-jp"},
    /* gbk is a superset of gb2312 and what senders labelled gb2312 use */
    {"gb2312", "gbk"},
    {"gb_2312-80", "gbk"},
    {"csgb2312", "gbk"},
    {"euc-cn", "gbk"},
    {"x-euc-cn", "gbk"},
    {"x-gbk", "gbk"},
    {"cp936", "gbk"},
    {"windows-936", "gbk"},
    {"chinese", "gbk"},
    {"x-x-big5", "big5"},
    {"cn-big5", "big5"},
    {"csbig5", "big5"},
    {"x-mac-roman", "macintosh"},
    {"tis620", "tis-620"},
    {"koi8r", "koi8-r"},
    /* refused (NULL): not for mail, and glibc reports their bad input at
     * a place that depends on where the chunks end */
    {"utf-7-imap", NULL},
};

/* Blank or quote around a declared name ("UTF-8" , 'utf-8'). */
static bool is_name_junk(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '"' || ch == '\'';
}

static bool is_name_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
           ch == '.' || ch == ':' || ch == '+';
}

/* Trim and lower-case name into buf; false if it cannot be a charset. */
static bool clean_name(const char *name, char buf[MS_CHARSET_NAME_MAX])
{
    size_t len = strlen(name), i = 0;

    buf[0] = '\0';
    while (len > 0 && is_name_junk((unsigned char)name[len - 1]))
        len--;
    while (i < len && is_name_junk((unsigned char)name[i]))
        i++;
    if (len - i >= MS_CHARSET_NAME_MAX)
        return false;
    for (size_t k = 0; i < len; i++, k++) {
        buf[k] = (char)ms_lower((unsigned char)name[i]);
        if (!is_name_char((unsigned char)buf[k]))
            return false;
        buf[k + 1] = '\0';
    }
    return true;
}

/* iso8859-1, iso_8859-1:1987, iso-8859-8-i ... -> iso-8859-N */
static void canon_iso8859(char *buf)
{
    const char *p = buf + 3;
    unsigned part = 0;

    if (strncmp(buf, "iso", 3) != 0)
        return;
    if (*p == '-' || *p == '_')
        p++;
    if (strncmp(p, "8859", 4) != 0)
        return;
    p += 4;
    if (*p == '-' || *p == '_')
        p++;
    if (*p < '0' || *p > '9')
        return;
    while (*p >= '0' && *p <= '9' && part < 100)
        part = part * 10 + (unsigned)(*p++ - '0');
    /* ":1987" is the IANA year; "-i"/"-e" only say how Hebrew and Arabic
     * are laid out (RFC 1556), which does not change the bytes */
    if (*p == '\0' || *p == ':' || strcmp(p, "-i") == 0 || strcmp(p, "-e") == 0)
        snprintf(buf, MS_CHARSET_NAME_MAX, "iso-8859-%u", part);
}

/* cp1252, x-cp1252, windows-cp1252 -> windows-1252 */
static void canon_windows(char *buf)
{
    static const char *const prefixes[] = {"cp", "x-cp", "windows-cp"};

    for (unsigned i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        const char *p = buf + n;
        if (strncmp(buf, prefixes[i], n) == 0 && strncmp(p, "125", 3) == 0 && p[3] >= '0' &&
            p[3] <= '8' && p[4] == '\0') {
            char digit = p[3];
            snprintf(buf, MS_CHARSET_NAME_MAX, "windows-125%c", digit);
            return;
        }
    }
}

/* Map a declared name to a mode; canon gets the name to open iconv with. */
static int classify(const char *name, char canon[MS_CHARSET_NAME_MAX])
{
    if (!clean_name(name ? name : "", canon))
        return MODE_RAW;
    canon_iso8859(canon);
    canon_windows(canon);
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (strcmp(canon, aliases[i].label) == 0) {
            if (!aliases[i].name)
                return MODE_RAW;
            strcpy(canon, aliases[i].name);
            break;
        }
    }
    if (strcmp(canon, "us-ascii") == 0 || strcmp(canon, "utf-8") == 0)
        return MODE_UTF8;
    if (strcmp(canon, "utf-16") == 0)
        return MODE_SNIFF16;
    if (strcmp(canon, "utf-32") == 0)
        return MODE_SNIFF32;
    if (strcmp(canon, "utf-7") == 0)
        return MODE_UTF7;
    return MODE_ICONV;
}

/*
 * Choose the byte order of utf-16 (unit 2) or utf-32 (unit 4) from the
 * first unit b; returns how many bytes of byte order mark to skip.
 */
static size_t sniff_order(size_t unit, const unsigned char *b, const char **name)
{
    if (unit == 2) {
        *name = "utf-16be";
        if (b[0] == 0xff && b[1] == 0xfe) {
            *name = "utf-16le";
            return 2;
        }
        if (b[0] == 0xfe && b[1] == 0xff)
            return 2;
        /* an ASCII character has its NUL first in big-endian */
        if (b[0] != 0 && b[1] == 0)
            *name = "utf-16le";
        return 0;
    }
    *name = "utf-32be";
    if (b[0] == 0xff && b[1] == 0xfe && b[2] == 0 && b[3] == 0) {
        *name = "utf-32le";
        return 4;
    }
    if (b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff)
        return 4;
    if (b[0] != 0 && b[3] == 0)
        *name = "utf-32le";
    return 0;
}

/*
 * A descriptor converting canon to UTF-8, reset, from the cache or newly
 * opened into the least recently used slot; NO_CD if iconv does not know
 * canon. The current stream's descriptor is neither handed out nor evicted.
 */
static iconv_t cache_acquire(ms_charset *c, const char *canon)
{
    ms_charset_slot *victim = NULL;

    for (int i = 0; i < MS_CHARSET_CACHE; i++) {
        ms_charset_slot *s = &c->slots[i];
        bool busy = s->cd != NO_CD && s->cd == c->cur;
        if (!busy && s->name[0] && strcmp(s->name, canon) == 0) {
            s->last_use = ++c->clock;
            if (s->cd != NO_CD)
                iconv(s->cd, NULL, NULL, NULL, NULL);
            return s->cd;
        }
        if (busy)
            continue;
        if (!victim || (victim->name[0] && (!s->name[0] || s->last_use < victim->last_use)))
            victim = s;
    }
    if (!victim) /* cannot happen: only one slot is busy */
        return NO_CD;
    iconv_t cd = iconv_open("UTF-8", canon);
    if (cd == NO_CD && errno != EINVAL)
        return NO_CD; /* out of memory or descriptors: do not remember */
    if (victim->cd != NO_CD)
        iconv_close(victim->cd);
    strcpy(victim->name, canon); /* canon is shorter than MS_CHARSET_NAME_MAX */
    victim->cd = cd;             /* NO_CD remembers an unknown name */
    victim->last_use = ++c->clock;
    return cd;
}

void ms_charset_init(ms_charset *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < MS_CHARSET_CACHE; i++)
        c->slots[i].cd = NO_CD;
    c->cur = NO_CD;
    c->mode = MODE_IDLE;
}

void ms_charset_fini(ms_charset *c)
{
    for (int i = 0; i < MS_CHARSET_CACHE; i++)
        if (c->slots[i].cd != NO_CD)
            iconv_close(c->slots[i].cd);
    ms_charset_init(c);
}

/*
 * Length of the UTF-8 sequence at s[0..n): > 0 when it is valid, 0 when it
 * is a valid beginning cut short by n, -1 when it is invalid (RFC 3629 4:
 * no overlong forms, no surrogates, nothing above U+10FFFF).
 */
static int utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    int need;

    if (c < 0x80)
        return 1;
    if (c < 0xc2 || c > 0xf4)
        return -1;
    if (c < 0xe0) {
        need = 2;
    } else if (c < 0xf0) {
        need = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else {
        need = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    }
    for (int k = 1; k < need; k++) {
        if ((size_t)k >= n)
            return 0;
        if (s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xbf))
            return -1;
    }
    return need;
}

/* End of the longest run of valid UTF-8 starting at in[i]. */
static size_t utf8_valid_end(const unsigned char *in, size_t len, size_t i)
{
    while (i < len) {
        uint64_t w;
        if (len - i >= 8) { /* ASCII eight bytes at a time */
            memcpy(&w, in + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        int r = utf8_seq(in + i, len - i);
        if (r <= 0)
            break;
        i += (size_t)r;
    }
    return i;
}

/*
 * Copy the valid UTF-8 of in[0..len) to out (at most room bytes, never
 * part of a character), each invalid byte as U+FFFD. Unless final, stops
 * before an incomplete sequence at the end. *used gets the bytes consumed.
 */
static size_t utf8_scan(const unsigned char *in, size_t len, bool final, char *out, size_t room,
                        size_t *used, uint32_t *anom)
{
    size_t i = 0, o = 0;

    while (i < len) {
        size_t j = utf8_valid_end(in, len, i), n = j - i;
        if (n > room - o) {
            n = room - o;
            while (n > 0 && (in[i + n] & 0xc0) == 0x80)
                n--;
            memcpy(out + o, in + i, n);
            o += n;
            i += n;
            break;
        }
        memcpy(out + o, in + i, n);
        o += n;
        i = j;
        if (i == len || (!final && utf8_seq(in + i, len - i) == 0) || room - o < 3)
            break;
        memcpy(out + o, REPLACEMENT, 3);
        o += 3;
        i++;
        *anom |= MS_ANOM_CHARSET_INVALID;
    }
    *used = i;
    return o;
}

static size_t put_invalid(uint32_t *anom, char *out)
{
    *anom |= MS_ANOM_CHARSET_INVALID;
    memcpy(out, REPLACEMENT, 3);
    return 3;
}

static int b64_value(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* One UTF-16 unit from a base64 run; a surrogate without its pair is
 * invalid. Writes at most 7 bytes. */
static size_t utf7_unit(ms_charset_utf7 *u, unsigned unit, char *out, uint32_t *anom)
{
    size_t o = 0;

    if (u->high && unit >= 0xdc00 && unit < 0xe000) {
        uint32_t cp = 0x10000 + ((uint32_t)(u->high - 0xd800) << 10) + (unit - 0xdc00);
        u->high = 0;
        return ms_utf8_put(out, cp);
    }
    if (u->high) {
        o += put_invalid(anom, out);
        u->high = 0;
    }
    if (unit >= 0xd800 && unit < 0xdc00)
        u->high = (uint16_t)unit;
    else if (unit >= 0xdc00 && unit < 0xe000)
        o += put_invalid(anom, out + o);
    else
        o += ms_utf8_put(out + o, unit);
    return o;
}

/* Leave a base64 run (RFC 2152: fewer than six bits left, all zero, and
 * "+" alone is ill-formed unless "+-"). */
static size_t utf7_end_run(ms_charset_utf7 *u, bool dash, char *out, uint32_t *anom)
{
    bool bad = u->high || u->nbits >= 6 || (u->acc & ((1u << u->nbits) - 1)) ||
               (u->state == U7_PLUS && !dash);
    bool plus = u->state == U7_PLUS && dash;

    u->state = U7_DIRECT;
    u->acc = u->nbits = u->high = 0;
    if (plus) { /* "+-" is a plus sign */
        out[0] = '+';
        return 1;
    }
    return bad ? put_invalid(anom, out) : 0;
}

/*
 * UTF-7 (RFC 2152), one byte at a time: glibc reports a bad surrogate at
 * a place that depends on where the chunks end, so it cannot be used for a
 * stream that must not depend on chunking. Writes at most 7 bytes.
 */
static size_t utf7_byte(ms_charset_utf7 *u, unsigned char ch, char *out, uint32_t *anom)
{
    size_t o = 0;

    if (u->state != U7_DIRECT) {
        int v = b64_value(ch);
        if (v >= 0) {
            u->state = U7_BASE64;
            u->acc = (u->acc << 6 | (unsigned)v) & 0x3fffff;
            u->nbits += 6;
            if (u->nbits < 16)
                return 0;
            u->nbits -= 16;
            return utf7_unit(u, u->acc >> u->nbits & 0xffff, out, anom);
        }
        o = utf7_end_run(u, ch == '-', out, anom);
        if (ch == '-')
            return o;
    }
    if (ch == '+')
        u->state = U7_PLUS;
    else if (ch >= 0x80)
        o += put_invalid(anom, out + o);
    else
        out[o++] = (char)ch;
    return o;
}

static size_t feed_utf7(ms_charset *c, const char *in, size_t len, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++)
        o += utf7_byte(&c->utf7, (unsigned char)in[i], out + o, &c->anomalies);
    return o;
}

/* One-shot UTF-7 into out[0..cap), cut before a character that does not fit. */
static size_t convert_utf7(const char *in, size_t len, char *out, size_t cap, uint32_t *anom)
{
    ms_charset_utf7 u = {0, 0, U7_DIRECT, 0};
    char tmp[8];
    size_t o = 0, n = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len)
            n = utf7_byte(&u, (unsigned char)in[i], tmp, anom);
        else
            n = u.state == U7_DIRECT ? 0 : utf7_end_run(&u, false, tmp, anom);
        if (n > cap - o)
            break;
        memcpy(out + o, tmp, n);
        o += n;
    }
    return o;
}

/* Forget the first n held bytes. */
static void drop_held(ms_charset *c, size_t n)
{
    memmove(c->hold, c->hold + n, c->hlen - n);
    c->hlen -= n;
}

static size_t feed_utf8(ms_charset *c, const char *in, size_t len, char *out)
{
    size_t o = 0, used;

    while (c->hlen > 0 && len > 0) {
        unsigned char tmp[8];
        size_t take = len < 4 ? len : 4;
        memcpy(tmp, c->hold, c->hlen);
        memcpy(tmp + c->hlen, in, take);
        int r = utf8_seq(tmp, c->hlen + take);
        if (r == 0) { /* still cut short: all of in belongs to it */
            memcpy(c->hold + c->hlen, in, len);
            c->hlen += len;
            return o;
        }
        if (r > 0) {
            memcpy(out + o, tmp, (size_t)r);
            o += (size_t)r;
            in += (size_t)r - c->hlen;
            len -= (size_t)r - c->hlen;
            c->hlen = 0;
            break;
        }
        memcpy(out + o, REPLACEMENT, 3);
        o += 3;
        c->anomalies |= MS_ANOM_CHARSET_INVALID;
        drop_held(c, 1);
    }
    o += utf8_scan((const unsigned char *)in, len, false, out + o, SIZE_MAX, &used, &c->anomalies);
    memcpy(c->hold + c->hlen, in + used, len - used);
    c->hlen += len - used;
    return o;
}

/* One iconv() call from in into out[*o..cap); returns the bytes consumed
 * and sets *err to 0 or the errno. */
static size_t iconv_step(iconv_t cd, const char *in, size_t len, char *out, size_t *o, size_t cap,
                         int *err)
{
    char *ip = (char *)in, *op = out + *o;
    size_t il = len, ol = cap - *o;

    *err = iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ? errno : 0;
    *o = (size_t)(op - out);
    return len - il;
}

/* Write U+FFFD for an invalid byte; false when the output cap is reached. */
static bool put_replacement(uint32_t *anom, char *out, size_t *o, size_t cap)
{
    *anom |= MS_ANOM_CHARSET_INVALID;
    if (cap - *o < 3)
        return false;
    memcpy(out + *o, REPLACEMENT, 3);
    *o += 3;
    return true;
}

/*
 * iconv() stopped on bad input (err) with n bytes left: write U+FFFD and
 * say how many bytes to skip, or -1 to give up (output cap, other errors).
 *
 * POSIX says iconv() stops at the bad sequence, but glibc's UHC (cp949)
 * module sometimes reports EILSEQ after consuming it. So the first report
 * writes U+FFFD and skips nothing; only if the retry at the same byte
 * fails again (*replaced still set: no progress) is one byte skipped.
 */
static int after_error(int err, size_t n, bool *replaced, uint32_t *anom, char *out, size_t *o,
                       size_t cap)
{
    if (err != EILSEQ && err != EINVAL) {
        *anom |= MS_ANOM_CHARSET_INVALID; /* E2BIG: over the output cap (TSCII) */
        return -1;
    }
    if (!*replaced) {
        if (!put_replacement(anom, out, o, cap))
            return -1;
        *replaced = true;
        return 0;
    }
    *replaced = false;
    return n > 0 ? 1 : 0;
}

/*
 * Convert the held bytes. Unless at_end, an incomplete sequence at their
 * end stays held while there is room to complete it. False when the
 * output cap was reached (what was held is dropped).
 */
static bool convert_held(ms_charset *c, bool at_end, char *out, size_t *o, size_t cap)
{
    while (c->hlen > 0) {
        int err;
        size_t k = iconv_step(c->cur, c->hold, c->hlen, out, o, cap, &err);
        drop_held(c, k);
        if (k > 0)
            c->replaced = false;
        if (err == 0 || (err == EINVAL && !at_end && c->hlen < MS_CHARSET_HOLD))
            return true;
        int skip = after_error(err, c->hlen, &c->replaced, &c->anomalies, out, o, cap);
        if (skip < 0) {
            c->hlen = 0;
            return false;
        }
        drop_held(c, (size_t)skip);
    }
    return true;
}

static size_t feed_iconv(ms_charset *c, const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;

    while (c->hlen > 0 && len > 0) { /* held bytes first, topped up from in */
        size_t t = MS_CHARSET_HOLD - c->hlen < len ? MS_CHARSET_HOLD - c->hlen : len;
        memcpy(c->hold + c->hlen, in, t);
        c->hlen += t;
        in += t;
        len -= t;
        if (!convert_held(c, false, out, &o, cap))
            return o;
    }
    while (len > 0) {
        int err;
        size_t k = iconv_step(c->cur, in, len, out, &o, cap, &err);
        in += k;
        len -= k;
        if (k > 0)
            c->replaced = false;
        if (err == 0)
            break;
        if (err == EINVAL && len < MS_CHARSET_HOLD) {
            memcpy(c->hold, in, len);
            c->hlen = len;
            break;
        }
        int skip = after_error(err, len, &c->replaced, &c->anomalies, out, &o, cap);
        if (skip < 0)
            break;
        in += skip;
        len -= (size_t)skip;
    }
    return o;
}

/* utf-16/utf-32: collect the first unit, pick the byte order, go on. */
static size_t feed_sniff(ms_charset *c, const char *in, size_t len, char *out, size_t cap)
{
    size_t unit = c->mode == MODE_SNIFF16 ? 2 : 4;
    size_t take = unit - c->hlen < len ? unit - c->hlen : len;
    const char *name;

    memcpy(c->hold + c->hlen, in, take);
    c->hlen += take;
    if (c->hlen < unit)
        return 0;
    drop_held(c, sniff_order(unit, (const unsigned char *)c->hold, &name));
    c->cur = cache_acquire(c, name);
    if (c->cur == NO_CD) { /* glibc without UTF-16 modules: keep the bytes */
        size_t h = c->hlen;
        c->mode = MODE_RAW;
        c->anomalies |= MS_ANOM_CHARSET_UNKNOWN;
        memcpy(out, c->hold, h);
        memcpy(out + h, in + take, len - take);
        c->hlen = 0;
        return h + len - take;
    }
    c->mode = MODE_ICONV;
    return feed_iconv(c, in + take, len - take, out, cap);
}

bool ms_charset_begin(ms_charset *c, const char *name)
{
    char canon[MS_CHARSET_NAME_MAX];

    c->cur = NO_CD;
    c->hlen = 0;
    c->replaced = false;
    memset(&c->utf7, 0, sizeof c->utf7);
    c->anomalies = 0;
    c->mode = classify(name, canon);
    if (c->mode == MODE_ICONV) {
        c->cur = cache_acquire(c, canon);
        if (c->cur == NO_CD)
            c->mode = MODE_RAW;
    }
    if (c->mode == MODE_RAW) {
        c->anomalies |= MS_ANOM_CHARSET_UNKNOWN;
        return false;
    }
    return true;
}

/* The most one call may write for len bytes (charset.h). */
static size_t out_cap(size_t len)
{
    return len > (SIZE_MAX - MS_CHARSET_SLACK) / 3 ? SIZE_MAX : 3 * len + MS_CHARSET_SLACK;
}

size_t ms_charset_feed(ms_charset *c, const char *in, size_t len, char *out)
{
    switch (c->mode) {
    case MODE_UTF8:
        return feed_utf8(c, in, len, out);
    case MODE_ICONV:
        return feed_iconv(c, in, len, out, out_cap(len));
    case MODE_SNIFF16:
    case MODE_SNIFF32:
        return feed_sniff(c, in, len, out, out_cap(len));
    case MODE_UTF7:
        return feed_utf7(c, in, len, out);
    default:
        memcpy(out, in, len);
        return len;
    }
}

/* End of an iconv stream: what is held is invalid, then iconv's own state
 * (cp1255 and cp1258 hold a letter back for a combining mark). */
static size_t finish_iconv(ms_charset *c, char *out, size_t cap)
{
    size_t o = 0;

    convert_held(c, true, out, &o, cap);
    char *op = out + o;
    size_t ol = cap - o;
    if (iconv(c->cur, NULL, NULL, &op, &ol) == (size_t)-1)
        c->anomalies |= MS_ANOM_CHARSET_INVALID;
    return (size_t)(op - out);
}

size_t ms_charset_finish(ms_charset *c, char *out)
{
    size_t o = 0, used;

    switch (c->mode) {
    case MODE_UTF8:
        o = utf8_scan((const unsigned char *)c->hold, c->hlen, true, out, MS_CHARSET_SLACK, &used,
                      &c->anomalies);
        break;
    case MODE_ICONV:
        o = finish_iconv(c, out, MS_CHARSET_SLACK);
        break;
    case MODE_SNIFF16:
    case MODE_SNIFF32: /* shorter than one unit */
        for (size_t i = 0; i < c->hlen; i++)
            put_replacement(&c->anomalies, out, &o, MS_CHARSET_SLACK);
        break;
    case MODE_UTF7:
        if (c->utf7.state != U7_DIRECT)
            o = utf7_end_run(&c->utf7, false, out, &c->anomalies);
        break;
    default:
        break;
    }
    c->hlen = 0;
    c->cur = NO_CD;
    c->mode = MODE_IDLE;
    return o;
}

/* One-shot iconv conversion into out[0..cap), cut where it is full. */
static size_t convert_iconv(iconv_t cd, const char *in, size_t len, char *out, size_t cap,
                            uint32_t *anom)
{
    bool replaced = false;
    size_t o = 0;

    while (len > 0) {
        int err;
        size_t k = iconv_step(cd, in, len, out, &o, cap, &err);
        in += k;
        len -= k;
        if (k > 0)
            replaced = false;
        if (err == 0 || err == E2BIG)
            break;
        int skip = after_error(err, len, &replaced, anom, out, &o, cap);
        if (skip < 0)
            break;
        in += skip;
        len -= (size_t)skip;
    }
    char *op = out + o;
    size_t ol = cap - o;
    iconv(cd, NULL, NULL, &op, &ol);
    return (size_t)(op - out);
}

/* One-shot utf-16/utf-32: pick the byte order from in; false if in is
 * shorter than one unit. */
static bool sniff_string(int mode, const char **in, size_t *len, char canon[MS_CHARSET_NAME_MAX])
{
    size_t unit = mode == MODE_SNIFF16 ? 2 : 4;
    const char *name;

    if (*len < unit)
        return false;
    size_t skip = sniff_order(unit, (const unsigned char *)*in, &name);
    strcpy(canon, name);
    *in += skip;
    *len -= skip;
    return true;
}

size_t ms_charset_convert(ms_charset *c, const char *name, const char *in, size_t len, char *out,
                          size_t outcap, uint32_t *anom)
{
    char canon[MS_CHARSET_NAME_MAX];
    int mode = classify(name, canon);
    iconv_t cd = NO_CD;
    uint32_t a = 0;
    size_t o = 0, used;

    if (outcap == 0)
        return 0;
    if (mode == MODE_SNIFF16 || mode == MODE_SNIFF32) {
        bool whole_unit = sniff_string(mode, &in, &len, canon);
        mode = MODE_ICONV;
        if (!whole_unit) {
            for (size_t i = 0; i < len; i++)
                put_replacement(&a, out, &o, outcap - 1);
            mode = MODE_IDLE;
        }
    }
    if (mode == MODE_ICONV) {
        cd = cache_acquire(c, canon);
        if (cd == NO_CD)
            mode = MODE_RAW;
    }
    switch (mode) {
    case MODE_UTF8:
        o = utf8_scan((const unsigned char *)in, len, true, out, outcap - 1, &used, &a);
        break;
    case MODE_ICONV:
        o = convert_iconv(cd, in, len, out, outcap - 1, &a);
        break;
    case MODE_UTF7:
        o = convert_utf7(in, len, out, outcap - 1, &a);
        break;
    case MODE_RAW:
        a |= MS_ANOM_CHARSET_UNKNOWN;
        o = len < outcap - 1 ? len : outcap - 1;
        memcpy(out, in, o);
        break;
    default:
        break;
    }
    out[o] = '\0';
    if (anom)
        *anom |= a;
    return o;
}
