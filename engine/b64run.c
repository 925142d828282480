/*
 * b64run.c - base64 pasted into text: runs of base64 lines, long base64
 * tokens, decoded
 *
 * Encoding a file in base64 and pasting it into the body is the simplest
 * way past a filter that reads text and attachments: the text rules see
 * letters and digits, and there is no part to inspect. This decoder
 * watches the text of every text part for base64 and decodes it; the scan
 * inspects each piece as an attachment of the part ("1/base64-1": true
 * type, YARA, archives, text rules).
 *
 * Base64 is found in two shapes:
 * - A run of lines: at least MS_B64RUN_MIN_LINES lines of the alphabet
 *   only (CR before the line break allowed), every one as wide as the first
 *   full one, at least MS_B64RUN_LINE_MIN, but the last, which may be
 *   shorter or end in '=' padding. That is how every encoder wraps (76
 *   columns for MIME, 64 for PEM and PGP). The first line may begin with
 *   other text ("file: QUJD...", `src="data:...;base64,QUJD...`) when at
 *   least MS_B64RUN_PARTIAL_MIN characters end it, and other text may
 *   follow the last on its line when the last ends in padding or a quote,
 *   bracket, ';' or ',' comes next (`...QQ==">`).
 * - A token: MS_B64RUN_TOKEN_MIN or more characters of the alphabet
 *   between any other bytes, on one line of any length: `base64 -w0`
 *   output, a data: URI in HTML, a JavaScript string holding a file (HTML
 *   smuggling). A run of lines of full width this long counts with fewer
 *   lines.
 *   What counts this way must look like an encoder's output: upper- and
 *   lower-case letters and digits all present (48 bytes of a file give
 *   them all but once in 50,000), at most one '/' in 16 characters, plus
 *   four, and not the path of a URL or a file name (after a '.', or
 *   starting with "//"). Link paths and tracking ids ("example.com/app/
 *   linkClick/12676/98e1..."), hexadecimal hashes and words stay text.
 * A '=' followed by the alphabet ends a token ("key=QUJD": the token is
 * "QUJD"); up to two '=' end one. A token longer than MS_B64RUN_LINE_MAX
 * is decoded as it comes, into a piece of its own.
 *
 * Ordinary text costs little: per line, a memchr for its end, its first
 * and last word, and one table lookup per MS_B64RUN_TOKEN_MIN bytes in
 * between (a long token must cover every such byte it passes). Long hex
 * strings or PGP armour decode to bytes of no known type and stay quiet.
 *
 * Written by hand for the reason the other decoders are (docs/ARCHITECTURE.md): it
 * takes the text chunk by chunk, in any chunking, allocation-free once its
 * buffer has grown, with a cap. The base64 itself is engine/b64.c.
 */
#include "b64run.h"

#include <string.h>

/* Token characters: 1 the base64 alphabet, 2 '=' padding. */
static const unsigned char tokc[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
    ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
    ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
    ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['+'] = 1, ['/'] = 1,
    ['='] = 2};

/* Kinds of base64 characters. */
#define KIND_UPPER 1u
#define KIND_LOWER 2u
#define KIND_DIGIT 4u
#define KIND_ALL   7u

static unsigned kinds(const char *p, size_t n, size_t *slashes)
{
    unsigned k = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        k |= c >= 'A' && c <= 'Z'   ? KIND_UPPER
             : c >= 'a' && c <= 'z' ? KIND_LOWER
             : c >= '0' && c <= '9' ? KIND_DIGIT
                                    : 0;
        *slashes += c == '/';
    }
    return k;
}

/* Whether base64 counted by its length alone looks like an encoder's. */
static bool encoded(unsigned k, size_t slashes, size_t chars)
{
    return k == KIND_ALL && slashes * 16 <= chars + 64;
}

/* Whether a token beginning with p, after the byte lead, may be base64
 * rather than the path of a URL or a file name. */
static bool lead_ok(char lead, const char *p, size_t n)
{
    return lead != '.' && !(n >= 2 && p[0] == '/' && p[1] == '/');
}

static void open_token(ms_b64run *r, bool first, char lead)
{
    r->open = true;
    r->tok_first = first;
    r->lead = lead;
    r->tlen = 0;
    r->npad = 0;
}

void ms_b64run_init(ms_b64run *r, size_t max)
{
    memset(r, 0, sizeof *r);
    r->buf.max = max;
    r->prev = '\n';
    open_token(r, true, '\n');
}

void ms_b64run_free(ms_b64run *r)
{
    ms_capbuf_free(&r->buf);
}

void ms_b64run_reset(ms_b64run *r)
{
    r->streaming = false;
    r->dropped = false;
    r->cr = false;
    r->nlines = 0;
    r->buf.len = 0;
    r->buf.nomem = false;
    r->nblocks = 0;
    r->over = false;
    r->prev = '\n';
    open_token(r, true, '\n');
}

/* ---- decoded pieces ------------------------------------------------------ */

static ms_b64run_block *cur(ms_b64run *r)
{
    return &r->blocks[r->nblocks];
}

static void put(ms_b64run *r, const unsigned char *b, size_t n)
{
    ms_capbuf_put_piece(&r->buf, b, n, &cur(r)->len, &cur(r)->truncated);
}

/* Decoded into the current piece; nothing while a run has no block. */
static void decode(ms_b64run *r, const char *p, size_t n)
{
    unsigned char out[MS_B64RUN_LINE_MAX / 4 * 3 + 3];

    if (r->nlines && r->blockless)
        return;
    while (n) {
        size_t k = n < MS_B64RUN_LINE_MAX ? n : MS_B64RUN_LINE_MAX;
        put(r, out, ms_b64_feed(&r->dec, p, k, out));
        p += k;
        n -= k;
    }
}

/* A piece begins; false when MS_B64RUN_BLOCKS are kept already. */
static bool block_begin(ms_b64run *r)
{
    if (r->nblocks == MS_B64RUN_BLOCKS)
        return false;
    ms_b64run_block *k = cur(r);
    memset(k, 0, sizeof *k);
    k->off = r->buf.len;
    ms_b64_init(&r->dec);
    return true;
}

/* It ends: kept when keep says so and it holds bytes, else forgotten. */
static void block_end(ms_b64run *r, bool keep)
{
    if (keep) {
        unsigned char out[3];
        put(r, out, ms_b64_finish(&r->dec, out));
        if (cur(r)->len) {
            r->nblocks++;
            return;
        }
    }
    r->buf.len = cur(r)->off;
}

/* ---- runs of lines ------------------------------------------------------- */

static void end_run(ms_b64run *r)
{
    if (!r->nlines)
        return;
    bool wide = r->width == 0 || r->width >= MS_B64RUN_LINE_MIN; /* 0: no full line yet */
    bool lines = r->nlines >= MS_B64RUN_MIN_LINES && r->width >= MS_B64RUN_LINE_MIN;
    bool chars =
        r->chars >= MS_B64RUN_TOKEN_MIN && r->lead_ok && encoded(r->kinds, r->slashes, r->chars);
    if (r->blockless)
        r->over |= lines || (wide && chars);
    else
        block_end(r, lines || (wide && chars));
    r->nlines = 0;
}

/* The open token, at the end of its line, begins a run. */
static void start_run(ms_b64run *r, bool whole_line)
{
    r->blockless = !block_begin(r); /* followed all the same, to tell whether it counts */
    r->nlines = 1;
    r->width = whole_line ? r->tlen : 0;
    r->chars = r->tlen;
    r->closed = r->npad > 0; /* no run goes on after padding */
    r->lead_ok = lead_ok(r->lead, r->tok, r->tlen);
    r->slashes = 0;
    r->kinds = kinds(r->tok, r->tlen, &r->slashes);
    decode(r, r->tok, r->tlen);
}

/* The open token, which began its line, goes on with the run if it fits;
 * last: other text follows it on the line. */
static bool run_line(ms_b64run *r, bool last)
{
    if (!r->nlines || r->closed || (r->width && r->tlen > r->width))
        return false;
    if (!r->width && !last)
        r->width = r->tlen; /* the first full line, after a partial one */
    decode(r, r->tok, r->tlen);
    r->kinds |= kinds(r->tok, r->tlen, &r->slashes);
    r->nlines++;
    r->chars += r->tlen;
    r->closed = last || r->tlen < r->width || r->npad;
    return true;
}

/* ---- tokens -------------------------------------------------------------- */

/* Whether the open token (its first MS_B64RUN_LINE_MAX characters when
 * longer) counts on its own. */
static bool token_ok(const ms_b64run *r)
{
    size_t n = r->tlen < MS_B64RUN_LINE_MAX ? r->tlen : MS_B64RUN_LINE_MAX, slashes = 0;
    unsigned k = kinds(r->tok, n, &slashes);
    return lead_ok(r->lead, r->tok, n) && encoded(k, slashes, n);
}

/* The open token is a piece on its own. */
static void single(ms_b64run *r)
{
    if (!token_ok(r))
        return;
    if (!block_begin(r)) {
        r->over = true;
        return;
    }
    decode(r, r->tok, r->tlen);
    block_end(r, true);
}

/* Characters of the open token. Past MS_B64RUN_LINE_MAX it is no line of a
 * run: it becomes a piece of its own and is decoded as it comes. */
static void append(ms_b64run *r, const char *p, size_t n)
{
    if (!r->streaming) {
        size_t k = n < MS_B64RUN_LINE_MAX - r->tlen ? n : MS_B64RUN_LINE_MAX - r->tlen;
        memcpy(r->tok + r->tlen, p, k);
        r->tlen += k;
        if (k == n)
            return;
        p += k;
        n -= k;
        end_run(r);
        r->streaming = true; /* judged by its first MS_B64RUN_LINE_MAX characters */
        r->dropped = !token_ok(r);
        if (!r->dropped && !block_begin(r)) {
            r->dropped = true;
            r->over = true;
        }
        if (!r->dropped)
            decode(r, r->tok, r->tlen);
    }
    if (!r->dropped)
        decode(r, p, n);
    r->tlen += n;
}

/* The open token takes what continues it from p; returns the bytes taken.
 * It stops at a byte outside the alphabet, or the alphabet after '='. */
static size_t take(ms_b64run *r, const char *p, size_t n)
{
    size_t i = 0;

    for (; i < n; i++) {
        unsigned c = tokc[(unsigned char)p[i]];
        if (c == 0 || (c == 1 && r->npad))
            break;
        r->npad += c == 2;
    }
    append(r, p, i);
    return i;
}

/* What may follow the last line of a run on its line: the end of a quoted
 * attribute or string, of a CSS url(), of a tag or a list item. */
static bool closes_run(char c)
{
    return c && strchr("\"')<>;,", c) != NULL;
}

/* The open token ends: at the end of its line (eol), or before the byte
 * next (0 when it does not matter). */
static void end_token(ms_b64run *r, bool eol, char next)
{
    bool valid = r->npad <= 2 && r->tlen > r->npad;
    bool first = r->tok_first;

    r->open = false;
    if (r->streaming) {
        if (!r->dropped)
            block_end(r, true);
        r->streaming = false;
        r->dropped = false;
        return;
    }
    if (first && valid && (eol || r->npad || closes_run(next)) && run_line(r, !eol)) {
        if (!eol)
            end_run(r); /* its last line, other text after it */
        return;
    }
    if (first)
        end_run(r); /* the line does not go on with the run */
    if (!valid)
        return;
    if (eol) {
        if (first || r->tlen >= MS_B64RUN_PARTIAL_MIN)
            start_run(r, first);
    } else if (r->tlen >= MS_B64RUN_TOKEN_MIN) {
        single(r);
    }
}

/* Long tokens wholly inside p[0..n), which other text bounds on both
 * sides. Each token of MS_B64RUN_TOKEN_MIN bytes covers the byte at
 * q + MS_B64RUN_TOKEN_MIN - 1 for the q after the last one seen, so
 * looking at that byte alone skips the text before it when it is no
 * base64. */
static void middle(ms_b64run *r, const char *p, size_t n, char before)
{
    size_t q = 0;

    while (n - q >= MS_B64RUN_TOKEN_MIN) {
        size_t t = q + MS_B64RUN_TOKEN_MIN - 1, s = t, e = t + 1;

        if (!tokc[(unsigned char)p[t]]) {
            q = t + 1;
            continue;
        }
        while (s > q && tokc[(unsigned char)p[s - 1]])
            s--;
        while (e < n && tokc[(unsigned char)p[e]])
            e++;
        while (e - s >= MS_B64RUN_TOKEN_MIN) { /* the tokens of s..e, split after '=' */
            open_token(r, false, s ? p[s - 1] : before);
            s += take(r, p + s, e - s);
            end_token(r, false, 0);
        }
        q = e;
    }
}

/* Bytes of the current line (no '\n', no CR ending it). */
static void portion(ms_b64run *r, const char *p, size_t k)
{
    size_t i = 0, j = k;

    if (r->open) {
        i = take(r, p, k);
        if (i == k) {
            if (k)
                r->prev = p[k - 1];
            return; /* it may go on */
        }
        end_token(r, false, p[i]);
    }
    /* the token that ends p[0..k), if any: it may go on */
    while (j > i && tokc[(unsigned char)p[j - 1]] &&
           !(j < k && p[j - 1] == '=' && tokc[(unsigned char)p[j]] == 1))
        j--;
    middle(r, p + i, j - i, i ? p[i - 1] : r->prev);
    if (j < k) {
        open_token(r, false, j ? p[j - 1] : r->prev);
        take(r, p + j, k - j);
    }
    if (k)
        r->prev = p[k - 1];
}

static void line_end(ms_b64run *r)
{
    if (r->open)
        end_token(r, true, 0);
    r->prev = '\n';
    open_token(r, true, '\n');
}

void ms_b64run_feed(ms_b64run *r, const char *p, size_t n)
{
    if (n && r->cr) {
        r->cr = false;
        if (*p != '\n')
            portion(r, "\r", 1); /* it did not end the line: an ordinary byte */
    }
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n, m = k;

        if (m && p[m - 1] == '\r') {
            m--;
            r->cr = !nl; /* the next chunk says whether it ends the line */
        }
        portion(r, p, m);
        if (!nl)
            return;
        line_end(r);
        p += k + 1;
        n -= k + 1;
    }
}

void ms_b64run_finish(ms_b64run *r)
{
    r->cr = false; /* a CR at the very end ends the last line */
    line_end(r);
    end_run(r);
}
