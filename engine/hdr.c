/*
 * hdr.c - structured header fields: the type token and the parameters of
 * Content-Type and Content-Disposition
 *
 * The MIME parser needs three things from these fields: the media type (is
 * this text, a multipart, an attachment?), the boundary of a multipart and
 * the charset and file name of a part. A wrong answer is a bypass: a
 * boundary read differently from the recipient's MUA hides a part, a file
 * name read wrongly hides an attachment.
 *
 * Standards: RFC 2045 5.1 (type "/" subtype, parameters, token and
 * quoted-string), RFC 822 3.4.3 (comments, which RFC 2045 allows anywhere a
 * blank is), RFC 2183 (Content-Disposition), RFC 2231 sections 3 and 4
 * (name*0, name*1 ... continuations; name*=charset'lang'%XX values).
 *
 * Tolerated on purpose, as GMime (our reference in differential tests)
 * does, because MUAs produce it:
 *  - parameter names in any case, comments and blanks around ';' and '=',
 *    empty parameters (";;");
 *  - unquoted values with blanks or specials ("name=my file.pdf"): the
 *    value runs to the next ';', blanks at its end trimmed;
 *  - junk after a closing quote ("a"b) is ignored;
 *  - RFC 2231 sections out of order, with gaps, or with leading zeros, are
 *    joined in numeric order; quoted extended values are unquoted first;
 *    broken %-escapes are kept literally;
 *  - RFC 2047 encoded words inside a plain value, quoted or not (Outlook
 *    writes filename="=?utf-8?B?...?="), are decoded;
 *  - when a name appears more than once, the first wins, in whichever form
 *    it is written (GMime does the same; clamav's test mails hide a second
 *    boundary= behind the first).
 *
 * Deliberately unlike GMime: the boundary parameter is never RFC 2047 or
 * charset decoded (only unquoted and, in RFC 2231 form, %-decoded), since
 * it must match the delimiter lines byte for byte; a malformed parameter
 * ("x=;" or one without '=') is skipped instead of ending the list, so a
 * junk parameter cannot hide the file name behind it; an unterminated quoted
 * string runs to the end of the value without its opening quote; a repeated
 * RFC 2231 section keeps its first value instead of joining both.
 *
 * BUGS
 *  - At most MS_HDR_SECTIONS RFC 2231 sections (0..63) are joined; later
 *    ones are ignored. The joined bytes, and a quoted value with backslash
 *    escapes, are cut at MS_HDR_PARAM_MAX bytes before conversion.
 *  - Parameters must follow a ';': "text/plain name=x" has none (GMime
 *    agrees).
 */
#include "hdr.h"
#include "limits.h"
#include "rfc2047.h"
#include "util.h"

#include <string.h>
#include <strings.h>

/* One parameter as written: attribute[*section][*] = value. */
typedef struct param {
    const char *name; /* attribute without the RFC 2231 suffix */
    size_t nlen;
    int section;     /* RFC 2231 section number, -1 if none */
    bool ext;        /* trailing '*': charset'lang'%XX */
    const char *val; /* value, without the quotes */
    size_t vlen;
    bool quoted;
} param;

/* RFC 2045 tspecials and blanks, controls and 8-bit bytes end a token. */
static bool is_token_char(int c)
{
    return c > ' ' && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

static bool is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Index just past the comment opening at s[i] (nested, with escapes). */
static size_t skip_comment(const char *s, size_t len, size_t i)
{
    unsigned depth = 0;

    for (; i < len; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && --depth == 0)
            return i + 1;
    }
    return len;
}

/* Skip blanks and comments from s[i]. */
static size_t skip_cfws(const char *s, size_t len, size_t i)
{
    while (i < len) {
        if (is_blank((unsigned char)s[i]))
            i++;
        else if (s[i] == '(')
            i = skip_comment(s, len, i);
        else
            break;
    }
    return i;
}

/* Index of the quote closing the quoted string opening at s[i], or len. */
static size_t quoted_end(const char *s, size_t len, size_t i)
{
    for (i++; i < len && s[i] != '"'; i++)
        if (s[i] == '\\')
            i++;
    return i < len ? i : len;
}

/* Index of the next ';' from s[i] outside quoted strings and comments. */
static size_t next_semicolon(const char *s, size_t len, size_t i)
{
    while (i < len && s[i] != ';') {
        if (s[i] == '"')
            i = quoted_end(s, len, i) + 1;
        else if (s[i] == '(')
            i = skip_comment(s, len, i);
        else
            i++;
    }
    return i < len ? i : len;
}

/* Split attribute a[0..n) into name, RFC 2231 section and '*' flag. */
static void parse_attribute(const char *a, size_t n, param *p)
{
    const char *star = memchr(a, '*', n);
    size_t i;
    int section = 0;

    p->name = a;
    p->nlen = n;
    p->section = -1;
    p->ext = false;
    if (!star)
        return;
    i = (size_t)(star - a) + 1;
    if (i == n) { /* name* */
        p->nlen = i - 1;
        p->ext = true;
        return;
    }
    if (a[i] < '0' || a[i] > '9')
        return; /* "name*x": a name of its own */
    for (; i < n && a[i] >= '0' && a[i] <= '9'; i++)
        if (section <= MS_HDR_SECTIONS)
            section = section * 10 + (a[i] - '0');
    if (i < n && !(a[i] == '*' && i + 1 == n))
        return;
    p->nlen = (size_t)(star - a);
    p->section = section;
    p->ext = i < n;
}

/* The value at s[i] (after '='); returns the index to go on from. */
static size_t parse_value(const char *s, size_t len, size_t i, param *p)
{
    p->quoted = i < len && s[i] == '"';
    if (p->quoted) {
        size_t e = quoted_end(s, len, i);
        p->val = s + i + 1;
        p->vlen = e - (i + 1);
        return next_semicolon(s, len, e < len ? e + 1 : len);
    }
    const char *semi = memchr(s + i, ';', len - i);
    size_t e = semi ? (size_t)(semi - s) : len;
    p->val = s + i;
    p->vlen = e - i;
    while (p->vlen > 0 && is_blank((unsigned char)p->val[p->vlen - 1]))
        p->vlen--;
    return e;
}

/*
 * The next well-formed parameter from s[*pos] (just past a ';' or at one);
 * malformed ones are skipped up to the next ';'. False at the end.
 */
static bool next_param(const char *s, size_t len, size_t *pos, param *p)
{
    size_t i = *pos;

    while (i < len) {
        while (i < len && s[i] == ';')
            i = skip_cfws(s, len, i + 1);
        i = skip_cfws(s, len, i);
        size_t a = i;
        while (i < len && (is_token_char((unsigned char)s[i]) || s[i] == '*'))
            i++;
        size_t eq = skip_cfws(s, len, i);
        if (i == a || eq >= len || s[eq] != '=') {
            i = next_semicolon(s, len, eq); /* moves: s[eq] is no ';' when i == a */
            continue;
        }
        parse_attribute(s + a, i - a, p);
        *pos = parse_value(s, len, skip_cfws(s, len, eq + 1), p);
        return true;
    }
    *pos = len;
    return false;
}

static bool name_is(const param *p, const char *name, size_t nlen)
{
    return p->nlen == nlen && strncasecmp(p->name, name, nlen) == 0;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = ms_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Append value v[0..n) to buf[*o..cap), removing the backslashes of a
 * quoted string and, if pct, decoding %XX (a broken escape stays). */
static void gather(const char *v, size_t n, bool quoted, bool pct, char *buf, size_t *o, size_t cap)
{
    for (size_t i = 0; i < n && *o < cap; i++) {
        char c = v[i];
        int hi, lo;
        if (quoted && c == '\\' && i + 1 < n) {
            c = v[++i];
        } else if (pct && c == '%' && n - i > 2 && (hi = hex_digit((unsigned char)v[i + 1])) >= 0 &&
                   (lo = hex_digit((unsigned char)v[i + 2])) >= 0) {
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        buf[(*o)++] = c;
    }
}

/* Copy n bytes to out, cut at outcap - 1, NUL-terminated. */
static void copy_out(const char *s, size_t n, char *out, size_t outcap)
{
    if (n > outcap - 1)
        n = outcap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* A plain (RFC 2045) value: unquote, then RFC 2047 words unless raw. */
static void plain_value(ms_charset *cs, const param *p, bool raw, char *out, size_t outcap)
{
    char buf[MS_HDR_PARAM_MAX];
    const char *v = p->val;
    size_t n = p->vlen;
    uint32_t anom = 0;

    if (p->quoted && memchr(v, '\\', n)) {
        n = 0;
        gather(p->val, p->vlen, true, false, buf, &n, sizeof buf);
        v = buf;
    }
    if (raw)
        copy_out(v, n, out, outcap);
    else
        ms_rfc2047_decode(cs, v, n, out, outcap, &anom);
}

/*
 * Split charset'lang' off the value of an extended first section; charset
 * gets the name ("" if none), *v and *n what follows.
 */
static void split_charset(const char **v, size_t *n, char charset[MS_CHARSET_NAME_MAX + 1])
{
    const char *q1 = memchr(*v, '\'', *n), *q2;
    size_t clen;

    charset[0] = '\0';
    if (!q1 || !(q2 = memchr(q1 + 1, '\'', *n - (size_t)(q1 + 1 - *v))))
        return;
    clen = (size_t)(q1 - *v);
    if (clen > MS_CHARSET_NAME_MAX)
        clen = MS_CHARSET_NAME_MAX; /* too long to be known, and stays so */
    memcpy(charset, *v, clen);
    charset[clen] = '\0';
    *n -= (size_t)(q2 + 1 - *v);
    *v = q2 + 1;
}

/* Join the RFC 2231 sections of name, first being its first occurrence. */
static size_t join_sections(const char *value, size_t len, const char *name, const param *first,
                            char *buf, char charset[MS_CHARSET_NAME_MAX + 1])
{
    param sec[MS_HDR_SECTIONS], p;
    bool seen[MS_HDR_SECTIONS] = {false};
    size_t pos = next_semicolon(value, len, 0), nlen = strlen(name), o = 0;

    if (first->section < 0) { /* name*= on its own */
        sec[0] = *first;
        seen[0] = true;
    }
    while (first->section >= 0 && next_param(value, len, &pos, &p))
        if (name_is(&p, name, nlen) && p.section >= 0 && p.section < MS_HDR_SECTIONS &&
            !seen[p.section]) {
            sec[p.section] = p;
            seen[p.section] = true;
        }
    charset[0] = '\0';
    for (int k = 0; k < MS_HDR_SECTIONS; k++) {
        if (!seen[k])
            continue;
        const char *v = sec[k].val;
        size_t n = sec[k].vlen;
        if (k == 0 && sec[k].ext)
            split_charset(&v, &n, charset);
        gather(v, n, sec[k].quoted, sec[k].ext, buf, &o, MS_HDR_PARAM_MAX);
    }
    return o;
}

bool ms_hdr_param(ms_charset *cs, const char *value, size_t len, const char *name, char *out,
                  size_t outcap)
{
    size_t pos = next_semicolon(value, len, 0), nlen = strlen(name);
    bool raw = strcasecmp(name, "boundary") == 0, found = false;
    param p;

    if (outcap == 0)
        return false;
    out[0] = '\0';
    while (!found && next_param(value, len, &pos, &p))
        found = name_is(&p, name, nlen);
    if (!found)
        return false;
    if (p.section < 0 && !p.ext) {
        plain_value(cs, &p, raw, out, outcap);
        return true;
    }
    char buf[MS_HDR_PARAM_MAX], charset[MS_CHARSET_NAME_MAX + 1];
    uint32_t anom = 0;
    size_t n = join_sections(value, len, name, &p, buf, charset);
    if (raw)
        copy_out(buf, n, out, outcap);
    else
        ms_charset_convert(cs, charset, buf, n, out, outcap, &anom);
    return true;
}

/* Copy the token at s[*i] lower-cased to out[o..outcap - 1); new o. */
static size_t copy_token(const char *s, size_t len, size_t *i, char *out, size_t outcap, size_t o)
{
    for (; *i < len && is_token_char((unsigned char)s[*i]); (*i)++)
        if (o < outcap - 1)
            out[o++] = (char)ms_lower((unsigned char)s[*i]);
    return o;
}

size_t ms_hdr_token(const char *value, size_t len, char *out, size_t outcap)
{
    size_t i = skip_cfws(value, len, 0), o;

    if (outcap == 0)
        return 0;
    o = copy_token(value, len, &i, out, outcap, 0);
    i = skip_cfws(value, len, i);
    if (o > 0 && i < len && value[i] == '/') { /* "text / plain" with CFWS */
        if (o < outcap - 1)
            out[o++] = '/';
        i = skip_cfws(value, len, i + 1);
        o = copy_token(value, len, &i, out, outcap, o);
    }
    out[o] = '\0';
    return o;
}
