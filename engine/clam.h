/*
 * clam.h - containers libarchive, poppler and office.c do not open, read
 * with libclamav (engine/clam.c)
 */
#ifndef MS_CLAM_H
#define MS_CLAM_H

#include "attach.h"
#include "attach_conf.h"

#include <stdbool.h>

struct cl_engine;

/* libclamav's engine with no signatures, its limits from conf; NULL on
 * failure (out of memory). Built once per mailsift engine (about 1 ms)
 * and shared read-only by every scan, as libclamav allows. */
struct cl_engine *ms_clam_engine_create(const ms_attach_conf *conf);
void ms_clam_engine_destroy(struct cl_engine *e);

/* Is o a container for libclamav: TNEF, OLE2 (.msg, .doc, .xls, .ppt,
 * embedded packages), RTF with \objdata, ARJ, CHM, SZDD/KWAJ, BinHex, or a
 * zip with entries compressed by Deflate64 or PKWARE implode? */
bool ms_clam_wants(const ms_attach_obj *o);

/* Open o with libclamav and hand every file it extracts (one level down)
 * to the attachment layer as a member of o; a container libclamav cannot
 * read, or that yields nothing, is attachment.unscannable. */
void ms_clam_scan(ms_attach *a, const struct cl_engine *e, const ms_attach_obj *o);

#endif
