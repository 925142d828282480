/*
 * clam.c - containers libarchive, poppler and office.c do not open, read
 * with libclamav: TNEF (winmail.dat), OLE2 compound files (Outlook .msg,
 * Word/Excel/PowerPoint 97-2003 and their ObjectPool / Ole10Native
 * packages), RTF embedded objects (\object\objdata, OLE 1.0 Package),
 * ARJ, CHM, SZDD and KWAJ (MS compress), BinHex 4.0, and zips whose
 * entries are compressed with Deflate64 or PKWARE implode.
 *
 * Why libclamav: Debian 12 ships it (libclamav-dev 1.4), and one library
 * opens every one of these formats defensively (it is fuzzed in OSS-Fuzz
 * and meant for hostile input) where the alternatives cover one format
 * each (libytnef: TNEF; libgsf: OLE2; nothing packaged for RTF objects,
 * ARJ, SZDD or Deflate64). With no signature database loaded its engine
 * costs about 1 ms and a few hundred KB to build, so it is built once with
 * the mailsift engine (engine.c) and shared by every scan, and it only
 * unpacks: its file-inspection callback (cl_engine_set_clcb_file_inspection)
 * hands over each file it extracts, with its type and recursion level.
 *
 * The recursion stays in the attachment layer: at level 1 the callback
 * hands the file to ms_attach_member() (true type, YARA, text rules, card
 * numbers; containers inside it opened there, through this file again if
 * they are libclamav's) and answers CL_BREAK, so libclamav never descends
 * itself and the depth, member, byte, ratio and time limits are counted in
 * one place. libclamav's own limits are set from the same settings as a
 * second fence; its clean-file cache is off (a second message with the
 * same attachment must be inspected again).
 *
 * libclamav walks an OLE2 directory more than once (for macros, for
 * embedded objects): a file already handed over is skipped by its hash.
 * Outlook stores strings as UTF-16LE without a byte order mark; attach.c
 * reads such text as UTF-16.
 *
 * BUGS: libclamav writes what it extracts to temporary files (it has no
 * in-memory mode) and deletes them: in /dev/shm when it is writable, else
 * under $TMPDIR or /tmp, where a disk under load adds milliseconds a
 * container. File names inside
 * TNEF and OLE2 are not passed on by libclamav: members are named by their
 * place (`2/winmail.dat/#1`). libclamav 1.4 finds an RTF object only when
 * `\objdata` is followed by a space (as Word writes it); RTF ignores line
 * breaks, and files that put one there instead are handed to it as a copy
 * with that character made a space (rtf_spaced). A container libclamav opens but finds empty is
 * reported as unscannable only for the formats that cannot be empty (not RTF, TNEF) and from 1 KiB
 * up (a smaller one may hold only files libclamav skips as too small to scan). libclamav does not
 * say when a member's data ends early (an ARJ cut short): what it extracted is inspected, without a
 * finding.
 */
#include "clam.h"
#include "attach.h"
#include "util.h"

#include <clamav.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MS_CLAM_SEEN      256 /* hashes of files handed over, per container */
#define MS_CLAM_RECURSION 4   /* libclamav's own depth fence (we stop at 1) */
/* A container this size or more that yields no file was not read: below
 * it, an archive of a few tiny files (libclamav skips files of 5 bytes or
 * less without a callback) is empty to us and may be whole. */
#define MS_CLAM_EMPTY_MIN 1024
#define MS_CLAM_TMPDIR    "/dev/shm" /* memory, where there is one */

static void quiet(enum cl_msg severity, const char *fullmsg, const char *msg, void *ctx)
{
    (void)severity, (void)fullmsg, (void)msg, (void)ctx; /* the library never prints */
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool inited;

#if defined(__SANITIZE_ADDRESS__)
#define MS_CLAM_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MS_CLAM_LSAN 1
#endif
#endif

#ifdef MS_CLAM_LSAN
/* LeakSanitizer does not look into libclamav's memory pools (mmap), so an
 * engine still alive at exit (fuzz harnesses keep theirs for the life of
 * the process) shows the pieces it holds as leaked. Sanitizer builds free
 * such engines at exit; an engine freed before exit is checked as usual. */
#define MS_CLAM_LIVE 64
static struct cl_engine *live[MS_CLAM_LIVE];
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static void track(struct cl_engine *e, bool on)
{
    pthread_mutex_lock(&live_lock);
    for (unsigned i = 0; i < MS_CLAM_LIVE; i++)
        if (live[i] == (on ? NULL : e)) {
            live[i] = on ? e : NULL;
            break;
        }
    pthread_mutex_unlock(&live_lock);
}

static void free_live(void)
{
    for (unsigned i = 0; i < MS_CLAM_LIVE; i++)
        if (live[i])
            cl_engine_free(live[i]);
}
#else
static void track(struct cl_engine *e, bool on)
{
    (void)e, (void)on;
}
#endif

static void init_once(void)
{
    cl_set_clcb_msg(quiet);
    inited = cl_init(CL_INIT_DEFAULT) == CL_SUCCESS;
#ifdef MS_CLAM_LSAN
    atexit(free_live);
#endif
}

static cl_error_t on_file(int fd, const char *type, const char **ancestors, size_t parent_size,
                          const char *name, size_t size, const char *buf, uint32_t level,
                          uint32_t attrs, void *ctx);

struct cl_engine *ms_clam_engine_create(const ms_attach_conf *conf)
{
    pthread_once(&once, init_once);
    if (!inited)
        return NULL;
    struct cl_engine *e = cl_engine_new();
    if (!e)
        return NULL;
    const ms_attach_limits *l = &conf->limits;
    bool ok =
        cl_engine_set_num(e, CL_ENGINE_MAX_FILESIZE, (long long)l->max_bytes) == CL_SUCCESS &&
        cl_engine_set_num(e, CL_ENGINE_MAX_SCANSIZE, (long long)l->archive_bytes) == CL_SUCCESS &&
        cl_engine_set_num(e, CL_ENGINE_MAX_FILES, (long long)l->members) == CL_SUCCESS &&
        cl_engine_set_num(e, CL_ENGINE_MAX_RECURSION, MS_CLAM_RECURSION) == CL_SUCCESS &&
        cl_engine_set_num(e, CL_ENGINE_MAX_SCANTIME, (long long)l->time_ms) == CL_SUCCESS &&
        cl_engine_set_num(e, CL_ENGINE_DISABLE_CACHE, 1) == CL_SUCCESS;
    /* libclamav unpacks through temporary files: on a disk under load each
     * container's mkdir, create and unlink wait 4-8 ms on the journal,
     * against 0.2 ms in memory. They are bounded (max_bytes, archive_bytes)
     * and deleted at once. */
    if (ok && access(MS_CLAM_TMPDIR, W_OK | X_OK) == 0)
        ok = cl_engine_set_str(e, CL_ENGINE_TMPDIR, MS_CLAM_TMPDIR) == CL_SUCCESS;
    cl_engine_set_clcb_file_inspection(e, on_file);
    if (!ok || cl_engine_compile(e) != CL_SUCCESS) {
        cl_engine_free(e);
        return NULL;
    }
    track(e, true);
    return e;
}

void ms_clam_engine_destroy(struct cl_engine *e)
{
    if (!e)
        return;
    track(e, false);
    cl_engine_free(e);
}

/* ---- which objects ------------------------------------------------------ */

static bool starts(const ms_attach_obj *o, const char *magic, size_t n)
{
    return o->len >= n && memcmp(o->data, magic, n) == 0;
}

/* A zip entry compressed with PKWARE implode (6) or Deflate64 (9), which
 * libarchive cannot read; local headers of the first 64 entries. */
static bool zip_method_unsupported(const ms_attach_obj *o)
{
    const unsigned char *p = o->data, *end = o->data + o->len;
    for (unsigned i = 0; i < 64 && end - p >= 30; i++) {
        const unsigned char *h = memmem(p, (size_t)(end - p), "PK\003\004", 4);
        if (!h || end - h < 30)
            return false;
        unsigned method = h[8] | h[9] << 8;
        if (method == 6 || method == 9)
            return true;
        p = h + 4;
    }
    return false;
}

bool ms_clam_wants(const ms_attach_obj *o)
{
    if (starts(o, "\x78\x9F\x3E\x22", 4) ||                 /* TNEF */
        starts(o, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) || /* OLE2 */
        starts(o, "\x60\xEA", 2) ||                         /* ARJ */
        starts(o, "ITSF", 4) ||                             /* CHM */
        starts(o, "SZDD\x88\xF0\x27\x33", 8) || starts(o, "KWAJ\x88\xF0\x27\xD1", 8) ||
        starts(o, "(This file must be converted with BinHex", 40))
        return true;
    if (starts(o, "{\\rt", 4))
        return memmem(o->data, o->len, "\\objdata", 8) != NULL;
    return starts(o, "PK\003\004", 4) && zip_method_unsupported(o);
}

/* The character after the control word `\objdata` at P, if it is a line
 * break or a tab (each ends an RTF control word) rather than the space
 * libclamav looks for. */
static const unsigned char *objdata_unspaced(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *c = p + 8;
    return c < end && (*c == '\r' || *c == '\n' || *c == '\t') ? c : NULL;
}

/* An RTF whose `\objdata` is followed by a line break or a tab (RTF
 * ignores CR and LF in the hex data that follows): a copy with that one
 * character made a space, so libclamav finds the object; NULL when the
 * file needs none or on no memory (*nomem). Same length: offsets and sizes
 * are unchanged. */
static unsigned char *rtf_spaced(const ms_attach_obj *o, bool *nomem)
{
    const unsigned char *end = o->data + o->len, *p = o->data;
    unsigned char *copy = NULL;

    *nomem = false;
    if (!starts(o, "{\\rt", 4))
        return NULL;
    while ((p = memmem(p, (size_t)(end - p), "\\objdata", 8)) != NULL) {
        const unsigned char *c = objdata_unspaced(p, end);
        if (c) {
            if (!copy) {
                copy = ms_malloc(o->len);
                if (!copy) {
                    *nomem = true;
                    return NULL;
                }
                memcpy(copy, o->data, o->len);
            }
            copy[c - o->data] = ' ';
        }
        p += 8;
    }
    return copy;
}

/* RTF and TNEF may hold nothing but text; the others hold files. */
static bool may_be_empty(const ms_attach_obj *o)
{
    return starts(o, "{\\rt", 4) || starts(o, "\x78\x9F\x3E\x22", 4);
}

/* ---- the walk ----------------------------------------------------------- */

typedef struct walk {
    ms_attach *a;
    const ms_attach_obj *o;
    unsigned members;
    bool stopped;
    uint64_t seen[MS_CLAM_SEEN];
    unsigned nseen;
} walk;

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211u;
    return h ^ n;
}

static bool seen_before(walk *w, const char *buf, size_t n)
{
    uint64_t h = fnv1a(buf, n);
    for (unsigned i = 0; i < w->nseen; i++)
        if (w->seen[i] == h)
            return true;
    if (w->nseen < MS_CLAM_SEEN)
        w->seen[w->nseen++] = h;
    return false;
}

/* libclamav's name for a file when it is a real one: not its temporary
 * file's nor a hash. */
static const char *real_name(const char *name)
{
    if (!name || !*name || strncmp(name, "clamav-", 7) == 0 || strchr(name, '/'))
        return "";
    size_t hex = strspn(name, "0123456789abcdef");
    return hex >= 32 ? "" : name;
}

static cl_error_t on_file(int fd, const char *type, const char **ancestors, size_t parent_size,
                          const char *name, size_t size, const char *buf, uint32_t level,
                          uint32_t attrs, void *ctx)
{
    walk *w = ctx;
    char part[512], mname[128];

    (void)fd, (void)ancestors, (void)parent_size, (void)attrs;
    if (!w || level == 0)
        return CL_CLEAN; /* the container itself: libclamav opens it */
    if (w->stopped)
        return CL_VIRUS; /* ends the scan */
    if (!buf || size == 0 || seen_before(w, buf, size))
        return CL_BREAK;
    /* the container again (libclamav looks for self-extracting archives
     * at offset 0): not a member */
    if (size == w->o->len && memcmp(buf, w->o->data, size) == 0)
        return CL_BREAK;
    if (++w->members > ms_attach_get_limits(w->a)->members) {
        ms_attach_finding(w->a, NULL, "limit.archive_members",
                          "An archive with more members than the limit; the rest is unread", w->o,
                          NULL);
        w->stopped = true;
        return CL_VIRUS;
    }
    const char *real = real_name(name);
    if (*real)
        snprintf(mname, sizeof mname, "%s", real);
    else
        snprintf(mname, sizeof mname, "#%u", w->members);
    snprintf(part, sizeof part, "%s/%s", w->o->part, mname);
    size_t max = ms_attach_get_limits(w->a)->max_bytes;
    ms_attach_obj m = {(const unsigned char *)buf,
                       size < max ? size : max,
                       size > max,
                       part,
                       real,
                       "",
                       w->o->depth + 1,
                       false};
    /* UTF-16 text (Outlook's strings): libmagic does not know bare UTF-16
     * for text, and typing it costs more than the rest of the member (its
     * tests by content run to the end on such short text): read as text */
    if (type && strncmp(type, "CL_TYPE_TEXT_UTF16", 18) == 0) {
        ms_attach_text(w->a, part, &m, buf, m.len);
        if (!ms_attach_account(w->a, w->o, m.len))
            w->stopped = true;
        return w->stopped ? CL_VIRUS : CL_BREAK;
    }
    if (!ms_attach_member(w->a, w->o, &m)) {
        w->stopped = true;
        return CL_VIRUS;
    }
    return CL_BREAK; /* inspected here: libclamav does not descend */
}

void ms_clam_scan(ms_attach *a, const struct cl_engine *e, const ms_attach_obj *o)
{
    struct cl_scan_options opts;
    const char *virname = NULL;
    unsigned long scanned = 0;

    if (!e)
        return;
    walk *w = ms_calloc(1, sizeof *w);
    if (!w) {
        ms_attach_fail(a, MS_ERR_NOMEM);
        return;
    }
    w->a = a;
    w->o = o;
    memset(&opts, 0, sizeof opts);
    opts.parse = CL_SCAN_PARSE_ARCHIVE | CL_SCAN_PARSE_OLE2 | CL_SCAN_PARSE_MAIL;
    opts.general = CL_SCAN_GENERAL_HEURISTICS;
    opts.heuristic = CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE | CL_SCAN_HEURISTIC_ENCRYPTED_DOC;
    bool nomem;
    unsigned char *spaced = rtf_spaced(o, &nomem);
    if (nomem) {
        free(w);
        ms_attach_fail(a, MS_ERR_NOMEM);
        return;
    }
    cl_fmap_t *map = cl_fmap_open_memory(spaced ? spaced : o->data, o->len);
    if (!map) {
        free(spaced);
        free(w);
        ms_attach_fail(a, MS_ERR_NOMEM);
        return;
    }
    cl_error_t rc = cl_scanmap_callback(map, o->name, &virname, &scanned, e, &opts, w);
    cl_fmap_close(map);
    free(spaced);
    if (rc == CL_VIRUS && !w->stopped && virname && strstr(virname, "Encrypted"))
        ms_attach_encrypted(a, o, virname);
    else if (rc == CL_EMEM)
        ms_attach_fail(a, MS_ERR_NOMEM);
    else if (rc != CL_CLEAN && rc != CL_VIRUS && rc != CL_BREAK)
        ms_attach_unscannable(a, o, "A container that could not be read to its end",
                              cl_strerror(rc));
    else if (rc == CL_CLEAN && w->members == 0 && !may_be_empty(o) && o->len >= MS_CLAM_EMPTY_MIN)
        ms_attach_unscannable(a, o,
                              "A container whose members could not be read (damaged or an "
                              "unsupported method)",
                              NULL);
    free(w);
}
