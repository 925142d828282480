/*
 * archive.c - members of archives and Office packages, read with libarchive
 *
 * zip, tar, 7z, rar, cpio, cab, iso and the compressed streams gzip, bzip2,
 * xz, lzma, zstd (as far as libarchive reads them). Each regular member is
 * read into the buffer of its nesting level (up to max_bytes) and inspected
 * like a part (attach.c): typed, YARA-scanned, opened if it is an archive
 * or document, its text run through the text rules. The member's part is
 * the parent's plus its path: `2/report.zip/q3.csv`.
 *
 * Office packages (OOXML, ODF) are zips read in two passes: the first
 * streams the text of the document parts through one text stream named
 * like the package and collects the properties (core, app, custom: where
 * sensitivity labels live) into a stream `<part>/docProps`; the second
 * reports macros (vbaProject.bin, ODF Basic) and inspects embedded objects
 * and media as members.
 *
 * Bombs: every byte read out of the archives of one MIME part counts
 * against archive_bytes and, past MS_ATTACH_RATIO_FLOOR, against
 * archive_ratio times the part's size; members against archive_members;
 * the clock against time_ms. What is past a limit is not read.
 *
 * Encrypted members (zip traditional and AES, 7z, rar) are reported as
 * encrypted; their data is not read.
 *
 * What was not read is a finding: a member over max_bytes (inspected from
 * its first max_bytes, document text and properties included) is
 * limit.max_bytes, a member whose data is damaged (a deflate or CRC error)
 * or an archive that ends early is attachment.unscannable.
 *
 * BUGS: a corrupt archive is read up to the damage.
 */
#include "archive.h"
#include "attach.h"
#include "engine.h"
#include "office.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MS_ARCHIVE_BLOCK 65536

typedef struct walk {
    ms_attach *a;
    const ms_attach_obj *o;
    ms_pkg kind;
    bool stopped; /* a limit of the whole part was hit */
    /* office, pass 1: property text, kept up to max_bytes */
    bool body_open;
    char *props;
    size_t nprops, props_cap;
    bool props_cut;
} walk;

static struct archive *open_archive(const ms_attach_obj *o, ms_pkg kind, bool raw_ok)
{
    struct archive *ar = archive_read_new();
    if (!ar)
        return NULL;
    if (kind == MS_PKG_ARCHIVE) {
        archive_read_support_filter_all(ar);
        archive_read_support_format_all(ar);
        if (raw_ok)
            archive_read_support_format_raw(ar);
    } else {
        archive_read_support_format_zip(ar);
    }
    if (archive_read_open_memory(ar, o->data, o->len) != ARCHIVE_OK) {
        archive_read_free(ar);
        return NULL;
    }
    return ar;
}

/* The limits on bytes read out of the part; false when one is hit. */
static bool account(walk *w, size_t n)
{
    return ms_attach_account(w->a, w->o, n);
}

/* Read the current member into the buffer of depth; the rest beyond
 * max_bytes is read and counted, not kept. Returns false to stop. */
static bool read_member(walk *w, struct archive *ar, unsigned depth, size_t *len, bool *trunc,
                        bool *bad)
{
    const ms_attach_limits *l = ms_attach_get_limits(w->a);
    size_t cap = 0;
    unsigned char *buf = ms_attach_level_buf(w->a, depth, MS_ARCHIVE_BLOCK, &cap);
    static __thread unsigned char sink[MS_ARCHIVE_BLOCK];

    *len = 0;
    *trunc = *bad = false;
    if (!buf)
        return false;
    for (;;) {
        if (!ms_attach_time_ok(w->a, w->o))
            return false;
        unsigned char *dst = sink;
        size_t room = sizeof sink;
        if (*len < l->max_bytes) {
            if (cap - *len < MS_ARCHIVE_BLOCK && cap < l->max_bytes) {
                buf = ms_attach_level_buf(w->a, depth, cap * 2, &cap);
                if (!buf)
                    return false;
            }
            dst = buf + *len;
            room = cap - *len;
            if (room > l->max_bytes - *len)
                room = l->max_bytes - *len;
        }
        la_ssize_t n = archive_read_data(ar, dst, room);
        if (n < 0) {
            *bad = true;
            return true;
        }
        if (n == 0)
            return true;
        if (dst == sink)
            *trunc = true;
        else
            *len += (size_t)n;
        if (!account(w, (size_t)n))
            return false;
    }
}

/* Name of a member: a compressed stream's only member is the part's name
 * without the compression suffix (report.csv.gz -> report.csv). */
static void member_name(struct archive *ar, struct archive_entry *e, const ms_attach_obj *o,
                        char *out, size_t cap)
{
    const char *p = archive_entry_pathname_utf8(e);
    if (!p)
        p = archive_entry_pathname(e);
    if (archive_format(ar) == ARCHIVE_FORMAT_RAW || !p || !*p) {
        const char *base = strrchr(o->name, '/');
        base = base ? base + 1 : o->name;
        const char *dot = strrchr(base, '.');
        size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
        snprintf(out, cap, "%.*s", (int)n, *base ? base : "data");
        if (!*out)
            snprintf(out, cap, "data");
        return;
    }
    while (*p == '/')
        p++;
    snprintf(out, cap, "%s", p);
}

static void emit_body(void *ctx, const char *t, size_t n)
{
    walk *w = ctx;
    ms_attach_text_feed(w->a, t, n);
}

static void emit_props(void *ctx, const char *t, size_t n)
{
    walk *w = ctx;
    size_t max = ms_attach_get_limits(w->a)->max_bytes;

    if (n > max - w->nprops) {
        n = max - w->nprops;
        w->props_cut = true;
    }
    if (n > w->props_cap - w->nprops) {
        size_t cap = w->props_cap ? w->props_cap : 4096;
        while (cap - w->nprops < n)
            cap *= 2;
        char *p = ms_realloc(w->props, cap < max ? cap : max);
        if (!p) { /* what is kept is scanned; the scan fails */
            ms_attach_fail(w->a, MS_ERR_NOMEM);
            return;
        }
        w->props = p;
        w->props_cap = cap < max ? cap : max;
    }
    memcpy(w->props + w->nprops, t, n);
    w->nprops += n;
}

/* A member read only in part: over max_bytes (trunc) or damaged (bad). */
static void member_unread(walk *w, struct archive *ar, const ms_attach_obj *m, bool trunc, bool bad)
{
    if (trunc)
        ms_attach_finding(w->a, NULL, "limit.max_bytes",
                          "An attachment larger than the size limit; only its start was scanned", m,
                          NULL);
    if (bad)
        ms_attach_unscannable(w->a, m, "An archive member whose data could not be read to its end",
                              archive_error_string(ar));
}

/* One member of an Office package. pass 1: text and properties; pass 2:
 * macros and embedded objects. */
static bool office_member(walk *w, struct archive *ar, const char *name, int pass, ms_attach_obj *m)
{
    ms_office_member k = ms_office_classify(w->kind, name);
    bool trunc, bad;
    size_t len;

    if (pass == 2 && k == MS_OFFICE_MACRO) {
        ms_attach_finding(w->a, NULL, "attachment.macro",
                          "An Office document with macros (VBA project)", w->o, name);
        return true;
    }
    if ((pass == 1) != (k == MS_OFFICE_BODY || k == MS_OFFICE_PROPS) ||
        (pass == 2 && k != MS_OFFICE_OTHER))
        return true;
    if (!read_member(w, ar, m->depth, &len, &trunc, &bad))
        return false;
    /* text and properties are not inspected as objects: their cut is
     * told here (an object's by ms_attach_inspect) */
    member_unread(w, ar, m, trunc && k != MS_OFFICE_OTHER, bad);
    const char *x = (const char *)ms_attach_level_buf(w->a, m->depth, 0, NULL);
    if (k == MS_OFFICE_BODY) {
        if (!w->body_open) {
            ms_attach_text_begin(w->a, w->o->part, w->o->declared, w->o->name);
            w->body_open = true;
        }
        ms_office_xml_text(x, len, false, emit_body, w);
        ms_attach_text_feed(w->a, "\n", 1);
    } else if (k == MS_OFFICE_PROPS) {
        ms_office_xml_text(x, len, true, emit_props, w);
    } else {
        m->data = (const unsigned char *)x;
        m->len = len;
        m->truncated = trunc;
        ms_attach_inspect(w->a, m);
    }
    return true;
}

static void walk_pass(walk *w, int pass, bool raw_ok)
{
    const ms_attach_limits *l = ms_attach_get_limits(w->a);
    struct archive *ar = open_archive(w->o, w->kind, raw_ok);
    struct archive_entry *e;
    unsigned members = 0;
    char name[256], part[512];

    if (!ar) {
        if (pass == 1)
            ms_attach_unscannable(w->a, w->o, "An archive or document that could not be opened",
                                  NULL);
        return;
    }
    for (;;) {
        int r = archive_read_next_header(ar, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            if (archive_read_has_encrypted_entries(ar) > 0)
                ms_attach_encrypted(w->a, w->o, "encrypted archive");
            else if (pass == 1)
                ms_attach_unscannable(w->a, w->o,
                                      "An archive or document that could not be read to its end",
                                      archive_error_string(ar));
            break;
        }
        if (++members > l->members) {
            if (pass == 1)
                ms_attach_finding(w->a, NULL, "limit.archive_members",
                                  "An archive with more members than the limit; the rest is unread",
                                  w->o, NULL);
            break;
        }
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        member_name(ar, e, w->o, name, sizeof name);
        if (archive_entry_is_encrypted(e)) {
            if (pass == 1)
                ms_attach_encrypted(w->a, w->o, name);
            continue;
        }
        snprintf(part, sizeof part, "%s/%s", w->o->part, name);
        ms_attach_obj m = {NULL, 0, false, part, name, "", w->o->depth + 1, false};
        bool go;
        if (w->kind != MS_PKG_ARCHIVE) {
            m.part = part;
            go = office_member(w, ar, name, pass, &m);
        } else {
            bool trunc, bad;
            size_t len;
            go = read_member(w, ar, m.depth, &len, &trunc, &bad);
            if (go) {
                member_unread(w, ar, &m, false, bad);
                m.data = ms_attach_level_buf(w->a, m.depth, 0, NULL);
                m.len = len;
                m.truncated = trunc;
                ms_attach_inspect(w->a, &m);
            }
        }
        if (!go) {
            w->stopped = true;
            break;
        }
    }
    archive_read_free(ar);
}

void ms_archive_scan(ms_attach *a, const ms_attach_obj *o, ms_pkg kind, bool raw_ok)
{
    walk *w = ms_calloc(1, sizeof *w);

    if (!w) {
        ms_attach_fail(a, MS_ERR_NOMEM);
        return;
    }
    w->a = a;
    w->o = o;
    w->kind = kind;
    walk_pass(w, 1, raw_ok);
    if (w->body_open)
        ms_attach_text_end(a);
    if (w->nprops || w->props_cut) {
        char part[64];
        snprintf(part, sizeof part, "%s/docProps", o->part);
        ms_attach_obj p = *o;
        p.part = part;
        if (w->props_cut)
            ms_attach_finding(a, NULL, "limit.max_bytes",
                              "Document properties longer than the size limit; only their start "
                              "was scanned",
                              &p, NULL);
        if (w->nprops)
            ms_attach_text(a, part, o, w->props, w->nprops);
    }
    if (kind != MS_PKG_ARCHIVE && !w->stopped)
        walk_pass(w, 2, raw_ok);
    free(w->props);
    free(w);
}
