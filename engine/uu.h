/*
 * uu.h - uuencoded files inside text ("begin 644 name" ... "end")
 */
#ifndef MS_UU_H
#define MS_UU_H

#include "limits.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ms_uu_block {
    size_t off, len;           /* decoded bytes in ms_uu.buf.p */
    char name[MS_UU_NAME_MAX]; /* the name on the begin line */
    bool truncated;            /* over the size cap: the first bytes are kept */
    bool unended;              /* no "end" line, or a line that is no uuencode */
} ms_uu_block;

typedef struct ms_uu {
    char line[MS_UU_LINE_MAX]; /* the current line, while it may matter */
    size_t llen;
    bool skip;     /* the rest of the current line does not matter */
    bool in;       /* between a begin line and its end line */
    ms_capbuf buf; /* decoded bytes of all files, up to the cap */
    ms_uu_block blocks[MS_UU_BLOCKS];
    unsigned nblocks;
    bool over; /* a file began after MS_UU_BLOCKS: not read */
} ms_uu;

/* Is a Content-Transfer-Encoding (lower case) uuencode? */
bool ms_uu_encoding(const char *cte);

/* A decoder keeping at most max decoded bytes per part (all its files). */
void ms_uu_init(ms_uu *u, size_t max);
void ms_uu_free(ms_uu *u);

/* Start of a part: no line, no files (the buffer is kept). */
void ms_uu_reset(ms_uu *u);

/* Text of the part, any chunking. */
void ms_uu_feed(ms_uu *u, const char *p, size_t n);

/* End of the part: the last line is read; a file without its end line is
 * kept, marked unended. Then blocks[0..nblocks) hold the files found. */
void ms_uu_finish(ms_uu *u);

#endif
