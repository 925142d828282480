/*
 * attach.h - the attachment layer: true types, YARA, archives, documents
 *
 * A scan owns one ms_attach. scan.c hands it each leaf part (begin, the
 * decoded bytes, end); at the end of a part that is an attachment it types
 * the bytes with libmagic, runs the engine's YARA rules over them, opens
 * archives (archive.c), Office packages (office.c), PDFs (pdf.c), what
 * libclamav opens (clam.c: TNEF, OLE2, RTF objects, ARJ, CHM, SZDD,
 * BinHex, zip methods libarchive lacks) and files in HTML data: URIs
 * (datauri.c). What it finds goes up through the sink it was created
 * with (ms_attach_sink): text to the text rules, findings, messages found
 * inside. Every member a container module reads comes back to
 * ms_attach_inspect(), one level deeper: the recursion (a zip in a .msg in
 * a TNEF) and its limits (depth, members, bytes, ratio, time) are driven
 * here, in one place. Each container format has its own header; the site's
 * settings of the layer are in attach_conf.h, which the engine holds.
 */
#ifndef MS_ATTACH_H
#define MS_ATTACH_H

#include "attach_conf.h"
#include "limits.h"
#include "mime.h"

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ms_engine;
typedef struct ms_attach ms_attach;

/* One object to inspect: a part's decoded bytes or an archive member. */
typedef struct ms_attach_obj {
    const unsigned char *data;
    size_t len;
    bool truncated;       /* more bytes than max_bytes: data holds the first */
    const char *part;     /* "2", "2/inner.zip/a.csv" */
    const char *name;     /* file name (UTF-8), "" if none */
    const char *declared; /* declared content type, "" for members */
    unsigned depth;       /* 0 for a MIME part, archive nesting otherwise */
    bool text_scanned;    /* a text part the text rules already saw */
} ms_attach_obj;

/* Where the layer reports, as mime.c reports through ms_mime_sink: the
 * scan (scan.c) in the engine, a collector in tests and fuzzers. */
typedef struct ms_attach_sink {
    void *ctx;
    /* UTF-8 text through the text rules as one stream named part (copied;
     * "" for no content type or file name) */
    void (*text_begin)(void *ctx, const char *part, const char *content_type, const char *filename);
    void (*text_feed)(void *ctx, const char *utf8, size_t len);
    void (*text_end)(void *ctx);
    /* a finding of the layer's own; rule and description static, the rest
     * copied. Returns MS_ERR_MISUSE for an unknown category. */
    int (*finding)(void *ctx, const char *category, const char *rule, const char *description,
                   const char *part, const char *content_type, const char *filename,
                   const char *excerpt);
    /* out of memory: the message is not taken as scanned */
    void (*fail)(void *ctx, int code);
    /* a whole message found in a part, `depth` containers deep: scanned as
     * a message; MS_ERR_LIMIT when too deep (nothing scanned). NULL: not
     * scanned, reported as attachment.unscannable. */
    int (*message)(void *ctx, const char *part, unsigned depth, const void *msg, size_t len);
    /* messages the current one is nested in (0 for the outer) */
    unsigned (*nesting)(void *ctx);
} ms_attach_sink;

/* Create the per-scan state (libmagic cookie, YARA scanner, buffers) or
 * NULL. eng: the settings (attach_conf.h), YARA rules and libclamav engine;
 * sink: copied. */
ms_attach *ms_attach_create(const struct ms_engine *eng, const ms_attach_sink *sink);
void ms_attach_destroy(ms_attach *a);
/* Forget the message; buffers kept. */
void ms_attach_reset(ms_attach *a);

/* A leaf part begins; true when its decoded bytes are wanted. */
bool ms_attach_begin(ms_attach *a, const ms_mime_entity *ent, bool is_text);
/* Is the current part's decoded data wanted? */
bool ms_attach_wanted(const ms_attach *a);
/* Decoded bytes of the part (kept up to max_bytes). */
void ms_attach_feed(ms_attach *a, const void *data, size_t len);
/* The part ends: inspect it. Returns MS_ANOM_* bits to add to the result. */
uint32_t ms_attach_end(ms_attach *a);
/* A file found inside a part's text (uuencode), outside any part's life:
 * inspect it as an attachment. Returns MS_ANOM_* bits as ms_attach_end. */
uint32_t ms_attach_object(ms_attach *a, const ms_attach_obj *o);

/* ---- shared by the container modules (archive, office, pdf, clam, datauri) */

/* Inspect one object (type, YARA, open it). */
void ms_attach_inspect(ms_attach *a, const ms_attach_obj *o);
/* A finding of category "attachment" (or cat); rule/description static. */
void ms_attach_finding(ms_attach *a, const char *cat, const char *rule, const char *description,
                       const ms_attach_obj *o, const char *excerpt);
/* Report a limit once per object; false when the time budget is spent. */
bool ms_attach_time_ok(ms_attach *a, const ms_attach_obj *o);
/* Milliseconds left of the time budget (0 when spent). */
unsigned ms_attach_time_left_ms(ms_attach *a);
/* Content is encrypted: flag the message, add an `encrypted` finding. */
void ms_attach_encrypted(ms_attach *a, const ms_attach_obj *o, const char *what);
/* Could not open or read o (damaged, unsupported method): a finding of
 * attachment.unscannable; why is the excerpt (NULL for none). */
void ms_attach_unscannable(ms_attach *a, const ms_attach_obj *o, const char *description,
                           const char *why);
/* Run UTF-8 (or UTF-16, or Latin-1 when not valid UTF-8) text through the
 * text rules. */
void ms_attach_text(ms_attach *a, const char *part, const ms_attach_obj *o, const char *text,
                    size_t len);
/* The sink's text stream, for modules that stream text in pieces. */
void ms_attach_text_begin(ms_attach *a, const char *part, const char *content_type,
                          const char *filename);
void ms_attach_text_feed(ms_attach *a, const char *utf8, size_t len);
void ms_attach_text_end(ms_attach *a);
/* Out of memory: the scan fails (the sink's fail). */
void ms_attach_fail(ms_attach *a, int code);
/* May the members of o be opened (archives and messages nested less deep
 * than the depth limit)? false: limit.archive_depth is reported. */
bool ms_attach_depth_ok(ms_attach *a, const ms_attach_obj *o);
/* The member m of a container, one level below its parent: checked
 * against the member and byte limits (false: stop reading the container,
 * the limit is reported), then inspected. */
bool ms_attach_member(ms_attach *a, const ms_attach_obj *parent, const ms_attach_obj *m);
const ms_attach_limits *ms_attach_get_limits(const ms_attach *a);
/* The MIME type libmagic gives a format known by a fixed signature at the
 * start of p (PDF, PNG, GIF, JPEG, TNEF, SZDD, PE), or NULL: libmagic's to
 * find out. */
const char *ms_attach_signature_type(const unsigned char *p, size_t n);
/* Buffer of nesting level depth (grows, kept); NULL past the deepest
 * level, or on out of memory (which fails the scan: ms_scan_fail). */
unsigned char *ms_attach_level_buf(ms_attach *a, unsigned depth, size_t need, size_t *cap);
/* Count n more bytes read out of root's containers against archive_bytes
 * and the ratio; false (and the finding) when one is passed. */
bool ms_attach_account(ms_attach *a, const ms_attach_obj *root, size_t n);

#endif
