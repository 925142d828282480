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
 * body, any chunking) and rewritten line by line in one pass: a stack of
 * multipart boundaries (RFC 2046 5.1.1) tells where each part ends, and the
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
 * forwarded messages (message/rfc822 is not entered), multipart/digest
 * parts without a Content-Type (message/rfc822 by default), and text
 * parts in UTF-16/32 or UTF-7. A disclaimer with non-ASCII characters goes
 * only into UTF-8 parts that may carry 8-bit data (8bit, QP, base64).
 *
 * BUGS: the HTML goes after the part's content, outside </html> when the
 * sender wrote one (every browser and mail client shows it at the end). A
 * quoted-printable part whose last line ends in a soft break gets the
 * text on that line. Lines longer than MS_DISCLAIMER_LINE bytes are passed
 * through in pieces and are never taken for a boundary.
 */
#include "b64.h"
#include "charset.h"
#include "engine.h"
#include "hdr.h"
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A boundary line is at most 2 + 70 + 2 bytes plus transport padding; a
 * header line of a part more than this is cut when it is remembered. */
#define MS_DISCLAIMER_LINE 4096
/* Nested multiparts followed; deeper ones are passed through unchanged. */
#define MS_DISCLAIMER_DEPTH 16
/* Output kept in memory; beyond it a temporary file (most mail is smaller,
 * and a thread per connection must not hold a 150 MB message in RAM). */
#define MS_DISCLAIMER_MEM (1u << 20)

#define HTML_OPEN "<div class=\"mailsift-disclaimer\"><br>"

enum { ST_HEADER, ST_BODY, ST_OFF };
enum { LEAF_OPAQUE, LEAF_RAW, LEAF_QP, LEAF_B64 };
enum { F_NONE, F_TYPE, F_CTE, F_DISP, F_OTHER };

struct ms_disclaimer {
    const char *text; /* the engine's milter.disclaimer */
    bool ascii;       /* text is 7-bit */
    uint64_t limit;   /* most output bytes kept */
    int state;
    bool top;              /* the entity being read is the message itself */
    bool changed, too_big; /* text added somewhere; output over limit */
    char line[MS_DISCLAIMER_LINE];
    size_t llen;
    bool lcont;                          /* line[] continues a longer line */
    char ctype[1024], cte[64], disp[64]; /* the current entity's fields */
    int field;
    char bound[MS_DISCLAIMER_DEPTH][80];
    bool digest[MS_DISCLAIMER_DEPTH];
    unsigned depth;
    int leaf;
    bool html, after_nl, dec_nl; /* last byte written was '\n'; decoded, too */
    const char *eol;
    ms_b64 dec;
    unsigned char q[3]; /* base64 encoder: pending bytes and column */
    unsigned nq, col;
    char *mem;
    size_t mlen, mcap;
    int fd;
    uint64_t total, rpos;
    ms_charset cs;
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
            char *m = realloc(d->mem, cap);
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

/* ---- structure ---------------------------------------------------------- */

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

/* The blank line after an entity's header: what is its body? */
static void begin_body(ms_disclaimer *d)
{
    char type[128], cte[64], disp[64], param[128];
    size_t tl = strlen(d->ctype);
    bool in_digest = !d->top && d->depth && d->digest[d->depth - 1];

    if (!ms_hdr_token(d->ctype, tl, type, sizeof type))
        snprintf(type, sizeof type, "%s", in_digest ? "message/rfc822" : "text/plain");
    ms_hdr_token(d->cte, strlen(d->cte), cte, sizeof cte);
    ms_hdr_token(d->disp, strlen(d->disp), disp, sizeof disp);
    d->state = ST_BODY;
    d->leaf = LEAF_OPAQUE;
    if (strcmp(type, "multipart/signed") == 0 || strcmp(type, "multipart/encrypted") == 0 ||
        ms_policy_encrypted_type(type)) {
        if (d->top)
            d->state = ST_OFF; /* nothing changes: the signature must verify */
        return;
    }
    if (strncmp(type, "multipart/", 10) == 0) {
        if (d->depth < MS_DISCLAIMER_DEPTH &&
            ms_hdr_param(&d->cs, d->ctype, tl, "boundary", param, sizeof param) && param[0] &&
            strlen(param) <= 70) { /* RFC 2046's limit; longer: left unchanged */
            memcpy(d->bound[d->depth], param, strlen(param) + 1);
            d->digest[d->depth++] = strcmp(type, "multipart/digest") == 0;
        }
        return; /* the preamble: left as it is */
    }
    bool html = strcmp(type, "text/html") == 0;
    if ((!html && strcmp(type, "text/plain") != 0) || strcmp(disp, "attachment") == 0)
        return;
    if (!ms_hdr_param(&d->cs, d->ctype, tl, "charset", param, sizeof param))
        param[0] = '\0';
    int kind = leaf_kind(cte);
    if (kind == LEAF_OPAQUE || !is_text_charset(d, param, strcmp(cte, "7bit") != 0 && cte[0]))
        return;
    d->leaf = kind;
    d->html = html;
    d->nq = d->col = 0;
    d->dec_nl = false;
    ms_b64_init(&d->dec);
}

static void begin_entity(ms_disclaimer *d)
{
    d->state = ST_HEADER;
    d->top = false;
    d->ctype[0] = d->cte[0] = d->disp[0] = '\0';
    d->field = F_NONE;
}

static void keep_field(char *dst, size_t size, const char *s, size_t len)
{
    size_t n = strlen(dst);
    if (len > size - 1 - n)
        len = size - 1 - n;
    memcpy(dst + n, s, len);
    dst[n + len] = '\0';
}

static void header_line(ms_disclaimer *d, const char *s, size_t len)
{
    static const struct {
        const char *name;
        int field;
    } fields[] = {{"content-type", F_TYPE},
                  {"content-transfer-encoding", F_CTE},
                  {"content-disposition", F_DISP}};

    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (!d->lcont && len && (s[0] == ' ' || s[0] == '\t')) {
        /* folded: belongs to the field before */
    } else if (!d->lcont) {
        const char *colon = memchr(s, ':', len);
        d->field = F_OTHER;
        for (unsigned i = 0; colon && i < sizeof fields / sizeof fields[0]; i++)
            if ((size_t)(colon - s) == strlen(fields[i].name) &&
                strncasecmp(s, fields[i].name, (size_t)(colon - s)) == 0)
                d->field = fields[i].field;
        if (!colon)
            return;
        len -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    if (d->field == F_TYPE)
        keep_field(d->ctype, sizeof d->ctype, s, len);
    else if (d->field == F_CTE)
        keep_field(d->cte, sizeof d->cte, s, len);
    else if (d->field == F_DISP)
        keep_field(d->disp, sizeof d->disp, s, len);
}

/* Is this line a delimiter of an enclosing multipart? Which level, and is
 * it the closing one? */
static bool is_boundary(const ms_disclaimer *d, const char *s, size_t len, unsigned *level,
                        bool *closing)
{
    if (len < 3 || s[0] != '-' || s[1] != '-')
        return false;
    for (unsigned k = d->depth; k-- > 0;) {
        size_t bl = strlen(d->bound[k]);
        if (len - 2 < bl || memcmp(s + 2, d->bound[k], bl) != 0)
            continue;
        size_t i = 2 + bl;
        *closing = len - i >= 2 && s[i] == '-' && s[i + 1] == '-';
        i += *closing ? 2 : 0;
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i == len) {
            *level = k;
            return true;
        }
    }
    return false;
}

static int content_line(ms_disclaimer *d, const char *s, size_t len)
{
    if (d->leaf != LEAF_B64)
        return emit(d, s, len);
    unsigned char out[(MS_DISCLAIMER_LINE / 4 + 1) * 3];
    size_t n = ms_b64_feed(&d->dec, s, len, out);
    if (n)
        d->dec_nl = out[n - 1] == '\n';
    return b64_put(d, out, n, false);
}

/* One line (with its line break), or a piece of a longer one. */
static int line(ms_disclaimer *d, const char *s, size_t len, bool complete)
{
    unsigned level;
    bool closing, is_eol = len && s[len - 1] == '\n';
    int rc;

    if (is_eol)
        d->eol = len > 1 && s[len - 2] == '\r' ? "\r\n" : "\n";
    if (d->state == ST_HEADER) {
        if (!d->lcont && (len == 0 || s[0] == '\n' || (s[0] == '\r' && len > 1 && s[1] == '\n'))) {
            bool top = d->top;
            begin_body(d);
            return top ? MS_OK : emit(d, s, len);
        }
        header_line(d, s, len);
        return d->top ? MS_OK : emit(d, s, len);
    }
    if (!d->lcont && complete && is_boundary(d, s, len, &level, &closing)) {
        if ((rc = close_leaf(d, false)) != MS_OK)
            return rc;
        d->depth = level + 1;
        if ((rc = emit(d, s, len)) != MS_OK)
            return rc;
        if (closing) {
            d->depth = level; /* the epilogue: left as it is */
            d->state = ST_BODY;
            d->leaf = LEAF_OPAQUE;
        } else {
            begin_entity(d);
        }
        return MS_OK;
    }
    return content_line(d, s, len);
}

/* ---- API ---------------------------------------------------------------- */

bool ms_disclaimer_check(const ms_engine *eng, const ms_envelope *env)
{
    return eng->policy.disclaimer[0] && env && env->external_recipients > 0;
}

int ms_disclaimer_create(const ms_engine *eng, ms_disclaimer **out)
{
    ms_disclaimer *d = calloc(1, sizeof *d);

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
    d->llen = 0;
    d->lcont = d->changed = d->too_big = false;
    d->depth = 0;
    d->after_nl = true;
    d->eol = "\r\n";
    begin_entity(d);
    d->top = true;
    d->leaf = LEAF_OPAQUE;
}

void ms_disclaimer_destroy(ms_disclaimer *d)
{
    if (!d)
        return;
    if (d->fd >= 0)
        close(d->fd);
    ms_charset_fini(&d->cs);
    free(d->mem);
    free(d);
}

int ms_disclaimer_feed(ms_disclaimer *d, const void *buf, size_t len)
{
    const char *p = buf, *end = p + len;
    int rc = MS_OK;

    while (p < end && rc == MS_OK && d->state != ST_OFF && !d->too_big) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
        size_t room = sizeof d->line - d->llen;
        if (n > room)
            n = room;
        memcpy(d->line + d->llen, p, n);
        d->llen += n;
        p += n;
        bool done = d->llen && d->line[d->llen - 1] == '\n';
        if (done || d->llen == sizeof d->line) {
            rc = line(d, d->line, d->llen, done);
            d->lcont = !done;
            d->llen = 0;
        }
    }
    return rc;
}

int ms_disclaimer_finish(ms_disclaimer *d, bool *changed)
{
    int rc = MS_OK;

    *changed = false;
    if (d->state == ST_OFF || d->too_big)
        return MS_OK;
    if (d->llen) {
        rc = line(d, d->line, d->llen, true);
        d->llen = 0;
    }
    if (rc == MS_OK && d->state == ST_HEADER && d->top)
        begin_body(d); /* a header without a body */
    if (rc == MS_OK && d->depth == 0 && d->state == ST_BODY)
        rc = close_leaf(d, true); /* a single part ends with the message */
    *changed = rc == MS_OK && d->changed && !d->too_big;
    return rc;
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
