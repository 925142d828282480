/*
 * gen_corpus.c - write a deterministic synthetic corpus of outbound mail
 *
 *   ms_gen_corpus OUTDIR N SEED          N messages, OUTDIR/msg-000001.eml ...
 *   ms_gen_corpus --text FILE SIZE SEED  SIZE bytes of plain English prose
 *                                        (SIZE may end in K, M or G: 1024-based)
 *
 * The messages look like what an office, a university or a hospital sends
 * out, so that the benchmark measures the decoders and the matcher on the
 * mix they meet in production (RFC 5322 headers, RFC 2045-2049 MIME, RFC
 * 2047 subjects, CRLF line ends):
 *
 *   structure    text/plain alone, multipart/alternative (plain + HTML),
 *                multipart/mixed with attachments, mixed around an alternative
 *   text/plain   7bit (ASCII only), quoted-printable or base64
 *   charsets     utf-8, iso-8859-1, windows-1252 (text converted for real)
 *   HTML         Outlook-like markup, <b>, <i>, <a>, digits in <span>s,
 *                &nbsp; &amp; named and numeric character references, tables
 *   attachments  base64 application/pdf (one page of prose and a photo),
 *                text/csv exports (base64 or 7bit)
 *   sizes        2 KB to about 300 KB, most under 10 KB
 *   specials     in a few percent of messages: a Luhn-valid test card number
 *                (body, HTML split by tags, or a CSV row), a classification
 *                banner and Sensitivity: header, a chain letter, a password;
 *                in more, numbers that look like cards but fail Luhn
 *
 * Message i depends only on (SEED, i): the same arguments write the same
 * bytes on any machine. A summary of what was written goes to stdout.
 *
 * BUGS: bodies are word salad; no message/rfc822, S/MIME, archives,
 * Office documents or non-Latin scripts.
 */
#include "prose.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a growing buffer (the generator may allocate freely) -------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_reserve(sbuf *b, size_t n)
{
    if (n <= b->cap - b->len)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fprintf(stderr, "ms_gen_corpus: out of memory\n");
        exit(2);
    }
    b->p = p;
    b->cap = cap;
}

static void sb_put(sbuf *b, const void *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_putc(sbuf *b, char c)
{
    sb_put(b, &c, 1);
}

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* ---- the plan of one message ------------------------------------------- */

enum shape { SHAPE_PLAIN, SHAPE_ALT, SHAPE_MIXED, SHAPE_MIXED_ALT };
enum cte { CTE_7BIT, CTE_QP, CTE_B64 };

typedef struct plan {
    unsigned index;
    size_t target; /* rough size of the whole message */
    enum shape shape;
    const char *charset;
    enum cte plain_cte, html_cte, csv_cte;
    unsigned flags;            /* PROSE_* of the text */
    size_t text_size;          /* bytes of plain text wanted */
    size_t pdf_size, csv_size; /* raw attachment bytes, 0 for none */
    bool pan, pan_in_csv, banner, sensitivity, chain, password, decoy;
} plan;

typedef struct totals {
    unsigned messages, shapes[4], ctes[3], pan, banner, chain, password, decoy, pdf, csv;
    unsigned charsets[3];
    unsigned long long bytes;
    size_t smallest, largest;
} totals;

static const char *const charsets[] = {"utf-8", "iso-8859-1", "windows-1252"};

static size_t pick_size(prose_rng *r)
{
    unsigned roll = prose_below(r, 100);
    if (roll < 55)
        return 2200 + prose_below(r, 8 * 1024);
    if (roll < 82)
        return 10 * 1024 + prose_below(r, 40 * 1024);
    if (roll < 96)
        return 50 * 1024 + prose_below(r, 100 * 1024);
    return 150 * 1024 + prose_below(r, 150 * 1024);
}

static enum shape pick_shape(prose_rng *r, size_t target)
{
    unsigned roll = prose_below(r, 100);
    if (target > 48 * 1024)
        return roll < 60 ? SHAPE_MIXED : roll < 85 ? SHAPE_MIXED_ALT : SHAPE_ALT;
    return roll < 35   ? SHAPE_PLAIN
           : roll < 75 ? SHAPE_ALT
           : roll < 90 ? SHAPE_MIXED
                       : SHAPE_MIXED_ALT;
}

/* Split the size between the text and the attachments (base64 adds 1/3). */
static void plan_sizes(prose_rng *r, plan *p)
{
    size_t body = p->target > 2200 ? p->target - 700 : 1500;
    size_t rest = 0;

    switch (p->shape) {
    case SHAPE_PLAIN:
        p->text_size = p->plain_cte == CTE_B64 ? body * 3 / 4 : body;
        return;
    case SHAPE_ALT:
        p->text_size = body * 2 / 5;
        return;
    case SHAPE_MIXED:
        p->text_size = 1500 + prose_below(r, 12 * 1024);
        if (p->text_size > body / 3)
            p->text_size = body / 3;
        rest = body - p->text_size;
        break;
    case SHAPE_MIXED_ALT:
        p->text_size = 1500 + prose_below(r, 8 * 1024);
        if (p->text_size > body / 6)
            p->text_size = body / 6;
        rest = body - p->text_size * 5 / 2;
        break;
    }
    size_t raw = rest * 3 / 4, roll = prose_below(r, 100);
    if (roll < 55 || raw < 1024)
        p->pdf_size = raw;
    else if (roll < 80)
        p->csv_size = raw;
    else {
        p->pdf_size = raw * 7 / 10;
        p->csv_size = raw - p->pdf_size;
    }
}

static void make_plan(prose_rng *r, unsigned index, plan *p)
{
    memset(p, 0, sizeof *p);
    p->index = index;
    p->target = pick_size(r);
    p->shape = pick_shape(r, p->target);
    unsigned roll = prose_below(r, 100);
    p->plain_cte = roll < 50 ? CTE_7BIT : roll < 85 ? CTE_QP : CTE_B64;
    p->html_cte = prose_chance(r, 70) ? CTE_QP : CTE_B64;
    p->csv_cte = prose_chance(r, 60) ? CTE_B64 : CTE_7BIT;
    roll = prose_below(r, 100);
    p->charset = charsets[roll < 60 ? 0 : roll < 80 ? 1 : 2];
    p->flags = p->plain_cte == CTE_7BIT ? PROSE_ASCII : PROSE_UTF8;
    p->pan = prose_chance(r, 3);
    p->banner = prose_chance(r, 4);
    p->sensitivity = p->banner && prose_chance(r, 50);
    p->chain = prose_chance(r, 1);
    p->password = prose_chance(r, 1);
    p->decoy = prose_chance(r, 8);
    plan_sizes(r, p);
    p->pan_in_csv = p->pan && p->csv_size && prose_chance(r, 50);
}

/* ---- card numbers ------------------------------------------------------ */

/* Test numbers the card brands publish for payment testing (all Luhn-valid). */
static const char *const test_pans[] = {
    "4111111111111111", "4012888888881881", "5555555555554444", "5105105105105100",
    "2223003122003222", "378282246310005",  "371449635398431",  "6011111111111117",
    "6011000990139424", "3530111333300000", "3566002020360505", "30569309025904",
    "38520000023237",   "4222222222222",
};

static bool luhn_ok(const char *d, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(d[n - 1 - i] - '0');
        if (i % 2 == 1)
            v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
    }
    return sum % 10 == 0;
}

/* Group digits 4-4-4-4 (Amex 4-6-5) with spaces or dashes, or not at all. */
static void format_pan(prose_rng *r, const char *pan, char *out)
{
    static const unsigned amex[] = {4, 10, 99}, other[] = {4, 8, 12, 16, 99};
    size_t n = strlen(pan), k = 0;
    unsigned style = prose_below(r, 10);
    char sep = style < 4 ? ' ' : style < 6 ? '-' : 0;
    const unsigned *cut = n == 15 ? amex : other;

    for (size_t i = 0; i < n; i++) {
        if (sep && i == *cut) {
            out[k++] = sep;
            cut++;
        }
        out[k++] = pan[i];
    }
    out[k] = '\0';
}

/* Sixteen digits whose check digit is wrong: an order or reference number. */
static void make_decoy(prose_rng *r, char *out)
{
    char d[17];
    d[0] = (char)('4' + prose_below(r, 2));
    for (int i = 1; i < 15; i++)
        d[i] = (char)('0' + prose_below(r, 10));
    for (d[15] = '0'; !luhn_ok(d, 16); d[15]++)
        ;
    d[15] = (char)('0' + (d[15] - '0' + 1 + prose_below(r, 9)) % 10);
    d[16] = '\0';
    format_pan(r, d, out);
}

/* ---- text: paragraphs separated by "\n\n", hard line breaks by "\n" ---- */

static const char *const people[][2] = {
    {"Maria Keller", "maria.keller"},    {"John Okafor", "j.okafor"},
    {"Priya Raman", "priya.raman"},      {"Chen Wei", "wei.chen"},
    {"Ahmed Haddad", "a.haddad"},        {"Sofia Lindqvist", "sofia.lindqvist"},
    {"David Brennan", "dbrennan"},       {"Laura Rossi", "laura.rossi"},
    {"Michael Novak", "m.novak"},        {"Anna Schmidt", "anna.schmidt"},
    {"Registrar's Office", "registrar"}, {"IT Service Desk", "servicedesk"},
};
static const char *const domains[] = {"example.edu", "example.org", "example.com", "example.net"};
static const char *const banners[] = {
    "CONFIDENTIAL",
    "STRICTLY CONFIDENTIAL - DO NOT FORWARD",
    "INTERNAL ONLY",
    "RESTRICTED: Protected Health Information",
};

static void put_pan_sentence(prose_rng *r, sbuf *b)
{
    char pan[32];
    format_pan(r, test_pans[prose_below(r, NELEM(test_pans))], pan);
    switch (prose_below(r, 3)) {
    case 0:
        sb_printf(b, "Please charge the card %s, expiry %02u/%02u, for the registration fee.", pan,
                  1 + prose_below(r, 12), 26 + prose_below(r, 5));
        break;
    case 1:
        sb_printf(b, "My card number is %s and the security code is %03u.", pan,
                  prose_below(r, 1000));
        break;
    default:
        sb_printf(b, "Card: %s", pan);
        break;
    }
}

static void put_specials(prose_rng *r, const plan *p, sbuf *b)
{
    char num[32];

    if (p->pan && !p->pan_in_csv) {
        put_pan_sentence(r, b);
        sb_puts(b, "\n\n");
    }
    if (p->decoy) {
        make_decoy(r, num);
        sb_printf(b, "%s %s.\n\n",
                  prose_chance(r, 50) ? "Your order reference is" : "The tracking number is", num);
    }
    if (p->chain)
        sb_puts(b, "Forward this to 10 people within the hour and your wish will come true. "
                   "Do not break the chain, or you will have bad luck for seven years!\n\n");
    if (p->password)
        sb_printf(b,
                  "Your temporary login is %s and the password: Xy9k#%u%cLm, please change "
                  "it after you first sign in.\n\n",
                  people[prose_below(r, NELEM(people))][1], prose_below(r, 100),
                  'a' + prose_below(r, 26));
}

static void build_paragraphs(prose_rng *r, const plan *p, const char *from, const char *to, sbuf *b)
{
    char para[PROSE_PARAGRAPH_MAX];
    unsigned n = 0, at = prose_below(r, 3);

    if (p->banner)
        sb_printf(b, "%s\n\n", banners[prose_below(r, NELEM(banners))]);
    sb_printf(b, "%s %.*s,\n\n", prose_chance(r, 50) ? "Hi" : "Dear", (int)strcspn(to, " "), to);
    size_t start = b->len;
    while (b->len - start < p->text_size || n <= at) {
        if (n++ == at)
            put_specials(r, p, b);
        size_t k = prose_paragraph(r, para, sizeof para, p->flags);
        sb_put(b, para, k);
        sb_puts(b, "\n\n");
    }
    sb_printf(b, "%s\n\n-- \n%s\n%s\nPhone +1 555 %03u %04u\n",
              prose_chance(r, 50) ? "Best regards," : "Thanks,", from,
              "Finance Office, Example University", prose_below(r, 1000), prose_below(r, 10000));
}

/* The paragraphs as text/plain: wrapped at 72 columns, CRLF. */
static void render_plain(const sbuf *paras, sbuf *out)
{
    size_t i = 0;
    while (i < paras->len) {
        const char *nl = memchr(paras->p + i, '\n', paras->len - i);
        size_t n = nl ? (size_t)(nl - paras->p) - i : paras->len - i;
        if (n == 0) {
            sb_puts(out, "\r\n");
        } else {
            sb_reserve(out, 3 * n + 16);
            out->len += prose_wrap(paras->p + i, n, out->p + out->len, 3 * n + 16, 72, "\r\n");
        }
        i += n + 1;
    }
}

/* ---- HTML --------------------------------------------------------------- */

static const struct entity {
    unsigned cp;
    const char *name;
} entities[] = {
    {0xE9, "eacute"},  {0xFC, "uuml"},    {0xEF, "iuml"},   {0xE7, "ccedil"},
    {0xE1, "aacute"},  {0xC5, "Aring"},   {0xF6, "ouml"},   {0x2019, "rsquo"},
    {0x201C, "ldquo"}, {0x201D, "rdquo"}, {0x20AC, "euro"}, {0x2013, "ndash"},
};

/* Decode one UTF-8 sequence (the generator's own, so well formed). */
static unsigned utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
    if (s[0] < 0xE0 || n < 3) {
        *len = n < 2 ? 1 : 2;
        return n < 2 ? s[0] : ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    }
    *len = 3;
    return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
}

static void html_char(prose_rng *r, const char *w, size_t n, size_t *i, sbuf *out)
{
    size_t k;
    unsigned cp = utf8_decode((const unsigned char *)w + *i, n - *i, &k);
    unsigned roll = prose_below(r, 100);

    for (size_t e = 0; roll < 40 && e < NELEM(entities); e++) {
        if (entities[e].cp == cp) {
            sb_printf(out, "&%s;", entities[e].name);
            *i += k;
            return;
        }
    }
    if (roll < 70)
        sb_printf(out, "&#%u;", cp);
    else
        sb_put(out, w + *i, k);
    *i += k;
}

static void html_escape(prose_rng *r, const char *w, size_t n, sbuf *out)
{
    for (size_t i = 0; i < n;) {
        switch (w[i]) {
        case '&':
            sb_puts(out, "&amp;");
            break;
        case '<':
            sb_puts(out, "&lt;");
            break;
        case '>':
            sb_puts(out, "&gt;");
            break;
        case '"':
            sb_puts(out, "&quot;");
            break;
        default:
            if ((unsigned char)w[i] >= 0x80) {
                html_char(r, w, n, &i, out);
                continue;
            }
            sb_putc(out, w[i]);
        }
        i++;
    }
}

static void html_word(prose_rng *r, const char *w, size_t n, sbuf *out)
{
    unsigned roll = prose_below(r, 100);
    size_t digits = strspn(w, "0123456789");

    if (digits >= n && n >= 3 && roll < 60) {
        sb_printf(out, "<span style=\"font-size:11pt\">%.*s</span>", (int)n, w);
        return;
    }
    if (roll < 3)
        sb_puts(out, "<b>");
    else if (roll < 4)
        sb_printf(out, "<a href=\"https://intranet.example.edu/docs/%u?ref=mail&amp;id=%u\">",
                  prose_below(r, 10000), prose_below(r, 100));
    else if (roll < 5)
        sb_puts(out, "<i>");
    html_escape(r, w, n, out);
    sb_puts(out, roll < 3 ? "</b>" : roll < 4 ? "</a>" : roll < 5 ? "</i>" : "");
}

static void html_line(prose_rng *r, const char *s, size_t n, sbuf *out)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ' ')
            j++;
        html_word(r, s + i, j - i, out);
        if (j < n)
            sb_puts(out, prose_chance(r, 2) ? "&nbsp;" : " ");
        i = j + 1;
    }
}

static void html_table(prose_rng *r, sbuf *out)
{
    sb_puts(out, "<table border=\"0\" cellpadding=\"4\" style=\"border-collapse:collapse\">\r\n"
                 "<tr><th>Item</th><th>Owner</th><th>Due</th><th>Amount</th></tr>\r\n");
    for (unsigned i = 0, n = 2 + prose_below(r, 6); i < n; i++)
        sb_printf(out,
                  "<tr><td>%s</td><td>%s</td><td>%02u/%02u</td><td align=\"right\">"
                  "$%u.%02u</td></tr>\r\n",
                  i % 2 ? "Travel &amp; lodging" : "Catering", people[prose_below(r, 10)][0],
                  1 + prose_below(r, 28), 1 + prose_below(r, 12), prose_below(r, 5000),
                  prose_below(r, 100));
    sb_puts(out, "</table>\r\n");
}

static void render_html(prose_rng *r, const plan *p, const sbuf *paras, sbuf *out)
{
    sb_printf(out,
              "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; "
              "charset=%s\">\r\n<style><!--\r\np.MsoNormal {margin:0cm; font-size:11.0pt; "
              "font-family:\"Calibri\",sans-serif;}\r\n--></style></head>\r\n"
              "<body lang=\"EN-US\" link=\"#0563C1\">\r\n<div class=\"WordSection1\">\r\n",
              p->charset);
    for (size_t i = 0; i < paras->len;) {
        const char *end = memmem(paras->p + i, paras->len - i, "\n\n", 2);
        size_t n = end ? (size_t)(end - paras->p) - i : paras->len - i;
        sb_puts(out, "<p class=\"MsoNormal\">");
        for (size_t j = i; j < i + n;) {
            const char *nl = memchr(paras->p + j, '\n', i + n - j);
            size_t k = nl ? (size_t)(nl - paras->p) - j : i + n - j;
            if (j > i)
                sb_puts(out, "<br>\r\n");
            html_line(r, paras->p + j, k, out);
            j += k + 1;
        }
        sb_puts(out, "</p>\r\n");
        i += n + 2;
    }
    if (prose_chance(r, 25))
        html_table(r, out);
    sb_puts(out, "</div>\r\n</body></html>\r\n");
}

/* ---- charsets and transfer encodings ----------------------------------- */

/* Characters outside Latin-1 that the prose uses: windows-1252 has them,
 * iso-8859-1 gets an ASCII stand-in (as a careful MUA would write). */
static const struct beyond_latin1 {
    unsigned cp;
    char cp1252;
    const char *ascii;
} beyond_latin1[] = {
    {0x20AC, '\x80', "EUR"}, {0x2018, '\x91', "'"},  {0x2019, '\x92', "'"},
    {0x201C, '\x93', "\""},  {0x201D, '\x94', "\""}, {0x2013, '\x96', "-"},
};

static void to_charset(const char *in, size_t n, const char *cs, sbuf *out)
{
    bool cp1252 = strcmp(cs, "windows-1252") == 0;

    if (strcmp(cs, "utf-8") == 0) {
        sb_put(out, in, n);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t k = 1;
        unsigned cp = (unsigned char)in[i];
        if (cp >= 0x80)
            cp = utf8_decode((const unsigned char *)in + i, n - i, &k);
        i += k;
        if (cp <= 0xFF) {
            sb_putc(out, (char)cp);
            continue;
        }
        for (size_t e = 0; e < NELEM(beyond_latin1); e++)
            if (beyond_latin1[e].cp == cp) {
                if (cp1252)
                    sb_putc(out, beyond_latin1[e].cp1252);
                else
                    sb_puts(out, beyond_latin1[e].ascii);
            }
    }
}

/* RFC 2045 6.8; wrap 0 writes one line (an RFC 2047 encoded word). */
static void b64_encode(const unsigned char *in, size_t n, sbuf *out, unsigned wrap)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned col = 0;

    sb_reserve(out, n / 3 * 4 + n / 38 + 16);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        char q[4] = {abc[v >> 18], abc[(v >> 12) & 63], i + 1 < n ? abc[(v >> 6) & 63] : '=',
                     i + 2 < n ? abc[v & 63] : '='};
        sb_put(out, q, 4);
        if (wrap && (col += 4) >= wrap) {
            sb_puts(out, "\r\n");
            col = 0;
        }
    }
    if (wrap && col)
        sb_puts(out, "\r\n");
}

/* RFC 2045 6.7: CRLF in the input is a hard line break; lines stay within
 * 76 columns with soft breaks; space before a line end is encoded. */
static void qp_encode(const char *in, size_t n, sbuf *out)
{
    unsigned col = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r' && i + 1 < n && in[i + 1] == '\n') {
            sb_puts(out, "\r\n");
            col = 0;
            i++;
            continue;
        }
        bool line_end = i + 1 == n || in[i + 1] == '\r';
        bool plain = (c >= 33 && c <= 126 && c != '=') || (c == ' ' && !line_end);
        unsigned w = plain ? 1 : 3;
        if (col + w > 75) {
            sb_puts(out, "=\r\n");
            col = 0;
        }
        if (plain)
            sb_putc(out, (char)c);
        else
            sb_printf(out, "=%02X", c);
        col += w;
    }
    if (col)
        sb_puts(out, "=\r\n");
}

static const char *cte_name(enum cte cte)
{
    return cte == CTE_QP ? "quoted-printable" : cte == CTE_B64 ? "base64" : "7bit";
}

static void emit_body(enum cte cte, const char *body, size_t n, sbuf *out)
{
    switch (cte) {
    case CTE_7BIT:
        sb_put(out, body, n);
        if (n && body[n - 1] != '\n')
            sb_puts(out, "\r\n");
        break;
    case CTE_QP:
        qp_encode(body, n, out);
        break;
    case CTE_B64:
        b64_encode((const unsigned char *)body, n, out, 76);
        break;
    }
}

/* A text part: header fields, then the UTF-8 text in the plan's charset. */
static void emit_text_part(const plan *p, const char *subtype, const sbuf *text, enum cte cte,
                           sbuf *out)
{
    sbuf conv = {0};

    to_charset(text->p, text->len, p->charset, &conv);
    if (p->index % 2)
        sb_printf(out, "Content-Type: text/%s; charset=\"%s\"\r\n", subtype, p->charset);
    else
        sb_printf(out, "Content-Type: text/%s;\r\n\tcharset=%s\r\n", subtype,
                  strcmp(p->charset, "utf-8") == 0 ? "UTF-8" : p->charset);
    sb_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n", cte_name(cte));
    emit_body(cte, conv.p, conv.len, out);
    free(conv.p);
}

/* ---- attachments ------------------------------------------------------- */

static const char *const pdf_names[] = {"Q3-report.pdf", "invoice-2024-0173.pdf",
                                        "minutes.pdf",   "scan_0042.pdf",
                                        "syllabus.pdf",  "discharge-summary.pdf"};
static const char *const csv_names[] = {"export.csv", "grades.csv", "expenses.csv",
                                        "attendees.csv"};

/* A well-formed one-page PDF of SIZE bytes, as a report generator writes
 * one: a page of prose in an uncompressed content stream (Helvetica), and
 * a photo (a DCT image of random bytes) making up the rest of the size, as
 * images make up most of the bytes of real PDFs. The xref table is exact,
 * so a reader parses it rather than rebuilding it. */
static void emit_pdf(prose_rng *r, size_t size, sbuf *out)
{
    sbuf raw = {0}, text = {0};
    const char *name = pdf_names[prose_below(r, NELEM(pdf_names))];
    size_t off[7];
    char para[PROSE_PARAGRAPH_MAX], lines[2 * PROSE_PARAGRAPH_MAX];

    sb_puts(&text, "BT /F1 10 Tf 12 TL 72 740 Td\n");
    for (unsigned k = 0, n = 2 + prose_below(r, 3); k < n; k++) {
        size_t len = prose_paragraph(r, para, sizeof para, PROSE_ASCII);
        size_t w = prose_wrap(para, len, lines, sizeof lines, 90, "\n");
        for (size_t i = 0, j; i < w; i = j + 1) {
            for (j = i; j < w && lines[j] != '\n'; j++)
                ;
            sb_putc(&text, '(');
            for (size_t c = i; c < j; c++) {
                if (lines[c] == '(' || lines[c] == ')' || lines[c] == '\\')
                    sb_putc(&text, '\\');
                sb_putc(&text, lines[c]);
            }
            sb_puts(&text, ") Tj T*\n");
        }
        sb_puts(&text, "T*\n");
    }
    sb_puts(&text, "ET\nq 240 0 0 180 72 72 cm /Im1 Do Q\n");

    sb_puts(&raw, "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n");
    off[1] = raw.len;
    sb_puts(&raw, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = raw.len;
    sb_puts(&raw, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
    off[3] = raw.len;
    sb_puts(&raw, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
                  "<< /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> /Contents 4 0 R >>\n"
                  "endobj\n");
    off[4] = raw.len;
    sb_printf(&raw, "4 0 obj\n<< /Length %zu >>\nstream\n", text.len);
    sb_put(&raw, text.p, text.len);
    sb_puts(&raw, "\nendstream\nendobj\n");
    off[5] = raw.len;
    sb_puts(&raw, "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
    off[6] = raw.len;
    size_t img = size > raw.len + 512 ? size - raw.len - 512 : 1024;
    sb_printf(&raw,
              "6 0 obj\n<< /Type /XObject /Subtype /Image /Width 640 /Height 480 /ColorSpace "
              "/DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %zu >>\nstream\n",
              img);
    sb_reserve(&raw, img);
    for (size_t i = 0; i < img; i += 8) {
        uint64_t v = prose_next(r);
        for (size_t j = 0; j < 8 && i + j < img; j++)
            raw.p[raw.len++] = (char)(v >> (8 * j));
    }
    sb_puts(&raw, "\nendstream\nendobj\n");
    size_t xref = raw.len;
    sb_puts(&raw, "xref\n0 7\n0000000000 65535 f \n");
    for (int i = 1; i <= 6; i++)
        sb_printf(&raw, "%010zu 00000 n \n", off[i]);
    sb_printf(&raw, "trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
    sb_printf(out,
              "Content-Type: application/pdf; name=\"%s\"\r\n"
              "Content-Disposition: attachment; filename=\"%s\"\r\n"
              "Content-Transfer-Encoding: base64\r\n\r\n",
              name, name);
    b64_encode((const unsigned char *)raw.p, raw.len, out, 76);
    free(raw.p);
    free(text.p);
}

static void emit_csv(prose_rng *r, const plan *p, size_t size, sbuf *out)
{
    sbuf raw = {0};
    const char *name = csv_names[prose_below(r, NELEM(csv_names))];
    unsigned id = 1000 + prose_below(r, 9000), row = 0, pan_row = prose_below(r, 20);
    char pan[32];

    sb_puts(&raw, "id,name,email,department,amount,date\r\n");
    while (raw.len < size) {
        const char *const *who = people[prose_below(r, 10)];
        if (p->pan_in_csv && row == pan_row) {
            format_pan(r, test_pans[prose_below(r, NELEM(test_pans))], pan);
            sb_printf(&raw, "%u,%s,%s@example.edu,card on file,%s,2024-%02u-%02u\r\n", id + row,
                      who[0], who[1], pan, 1 + prose_below(r, 12), 1 + prose_below(r, 28));
        } else {
            sb_printf(&raw, "%u,%s,%s@example.edu,%s,%u.%02u,2024-%02u-%02u\r\n", id + row, who[0],
                      who[1], prose_chance(r, 50) ? "Finance" : "Admissions", prose_below(r, 5000),
                      prose_below(r, 100), 1 + prose_below(r, 12), 1 + prose_below(r, 28));
        }
        row++;
    }
    sb_printf(out,
              "Content-Type: text/csv; charset=utf-8; name=\"%s\"\r\n"
              "Content-Disposition: attachment; filename=\"%s\"\r\n"
              "Content-Transfer-Encoding: %s\r\n\r\n",
              name, name, cte_name(p->csv_cte));
    emit_body(p->csv_cte, raw.p, raw.len, out);
    free(raw.p);
}

/* ---- header section ---------------------------------------------------- */

/* RFC 2047: B for UTF-8, Q for the Latin charsets, as common MUAs do. */
static void emit_subject(const plan *p, const char *subject, sbuf *out)
{
    sbuf conv = {0};

    if (strspn(subject, " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") == strlen(subject)) {
        sb_printf(out, "Subject: %s\r\n", subject);
        return;
    }
    to_charset(subject, strlen(subject), p->charset, &conv);
    if (strcmp(p->charset, "utf-8") == 0) {
        sb_puts(out, "Subject: =?UTF-8?B?");
        b64_encode((const unsigned char *)conv.p, conv.len, out, 0);
    } else {
        sb_printf(out, "Subject: =?%s?Q?", p->charset);
        for (size_t i = 0; i < conv.len; i++) {
            unsigned char c = (unsigned char)conv.p[i];
            if (c == ' ')
                sb_putc(out, '_');
            else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                sb_putc(out, (char)c);
            else
                sb_printf(out, "=%02X", c);
        }
    }
    sb_puts(out, "?=\r\n");
    free(conv.p);
}

static void make_subject(prose_rng *r, const plan *p, char *out, size_t cap)
{
    char s[512];
    size_t n = prose_sentence(r, s, sizeof s, p->flags);
    const char *prefix = p->banner && prose_chance(r, 50) ? "CONFIDENTIAL: "
                         : prose_chance(r, 20)            ? "Re: "
                         : prose_chance(r, 5)             ? "Fwd: "
                                                          : "";

    s[--n] = '\0'; /* the sentence's final punctuation */
    if (n > 50) {
        n = 50;
        while (n > 20 && s[n] != ' ')
            n--;
        s[n] = '\0';
    }
    snprintf(out, cap, "%s%s", prefix, s);
}

static void emit_headers(prose_rng *r, const plan *p, unsigned from, unsigned to, sbuf *out)
{
    static const char *const agents[] = {
        "User-Agent: Mozilla Thunderbird 115.6.0",
        "X-Mailer: Microsoft Outlook 16.0",
        "X-Mailer: Apple Mail (2.3774.300.61.1.2)",
        "User-Agent: Roundcube Webmail/1.6.5",
    };
    static const char *const zones[] = {"+0000", "-0500", "+0100", "+0200", "+0530", "-0800"};
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const char *dom = domains[prose_below(r, NELEM(domains))];
    char subject[600];

    sb_printf(out, "From: \"%s\" <%s@example.edu>\r\n", people[from][0], people[from][1]);
    sb_printf(out, "To: \"%s\" <%s@%s>", people[to][0], people[to][1], dom);
    for (unsigned i = 0, n = prose_below(r, 4); i < n; i++) {
        unsigned k = prose_below(r, NELEM(people));
        sb_printf(out, ",\r\n %s <%s@%s>", people[k][0], people[k][1], dom);
    }
    if (prose_chance(r, 30))
        sb_printf(out, "\r\nCc: %s@example.edu", people[prose_below(r, NELEM(people))][1]);
    make_subject(r, p, subject, sizeof subject);
    sb_puts(out, "\r\n");
    emit_subject(p, subject, out);
    sb_printf(out, "Date: %s, %u %s 2024 %02u:%02u:%02u %s\r\n", days[prose_below(r, 5)],
              1 + prose_below(r, 28), months[prose_below(r, 12)], 7 + prose_below(r, 12),
              prose_below(r, 60), prose_below(r, 60), zones[prose_below(r, NELEM(zones))]);
    sb_printf(out, "Message-ID: <%016llx.%u@mail.example.edu>\r\n",
              (unsigned long long)prose_next(r), p->index);
    sb_printf(out, "MIME-Version: 1.0\r\n%s\r\n", agents[prose_below(r, NELEM(agents))]);
    if (prose_chance(r, 50))
        sb_puts(out, "Content-Language: en-US\r\n");
    if (p->sensitivity)
        sb_puts(out, "Sensitivity: Company-Confidential\r\n");
}

/* ---- one message ------------------------------------------------------- */

static void emit_alternative(prose_rng *r, const plan *p, const sbuf *plain, const sbuf *html,
                             sbuf *out)
{
    char b[64];

    snprintf(b, sizeof b, "----=_NextPart_%03u_%04X_%08llX", p->index % 1000, prose_below(r, 65536),
             (unsigned long long)(prose_next(r) >> 32));
    sb_printf(out, "Content-Type: multipart/alternative;\r\n\tboundary=\"%s\"\r\n\r\n", b);
    sb_printf(out, "--%s\r\n", b);
    emit_text_part(p, "plain", plain, p->plain_cte, out);
    sb_printf(out, "--%s\r\n", b);
    emit_text_part(p, "html", html, p->html_cte, out);
    sb_printf(out, "--%s--\r\n", b);
}

static void emit_mixed(prose_rng *r, const plan *p, const sbuf *plain, const sbuf *html, sbuf *out)
{
    char b[64];

    snprintf(b, sizeof b, "------------%016llX%08X", (unsigned long long)prose_next(r),
             prose_below(r, 0xFFFFFFFFu));
    sb_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", b);
    sb_printf(out, "This is a multi-part message in MIME format.\r\n--%s\r\n", b);
    if (p->shape == SHAPE_MIXED_ALT)
        emit_alternative(r, p, plain, html, out);
    else
        emit_text_part(p, "plain", plain, p->plain_cte, out);
    if (p->pdf_size) {
        sb_printf(out, "\r\n--%s\r\n", b);
        emit_pdf(r, p->pdf_size, out);
    }
    if (p->csv_size) {
        sb_printf(out, "\r\n--%s\r\n", b);
        emit_csv(r, p, p->csv_size, out);
    }
    sb_printf(out, "\r\n--%s--\r\n", b);
}

static void emit_message(prose_rng *r, const plan *p, sbuf *out)
{
    sbuf paras = {0}, plain = {0}, html = {0};
    unsigned from = prose_below(r, NELEM(people)), to = prose_below(r, NELEM(people));

    emit_headers(r, p, from, to, out);
    build_paragraphs(r, p, people[from][0], people[to][0], &paras);
    render_plain(&paras, &plain);
    if (p->shape == SHAPE_ALT || p->shape == SHAPE_MIXED_ALT)
        render_html(r, p, &paras, &html);
    switch (p->shape) {
    case SHAPE_PLAIN:
        emit_text_part(p, "plain", &plain, p->plain_cte, out);
        break;
    case SHAPE_ALT:
        emit_alternative(r, p, &plain, &html, out);
        break;
    case SHAPE_MIXED:
    case SHAPE_MIXED_ALT:
        emit_mixed(r, p, &plain, &html, out);
        break;
    }
    free(paras.p);
    free(plain.p);
    free(html.p);
}

static void count(totals *t, const plan *p, size_t size)
{
    t->messages++;
    t->bytes += size;
    t->smallest = t->messages == 1 || size < t->smallest ? size : t->smallest;
    t->largest = size > t->largest ? size : t->largest;
    t->shapes[p->shape]++;
    t->ctes[p->plain_cte]++;
    for (unsigned i = 0; i < NELEM(charsets); i++)
        t->charsets[i] += p->charset == charsets[i];
    t->pan += p->pan;
    t->banner += p->banner;
    t->chain += p->chain;
    t->password += p->password;
    t->decoy += p->decoy;
    t->pdf += p->pdf_size > 0;
    t->csv += p->csv_size > 0;
}

static void print_totals(const totals *t, const char *dir)
{
    printf("ms_gen_corpus: wrote %u messages to %s: %.1f MB, %zu to %zu bytes\n", t->messages, dir,
           (double)t->bytes / 1e6, t->smallest, t->largest);
    printf("  structure: %u text/plain, %u alternative, %u mixed, %u mixed+alternative\n",
           t->shapes[SHAPE_PLAIN], t->shapes[SHAPE_ALT], t->shapes[SHAPE_MIXED],
           t->shapes[SHAPE_MIXED_ALT]);
    printf("  text/plain: %u 7bit, %u quoted-printable, %u base64; charsets: %u utf-8, "
           "%u iso-8859-1, %u windows-1252\n",
           t->ctes[CTE_7BIT], t->ctes[CTE_QP], t->ctes[CTE_B64], t->charsets[0], t->charsets[1],
           t->charsets[2]);
    printf("  attachments: %u pdf, %u csv; with a card number: %u, banner: %u, chain letter: "
           "%u, password: %u, card-like non-card number: %u\n",
           t->pdf, t->csv, t->pan, t->banner, t->chain, t->password, t->decoy);
}

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "ms_gen_corpus: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_corpus(const char *dir, unsigned n, uint64_t seed)
{
    totals t = {0};
    sbuf msg = {0};
    char path[4096];

    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ms_gen_corpus: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    for (unsigned i = 0; i < n; i++) {
        prose_rng r;
        plan p;
        prose_seed(&r, seed, i);
        make_plan(&r, i + 1, &p);
        msg.len = 0;
        emit_message(&r, &p, &msg);
        snprintf(path, sizeof path, "%s/msg-%06u.eml", dir, i + 1);
        if (write_file(path, msg.p, msg.len) != 0)
            return 2;
        count(&t, &p, msg.len);
    }
    free(msg.p);
    print_totals(&t, dir);
    return 0;
}

/* ---- plain text --------------------------------------------------------- */

/* "64M" -> 67108864; K, M, G are powers of 1024. Returns false if bad. */
static bool parse_size(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;

    if (errno || end == s)
        return false;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift)
        end++;
    if (*end || v > (~0ULL >> shift))
        return false;
    *out = v << shift;
    return true;
}

static int write_text(const char *path, unsigned long long size, uint64_t seed)
{
    enum { CHUNK = 1 << 20 };
    char *buf = malloc(CHUNK);
    FILE *f = fopen(path, "wb");
    prose_rng r;

    if (!buf || !f) {
        fprintf(stderr, "ms_gen_corpus: %s: %s\n", path, strerror(errno));
        return 2;
    }
    prose_seed(&r, seed, ~0ULL);
    for (unsigned long long left = size; left;) {
        size_t n = prose_fill(&r, buf, CHUNK, PROSE_UTF8, "\n");
        if (n > left)
            n = (size_t)left;
        if (fwrite(buf, 1, n, f) != n)
            break;
        left -= n;
    }
    free(buf);
    if (ferror(f) | fclose(f)) {
        fprintf(stderr, "ms_gen_corpus: %s: %s\n", path, strerror(errno));
        return 2;
    }
    printf("ms_gen_corpus: wrote %llu bytes of English text to %s\n", size, path);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: ms_gen_corpus OUTDIR N SEED\n"
                    "       ms_gen_corpus --text FILE SIZE[K|M|G] SEED\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned long long n, seed;

    for (size_t i = 0; i < NELEM(test_pans); i++) {
        if (!luhn_ok(test_pans[i], strlen(test_pans[i]))) {
            fprintf(stderr, "ms_gen_corpus: bug: test card %zu fails Luhn\n", i);
            return 2;
        }
    }
    if (argc == 5 && strcmp(argv[1], "--text") == 0) {
        if (!parse_size(argv[3], &n) || !parse_size(argv[4], &seed))
            return usage();
        return write_text(argv[2], n, seed);
    }
    if (argc != 4 || !parse_size(argv[2], &n) || n > 10000000 || !parse_size(argv[3], &seed))
        return usage();
    return write_corpus(argv[1], (unsigned)n, seed);
}
