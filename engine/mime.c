/*
 * mime.c - streaming MIME structure parser
 *
 * A one-pass state machine over lines (after Postfix's mime_state.c):
 * header blocks (RFC 5322 2.2, unfolding per 2.2.3), multipart bodies with
 * a stack of boundaries (RFC 2046 5.1), and message/rfc822 parts descended
 * into (RFC 2046 5.2.1). Leaf bodies are passed on still transfer-encoded;
 * decoding is the next layer's job (scan.c). Nothing is buffered but one
 * partial line and one header field, both capped.
 *
 * Tolerated on purpose, because real mail does it:
 * - CRLF or bare LF line ends, mixed within one message.
 * - A leading mbox "From " line.
 * - A header section that stops without a blank line: the first line that
 *   is not a header field starts the body.
 * - Obsolete "Name : value" fields; boundaries followed by blanks.
 * - A closing boundary of an outer multipart ends the inner ones; a missing
 *   closing boundary ends at the end of the message (both flagged).
 * - A boundary that is a prefix of another: a line matches a boundary only
 *   when nothing but "--" and blanks follows it.
 * - A multipart without a boundary parameter is read as text/plain.
 * - Lines longer than the line limit: body lines pass through in pieces;
 *   header lines are cut.
 *
 * The line break before a boundary belongs to the boundary (RFC 2046
 * 5.1.1), so each body line's break is held until the next line is known
 * not to be a boundary.
 *
 * message/rfc822 parts with a base64 or quoted-printable encoding are
 * passed on as leaves; the attachment layer parses them as messages of
 * their own (engine/attach.c).
 *
 * A multipart's preamble and epilogue (RFC 2046 5.1.1) are for readers to
 * ignore, but they leave with the message and a reader without MIME shows
 * them: each is passed on as a text leaf of its own, "preamble" and
 * "epilogue" below the multipart's part ("2.preamble"), not counted as a
 * part and flagged `extra`.
 *
 * BUGS: message/partial fragments are not reassembled.
 */
#include "mime.h"
#include "hdr.h"
#include "util.h"

#include <mailsift/mailsift.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mime_state {
    ST_HEADER,   /* reading a header block */
    ST_BODY,     /* a leaf body: lines go to the sink */
    ST_PREAMBLE, /* before the first boundary of the innermost multipart */
    ST_EPILOGUE, /* after a closing boundary, or lost: skip to a boundary */
    ST_SKIP,     /* a limit was hit: ignore the rest of the message */
};

/* A candidate boundary line longer than this is body text. */
#define BOUNDARY_LINE_MAX (2 + MS_BOUNDARY_MAX + 2 + 256)

typedef struct mime_frame {
    char boundary[MS_BOUNDARY_MAX + 1];
    size_t blen;
    char prefix[64];   /* children are prefix.N */
    unsigned children; /* parts seen so far */
    unsigned depth;    /* depth of the multipart entity */
    bool digest;       /* multipart/digest: parts default to message/rfc822 */
    bool in_message;   /* the multipart is (inside) an encapsulated message */
    bool sealed;       /* it is, or is inside, multipart/signed or /encrypted */
} mime_frame;

struct ms_mime {
    ms_limits lim;
    ms_charset *cs;
    ms_mime_sink sink;
    enum mime_state state;

    /* partial line carried between feeds */
    char *line;
    size_t llen;
    bool midline;  /* bytes of the current line were already passed on */
    bool line_cut; /* header line over the limit: rest dropped */
    bool cut_cr;   /* the last byte dropped was a CR */
    size_t curlen; /* bytes of the current line so far */

    /* held line break of the last body line */
    char pend[2];
    size_t plen;
    const char *pend_ptr; /* where pend lies in the current input, or NULL */

    /* coalesced run of body bytes not yet handed to the sink */
    const char *span;
    size_t slen;

    /* header field being unfolded */
    char *field;
    size_t flen;
    bool have_field;
    size_t header_bytes; /* bytes of header lines of this entity */
    unsigned header_lines;

    ms_mime_entity ent;
    bool ent_has_type;
    mime_frame *frames;
    unsigned nframes;
    char epi_prefix[64]; /* the multipart whose epilogue follows */
    unsigned epi_depth;
    unsigned parts;
    uint32_t anomalies;
};

ms_mime *ms_mime_create(const ms_limits *lim, ms_charset *cs, const ms_mime_sink *sink)
{
    ms_mime *m = ms_calloc(1, sizeof *m);

    if (!m)
        return NULL;
    m->lim = *lim;
    m->cs = cs;
    m->sink = *sink;
    m->line = ms_malloc(m->lim.line_length + 2); /* + a line break */
    m->field = ms_malloc(m->lim.header_value + 1);
    m->frames = ms_calloc(m->lim.depth + 1, sizeof *m->frames);
    if (!m->line || !m->field || !m->frames) {
        ms_mime_destroy(m);
        return NULL;
    }
    ms_mime_reset(m);
    return m;
}

void ms_mime_destroy(ms_mime *m)
{
    if (!m)
        return;
    free(m->line);
    free(m->field);
    free(m->frames);
    free(m);
}

static void new_entity(ms_mime *m, const char *id, const char *prefix, unsigned depth,
                       bool is_message, bool digest)
{
    ms_mime_entity *e = &m->ent;

    memset(e, 0, sizeof *e);
    /* ids of parts nested past ~30 levels are cut; they stay unique
     * enough to report and the depth limit stops far earlier */
    snprintf(e->id, sizeof e->id, "%.*s", (int)sizeof e->id - 1, id);
    snprintf(e->prefix, sizeof e->prefix, "%.*s", (int)sizeof e->prefix - 1, prefix);
    e->depth = depth;
    e->is_message = is_message;
    snprintf(e->type, sizeof e->type, "%s", digest ? "message/rfc822" : "text/plain");
    m->ent_has_type = false;
    m->have_field = false;
    m->flen = 0;
    m->header_bytes = 0;
    m->header_lines = 0;
    m->state = ST_HEADER;
}

void ms_mime_reset(ms_mime *m)
{
    m->llen = 0;
    m->midline = m->line_cut = m->cut_cr = false;
    m->curlen = 0;
    m->plen = 0;
    m->pend_ptr = NULL;
    m->span = NULL;
    m->slen = 0;
    m->nframes = 0;
    m->parts = 1;
    m->anomalies = 0;
    new_entity(m, "1", "", 0, true, false);
}

uint32_t ms_mime_anomalies(const ms_mime *m)
{
    return m->anomalies;
}

unsigned ms_mime_parts(const ms_mime *m)
{
    return m->parts;
}

/* Raw bytes to a rewriting consumer, if there is one. */
static void raw(ms_mime *m, ms_mime_raw kind, const char *p, size_t n)
{
    if (m->sink.raw && n)
        m->sink.raw(m->sink.ctx, kind, &m->ent, p, n);
}

/* Body bytes: coalesce adjacent runs of the input into one sink call. */
static void flush_span(ms_mime *m)
{
    if (m->slen && m->state == ST_BODY)
        m->sink.part_data(m->sink.ctx, m->span, m->slen);
    m->slen = 0;
}

static void emit(ms_mime *m, const char *p, size_t n)
{
    if (n == 0 || m->state != ST_BODY)
        return;
    if (m->slen && m->span + m->slen == p) {
        m->slen += n;
        return;
    }
    flush_span(m);
    m->span = p;
    m->slen = n;
}

/* Pass on the held line break of the previous body line. */
static void emit_pending(ms_mime *m)
{
    if (!m->plen)
        return;
    if (m->pend_ptr) {
        emit(m, m->pend_ptr, m->plen);
    } else {
        flush_span(m);
        emit(m, m->pend, m->plen);
        flush_span(m);
    }
    m->plen = 0;
    m->pend_ptr = NULL;
}

static void hold_pending(ms_mime *m, const char *eol, size_t n)
{
    if (m->state != ST_BODY)
        return;
    memcpy(m->pend, eol, n);
    m->plen = n;
    m->pend_ptr = eol;
}

static size_t eol_length(const char *line, size_t n)
{
    if (n && line[n - 1] == '\n')
        return (n >= 2 && line[n - 2] == '\r') ? 2 : 1;
    return 0;
}

static void end_leaf(ms_mime *m, bool keep_pending)
{
    if (m->state != ST_BODY)
        return;
    if (keep_pending)
        emit_pending(m);
    flush_span(m);
    m->plen = 0;
    m->pend_ptr = NULL;
    m->sink.part_end(m->sink.ctx);
}

/* Only blanks (and the line break) from p to end? */
static bool blank_rest(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return false;
    return true;
}

/* Does the line (break included) delimit a multipart? Returns the frame
 * index, innermost first, or -1; *closing for "--boundary--". The
 * boundary is compared as it is (it may end in a blank), then only "--"
 * and blanks may follow (RFC 2046 5.1.1 transport padding). */
static int match_boundary(const ms_mime *m, const char *line, size_t n, bool *closing)
{
    const char *end = line + n;

    if (m->nframes == 0 || n < 3 || line[0] != '-' || line[1] != '-')
        return -1;
    for (int i = (int)m->nframes - 1; i >= 0; i--) {
        const mime_frame *f = &m->frames[i];
        if (n < 2 + f->blen || memcmp(line + 2, f->boundary, f->blen) != 0)
            continue;
        const char *r = line + 2 + f->blen;
        if (end - r >= 2 && r[0] == '-' && r[1] == '-' && blank_rest(r + 2, end)) {
            *closing = true;
            return i;
        }
        if (blank_rest(r, end)) {
            *closing = false;
            return i;
        }
    }
    return -1;
}

static void set_cte(ms_mime_entity *e, const char *value, size_t vlen, uint32_t *anom)
{
    ms_hdr_token(value, vlen, e->encoding, sizeof e->encoding);
    if (strcmp(e->encoding, "base64") == 0)
        e->cte = MS_CTE_BASE64;
    else if (strcmp(e->encoding, "quoted-printable") == 0)
        e->cte = MS_CTE_QP;
    else if (!e->encoding[0] || strcmp(e->encoding, "7bit") == 0 ||
             strcmp(e->encoding, "8bit") == 0 || strcmp(e->encoding, "binary") == 0)
        e->cte = MS_CTE_7BIT;
    else {
        e->cte = MS_CTE_UNKNOWN;
        *anom |= MS_ANOM_UNKNOWN_ENCODING;
    }
}

/* Content-* fields shape the entity; every field goes to the sink. */
static void use_field(ms_mime *m, const char *name, size_t nlen, const char *value, size_t vlen)
{
    ms_mime_entity *e = &m->ent;

    if (nlen == 12 && strncasecmp(name, "content-type", 12) == 0) {
        char type[sizeof e->type];
        if (ms_hdr_token(value, vlen, type, sizeof type) && strchr(type, '/')) {
            memcpy(e->type, type, sizeof type);
            m->ent_has_type = true;
        }
        ms_hdr_param(m->cs, value, vlen, "charset", e->charset, sizeof e->charset);
        for (char *p = e->charset; *p; p++)
            *p = (char)ms_lower((unsigned char)*p);
        if (!ms_hdr_param(m->cs, value, vlen, "boundary", e->boundary, sizeof e->boundary))
            e->boundary[0] = '\0';
        if (!e->filename[0])
            ms_hdr_param(m->cs, value, vlen, "name", e->filename, sizeof e->filename);
    } else if (nlen == 25 && strncasecmp(name, "content-transfer-encoding", 25) == 0) {
        set_cte(e, value, vlen, &m->anomalies);
    } else if (nlen == 19 && strncasecmp(name, "content-disposition", 19) == 0) {
        char disp[32];
        ms_hdr_token(value, vlen, disp, sizeof disp);
        e->attachment = strcmp(disp, "attachment") == 0;
        ms_hdr_param(m->cs, value, vlen, "filename", e->filename, sizeof e->filename);
    }
    m->sink.header(m->sink.ctx, e, name, nlen, value, vlen);
}

/* The unfolded field in m->field is complete: split and use it. */
static void end_field(ms_mime *m)
{
    const char *f = m->field, *colon;
    size_t nlen, v, end = m->flen;

    if (!m->have_field)
        return;
    m->have_field = false;
    if (m->flen == 0)
        return;
    colon = memchr(f, ':', m->flen);
    if (!colon)
        return;
    nlen = (size_t)(colon - f);
    while (nlen && (f[nlen - 1] == ' ' || f[nlen - 1] == '\t'))
        nlen--;
    v = (size_t)(colon - f) + 1;
    while (v < end && (f[v] == ' ' || f[v] == '\t'))
        v++;
    while (end > v && (f[end - 1] == ' ' || f[end - 1] == '\t' || f[end - 1] == '\r'))
        end--;
    use_field(m, f, nlen, f + v, end - v);
    m->flen = 0;
}

/* Append one header line (break excluded) to the field being unfolded. */
static void add_to_field(ms_mime *m, const char *p, size_t n)
{
    m->header_bytes += n;
    if (m->header_bytes > m->lim.header_bytes) {
        m->anomalies |= MS_ANOM_HEADER_TRUNCATED;
        return;
    }
    if (n > m->lim.header_value - m->flen) {
        /* only this field is cut; the header section goes on */
        n = m->lim.header_value - m->flen;
        m->anomalies |= MS_ANOM_FIELD_TRUNCATED;
    }
    memcpy(m->field + m->flen, p, n);
    m->flen += n;
}

/* "Name:" with a printable name and optional blanks before the colon. */
static bool is_field_start(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':')
        i++;
    if (i == 0)
        return false;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i < n && p[i] == ':';
}

static bool count_part(ms_mime *m)
{
    if (++m->parts > m->lim.parts) {
        m->anomalies |= MS_ANOM_PARTS;
        m->state = ST_SKIP;
        return false;
    }
    return true;
}

/* The header block of m->ent ended: decide what its body is. */
static void end_headers(ms_mime *m)
{
    ms_mime_entity *e = &m->ent;
    bool too_deep = e->depth + 1 > m->lim.depth;

    end_field(m);
    m->sink.header_end(m->sink.ctx, e);
    if (strncmp(e->type, "multipart/", 10) == 0) {
        if (!e->boundary[0] || strlen(e->boundary) > MS_BOUNDARY_MAX) {
            /* no usable boundary: read it all as text rather than not at all */
            m->anomalies |= e->boundary[0] ? MS_ANOM_BOUNDARY_TOO_LONG : MS_ANOM_NO_BOUNDARY_PARAM;
            snprintf(e->type, sizeof e->type, "text/plain");
        } else if (too_deep || m->nframes >= m->lim.depth) {
            m->anomalies |= MS_ANOM_DEPTH;
        } else {
            mime_frame *f = &m->frames[m->nframes++];
            f->blen = strlen(e->boundary); /* <= MS_BOUNDARY_MAX, checked above */
            memcpy(f->boundary, e->boundary, f->blen + 1);
            snprintf(f->prefix, sizeof f->prefix, "%s", e->is_message ? e->prefix : e->id);
            f->children = 0;
            f->depth = e->depth;
            f->digest = strcmp(e->type, "multipart/digest") == 0;
            f->in_message = e->in_message;
            f->sealed = e->sealed || strcmp(e->type, "multipart/signed") == 0 ||
                        strcmp(e->type, "multipart/encrypted") == 0;
            m->state = ST_PREAMBLE;
            return;
        }
    } else if ((strcmp(e->type, "message/rfc822") == 0 || strcmp(e->type, "message/global") == 0) &&
               (e->cte == MS_CTE_7BIT)) {
        if (too_deep) {
            m->anomalies |= MS_ANOM_DEPTH;
        } else if (count_part(m)) {
            char prefix[64], id[80];
            snprintf(prefix, sizeof prefix, "%s", e->id);
            snprintf(id, sizeof id, "%s.1", prefix);
            bool sealed = e->sealed;
            new_entity(m, id, prefix, e->depth + 1, true, false);
            m->ent.in_message = true;
            m->ent.sealed = sealed;
            return;
        } else {
            return;
        }
    }
    m->state = ST_BODY;
    m->plen = 0;
    m->pend_ptr = NULL;
    m->sink.part_begin(m->sink.ctx, e);
}

/* A boundary line of frame fi: end what is open, start the next part. */
static void at_boundary(ms_mime *m, unsigned fi, bool closing)
{
    if (m->state == ST_HEADER)
        end_headers(m); /* a part with headers only: an empty body */
    end_leaf(m, false);
    if (m->nframes > fi + 1)
        m->anomalies |= MS_ANOM_MISSING_BOUNDARY;
    m->nframes = fi + 1;
    mime_frame *f = &m->frames[fi];
    if (closing) {
        if (f->children == 0)
            m->anomalies |= MS_ANOM_EMPTY_MULTIPART;
        memcpy(m->epi_prefix, f->prefix, sizeof m->epi_prefix);
        m->epi_depth = f->depth;
        m->nframes = fi;
        m->state = ST_EPILOGUE;
        return;
    }
    if (!count_part(m))
        return;
    char id[80];
    f->children++;
    if (f->prefix[0])
        snprintf(id, sizeof id, "%s.%u", f->prefix, f->children);
    else
        snprintf(id, sizeof id, "%u", f->children);
    new_entity(m, id, "", f->depth + 1, false, f->digest);
    m->ent.in_message = f->in_message;
    m->ent.sealed = f->sealed;
}

/* The first bytes of a preamble or an epilogue: open its text leaf. */
static void open_extra(ms_mime *m)
{
    if (m->state != ST_PREAMBLE && m->state != ST_EPILOGUE)
        return;
    bool pre = m->state == ST_PREAMBLE;
    const char *prefix = pre ? m->frames[m->nframes - 1].prefix : m->epi_prefix;
    unsigned depth = pre ? m->frames[m->nframes - 1].depth : m->epi_depth;
    char id[80];

    snprintf(id, sizeof id, "%s%s%s", prefix, prefix[0] ? "." : "", pre ? "preamble" : "epilogue");
    new_entity(m, id, "", depth + 1, false, false);
    snprintf(m->ent.charset, sizeof m->ent.charset, "us-ascii");
    m->ent.extra = true;
    m->state = ST_BODY;
    m->sink.part_begin(m->sink.ctx, &m->ent);
}

/* A line in a header section that is no field: if it delimits the
 * multipart this header defines, the header ends there; otherwise it is
 * passed on as text and the fields after it still count (as GMime and
 * mime4j read such headers), so junk cannot hide a Content-Type. */
static void junk_line(ms_mime *m, const char *p, size_t n, size_t content, const char *line,
                      size_t len)
{
    bool closing, ended = false;
    int fi;

    end_field(m);
    if (content >= 2 && p[0] == '-' && p[1] == '-' && strncmp(m->ent.type, "multipart/", 10) == 0 &&
        m->ent.boundary[0]) {
        end_headers(m);
        ended = true;
        if (m->state == ST_PREAMBLE && (fi = match_boundary(m, p, n, &closing)) >= 0) {
            at_boundary(m, (unsigned)fi, closing);
            raw(m, MS_MIME_RAW_DELIMITER, line, len);
            return;
        }
        if (m->state != ST_PREAMBLE) {
            raw(m, MS_MIME_RAW_BODY, line, len);
            return;
        }
    }
    /* after a header that ended here the line lies in the preamble */
    raw(m, ended ? MS_MIME_RAW_BODY : MS_MIME_RAW_HEADER, line, len);
    m->anomalies |= MS_ANOM_HEADER_JUNK;
    m->header_bytes += content;
    if (m->header_bytes > m->lim.header_bytes) {
        m->anomalies |= MS_ANOM_HEADER_TRUNCATED;
        return;
    }
    m->sink.header(m->sink.ctx, &m->ent, p, 0, p, content);
}

static void header_line(ms_mime *m, const char *p, size_t n)
{
    const char *line = p; /* as read, for the raw sink */
    size_t len = n, content = n - eol_length(p, n);

    /* A header line is cut at the line limit however it arrived: whole in
     * one feed or assembled in the line buffer (which holds no more). */
    if (content > m->lim.line_length)
        content = m->lim.line_length;
    if (m->header_lines++ == 0) {
        /* the first line of a header: a byte order mark, or an mbox From_
         * line left on a message (also on an attached one) */
        if (content >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3, n -= 3, content -= 3;
        }
        if (m->ent.is_message && content >= 5 && memcmp(p, "From ", 5) == 0) {
            raw(m, MS_MIME_RAW_HEADER, line, len);
            return;
        }
    }
    if (content == 0 || (content == 1 && p[0] == '\r')) {
        raw(m, MS_MIME_RAW_HEADER, line, len); /* before ent becomes an inner message's */
        end_headers(m);
        return;
    }
    if ((p[0] == ' ' || p[0] == '\t') && m->have_field) {
        raw(m, MS_MIME_RAW_HEADER, line, len);
        add_to_field(m, p, content);
        return;
    }
    if (p[0] == ' ' || p[0] == '\t' || !is_field_start(p, content)) {
        junk_line(m, p, n, content, line, len);
        return;
    }
    raw(m, MS_MIME_RAW_HEADER, line, len);
    end_field(m);
    m->have_field = true;
    add_to_field(m, p, content);
}

/* Pass on a body line's content and hold its break, which belongs to a
 * delimiter if one follows. in_input: p lies in the caller's buffer and
 * may stay in the coalesced span; otherwise (the line buffer) it is
 * handed on at once. */
static void body_line(ms_mime *m, const char *p, size_t n, bool in_input)
{
    size_t e = eol_length(p, n);

    raw(m, MS_MIME_RAW_BODY, p, n);
    emit(m, p, n - e);
    if (!in_input)
        flush_span(m);
    hold_pending(m, p + n - e, e);
    if (!in_input)
        m->pend_ptr = NULL;
}

/* One complete line (break included, unless at end of message).
 * in_input: p points into the caller's buffer (not the line buffer). */
static void process_line(ms_mime *m, const char *p, size_t n, bool in_input)
{
    bool closing;
    int fi;

    if (m->midline) {
        /* the tail of a body line already partly passed on */
        m->midline = false;
        open_extra(m);
        body_line(m, p, n, in_input);
        return;
    }
    if (m->state != ST_SKIP && (fi = match_boundary(m, p, n, &closing)) >= 0) {
        at_boundary(m, (unsigned)fi, closing);
        raw(m, MS_MIME_RAW_DELIMITER, p, n);
        return;
    }
    switch (m->state) {
    case ST_HEADER:
        header_line(m, p, n);
        break;
    case ST_PREAMBLE:
    case ST_EPILOGUE:
        open_extra(m);
        body_line(m, p, n, in_input);
        break;
    case ST_BODY:
        emit_pending(m); /* this line is no delimiter: the last break is body */
        body_line(m, p, n, in_input);
        break;
    case ST_SKIP:
        raw(m, MS_MIME_RAW_BODY, p, n);
        break;
    }
}

/* Pass on bytes of a body line that is known not to be a boundary. */
static void pass_partial(ms_mime *m, const char *p, size_t n, bool in_input)
{
    open_extra(m);
    raw(m, MS_MIME_RAW_BODY, p, n);
    if (!m->midline) {
        emit_pending(m);
        m->midline = true;
    }
    emit(m, p, n);
    if (!in_input)
        flush_span(m);
}

/* Could a line starting with the buffered bytes and then p be a boundary? */
static bool may_be_boundary(const ms_mime *m, const char *p, size_t n)
{
    char c0, c1;

    if (m->nframes == 0 || m->state == ST_SKIP)
        return false;
    /* a line the buffer cannot hold whole is no delimiter we could match */
    if (m->llen + n > BOUNDARY_LINE_MAX || m->llen + n > m->lim.line_length)
        return false;
    c0 = m->llen ? m->line[0] : (n ? p[0] : '-');
    c1 = m->llen > 1 ? m->line[1] : m->llen == 1 ? (n ? p[0] : '-') : (n > 1 ? p[1] : '-');
    return c0 == '-' && c1 == '-';
}

static void buffer_line(ms_mime *m, const char *p, size_t n)
{
    size_t room = m->lim.line_length - m->llen;

    if (n > room || m->line_cut) {
        m->cut_cr = p[n - 1] == '\r'; /* it may pair with the next LF */
        if (m->line_cut)
            return;
        n = room;
        m->line_cut = true;
        m->anomalies |= MS_ANOM_LONG_LINE;
    }
    memcpy(m->line + m->llen, p, n);
    m->llen += n;
}

/* The last piece of a buffered line: content cut at the limit as a whole
 * line would be, but its line break kept (the buffer has room for it). */
static void buffer_last(ms_mime *m, const char *p, size_t n)
{
    size_t e = eol_length(p, n);

    if (n > e)
        buffer_line(m, p, n - e);
    if (m->line_cut && e == 1 && m->cut_cr)
        m->line[m->llen++] = '\r';
    memcpy(m->line + m->llen, p + n - e, e);
    m->llen += e;
}

/* n bytes of a line that began in an earlier feed or does not end here. */
static void partial_line(ms_mime *m, const char *p, size_t n, bool complete)
{
    if (m->state == ST_HEADER || (!m->midline && may_be_boundary(m, p, n))) {
        if (!complete) {
            buffer_line(m, p, n);
        } else {
            buffer_last(m, p, n);
            process_line(m, m->line, m->llen, false);
            m->llen = 0;
            m->line_cut = m->cut_cr = false;
        }
        return;
    }
    if (m->llen) {
        if (complete && n == 1) { /* a held CR and its LF: one line break */
            buffer_line(m, p, n);
            process_line(m, m->line, m->llen, false);
            m->llen = 0;
            return;
        }
        pass_partial(m, m->line, m->llen, false);
        m->llen = 0;
    }
    if (complete) {
        m->midline = true;
        process_line(m, p, n, true);
        return;
    }
    /* keep a trailing CR: with the next LF it is the line break, which a
     * following boundary line would claim */
    size_t k = (n && p[n - 1] == '\r') ? n - 1 : n;
    if (k)
        pass_partial(m, p, k, true);
    if (k < n) {
        m->line[0] = '\r';
        m->llen = 1;
        if (!m->midline) { /* a line that starts with CR is no boundary */
            open_extra(m);
            emit_pending(m);
            m->midline = true;
        }
    }
}

void ms_mime_feed(ms_mime *m, const char *buf, size_t len)
{
    while (len) {
        const char *nl = memchr(buf, '\n', len);
        size_t n = nl ? (size_t)(nl - buf) + 1 : len;

        m->curlen += n;
        if (m->curlen > m->lim.line_length)
            m->anomalies |= MS_ANOM_LONG_LINE;
        if (nl)
            m->curlen = 0;
        if (nl && m->llen == 0)
            process_line(m, buf, n, true);
        else
            partial_line(m, buf, n, nl != NULL);
        buf += n;
        len -= n;
    }
    flush_span(m);
    m->pend_ptr = NULL; /* the held break stays in m->pend */
}

void ms_mime_finish(ms_mime *m)
{
    if (m->llen) {
        process_line(m, m->line, m->llen, false);
        m->llen = 0;
    }
    m->midline = false;
    while (m->state == ST_HEADER) {
        if (m->header_bytes)
            m->anomalies |= MS_ANOM_NO_HEADER_END;
        end_headers(m);
    }
    end_leaf(m, true);
    if (m->nframes)
        m->anomalies |= MS_ANOM_MISSING_BOUNDARY;
    for (unsigned i = 0; i < m->nframes; i++)
        if (m->frames[i].children == 0)
            m->anomalies |= MS_ANOM_EMPTY_MULTIPART;
    m->nframes = 0;
    m->state = ST_SKIP;
}
