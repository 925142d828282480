/*
 * attach.h - the attachment layer: true types, YARA, archives, documents
 *
 * A scan owns one ms_attach. scan.c hands it each leaf part (begin, the
 * decoded bytes, end); at the end of a part that is an attachment it types
 * the bytes with libmagic, runs the engine's YARA rules over them, opens
 * archives (archive.c), Office packages (office.c) and PDFs (pdf.c), and
 * feeds text it finds back through the text rules with the ms_scan_text_*
 * seam. Members of archives go through the same inspection, one level
 * deeper. Each container format has its own header (archive.h, office.h,
 * pdf.h, yara_rules.h); the site's settings of the layer are in
 * attach_conf.h, which the engine holds.
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

#endif
