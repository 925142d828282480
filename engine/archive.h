/*
 * archive.h - members of archives and Office packages, read with libarchive
 * (engine/archive.c)
 */
#ifndef MS_ARCHIVE_H
#define MS_ARCHIVE_H

#include "attach.h"

#include <stdbool.h>
#include <stddef.h>

/* What a container is read as: any archive, or an Office package whose
 * members are classified by office.c. */
typedef enum ms_pkg { MS_PKG_ARCHIVE, MS_PKG_OOXML, MS_PKG_ODF } ms_pkg;

/* Read the members of o and inspect each through the attachment layer (one
 * level deeper); raw_ok: a compressed stream with no archive inside (gzip
 * of a file) is read as one member. Limits and damage become findings. */
void ms_archive_scan(ms_attach *a, const ms_attach_obj *o, ms_pkg kind, bool raw_ok);

#endif
