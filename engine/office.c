/*
 * office.c - text of Office documents: OOXML (ECMA-376) and OpenDocument
 * (ODF 1.3) parts, and what an OLE2 compound file says about itself
 *
 * The package is a zip read by archive.c; this file says which parts hold
 * text and turns their XML into text: tags out, entities and character
 * references decoded, the end of a paragraph, row, shared string or list
 * item a line break, a cell or tab a tab. Runs inside a paragraph join
 * without a space, because Word splits words (and card numbers) into runs
 * at will. Property parts (docProps/core.xml, app.xml, custom.xml, ODF
 * meta.xml) become `name: value` lines, the name of a custom property
 * taken from its name attribute, so `MSIP_Label_<guid>_Name: Confidential`
 * reaches the classification rules as one line.
 *
 * OLE2 compound files (Word/Excel 97-2003, and OOXML encrypted with a
 * password, which Office stores as an OLE2 file holding EncryptedPackage)
 * are not parsed: their directory names are looked for in UTF-16, which is
 * how a VBA storage (_VBA_PROJECT) and an encrypted package show.
 *
 * BUGS: no text from legacy binary .doc/.xls/.ppt; RC4-encrypted legacy
 * files are not recognised as encrypted; XML is not validated (the text of
 * broken XML is read as far as it goes).
 */
#include "office.h"
#include "attach.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool has_suffix(const char *s, const char *x)
{
    size_t n = strlen(s), k = strlen(x);
    return n >= k && strcasecmp(s + n - k, x) == 0;
}

ms_office_member ms_office_classify(ms_pkg kind, const char *name)
{
    static const char *const ooxml_body[] = {"word/document.xml", "word/header",
                                             "word/footer",       "word/comments",
                                             "word/footnotes",    "word/endnotes",
                                             "xl/sharedStrings",  "xl/worksheets/sheet",
                                             "xl/comments",       "xl/threadedComments/",
                                             "ppt/slides/slide",  "ppt/notesSlides/",
                                             "ppt/comments/",     "word/glossary/document.xml"};

    if (has_suffix(name, "vbaProject.bin"))
        return MS_OFFICE_MACRO;
    if (kind == MS_PKG_OOXML) {
        if (has_prefix(name, "docProps/") && has_suffix(name, ".xml"))
            return MS_OFFICE_PROPS;
        if (has_suffix(name, ".rels"))
            return MS_OFFICE_SKIP;
        for (size_t i = 0; i < sizeof ooxml_body / sizeof ooxml_body[0]; i++)
            if (has_prefix(name, ooxml_body[i]) && has_suffix(name, ".xml") &&
                !strstr(name, "/_rels/"))
                return MS_OFFICE_BODY;
        return has_suffix(name, ".xml") ? MS_OFFICE_SKIP : MS_OFFICE_OTHER;
    }
    /* ODF: content.xml and styles.xml (headers and footers live in the
     * master pages of styles.xml), also of embedded objects */
    if (strcmp(name, "meta.xml") == 0)
        return MS_OFFICE_PROPS;
    if (strcmp(name, "content.xml") == 0 || strcmp(name, "styles.xml") == 0 ||
        has_suffix(name, "/content.xml") || has_suffix(name, "/styles.xml"))
        return MS_OFFICE_BODY;
    if (has_prefix(name, "Basic/") && has_suffix(name, ".xml") &&
        !has_suffix(name, "script-lb.xml") && !has_suffix(name, "script-lc.xml"))
        return MS_OFFICE_MACRO;
    if (strcmp(name, "mimetype") == 0 || has_prefix(name, "META-INF/") ||
        has_suffix(name, ".xml") || has_suffix(name, ".rdf"))
        return MS_OFFICE_SKIP;
    return MS_OFFICE_OTHER;
}

/* ---- XML to text -------------------------------------------------------- */

typedef struct xout {
    char buf[4096];
    size_t n;
    ms_office_emit emit;
    void *ctx;
} xout;

static void put(xout *o, const char *s, size_t n)
{
    while (n) {
        size_t k = sizeof o->buf - o->n < n ? sizeof o->buf - o->n : n;
        memcpy(o->buf + o->n, s, k);
        o->n += k;
        s += k;
        n -= k;
        if (o->n == sizeof o->buf) {
            o->emit(o->ctx, o->buf, o->n);
            o->n = 0;
        }
    }
}

static void putc1(xout *o, char c)
{
    put(o, &c, 1);
}

static void put_cp(xout *o, unsigned long cp)
{
    char u[4];
    /* &#0; is no character: a reader sees the replacement mark */
    put(o, u, ms_utf8_put(u, cp == 0 || cp > 0x10FFFF ? 0xFFFD : (uint32_t)cp));
}

/* An entity at x[i] ('&'); returns bytes consumed (1 when not one). */
static size_t entity(xout *o, const char *x, size_t i, size_t n)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    const char *p = x + i + 1;
    size_t left = n - i - 1;

    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        size_t l = strlen(named[k].name);
        if (left >= l && memcmp(p, named[k].name, l) == 0) {
            putc1(o, named[k].c);
            return l + 1;
        }
    }
    if (left >= 3 && p[0] == '#') {
        bool hex = p[1] == 'x' || p[1] == 'X';
        size_t j = hex ? 2 : 1;
        unsigned long cp = 0;
        size_t digits = 0;
        while (j < left && digits < 8) {
            char c = p[j];
            int d = c >= '0' && c <= '9'          ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
            if (d < 0)
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            j++, digits++;
        }
        if (digits && j < left && p[j] == ';') {
            put_cp(o, cp);
            return j + 2;
        }
    }
    putc1(o, '&');
    return 1;
}

/* Local name of a tag (after any prefix) into name; returns its end. */
static size_t tag_name(const char *t, size_t n, char *name, size_t cap)
{
    size_t i = 0, start = 0, k;
    while (i < n && t[i] != ' ' && t[i] != '\t' && t[i] != '\r' && t[i] != '\n' && t[i] != '/' &&
           t[i] != '>') {
        if (t[i] == ':')
            start = i + 1;
        i++;
    }
    k = i - start < cap - 1 ? i - start : cap - 1;
    memcpy(name, t + start, k);
    name[k] = '\0';
    return i;
}

/* The name="..." attribute of a tag, or NULL; *len its length. */
static const char *name_attr(const char *t, size_t n, size_t *len)
{
    for (size_t i = 0; i + 6 < n; i++) {
        if ((t[i] == ' ' || t[i] == '\t' || t[i] == '\n') && memcmp(t + i + 1, "name=", 5) == 0) {
            char q = t[i + 6];
            if (q != '"' && q != '\'')
                return NULL;
            const char *v = t + i + 7;
            const char *e = memchr(v, q, n - (size_t)(v - t));
            if (!e)
                return NULL;
            *len = (size_t)(e - v);
            return v;
        }
    }
    return NULL;
}

static bool is_one_of(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}

void ms_office_xml_text(const char *x, size_t n, bool props, ms_office_emit emit, void *ctx)
{
    static const char *const lines[] = {"p",         "h",         "br",       "cr",
                                        "si",        "row",       "tr",       "line-break",
                                        "list-item", "table-row", "property", NULL};
    static const char *const cells[] = {"tab", "c", "tc", "td", "table-cell", NULL};
    xout o = {.n = 0, .emit = emit, .ctx = ctx};
    char name[64], label[128];
    size_t label_len = 0, i = 0;

    while (i < n) {
        const char *lt = memchr(x + i, '<', n - i);
        size_t end = lt ? (size_t)(lt - x) : n;
        bool seen = false; /* text other than white space since the tag */
        for (size_t j = i; j < end; j++)
            if (x[j] != ' ' && x[j] != '\t' && x[j] != '\r' && x[j] != '\n')
                seen = true;
        if (props && seen && label_len) {
            put(&o, label, label_len);
            put(&o, ": ", 2);
            label_len = 0;
        }
        while (i < end) {
            const char *amp = memchr(x + i, '&', end - i);
            size_t stop = amp ? (size_t)(amp - x) : end;
            put(&o, x + i, stop - i);
            i = stop;
            if (i < end)
                i += entity(&o, x, i, end);
        }
        if (i >= n)
            break;
        /* a tag, comment, CDATA section or declaration at x[i] */
        const char *t = x + i + 1;
        size_t left = n - i - 1;
        if (left >= 8 && memcmp(t, "![CDATA[", 8) == 0) {
            const char *e = memmem(t + 8, left - 8, "]]>", 3);
            size_t k = e ? (size_t)(e - (t + 8)) : left - 8;
            put(&o, t + 8, k);
            i += 1 + 8 + k + (e ? 3 : 0);
            continue;
        }
        if (left >= 3 && memcmp(t, "!--", 3) == 0) {
            const char *e = memmem(t + 3, left - 3, "-->", 3);
            i = e ? (size_t)(e - x) + 3 : n;
            continue;
        }
        const char *gt = memchr(t, '>', left);
        size_t tlen = gt ? (size_t)(gt - t) : left;
        i += 1 + tlen + (gt ? 1 : 0);
        if (tlen == 0 || t[0] == '?' || t[0] == '!')
            continue;
        bool closing = t[0] == '/';
        bool empty = t[tlen - 1] == '/';
        tag_name(t + closing, tlen - closing, name, sizeof name);
        /* properties: a label per element; vt: value types keep the
         * label of their property */
        bool vt = tlen - closing > 3 && memcmp(t + closing, "vt:", 3) == 0;
        if (props && !closing && !vt) {
            size_t alen = 0;
            const char *v = strcmp(name, "property") == 0 ? name_attr(t, tlen, &alen) : NULL;
            if (!v) {
                v = name;
                alen = strlen(name);
            }
            label_len = alen < sizeof label ? alen : sizeof label;
            memcpy(label, v, label_len);
        }
        if (props) {
            if ((closing || empty) && !vt)
                putc1(&o, '\n');
            continue;
        }
        if ((closing || empty || strcmp(name, "br") == 0) && is_one_of(name, lines))
            putc1(&o, '\n');
        else if ((closing || empty) && is_one_of(name, cells))
            putc1(&o, '\t');
        else if (strcmp(name, "s") == 0 && !closing)
            putc1(&o, ' '); /* ODF text:s: spaces */
    }
    if (o.n)
        emit(ctx, o.buf, o.n);
}

/* ---- OLE2 --------------------------------------------------------------- */

static bool has_utf16(const unsigned char *d, size_t n, const char *ascii)
{
    unsigned char needle[64];
    size_t k = strlen(ascii);
    for (size_t i = 0; i < k; i++) {
        needle[2 * i] = (unsigned char)ascii[i];
        needle[2 * i + 1] = 0;
    }
    return memmem(d, n, needle, 2 * k) != NULL;
}

bool ms_office_ole(ms_attach *a, const ms_attach_obj *o)
{
    bool enc = has_utf16(o->data, o->len, "EncryptedPackage") ||
               has_utf16(o->data, o->len, "EncryptionInfo");
    if (enc)
        ms_attach_encrypted(a, o, "encrypted Office document");
    if (has_utf16(o->data, o->len, "_VBA_PROJECT"))
        ms_attach_finding(a, NULL, "attachment.macro",
                          "An Office document with macros (VBA project)", o, "VBA storage");
    return enc;
}
