/*
 * b64run.h - base64 pasted into text: runs of base64 lines, decoded
 */
#ifndef MS_B64RUN_H
#define MS_B64RUN_H

#include "b64.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

#define MS_B64RUN_LINE_MAX  1024 /* a longer line is not taken for base64 */
#define MS_B64RUN_LINE_MIN  40   /* nor a shorter one, but the last of a run */
#define MS_B64RUN_MIN_LINES 3    /* lines a run needs to count */
#define MS_B64RUN_BLOCKS    16   /* runs kept per part; later ones are not */

typedef struct ms_b64run_block {
    size_t off, len; /* decoded bytes in ms_b64run.buf.p */
    bool truncated;  /* over the size cap: the first bytes are kept */
} ms_b64run_block;

typedef struct ms_b64run {
    char line[MS_B64RUN_LINE_MAX]; /* the current line */
    size_t llen;
    bool skip;       /* the current line is too long: not base64 */
    unsigned nlines; /* lines in the current run */
    size_t width;    /* length of the run's first line */
    bool closed;     /* the run's last line was short or padded */
    ms_b64 dec;
    ms_capbuf buf; /* decoded bytes of all runs, up to the cap */
    ms_b64run_block blocks[MS_B64RUN_BLOCKS];
    unsigned nblocks;
} ms_b64run;

void ms_b64run_init(ms_b64run *r, size_t max);
void ms_b64run_free(ms_b64run *r);

/* Start of a part: no line, no run, no blocks (the buffer is kept). */
void ms_b64run_reset(ms_b64run *r);

/* Text of the part, any chunking. */
void ms_b64run_feed(ms_b64run *r, const char *p, size_t n);

/* End of the part: then blocks[0..nblocks) hold the runs decoded. */
void ms_b64run_finish(ms_b64run *r);

#endif
