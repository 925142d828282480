/*
 * uu.c - uuencoded files inside text ("begin 644 name" ... "end")
 *
 * Mail clients of old (and a sender who wants a file past an attachment
 * filter) put files into the body itself: a line "begin MODE NAME", lines
 * of uuencode, a line "end". To the text rules those lines are noise, and
 * the file is no MIME part, so neither the attachment checks nor the text
 * rules would see it. This decoder watches the decoded text of every text
 * part (and of parts sent with Content-Transfer-Encoding x-uuencode) and
 * collects the files, which the scan then inspects as attachments named
 * "PART/NAME".
 *
 * Written by hand for the reason the other decoders are (docs/ARCHITECTURE.md): it
 * must take the text chunk by chunk, in any chunking, without allocating
 * per byte, and with a cap. No Debian library decodes uuencode in memory.
 *
 * Format (POSIX uuencode): each line starts with a length character (32 +
 * the number of bytes, 0..45), then groups of four characters, each 32 +
 * six bits (a backquote stands for 0). Tolerated: lines whose trailing
 * blanks were stripped in transit (missing characters count as 0), CRLF,
 * blank lines inside the file, and a file without its end line (kept,
 * marked unended). A line that is not uuencode ends the file there, also
 * unended.
 *
 * Only the start of a line outside a file is looked at (is it "begin "?),
 * so ordinary text costs a memchr per line.
 */
#include "uu.h"
#include "util.h"

#include <string.h>

bool ms_uu_encoding(const char *cte)
{
    return strcmp(cte, "x-uuencode") == 0 || strcmp(cte, "uuencode") == 0 ||
           strcmp(cte, "x-uue") == 0 || strcmp(cte, "uue") == 0;
}

void ms_uu_init(ms_uu *u, size_t max)
{
    memset(u, 0, sizeof *u);
    u->buf.max = max;
}

void ms_uu_free(ms_uu *u)
{
    ms_capbuf_free(&u->buf);
}

void ms_uu_reset(ms_uu *u)
{
    u->llen = 0;
    u->skip = false;
    u->in = false;
    u->buf.len = 0;
    u->buf.nomem = false;
    u->nblocks = 0;
    u->over = false;
}

static ms_uu_block *cur(ms_uu *u)
{
    return &u->blocks[u->nblocks];
}

static void put(ms_uu *u, const unsigned char *b, size_t n)
{
    ms_capbuf_put_piece(&u->buf, b, n, &cur(u)->len, &cur(u)->truncated);
}

/* The file ends: kept if anything was decoded. */
static void close_block(ms_uu *u, bool complete)
{
    ms_uu_block *k = cur(u);

    u->in = false;
    if (!complete)
        k->unended = true;
    if (k->len)
        u->nblocks++;
    else
        u->buf.len = k->off;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* "begin MODE NAME": open a file. */
static void begin_line(ms_uu *u, const char *l, size_t n)
{
    size_t i = 6, d = 0;

    while (i < n && l[i] >= '0' && l[i] <= '7' && d < 4)
        i++, d++;
    if (d == 0 || i >= n || !blank(l[i]))
        return;
    while (i < n && blank(l[i]))
        i++;
    while (n > i && blank(l[n - 1]))
        n--;
    if (i == n)
        return;
    if (u->nblocks == MS_UU_BLOCKS) {
        u->over = true;
        return;
    }
    ms_uu_block *k = cur(u);
    memset(k, 0, sizeof *k);
    k->off = u->buf.len;
    ms_copy_utf8(k->name, sizeof k->name, l + i, n - i);
    u->in = true;
}

/* One line of the file; false if it is no uuencode. */
static bool data_line(ms_uu *u, const char *l, size_t n)
{
    unsigned char out[64] = {0}; /* the length character allows up to 63 */
    size_t w = 0;

    if (l[0] < 32 || l[0] > 96)
        return false;
    size_t want = (size_t)((l[0] - 32) & 63);
    for (size_t i = 1; w < want; i += 4) {
        unsigned v = 0;
        for (size_t j = 0; j < 4; j++) {
            char c = i + j < n ? l[i + j] : ' ';
            if (c < 32 || c > 96)
                return false;
            v = v << 6 | ((unsigned)(c - 32) & 63);
        }
        const unsigned char b[3] = {(unsigned char)(v >> 16), (unsigned char)(v >> 8),
                                    (unsigned char)v};
        for (size_t j = 0; j < 3 && w < want; j++)
            out[w++] = b[j];
    }
    put(u, out, w);
    return true;
}

static void end_line(ms_uu *u)
{
    const char *l = u->line;
    size_t n = u->llen;

    if (n && l[n - 1] == '\r')
        n--;
    if (!u->in) {
        if (n > 6 && memcmp(l, "begin ", 6) == 0)
            begin_line(u, l, n);
        return;
    }
    size_t t = n;
    while (t && blank(l[t - 1]))
        t--;
    if (t == 3 && memcmp(l, "end", 3) == 0) {
        close_block(u, true);
        return;
    }
    if (t == 0)
        return; /* a blank line inside the file */
    if (!data_line(u, l, n))
        close_block(u, false);
}

/* Could the line buffered so far still matter? */
static bool may_matter(const ms_uu *u)
{
    if (u->in)
        return true;
    size_t k = u->llen < 6 ? u->llen : 6;
    return memcmp(u->line, "begin ", k) == 0;
}

void ms_uu_feed(ms_uu *u, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;

        if (!u->skip) {
            if (k > MS_UU_LINE_MAX - u->llen) {
                u->skip = true; /* too long for uuencode, or for a begin line */
                if (u->in)
                    close_block(u, false);
            } else {
                memcpy(u->line + u->llen, p, k);
                u->llen += k;
                u->skip = !may_matter(u);
            }
        }
        if (!nl)
            return;
        if (!u->skip)
            end_line(u);
        u->llen = 0;
        u->skip = false;
        p += k + 1;
        n -= k + 1;
    }
}

void ms_uu_finish(ms_uu *u)
{
    if (u->llen && !u->skip)
        end_line(u);
    u->llen = 0;
    u->skip = false;
    if (u->in)
        close_block(u, false);
}
