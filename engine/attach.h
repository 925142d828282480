/*
 * attach.h - the attachment layer: true types, YARA, archives, documents
 *
 * A scan owns one ms_attach. scan.c hands it each leaf part (begin, the
 * decoded bytes, end); at the end of a part that is an attachment it types
 * the bytes with libmagic, runs the engine's YARA rules over them, opens
 * archives (archive.c), Office packages (office.c) and PDFs (pdf.c), and
 * feeds text it finds back through the text rules with the ms_scan_text_*
 * seam. Members of archives go through the same inspection, one level
 * deeper.
 */
#ifndef MS_ATTACH_H
#define MS_ATTACH_H

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

/* The clock of the time limit: nanoseconds from any fixed start. */
typedef uint64_t (*ms_attach_clock_fn)(void *ctx);

/* Site configuration of the layer (engine field; defaults by ms_attach_conf_init). */
typedef struct ms_attach_conf {
    ms_attach_limits limits;
    ms_attach_clock_fn clock; /* CLOCK_MONOTONIC; tests set their own */
    void *clock_ctx;
    char **dangerous_types; /* libmagic MIME types; NULL: built-in list */
    unsigned ndangerous_types;
    char **script_exts; /* extensions run as scripts; NULL: built-in list */
    unsigned nscript_exts;
} ms_attach_conf;

void ms_attach_conf_init(ms_attach_conf *c);
void ms_attach_conf_fini(ms_attach_conf *c);
/* Replace the clock time_ms is measured with, on an engine no scan uses
 * yet: tests give one that stands still or steps, so no test depends on
 * the speed of the machine. fn NULL restores CLOCK_MONOTONIC. */
void ms_attach_set_clock(struct ms_engine *eng, ms_attach_clock_fn fn, void *ctx);

/* Create the per-scan state (libmagic cookie, YARA scanner, buffers) or NULL. */
ms_attach *ms_attach_create(const struct ms_engine *eng, ms_scan *scan);
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

/* ---- shared by attach.c, archive.c, office.c, pdf.c --------------------- */

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
/* Run UTF-8 (or Latin-1 when not valid UTF-8) text through the text rules. */
void ms_attach_text(ms_attach *a, const char *part, const ms_attach_obj *o, const char *text,
                    size_t len);
ms_scan *ms_attach_scan(ms_attach *a);
const ms_attach_limits *ms_attach_get_limits(const ms_attach *a);
/* Buffer of nesting level depth (grows, kept); NULL past the deepest
 * level, or on out of memory (which fails the scan: ms_scan_fail). */
unsigned char *ms_attach_level_buf(ms_attach *a, unsigned depth, size_t need, size_t *cap);
/* Bytes read out of archives for the current MIME part (bomb accounting). */
uint64_t *ms_attach_out_bytes(ms_attach *a);
/* Size of the MIME part being inspected (the ratio's denominator). */
uint64_t ms_attach_part_bytes(const ms_attach *a);

/* archive.c: read the members of an archive (office: an OOXML/ODF package). */
typedef enum ms_pkg { MS_PKG_ARCHIVE, MS_PKG_OOXML, MS_PKG_ODF } ms_pkg;
void ms_archive_scan(ms_attach *a, const ms_attach_obj *o, ms_pkg kind, bool raw_ok);

/* office.c: text of an OOXML/ODF member; props for properties parts. */
typedef enum ms_office_member {
    MS_OFFICE_SKIP = 0, /* not text (rels, styles of OOXML, media) */
    MS_OFFICE_BODY,     /* body, sheets, slides, comments, headers, footers */
    MS_OFFICE_PROPS,    /* core, app, custom properties; ODF meta.xml */
    MS_OFFICE_MACRO,    /* vbaProject.bin */
    MS_OFFICE_OTHER,    /* embedded object or media: inspected as a member */
} ms_office_member;
ms_office_member ms_office_classify(ms_pkg kind, const char *name);
/* XML to text: tags out, entities decoded, paragraph and cell ends as line
 * breaks and tabs; props: "name: value" lines. The text goes to emit in
 * pieces of at most 4 KiB; it is never longer than the XML. */
typedef void (*ms_office_emit)(void *ctx, const char *text, size_t len);
void ms_office_xml_text(const char *x, size_t n, bool props, ms_office_emit emit, void *ctx);
/* OLE2 compound file: macros (VBA storage) and encrypted OOXML. */
void ms_office_ole(ms_attach *a, const ms_attach_obj *o);

/* pdf.c: text of a PDF through the text rules; encryption detected. */
void ms_pdf_scan(ms_attach *a, const ms_attach_obj *o);

/* yara_rules.c */
bool ms_yara_compile(struct ms_engine *eng, const char *dir, ms_error_fn fn, void *ctx,
                     ms_error *first, unsigned *nerrors);
void ms_yara_free(struct ms_engine *eng);
/* Per-scan scanner: create (NULL when the engine has no rules), scan, destroy. */
void *ms_yara_scanner_create(const struct ms_engine *eng);
void ms_yara_scanner_destroy(void *scanner);
void ms_yara_scan(ms_attach *a, void *scanner, const ms_attach_obj *o);

#endif
