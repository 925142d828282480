/*
 * b64run.c - base64 pasted into text: runs of base64 lines, decoded
 *
 * Encoding a file in base64 and pasting it into the body is the simplest
 * way past a filter that reads text and attachments: the text rules see
 * letters and digits, and there is no part to inspect. This decoder
 * watches the decoded text of every text part for runs of base64 lines
 * and decodes them; the scan inspects each run as an attachment of the
 * part ("1/base64-1": true type, YARA, archives, text rules).
 *
 * A run is at least MS_B64RUN_MIN_LINES lines of base64 alphabet only
 * (CR before the line break allowed), the first at least
 * MS_B64RUN_LINE_MIN long, every other as long as the first, but the last,
 * which may be shorter or end in '=' padding. That is how every encoder
 * wraps (76 columns for MIME, 64 for PEM and PGP), and ordinary text never
 * looks like it: a space or any punctuation ends a candidate line at once,
 * so text costs a table lookup per byte until its first blank. Long hex
 * strings or PGP armour decode to bytes of no known type and stay quiet.
 *
 * Written by hand for the reason the other decoders are (DESIGN.md): it
 * takes the text chunk by chunk, in any chunking, allocation-free once its
 * buffer has grown, with a cap. The base64 itself is engine/b64.c.
 */
#include "b64run.h"

#include <string.h>

static const unsigned char alphabet[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
    ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
    ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
    ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['+'] = 1, ['/'] = 1,
    ['='] = 2, ['\r'] = 3};

void ms_b64run_init(ms_b64run *r, size_t max)
{
    memset(r, 0, sizeof *r);
    r->buf.max = max;
}

void ms_b64run_free(ms_b64run *r)
{
    ms_capbuf_free(&r->buf);
}

void ms_b64run_reset(ms_b64run *r)
{
    r->llen = 0;
    r->skip = false;
    r->nlines = 0;
    r->closed = false;
    r->buf.len = 0;
    r->buf.nomem = false;
    r->nblocks = 0;
}

static ms_b64run_block *cur(ms_b64run *r)
{
    return &r->blocks[r->nblocks];
}

static void put(ms_b64run *r, const unsigned char *b, size_t n)
{
    ms_b64run_block *k = cur(r);
    size_t w = ms_capbuf_put(&r->buf, b, n);

    k->len += w;
    if (w < n)
        k->truncated = true; /* over the cap (or out of memory): the start is kept */
}

static void decode(ms_b64run *r, const char *l, size_t n)
{
    unsigned char out[MS_B64RUN_LINE_MAX / 4 * 3 + 3];
    put(r, out, ms_b64_feed(&r->dec, l, n, out));
}

/* The run ends: kept if it has enough lines, else forgotten. */
static void end_run(ms_b64run *r)
{
    if (r->nlines >= MS_B64RUN_MIN_LINES) {
        unsigned char out[3];
        put(r, out, ms_b64_finish(&r->dec, out));
        if (cur(r)->len) {
            r->nblocks++;
            r->nlines = 0;
            return;
        }
    }
    if (r->nlines)
        r->buf.len = cur(r)->off;
    r->nlines = 0;
}

/* A line of base64: its length without CR, and whether it ends in '='. */
static bool b64_line(const char *l, size_t n, size_t *len, bool *padded)
{
    if (n && l[n - 1] == '\r')
        n--;
    size_t body = n;
    while (body && l[body - 1] == '=' && n - body < 2)
        body--;
    if (body == 0)
        return false;
    for (size_t i = 0; i < body; i++)
        if (alphabet[(unsigned char)l[i]] != 1)
            return false;
    *len = n;
    *padded = body < n;
    return true;
}

static void start_run(ms_b64run *r, const char *l, size_t n, bool padded)
{
    if (n < MS_B64RUN_LINE_MIN || padded || r->nblocks == MS_B64RUN_BLOCKS)
        return; /* no run of several lines starts with a last line */
    ms_b64run_block *k = cur(r);
    memset(k, 0, sizeof *k);
    k->off = r->buf.len;
    ms_b64_init(&r->dec);
    r->width = n;
    r->closed = false;
    r->nlines = 1;
    decode(r, l, n);
}

static void end_line(ms_b64run *r)
{
    size_t n;
    bool padded;

    if (r->skip || !b64_line(r->line, r->llen, &n, &padded)) {
        end_run(r);
        return;
    }
    if (r->nlines && !r->closed && n <= r->width) { /* the run goes on */
        decode(r, r->line, n);
        r->nlines++;
        r->closed = n < r->width || padded; /* its last line */
        return;
    }
    end_run(r);
    start_run(r, r->line, n, padded);
}

void ms_b64run_feed(ms_b64run *r, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;

        if (!r->skip) {
            if (k > MS_B64RUN_LINE_MAX - r->llen) {
                r->skip = true;
            } else {
                for (size_t i = 0; i < k; i++) {
                    if (!alphabet[(unsigned char)p[i]]) {
                        r->skip = true;
                        break;
                    }
                }
                if (!r->skip) {
                    memcpy(r->line + r->llen, p, k);
                    r->llen += k;
                }
            }
        }
        if (!nl)
            return;
        end_line(r);
        r->llen = 0;
        r->skip = false;
        p += k + 1;
        n -= k + 1;
    }
}

void ms_b64run_finish(ms_b64run *r)
{
    if (r->llen || r->skip)
        end_line(r);
    r->llen = 0;
    r->skip = false;
    end_run(r);
}
