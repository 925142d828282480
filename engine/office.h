/*
 * office.h - text of Office documents: OOXML (ECMA-376) and OpenDocument
 * members, and what an OLE2 compound file says about itself (engine/office.c)
 */
#ifndef MS_OFFICE_H
#define MS_OFFICE_H

#include "archive.h"
#include "attach.h"

#include <stdbool.h>
#include <stddef.h>

/* What a member of an OOXML/ODF package is to the text rules. */
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

/* OLE2 compound file: macros (VBA storage) and encrypted OOXML; true when
 * encrypted (its streams are ciphertext: nothing to open). */
bool ms_office_ole(ms_attach *a, const ms_attach_obj *o);

#endif
