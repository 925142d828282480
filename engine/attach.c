/*
 * attach.c - attachments: buffering, true type (libmagic), dangerous types,
 * dispatch to archives, Office packages and PDFs
 *
 * Every non-text part, and every text part that is an attachment (it has a
 * file name or Content-Disposition: attachment), is kept up to max_bytes
 * and inspected when it ends:
 *
 *   - typed from its content with libmagic (MIME type and description),
 *     one magic_t per scan;
 *   - its true type checked against the dangerous-type list (executables,
 *     scripts, shortcuts, Java archives, installers, disk images); a
 *     script extension on text (`run.vbs`, `invoice.js`) is a script, since
 *     Windows runs it by its name; an executable behind a harmless name
 *     (`invoice.pdf` that is PE) is a finding of its own;
 *   - scanned with the engine's YARA rules (yara_rules.c);
 *   - opened when it is an archive, an Office package or a PDF, and text
 *     found there (or a part whose true type is text) goes through the
 *     text rules as its own stream, named like `2/report.zip/q3.csv`.
 *
 * Limits (limits.h) end the reading of what is past them and add a
 * finding that names the limit. Encrypted content sets MS_ANOM_ENCRYPTED
 * and adds a finding of the category `encrypted` (rulesets/attachment.yaml).
 *
 * Whatever a part is called, what it is decides: text that reads as a
 * message (three header fields before the first empty line) is parsed as
 * one, an mbox as its messages; an HTML attachment's data: URIs are files
 * (datauri.c); what libclamav opens goes to clam.c. Every member any
 * container module reads comes back through ms_attach_member(): the
 * byte and ratio limits, then ms_attach_inspect() one level down, where
 * the depth limit is checked before anything is opened.
 *
 * What comes up goes through the sink the layer was created with
 * (attach.h): text streams, findings, a failure, a message found inside.
 *
 * BUGS: the declared Content-Type is compared with the true type only for
 * executables (a mislabelled image is no policy matter). Text members are
 * read as UTF-8, UTF-16 with a BOM or bare (most characters with a zero
 * byte on the same side), or else Latin-1 (charset.c converts); no other
 * charsets. A message sniffed from text must begin with a header field
 * mailsift knows (header_start()); one that begins with another is read
 * as text.
 */
#include "attach.h"
#include "archive.h"
#include "b64.h"
#include "charset.h"
#include "clam.h"
#include "datauri.h"
#include "engine.h"
#include "office.h"
#include "pdf.h"
#include "util.h"
#include "uu.h"
#include "yara_rules.h"

#include <ctype.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MS_ATTACH_DISCARD 65536 /* bytes read per step from an archive */

struct ms_attach {
    const ms_engine *eng;
    ms_attach_sink sink;
    magic_t magic;
    void *yara;
    /* the MIME part being kept */
    bool want, is_text;
    ms_mime_entity ent;
    /* per nesting level: the object's bytes (level 0: the MIME part) */
    unsigned char *lvl[MS_ATTACH_DEPTH_MAX + 2];
    size_t lvlcap[MS_ATTACH_DEPTH_MAX + 2];
    size_t len;
    bool truncated;
    uint64_t out_bytes; /* read out of archives of this MIME part */
    /* time spent on this message's attachments */
    uint64_t spent_ns, t0;
    bool time_hit;
    uint32_t anomalies;
    ms_charset cs; /* text that is not UTF-8, to UTF-8 */
    char conv[3 * MS_ATTACH_DISCARD + MS_CHARSET_SLACK];
};

/* libmagic: the MIME type; MAGIC_NO_CHECK_COMPRESS as archives are opened
 * by us, within limits. */
#define MS_MAGIC_FLAGS (MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR)

/* Dangerous true types: libmagic's MIME type and the finding's rule. */
static const struct danger {
    const char *type, *rule, *description;
} dangers[] = {
    {"application/x-dosexec", "attachment.executable", "A Windows executable or DLL (PE)"},
    {"application/vnd.microsoft.portable-executable", "attachment.executable",
     "A Windows executable or DLL (PE)"},
    {"application/x-msdownload", "attachment.executable", "A Windows executable or DLL (PE)"},
    {"application/x-executable", "attachment.executable", "An ELF executable"},
    {"application/x-pie-executable", "attachment.executable", "An ELF executable"},
    {"application/x-sharedlib", "attachment.executable", "An ELF executable or shared library"},
    {"application/x-object", "attachment.executable", "An ELF object file"},
    {"application/x-mach-binary", "attachment.executable", "A Mach-O executable"},
    {"application/x-mach-o-executable", "attachment.executable", "A Mach-O executable"},
    {"text/x-shellscript", "attachment.script", "A shell script"},
    {"text/x-msdos-batch", "attachment.script", "A Windows batch script"},
    {"application/x-bat", "attachment.script", "A Windows batch script"},
    {"application/hta", "attachment.script", "An HTML application (HTA)"},
    {"application/x-ms-shortcut", "attachment.shortcut", "A Windows shortcut (.lnk)"},
    {"application/java-archive", "attachment.java", "A Java archive"},
    {"application/x-java-applet", "attachment.java", "A Java class file"},
    {"application/x-msi", "attachment.installer", "A Windows installer (MSI)"},
    {"application/x-ms-installer", "attachment.installer", "A Windows installer (MSI)"},
    {"application/x-iso9660-image", "attachment.disk_image", "A disk image (ISO)"},
    {"application/x-virtualbox-vhd", "attachment.disk_image", "A disk image (VHD)"},
    {"application/x-virtualbox-vhdx", "attachment.disk_image", "A disk image (VHDX)"},
    {"application/x-apple-diskimage", "attachment.disk_image", "A disk image (DMG)"},
};

/* Extensions a mail client or Windows runs as a script. */
static const char *const default_script_exts[] = {
    "bat", "cmd", "ps1", "psm1", "psd1", "vbs", "vbe", "js",      "jse",  "wsf",
    "wsh", "wsc", "hta", "sh",   "bash", "ksh", "csh", "command", "scpt", "applescript",
};

/* Names a reader trusts: an executable behind one is disguised. */
static const char *const harmless_exts[] = {
    "pdf", "doc", "docx", "xls",  "xlsx", "ppt",  "pptx", "odt", "ods",  "odp", "rtf",
    "txt", "csv", "jpg",  "jpeg", "png",  "gif",  "bmp",  "tif", "tiff", "mp3", "mp4",
    "wav", "zip", "htm",  "html", "xml",  "json", "eml",  "msg", "ics",  "vcf",
};

static uint64_t monotonic_ns(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ms_attach_conf_init(ms_attach_conf *c)
{
    memset(c, 0, sizeof *c);
    c->limits.max_bytes = MS_ATTACH_MAX_BYTES_DEFAULT;
    c->limits.members = MS_ATTACH_MEMBERS_DEFAULT;
    c->limits.archive_bytes = MS_ATTACH_ARCHIVE_BYTES_DEFAULT;
    c->limits.ratio = MS_ATTACH_RATIO_DEFAULT;
    c->limits.depth = MS_ATTACH_DEPTH_DEFAULT;
    c->limits.time_ms = MS_ATTACH_TIME_MS_DEFAULT;
    c->limits.pdf_pages = MS_ATTACH_PDF_PAGES_DEFAULT;
    c->clock = monotonic_ns;
}

void ms_attach_set_clock(ms_engine *eng, ms_attach_clock_fn fn, void *ctx)
{
    eng->attach.clock = fn ? fn : monotonic_ns;
    eng->attach.clock_ctx = fn ? ctx : NULL;
}

static uint64_t now_ns(const ms_attach *a)
{
    return a->eng->attach.clock(a->eng->attach.clock_ctx);
}

void ms_attach_conf_fini(ms_attach_conf *c)
{
    for (unsigned i = 0; i < c->ndangerous_types; i++)
        free(c->dangerous_types[i]);
    free(c->dangerous_types);
    for (unsigned i = 0; i < c->nscript_exts; i++)
        free(c->script_exts[i]);
    free(c->script_exts);
    c->dangerous_types = c->script_exts = NULL;
    c->ndangerous_types = c->nscript_exts = 0;
}

ms_attach *ms_attach_create(const ms_engine *eng, const ms_attach_sink *sink)
{
    ms_attach *a = ms_calloc(1, sizeof *a);

    if (!a)
        return NULL;
    a->eng = eng;
    a->sink = *sink;
    ms_charset_init(&a->cs);
    a->magic = magic_open(MS_MAGIC_FLAGS);
    if (!a->magic || magic_load(a->magic, NULL) != 0) {
        ms_attach_destroy(a);
        return NULL;
    }
    /* Types are told by their first bytes: reading megabytes (libmagic's
     * default) per attachment, twice, cost more than everything else. */
    size_t bytes_max = MS_ATTACH_MAGIC_BYTES;
    magic_setparam(a->magic, MAGIC_PARAM_BYTES_MAX, &bytes_max);
    if (eng->yara && !(a->yara = ms_yara_scanner_create(eng))) {
        ms_attach_destroy(a);
        return NULL;
    }
    return a;
}

void ms_attach_destroy(ms_attach *a)
{
    if (!a)
        return;
    if (a->magic)
        magic_close(a->magic);
    ms_yara_scanner_destroy(a->yara);
    ms_charset_fini(&a->cs);
    for (unsigned i = 0; i < MS_ATTACH_DEPTH_MAX + 2; i++)
        free(a->lvl[i]);
    free(a);
}

void ms_attach_reset(ms_attach *a)
{
    a->want = false;
    a->len = 0;
    a->spent_ns = 0;
    a->time_hit = false;
    a->anomalies = 0;
}

void ms_attach_fail(ms_attach *a, int code)
{
    a->sink.fail(a->sink.ctx, code);
}

void ms_attach_text_begin(ms_attach *a, const char *part, const char *content_type,
                          const char *filename)
{
    a->sink.text_begin(a->sink.ctx, part, content_type ? content_type : "",
                       filename ? filename : "");
}

void ms_attach_text_feed(ms_attach *a, const char *utf8, size_t len)
{
    a->sink.text_feed(a->sink.ctx, utf8, len);
}

void ms_attach_text_end(ms_attach *a)
{
    a->sink.text_end(a->sink.ctx);
}

const ms_attach_limits *ms_attach_get_limits(const ms_attach *a)
{
    return &a->eng->attach.limits;
}

bool ms_attach_account(ms_attach *a, const ms_attach_obj *root, size_t n)
{
    const ms_attach_limits *l = &a->eng->attach.limits;

    a->out_bytes += n;
    if (a->out_bytes > l->archive_bytes) {
        ms_attach_finding(
            a, NULL, "limit.archive_bytes",
            "Archive holds more uncompressed bytes than the limit; the rest is unread", root, NULL);
        return false;
    }
    /* the ratio is against the size of the whole MIME part (the root of
     * the nesting): for a nested bomb, the outer archive is what was sent */
    if (a->out_bytes > MS_ATTACH_RATIO_FLOOR && a->out_bytes > (uint64_t)l->ratio * a->len) {
        ms_attach_finding(a, NULL, "limit.archive_ratio",
                          "Archive expands more than the compression ratio limit (a zip bomb)",
                          root, NULL);
        return false;
    }
    return true;
}

bool ms_attach_member(ms_attach *a, const ms_attach_obj *parent, const ms_attach_obj *m)
{
    if (!ms_attach_account(a, parent, m->len + (m->truncated ? 1 : 0)))
        return false;
    ms_attach_inspect(a, m);
    return ms_attach_time_ok(a, m);
}

unsigned char *ms_attach_level_buf(ms_attach *a, unsigned depth, size_t need, size_t *cap)
{
    if (depth > MS_ATTACH_DEPTH_MAX + 1)
        return NULL;
    if (need > a->lvlcap[depth]) {
        size_t n = a->lvlcap[depth] ? a->lvlcap[depth] : 65536;
        while (n < need)
            n *= 2;
        unsigned char *p = ms_realloc(a->lvl[depth], n);
        if (!p) {
            ms_attach_fail(a, MS_ERR_NOMEM);
            return NULL;
        }
        a->lvl[depth] = p;
        a->lvlcap[depth] = n;
    }
    if (cap)
        *cap = a->lvlcap[depth];
    return a->lvl[depth];
}

/* ---- the MIME part ------------------------------------------------------ */

bool ms_attach_begin(ms_attach *a, const ms_mime_entity *ent, bool is_text)
{
    a->want = !is_text || ent->attachment || ent->filename[0];
    a->is_text = is_text;
    a->len = 0;
    a->truncated = false;
    if (a->want)
        a->ent = *ent;
    return a->want;
}

bool ms_attach_wanted(const ms_attach *a)
{
    return a->want;
}

void ms_attach_feed(ms_attach *a, const void *data, size_t len)
{
    size_t max = a->eng->attach.limits.max_bytes;

    if (!a->want || len == 0)
        return;
    if (len > max - a->len) {
        a->truncated = true;
        len = max - a->len;
        if (len == 0)
            return;
    }
    unsigned char *b = ms_attach_level_buf(a, 0, a->len + len, NULL);
    if (!b) {
        a->truncated = true; /* out of memory (the scan's error): what is kept is inspected */
        return;
    }
    memcpy(b + a->len, data, len);
    a->len += len;
}

uint32_t ms_attach_object(ms_attach *a, const ms_attach_obj *o)
{
    a->t0 = now_ns(a);
    a->out_bytes = 0;
    ms_attach_inspect(a, o);
    a->spent_ns += now_ns(a) - a->t0;
    uint32_t anom = a->anomalies;
    a->anomalies = 0;
    return anom;
}

uint32_t ms_attach_end(ms_attach *a)
{
    if (!a->want)
        return 0;
    a->want = false;
    ms_attach_obj o = {a->lvl[0] ? a->lvl[0] : (const unsigned char *)"", a->len, a->truncated,
                       a->ent.id, a->ent.filename, a->ent.type, 0,
                       /* uuencode: its files are inspected, not its text */
                       a->is_text || ms_uu_encoding(a->ent.encoding)};
    return ms_attach_object(a, &o);
}

/* ---- findings ----------------------------------------------------------- */

void ms_attach_finding(ms_attach *a, const char *cat, const char *rule, const char *description,
                       const ms_attach_obj *o, const char *excerpt)
{
    const char *c = cat ? cat : "attachment";
    if (a->sink.finding(a->sink.ctx, c, rule, description, o->part, o->declared, o->name,
                        excerpt) == MS_ERR_MISUSE &&
        strcmp(c, MS_CATEGORY_UNSCANNABLE) != 0) /* a ruleset without the category: */
        a->sink.finding(a->sink.ctx, MS_CATEGORY_UNSCANNABLE, rule, description, o->part,
                        o->declared, o->name, excerpt); /* never silently clean */
}

void ms_attach_unscannable(ms_attach *a, const ms_attach_obj *o, const char *description,
                           const char *why)
{
    ms_attach_finding(a, MS_CATEGORY_UNSCANNABLE_ATTACHMENT, "attachment.unscannable", description,
                      o, why);
}

bool ms_attach_time_ok(ms_attach *a, const ms_attach_obj *o)
{
    if (a->time_hit)
        return false;
    uint64_t spent = a->spent_ns + (now_ns(a) - a->t0);
    if (spent <= (uint64_t)a->eng->attach.limits.time_ms * 1000000u)
        return true;
    a->time_hit = true;
    ms_attach_finding(a, NULL, "limit.time",
                      "Attachments took longer to read than the time limit; the rest is unread", o,
                      NULL);
    return false;
}

unsigned ms_attach_time_left_ms(ms_attach *a)
{
    uint64_t spent = a->spent_ns + (now_ns(a) - a->t0);
    uint64_t budget = (uint64_t)a->eng->attach.limits.time_ms * 1000000u;
    return spent >= budget ? 0 : (unsigned)((budget - spent + 999999) / 1000000);
}

void ms_attach_encrypted(ms_attach *a, const ms_attach_obj *o, const char *what)
{
    a->anomalies |= MS_ANOM_ENCRYPTED;
    ms_attach_finding(a, "encrypted", "encrypted",
                      "Encrypted content (archive, Office file or PDF) that cannot be scanned", o,
                      what);
}

/* ---- text --------------------------------------------------------------- */

/* UTF-16 with no byte order mark, as Outlook stores strings (.msg
 * property streams): "utf-16le" or "utf-16be" when most of the first
 * characters have a zero byte on one side and none on the other. */
static const char *bare_utf16(const unsigned char *p, size_t n)
{
    size_t even = 0, odd = 0, k = n < 512 ? n & ~(size_t)1 : 512;
    for (size_t i = 0; i < k; i += 2) {
        even += p[i] == 0 && p[i + 1] != 0;
        odd += p[i + 1] == 0 && p[i] != 0;
    }
    if (k >= 4 && odd * 10 >= k / 2 * 9 && even == 0)
        return "utf-16le";
    if (k >= 4 && even * 10 >= k / 2 * 9 && odd == 0)
        return "utf-16be";
    return NULL;
}

/* Feed text that is not UTF-8 through charset.c: UTF-16 when it starts
 * with a byte order mark or looks like bare UTF-16, else Latin-1 (every
 * byte is a character). */
static void feed_converted(ms_attach *a, const char *p, size_t n)
{
    bool utf16 = n >= 2 && (((unsigned char)p[0] == 0xFF && (unsigned char)p[1] == 0xFE) ||
                            ((unsigned char)p[0] == 0xFE && (unsigned char)p[1] == 0xFF));
    const char *bare = utf16 ? NULL : bare_utf16((const unsigned char *)p, n);

    ms_charset_begin(&a->cs, utf16 ? "utf-16" : bare ? bare : "iso-8859-1");
    while (n) { /* conv holds 3 bytes out per byte in, and the slack */
        size_t k = n < MS_ATTACH_DISCARD ? n : MS_ATTACH_DISCARD;
        ms_attach_text_feed(a, a->conv, ms_charset_feed(&a->cs, p, k, a->conv));
        p += k;
        n -= k;
    }
    ms_attach_text_feed(a, a->conv, ms_charset_finish(&a->cs, a->conv));
}

void ms_attach_text(ms_attach *a, const char *part, const ms_attach_obj *o, const char *text,
                    size_t len)
{
    ms_attach_text_begin(a, part, o->declared, o->name);
    if (ms_utf8_check(text, len) && !bare_utf16((const unsigned char *)text, len))
        ms_attach_text_feed(a, text, len);
    else
        feed_converted(a, text, len);
    ms_attach_text_end(a);
}

/* ---- inspection --------------------------------------------------------- */

static const char *extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, list[i]) == 0)
            return true;
    return false;
}

static const struct danger *dangerous(const ms_attach *a, const char *type)
{
    static const struct danger site = {"", "attachment.dangerous_type",
                                       "A file type the site's configuration lists as dangerous"};
    const ms_attach_conf *c = &a->eng->attach;
    const struct danger *d = NULL;

    for (size_t i = 0; i < sizeof dangers / sizeof dangers[0] && !d; i++)
        if (strcmp(type, dangers[i].type) == 0)
            d = &dangers[i];
    if (!c->dangerous_types)
        return d;
    if (!in_list(type, (const char *const *)c->dangerous_types, c->ndangerous_types))
        return NULL;
    return d ? d : &site;
}

static bool script_ext(const ms_attach *a, const char *ext)
{
    const ms_attach_conf *c = &a->eng->attach;
    if (c->script_exts)
        return in_list(ext, (const char *const *)c->script_exts, c->nscript_exts);
    return in_list(ext, default_script_exts,
                   sizeof default_script_exts / sizeof default_script_exts[0]);
}

static bool text_like(const char *type)
{
    static const char *const types[] = {
        "application/json",     "application/xml",    "application/csv", "application/javascript",
        "application/x-ndjson", "application/x-yaml", "application/sql"};
    return strncmp(type, "text/", 5) == 0 || in_list(type, types, sizeof types / sizeof types[0]);
}

/* Could libmagic's tests by content ("soft magic") tell more of this text
 * than "text/plain"? They know scripts by their first bytes (a #! line,
 * "@echo off"), markup by '<' (HTML, HTA, XML, SVG),
 * PostScript and PDF by '%', RTF by '{', shortcuts and ini files by '[',
 * BinHex by "(This file must be converted". */
static bool text_has_signature(const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i < n && p[i] && strchr("#@<%{[(", p[i]) != NULL;
}

/* Formats known by a fixed signature at their start, with the MIME type
 * libmagic gives them (file 5.44), so that they skip libmagic's tests by
 * content: those cost 0.1-0.4 ms a call even on these (a PE's entry comes
 * late in libmagic's order), and images ride in many ordinary messages.
 * Objects under 16 bytes are left to libmagic (it reads 3 bytes of JPEG
 * as text). tests/test_attach.c checks that libmagic names every sample
 * the same, and that near misses are left to it. */
const char *ms_attach_signature_type(const unsigned char *p, size_t n)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *type;
    } sigs[] = {
        {"%PDF-", 5, "application/pdf"},
        {"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16, "image/png"},
        {"GIF87a", 6, "image/gif"},
        {"GIF89a", 6, "image/gif"},
        {"\xFF\xD8\xFF", 3, "image/jpeg"},
        {"\x78\x9F\x3E\x22", 4, "application/vnd.ms-tnef"},
        {"SZDD\x88\xF0\x27\x33", 8, "application/x-ms-compress-szdd"},
    };
    if (n < 16)
        return NULL;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (n >= sigs[i].len && memcmp(p, sigs[i].magic, sigs[i].len) == 0)
            return sigs[i].type;
    /* a PE: "MZ", and "PE\0\0" where the DOS header's e_lfanew points */
    if (n >= 0x44 && p[0] == 'M' && p[1] == 'Z') {
        size_t pe =
            (size_t)p[0x3C] | (size_t)p[0x3D] << 8 | (size_t)p[0x3E] << 16 | (size_t)p[0x3F] << 24;
        if (pe >= 0x40 && pe <= n - 4 && memcmp(p + pe, "PE\0\0", 4) == 0)
            return "application/vnd.microsoft.portable-executable";
    }
    return NULL;
}

/* The true type of an object, as libmagic names it.
 *
 * libmagic's tests by content cost ~0.3 ms a call on text (they compile
 * their regular expressions each time), against ~1 us on a binary file,
 * which an early test recognises. So text is first told apart without
 * them, by libmagic's own encoding checks, and gets the full tests only
 * when it begins like something those tests know. A site's list of
 * dangerous types may name any type: with one, every object gets the full
 * tests. */
static const char *true_type(ms_attach *a, const ms_attach_obj *o)
{
    const char *sig =
        a->eng->attach.dangerous_types ? NULL : ms_attach_signature_type(o->data, o->len);
    if (sig)
        return sig;
    if (!a->eng->attach.dangerous_types && !text_has_signature(o->data, o->len)) {
        magic_setflags(a->magic, MS_MAGIC_FLAGS | MAGIC_NO_CHECK_SOFT);
        const char *t = magic_buffer(a->magic, o->data, o->len);
        magic_setflags(a->magic, MS_MAGIC_FLAGS);
        if (t && strncmp(t, "text/", 5) == 0)
            return t;
    }
    return magic_buffer(a->magic, o->data, o->len);
}

/* libmagic's description ("PE32 executable (GUI) Intel 80386, for MS
 * Windows"): asked for only when a finding shows it, as it costs another
 * pass of libmagic over the object. */
static void describe(ms_attach *a, const ms_attach_obj *o, char *desc, size_t cap)
{
    magic_setflags(a->magic, MS_MAGIC_FLAGS & ~MAGIC_MIME_TYPE);
    const char *t = magic_buffer(a->magic, o->data, o->len);
    snprintf(desc, cap, "%s", t ? t : "data");
    magic_setflags(a->magic, MS_MAGIC_FLAGS);
}

static void check_type(ms_attach *a, const ms_attach_obj *o, const char *type)
{
    const char *ext = extension(o->name);
    const struct danger *d = dangerous(a, type);
    char ex[320], desc[160];

    if (d) {
        describe(a, o, desc, sizeof desc);
        snprintf(ex, sizeof ex, "%s: %s", type, desc);
        ms_attach_finding(a, NULL, d->rule, d->description, o, ex);
        if (strcmp(d->rule, "attachment.executable") == 0 && ext[0] &&
            in_list(ext, harmless_exts, sizeof harmless_exts / sizeof harmless_exts[0])) {
            snprintf(ex, sizeof ex, "%s is %s", o->name, type);
            ms_attach_finding(a, NULL, "attachment.disguised_executable",
                              "An executable behind a harmless file name or type", o, ex);
        }
    } else if (ext[0] && script_ext(a, ext) &&
               (text_like(type) || strcmp(type, "application/octet-stream") == 0)) {
        describe(a, o, desc, sizeof desc);
        snprintf(ex, sizeof ex, ".%s: %s", ext, desc);
        ms_attach_finding(a, NULL, "attachment.script",
                          "A script (Windows runs it by its file name)", o, ex);
    }
}

static void too_deep(ms_attach *a, const ms_attach_obj *o)
{
    ms_attach_finding(a, NULL, "limit.archive_depth",
                      "Archives or attached messages nested deeper than the depth limit; the inner "
                      "ones are unread",
                      o, NULL);
}

bool ms_attach_depth_ok(ms_attach *a, const ms_attach_obj *o)
{
    if (o->depth + a->sink.nesting(a->sink.ctx) < a->eng->attach.limits.depth)
        return true;
    too_deep(a, o);
    return false;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What libarchive should open, and as what. */
static void open_container(ms_attach *a, const ms_attach_obj *o, const char *type)
{
    static const char *const archives[] = {"application/zip",
                                           "application/x-tar",
                                           "application/x-7z-compressed",
                                           "application/x-rar",
                                           "application/vnd.rar",
                                           "application/x-rar-compressed",
                                           "application/java-archive",
                                           "application/x-cpio",
                                           "application/vnd.ms-cab-compressed",
                                           "application/x-archive",
                                           "application/x-iso9660-image",
                                           "application/x-lzh-compressed",
                                           "application/x-lha"};
    static const char *const streams[] = {"application/gzip",    "application/x-gzip",
                                          "application/x-bzip2", "application/x-xz",
                                          "application/x-lzma",  "application/zstd",
                                          "application/x-lzip",  "application/x-compress"};
    bool zip = o->len >= 4 && memcmp(o->data, "PK\003\004", 4) == 0;
    ms_pkg kind = MS_PKG_ARCHIVE;

    if (zip && memmem(o->data, o->len, "[Content_Types].xml", 19))
        kind = MS_PKG_OOXML;
    else if (zip && o->len > 38 + 30 &&
             memcmp(o->data + 30, "mimetypeapplication/vnd.oasis.", 30) == 0)
        kind = MS_PKG_ODF;
    bool archive = zip || starts(type, "application/vnd.openxmlformats-officedocument.") ||
                   starts(type, "application/vnd.oasis.opendocument.") ||
                   in_list(type, archives, sizeof archives / sizeof archives[0]);
    bool stream = in_list(type, streams, sizeof streams / sizeof streams[0]);
    if (!archive && !stream)
        return;
    if (o->depth + a->sink.nesting(a->sink.ctx) >= a->eng->attach.limits.depth) {
        too_deep(a, o);
        return;
    }
    ms_archive_scan(a, o, kind, stream);
}

/* What libclamav opens (clam.c), within the depth limit. */
static void open_clam(ms_attach *a, const ms_attach_obj *o)
{
    if (ms_attach_depth_ok(a, o))
        ms_clam_scan(a, a->eng->clam, o);
}

/* Files in the data: URIs of an HTML attachment (datauri.c), each a
 * member named by its download attribute or its place (`2/page.html/#1`). */
static void open_data_uris(ms_attach *a, const ms_attach_obj *o)
{
    const char *h = (const char *)o->data;
    size_t pos = 0, max = a->eng->attach.limits.max_bytes;
    ms_datauri u;
    char part[512], name[160];

    if (o->depth + a->sink.nesting(a->sink.ctx) >= a->eng->attach.limits.depth) {
        if (ms_datauri_next(h, o->len, &pos, &u))
            too_deep(a, o);
        return;
    }
    for (unsigned i = 1; ms_datauri_next(h, o->len, &pos, &u); i++) {
        if (i > MS_ATTACH_DATAURI_MAX) {
            ms_attach_finding(a, NULL, "limit.archive_members",
                              "An HTML file with more data: URIs than are read; the rest is unread",
                              o, NULL);
            return;
        }
        size_t cap = 0;
        unsigned char *buf = ms_attach_level_buf(a, o->depth + 1, u.len / 4 * 3 + 8, &cap);
        if (!buf)
            return;
        ms_b64 d;
        ms_b64_init(&d);
        size_t k = ms_b64_feed(&d, h + u.start, u.len, buf);
        k += ms_b64_finish(&d, buf + k);
        if (k < 16)
            continue; /* a pixel, an empty font: nothing to inspect */
        snprintf(name, sizeof name, "%s", u.name[0] ? u.name : "");
        snprintf(part, sizeof part, "%s/%s", o->part, u.name[0] ? u.name : "");
        if (!u.name[0])
            snprintf(part, sizeof part, "%s/#%u", o->part, i);
        ms_attach_obj m = {buf,    k < max ? k : max, k > max, part, name,
                           u.type, o->depth + 1,      false};
        if (!ms_attach_member(a, o, &m))
            return;
    }
}

static bool is_html(const ms_attach_obj *o, const char *type)
{
    const char *ext = extension(o->name);
    return strcmp(type, "text/html") == 0 || strcasecmp(o->declared, "text/html") == 0 ||
           strcasecmp(ext, "html") == 0 || strcasecmp(ext, "htm") == 0 ||
           strcasecmp(ext, "xhtml") == 0 || strcmp(type, "image/svg+xml") == 0;
}

/* A message as an attachment: a forwarded .eml, or message/rfc822 in
 * base64 (which the MIME parser leaves whole): parsed and scanned as a
 * message of its own, its parts named below this one. libmagic knows a
 * message by some first fields only (Received:, Return-Path:, From:), so
 * text named .eml counts too. */
/* A header field a message or an mbox begins with, at p (RFC 5322 3.6
 * fields, the trace fields an MTA adds, mbox's "From " line). */
static bool header_start(const unsigned char *p, size_t n)
{
    static const char *const fields[] = {
        "From ",         "Return-Path:",  "Received:",         "From:",
        "Date:",         "Message-ID:",   "Subject:",          "To:",
        "MIME-Version:", "Delivered-To:", "X-Mozilla-Status:", "Reply-To:",
        "Sender:",       "Cc:",           "DKIM-Signature:"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t k = strlen(fields[i]);
        if (n >= k && strncasecmp((const char *)p, fields[i], k) == 0)
            return true;
    }
    return false;
}

/* A line that is a header field: a name of letters, digits and '-' (RFC
 * 5322 2.2, at most 76 of them) and a colon. */
static bool field_line(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && i < 77 && (isalnum(p[i]) || p[i] == '-'))
        i++;
    return i > 0 && i < n && p[i] == ':';
}

/* Text that reads as a message whatever it is called: it starts with a
 * header field or an mbox "From " line, and three of the lines before the
 * first empty one (within 8 KiB) are header fields, as a mail client would
 * read it. */
static bool looks_like_message(const ms_attach_obj *o)
{
    const unsigned char *p = o->data, *end = o->data + (o->len < 8192 ? o->len : 8192);
    unsigned fields = 0;

    if (!header_start(p, (size_t)(end - p)))
        return false;
    while (p < end && fields < 3) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || nl == p || (nl == p + 1 && *p == '\r'))
            break; /* the empty line ends the header */
        if (field_line(p, (size_t)(nl - p)) || header_start(p, (size_t)(nl - p)))
            fields++;
        p = nl + 1;
    }
    return fields >= 3;
}

static bool is_message(const ms_attach_obj *o, const char *type)
{
    static const char *const types[] = {"message/rfc822", "message/global", "message/news"};
    if (in_list(type, types, sizeof types / sizeof types[0]) ||
        in_list(o->declared, types, sizeof types / sizeof types[0]) ||
        (text_like(type) && strcasecmp(extension(o->name), "eml") == 0))
        return true;
    /* a message or an mbox attached as application/octet-stream, or named
     * notes.txt: a mail client opens it as mail. Not a part declared as
     * something else (a bounce's message/rfc822-headers is headers only) */
    static const char *const vague[] = {"", "application/octet-stream", "text/plain",
                                        "application/x-unknown"};
    return (text_like(type) || strcmp(type, "application/octet-stream") == 0) &&
           in_list(o->declared, vague, sizeof vague / sizeof vague[0]) && looks_like_message(o);
}

/* The messages of an mbox: each "From " line at the start of a line
 * after the first begins another (mboxrd/mboxo, RFC 4155). */
static void open_mbox(ms_attach *a, const ms_attach_obj *o)
{
    const unsigned char *p = o->data, *end = o->data + o->len;
    char part[512];

    for (unsigned i = 1; p < end; i++) {
        const unsigned char *next = p;
        for (;;) {
            const unsigned char *nl = memchr(next, '\n', (size_t)(end - next));
            if (!nl || end - nl < 6) {
                next = end;
                break;
            }
            next = nl + 1;
            if (memcmp(next, "From ", 5) == 0)
                break;
        }
        const unsigned char *body = memchr(p, '\n', (size_t)(next - p)); /* past "From " */
        body = body ? body + 1 : next;
        snprintf(part, sizeof part, "%s/%u", o->part, i);
        if (a->sink.message(a->sink.ctx, part, o->depth, body, (size_t)(next - body)) ==
            MS_ERR_LIMIT) {
            too_deep(a, o);
            return;
        }
        p = next;
    }
}

static void open_message(ms_attach *a, const ms_attach_obj *o)
{
    if (!a->sink.message) {
        ms_attach_unscannable(a, o, "A message inside an attachment, not read here", NULL);
        return;
    }
    if (o->len > 5 && memcmp(o->data, "From ", 5) == 0) {
        open_mbox(a, o);
        return;
    }
    if (a->sink.message(a->sink.ctx, o->part, o->depth, o->data, o->len) == MS_ERR_LIMIT)
        too_deep(a, o);
}

void ms_attach_inspect(ms_attach *a, const ms_attach_obj *o)
{
    char type[128];

    if (!ms_attach_time_ok(a, o))
        return;
    if (o->truncated)
        ms_attach_finding(a, NULL, "limit.max_bytes",
                          "An attachment larger than the size limit; only its start was scanned", o,
                          NULL);
    const char *t = true_type(a, o);
    snprintf(type, sizeof type, "%s", t ? t : "application/octet-stream");

    check_type(a, o, type);
    if (a->yara)
        ms_yara_scan(a, a->yara, o);
    bool clam = ms_clam_wants(o); /* TNEF, OLE2, RTF objects, ARJ, ... */
    if (o->len >= 8 && memcmp(o->data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
        clam = !ms_office_ole(a, o) && clam;
    else if (strcmp(type, "application/pdf") == 0 ||
             (o->len >= 5 && memcmp(o->data, "%PDF-", 5) == 0))
        ms_pdf_scan(a, o);
    else if (is_message(o, type))
        open_message(a, o);
    else if (text_like(type)) {
        if (!o->text_scanned)
            ms_attach_text(a, o->part, o, (const char *)o->data, o->len);
        if (is_html(o, type) &&
            (memmem(o->data, o->len, "data:", 5) || memmem(o->data, o->len, "DATA:", 5)))
            open_data_uris(a, o);
    } else if (!clam)
        open_container(a, o, type);
    if (clam)
        open_clam(a, o);
}
