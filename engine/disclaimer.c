/*
 * disclaimer.c - append the site's disclaimer to the text parts of a message
 *
 * milter.disclaimer (mailsift.yaml) is a text appended to every inline
 * text/plain and text/html part of a message with at least one recipient
 * outside internal_domains. The milter replaces the body with what this
 * module writes (smfi_replacebody); it lives in the engine because which
 * parts get the text, and how each is re-encoded, is MIME work and policy,
 * not translation.
 *
 * The message is fed as the scan is fed (header fields, the blank line, the
 * body, any chunking) to the one MIME parser (mime.c), whose raw sink hands
 * back every byte with what it was read as, so the structure is read here
 * exactly as the scan reads it: the body is written as it came and the
 * text goes in front of the delimiter that closes a text part, or at the
 * end of a single-part body. Only the body is written (the header stays as
 * the MTA has it). Per part, by Content-Transfer-Encoding (RFC 2045 6):
 *   7bit, 8bit, binary, none  the lines appended as they are
 *   quoted-printable          the lines QP-encoded (soft breaks at 76)
 *   base64                    the part decoded and re-encoded with the
 *                             text after its content (76-column lines)
 * text/html gets the text escaped, lines joined by <br>, in a <div> after
 * the content. The output is held in memory up to MS_DISCLAIMER_MEM and
 * spilled to an unlinked temporary file ($TMPDIR, else /tmp) beyond it; at
 * most milter.size_limit bytes are kept (a bigger message is refused anyway
 * and is left unchanged).
 *
 * Left alone on purpose: signed or encrypted messages (multipart/signed,
 * multipart/encrypted, application/pkcs7-mime at the top: a changed body
 * breaks the signature, so the whole message stays as it is; nested, that
 * subtree is skipped), attachments (Content-Disposition: attachment),
 * forwarded messages (message/rfc822 is not entered), a multipart without
 * a usable boundary (the scan reads it as text; its structure is unknown),
 * multipart/digest
 * parts without a Content-Type (message/rfc822 by default), and text
 * parts in UTF-16/32 or UTF-7. A disclaimer with non-ASCII characters goes
 * only into UTF-8 parts that may carry 8-bit data (8bit, QP, base64).
 *
 * A message the parser could not hand back whole (a header line over the
 * line limit) is left unchanged rather than delivered with a piece missing.
 *
 * BUGS: the HTML goes after the part's content, outside </html> when the
 * sender wrote one (every browser and mail client shows it at the end). A
 * quoted-printable part whose last line ends in a soft break gets the
 * text on that line.
 */
#include "b64.h"
#include "charset.h"
#include "engine.h"
#include "mime.h"
#include "policy.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest line of the disclaimer text written (longer ones are cut), and
 * the slice of base64 decoded at a time. */
#define MS_DISCLAIMER_LINE 4096

#define HTML_OPEN "<div class=\"mailsift-disclaimer\"><br>"

enum { LEAF_OPAQUE, LEAF_RAW, LEAF_QP, LEAF_B64 };

struct ms_disclaimer {
    const char *text;            /* the engine's milter.disclaimer */
    bool ascii;                  /* text is 7-bit */
    uint64_t limit;              /* most output bytes kept */
    ms_mime *mime;               /* the one MIME parser; its raw sink writes the body */
    ms_charset cs;               /* for the parser's RFC 2231 parameters */
    int err;                     /* first store error (sticky) */
    bool off;                    /* signed or encrypted at the top: nothing changes */
    bool changed, too_big;       /* text added somewhere; output over limit */
    uint64_t fed, seen;          /* bytes fed; bytes the parser handed back */
    int leaf;                    /* kind of the open leaf */
    bool leaf_top;               /* that leaf is the message's own body */
    bool closing;                /* it ended: the text goes in at the next delimiter */
    bool broken_multipart;       /* the entity whose body starts said multipart */
    bool html, after_nl, dec_nl; /* last byte written was '\n'; decoded, too */
    const char *eol;
    ms_b64 dec;
    unsigned char q[3]; /* base64 encoder: pending bytes and column */
    unsigned nq, col;
    char *mem;
    size_t mlen, mcap;
    int fd;
    uint64_t total, rpos;
};

static int store(ms_disclaimer *d, const void *buf, size_t len)
{
    if (d->too_big || len == 0)
        return MS_OK;
    if (len > d->limit - d->total) {
        d->too_big = true;
        return MS_OK;
    }
    d->total += len;
    if (d->fd < 0 && len <= MS_DISCLAIMER_MEM - d->mlen) {
        if (len > d->mcap - d->mlen) {
            size_t cap = d->mcap ? d->mcap : 16384;
            while (cap - d->mlen < len)
                cap *= 2;
            char *m = ms_realloc(d->mem, cap);
            if (!m)
                return MS_ERR_NOMEM;
            d->mem = m;
            d->mcap = cap;
        }
        memcpy(d->mem + d->mlen, buf, len);
        d->mlen += len;
        return MS_OK;
    }
    if (d->fd < 0) { /* spill what is in memory, then append there */
        const char *dir = getenv("TMPDIR");
        char path[512];
        snprintf(path, sizeof path, "%s/mailsift-body.XXXXXX", dir && *dir ? dir : "/tmp");
        if ((d->fd = mkstemp(path)) < 0)
            return MS_ERR_IO;
        unlink(path);
        if (write(d->fd, d->mem, d->mlen) != (ssize_t)d->mlen)
            return MS_ERR_IO;
    }
    return write(d->fd, buf, len) == (ssize_t)len ? MS_OK : MS_ERR_IO;
}

static int emit(ms_disclaimer *d, const char *s, size_t len)
{
    if (len)
        d->after_nl = s[len - 1] == '\n';
    return store(d, s, len);
}

static int emits(ms_disclaimer *d, const char *s)
{
    return emit(d, s, strlen(s));
}

/* ---- encoders ----------------------------------------------------------- */

static int b64_put(ms_disclaimer *d, const unsigned char *p, size_t n, bool final)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[1024];
    size_t o = 0;
    int rc = MS_OK;

    for (size_t i = 0; i <= n && rc == MS_OK; i++) {
        if (i < n)
            d->q[d->nq++] = p[i];
        if (d->nq == 3 || (i == n && final && d->nq)) {
            unsigned v = (unsigned)d->q[0] << 16 | (d->nq > 1 ? (unsigned)d->q[1] << 8 : 0) |
                         (d->nq > 2 ? d->q[2] : 0);
            out[o++] = a[v >> 18];
            out[o++] = a[(v >> 12) & 63];
            out[o++] = d->nq > 1 ? a[(v >> 6) & 63] : '=';
            out[o++] = d->nq > 2 ? a[v & 63] : '=';
            d->nq = 0;
            if ((d->col += 4) == 76) {
                o += (size_t)sprintf(out + o, "%s", d->eol);
                d->col = 0;
            }
        }
        if (o > sizeof out - 16 || i == n) {
            rc = store(d, out, o);
            o = 0;
        }
    }
    if (rc == MS_OK && final && d->col) {
        d->col = 0;
        rc = store(d, d->eol, strlen(d->eol));
    }
    return rc;
}

/* One line of text, quoted-printable (RFC 2045 6.7), with a hard break. */
static int qp_line(ms_disclaimer *d, const char *s, size_t len)
{
    char out[MS_DISCLAIMER_LINE * 4];
    size_t o = 0, col = 0;

    for (size_t i = 0; i < len && o < sizeof out - 16; i++) {
        unsigned char c = (unsigned char)s[i];
        bool last = i + 1 == len;
        bool plain = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
        size_t w = plain ? 1 : 3;
        if (col + w > 75) {
            o += (size_t)sprintf(out + o, "=%s", d->eol);
            col = 0;
        }
        o += plain ? (size_t)sprintf(out + o, "%c", c) : (size_t)sprintf(out + o, "=%02X", c);
        col += w;
    }
    o += (size_t)sprintf(out + o, "%s", d->eol);
    return emit(d, out, o);
}

/* ---- the text, as each kind of part wants it ---------------------------- */

/* The disclaimer's lines for this part: plain, or escaped HTML in a div.
 * Calls put for each line (without its line break). */
static int each_line(ms_disclaimer *d, int (*put)(ms_disclaimer *, const char *, size_t))
{
    char buf[MS_DISCLAIMER_LINE];
    const char *s = d->text;
    int rc = MS_OK;

    if (d->html)
        rc = put(d, HTML_OPEN, strlen(HTML_OPEN));
    while (rc == MS_OK && *s) {
        size_t n = strcspn(s, "\n"), o = 0;
        size_t k = n && s[n - 1] == '\r' ? n - 1 : n;
        for (size_t i = 0; i < k && o < sizeof buf - 16; i++) {
            const char *esc = !d->html      ? NULL
                              : s[i] == '<' ? "&lt;"
                              : s[i] == '>' ? "&gt;"
                              : s[i] == '&' ? "&amp;"
                              : s[i] == '"' ? "&quot;"
                                            : NULL;
            o += esc ? (size_t)sprintf(buf + o, "%s", esc) : (size_t)(buf[o] = s[i], 1);
        }
        if (d->html)
            o += (size_t)sprintf(buf + o, "%s", s[n] ? "<br>" : "</div>");
        rc = put(d, buf, o);
        s += n + (s[n] == '\n');
    }
    return rc;
}

static int raw_line(ms_disclaimer *d, const char *s, size_t len)
{
    int rc = emit(d, s, len);
    return rc == MS_OK ? emits(d, d->eol) : rc;
}

/* Base64 content has no delimiter's line break to lean on: the break goes
 * before each line, none after the last (as the other encodings read). */
static int b64_line(ms_disclaimer *d, const char *s, size_t len)
{
    int rc = b64_put(d, (const unsigned char *)"\r\n", 2, false);
    return rc == MS_OK ? b64_put(d, (const unsigned char *)s, len, false) : rc;
}

/* End of a part's content: the text goes here if the part takes it. */
static int close_leaf(ms_disclaimer *d, bool at_eof)
{
    int rc = MS_OK;
    int leaf = d->leaf;

    d->leaf = LEAF_OPAQUE;
    switch (leaf) {
    case LEAF_OPAQUE:
        return MS_OK;
    case LEAF_RAW:
    case LEAF_QP:
        /* before a delimiter the last line break is the delimiter's */
        if (at_eof && !d->after_nl)
            rc = emits(d, d->eol);
        if (rc == MS_OK)
            rc = emits(d, d->eol);
        if (rc == MS_OK)
            rc = each_line(d, leaf == LEAF_RAW ? raw_line : qp_line);
        break;
    case LEAF_B64: {
        unsigned char tail[3];
        size_t n = ms_b64_finish(&d->dec, tail);
        rc = b64_put(d, tail, n, false);
        if (n)
            d->dec_nl = tail[n - 1] == '\n';
        if (rc == MS_OK && !d->dec_nl) /* then a blank line before the text */
            rc = b64_put(d, (const unsigned char *)"\r\n", 2, false);
        if (rc == MS_OK)
            rc = each_line(d, b64_line);
        if (rc == MS_OK)
            rc = b64_put(d, NULL, 0, true);
        break;
    }
    }
    d->changed = true;
    return rc;
}

/* ---- structure: events of the one MIME parser (mime.c) ---------------- */

static bool is_text_charset(const ms_disclaimer *d, const char *cs, bool eightbit_ok)
{
    if (strncasecmp(cs, "utf-16", 6) == 0 || strncasecmp(cs, "utf-32", 6) == 0 ||
        strncasecmp(cs, "utf-7", 5) == 0)
        return false;
    if (d->ascii)
        return true;
    return eightbit_ok && (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

static int leaf_kind(const char *cte)
{
    if (strcmp(cte, "quoted-printable") == 0)
        return LEAF_QP;
    if (strcmp(cte, "base64") == 0)
        return LEAF_B64;
    if (!cte[0] || strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0 ||
        strcmp(cte, "binary") == 0)
        return LEAF_RAW;
    return LEAF_OPAQUE; /* x-uuencode and friends: not ours to touch */
}

static bool is_sealed_type(const char *type)
{
    return strcmp(type, "multipart/signed") == 0 || strcmp(type, "multipart/encrypted") == 0 ||
           ms_policy_encrypted_type(type);
}

static void on_header(void *ctx, const ms_mime_entity *ent, const char *name, size_t nlen,
                      const char *value, size_t vlen)
{
    (void)ctx, (void)ent, (void)name, (void)nlen, (void)value, (void)vlen;
}

/* A signed or encrypted message stays as it is: a changed body breaks the
 * signature. Nested, mime.c marks that subtree sealed. */
static void on_header_end(void *ctx, const ms_mime_entity *ent)
{
    ms_disclaimer *d = ctx;

    if (ent->depth == 0 && is_sealed_type(ent->type))
        d->off = true;
    /* a multipart the parser cannot split (no usable boundary) is read as
     * text next; its structure is unknown, so it is not written into */
    d->broken_multipart = strncmp(ent->type, "multipart/", 10) == 0;
}

/* A leaf body starts: does it take the text, and how? */
static void on_part_begin(void *ctx, const ms_mime_entity *ent)
{
    ms_disclaimer *d = ctx;
    const char *cte = ent->encoding;
    bool html = strcmp(ent->type, "text/html") == 0;

    d->leaf = LEAF_OPAQUE;
    d->closing = false;
    if (d->broken_multipart || ent->extra || ent->in_message || ent->sealed || ent->attachment ||
        (!html && strcmp(ent->type, "text/plain") != 0))
        return;
    int kind = leaf_kind(cte);
    if (kind == LEAF_OPAQUE ||
        !is_text_charset(d, ent->charset, strcmp(cte, "7bit") != 0 && cte[0]))
        return;
    d->leaf = kind;
    d->leaf_top = ent->depth == 0;
    d->html = html;
    d->nq = d->col = 0;
    d->dec_nl = false;
    ms_b64_init(&d->dec);
}

static void on_part_data(void *ctx, const char *data, size_t len)
{
    (void)ctx, (void)data, (void)len; /* the raw lines are what is written */
}

/* The leaf ended: its text goes in front of the delimiter that follows, or
 * at the end of the message for the message's own body. */
static void on_part_end(void *ctx)
{
    ms_disclaimer *d = ctx;

    d->closing = d->leaf != LEAF_OPAQUE;
}

static int content_bytes(ms_disclaimer *d, const char *s, size_t len)
{
    int rc = MS_OK;

    if (d->leaf != LEAF_B64 || d->closing)
        return emit(d, s, len);
    while (len && rc == MS_OK) { /* decoded, to be encoded again with the text */
        unsigned char out[(MS_DISCLAIMER_LINE / 4 + 1) * 3];
        size_t k = len < MS_DISCLAIMER_LINE ? len : MS_DISCLAIMER_LINE;
        size_t n = ms_b64_feed(&d->dec, s, k, out);
        if (n)
            d->dec_nl = out[n - 1] == '\n';
        rc = b64_put(d, out, n, false);
        s += k;
        len -= k;
    }
    return rc;
}

/* Every byte of the message, as mime.c read it: the body is written as it
 * came, the text goes in where a text leaf closes. */
static void on_raw(void *ctx, ms_mime_raw kind, const ms_mime_entity *ent, const char *s,
                   size_t len)
{
    ms_disclaimer *d = ctx;
    int rc = MS_OK;

    d->seen += len;
    if (s[len - 1] == '\n')
        d->eol = len > 1 && s[len - 2] == '\r' ? "\r\n" : "\n";
    if (d->off || d->too_big || d->err)
        return;
    switch (kind) {
    case MS_MIME_RAW_HEADER: /* the message's own header stays with the MTA */
        if (!(ent->is_message && ent->depth == 0))
            rc = emit(d, s, len);
        break;
    case MS_MIME_RAW_DELIMITER:
        if (d->closing) {
            rc = close_leaf(d, false);
            d->closing = false;
        }
        if (rc == MS_OK)
            rc = emit(d, s, len);
        break;
    case MS_MIME_RAW_BODY:
        rc = d->leaf == LEAF_OPAQUE ? emit(d, s, len) : content_bytes(d, s, len);
        break;
    }
    d->err = rc;
}

/* ---- API ---------------------------------------------------------------- */

bool ms_disclaimer_check(const ms_engine *eng, const ms_envelope *env)
{
    return eng->policy.disclaimer[0] && env && env->external_recipients > 0;
}

int ms_disclaimer_create(const ms_engine *eng, ms_disclaimer **out)
{
    ms_disclaimer *d = ms_calloc(1, sizeof *d);
    const ms_mime_sink sink = {.ctx = d,
                               .header = on_header,
                               .header_end = on_header_end,
                               .part_begin = on_part_begin,
                               .part_data = on_part_data,
                               .part_end = on_part_end,
                               .raw = on_raw};

    *out = NULL;
    if (!d)
        return MS_ERR_NOMEM;
    d->text = eng->policy.disclaimer;
    d->ascii = true;
    for (const char *s = d->text; *s; s++)
        d->ascii = d->ascii && !((unsigned char)*s & 0x80);
    ms_milter_conf mc;
    ms_policy_milter_conf(eng, &mc);
    d->limit = mc.size_limit + MS_DISCLAIMER_MEM; /* the message, the text, new line breaks */
    d->fd = -1;
    ms_charset_init(&d->cs);
    if (!(d->mime = ms_mime_create(&eng->limits, &d->cs, &sink))) {
        ms_disclaimer_destroy(d);
        return MS_ERR_NOMEM;
    }
    ms_disclaimer_reset(d);
    *out = d;
    return MS_OK;
}

void ms_disclaimer_reset(ms_disclaimer *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    d->mlen = 0;
    d->total = d->rpos = 0;
    d->fed = d->seen = 0;
    d->err = MS_OK;
    d->off = d->changed = d->too_big = d->closing = d->leaf_top = d->broken_multipart = false;
    d->after_nl = true;
    d->eol = "\r\n";
    d->leaf = LEAF_OPAQUE;
    ms_mime_reset(d->mime);
}

void ms_disclaimer_destroy(ms_disclaimer *d)
{
    if (!d)
        return;
    if (d->fd >= 0)
        close(d->fd);
    ms_mime_destroy(d->mime);
    ms_charset_fini(&d->cs);
    free(d->mem);
    free(d);
}

int ms_disclaimer_feed(ms_disclaimer *d, const void *buf, size_t len)
{
    d->fed += len;
    if (!d->off && !d->too_big && !d->err)
        ms_mime_feed(d->mime, buf, len);
    return d->err;
}

/* A message whose bytes the parser did not all hand back (a header line
 * over the line limit) cannot be written again exactly: it is left as it
 * is, like a signed one, never delivered with a piece missing. */
int ms_disclaimer_finish(ms_disclaimer *d, bool *changed)
{
    *changed = false;
    if (d->off || d->too_big || d->err)
        return d->err;
    ms_mime_finish(d->mime);
    if (!d->err && d->closing && d->leaf_top) {
        d->err = close_leaf(d, true); /* a single part ends with the message */
        d->closing = false;
    }
    *changed = !d->err && d->changed && !d->off && !d->too_big && d->seen == d->fed;
    return d->err;
}

int ms_disclaimer_read(ms_disclaimer *d, void *buf, size_t size, size_t *n)
{
    uint64_t left = d->total - d->rpos;

    *n = size < left ? size : (size_t)left;
    if (*n == 0)
        return MS_OK;
    if (d->fd < 0) {
        memcpy(buf, d->mem + d->rpos, *n);
    } else {
        ssize_t r;
        do
            r = pread(d->fd, buf, *n, (off_t)d->rpos);
        while (r < 0 && errno == EINTR);
        if (r <= 0)
            return MS_ERR_IO;
        *n = (size_t)r;
    }
    d->rpos += *n;
    return MS_OK;
}
