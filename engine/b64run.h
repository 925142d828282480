/*
 * b64run.h - base64 pasted into text: runs of base64 lines and long base64
 * tokens, decoded
 */
#ifndef MS_B64RUN_H
#define MS_B64RUN_H

#include "b64.h"
#include "limits.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

#define MS_B64RUN_LINE_MIN    40 /* a run of lines needs lines this wide */
#define MS_B64RUN_MIN_LINES   3  /* and this many of them */
#define MS_B64RUN_TOKEN_MIN   64 /* base64 this long counts on its own */
#define MS_B64RUN_PARTIAL_MIN 16 /* base64 ending a line after other text, to start a run */

typedef struct ms_b64run_block {
    size_t off, len; /* decoded bytes in ms_b64run.buf.p */
    bool truncated;  /* over the size cap: the first bytes are kept */
} ms_b64run_block;

typedef struct ms_b64run {
    /* the open token: base64 characters seen last, maybe continued next */
    char tok[MS_B64RUN_LINE_MAX];
    size_t tlen;    /* its characters (also those decoded while streaming) */
    unsigned npad;  /* the '=' it ends in */
    bool open;      /* a token may go on with the next byte */
    bool tok_first; /* it began its line */
    bool streaming; /* longer than MS_B64RUN_LINE_MAX: decoded as it comes */
    bool dropped;   /* streaming, but no block was free */
    bool cr;        /* a '\r' ended the last chunk: held until the next byte */
    char lead;      /* the byte before the open token ('\n' at a line's start) */
    char prev;      /* the last byte of the line seen so far */
    /* the run of lines under way (nlines 0: none) */
    unsigned nlines;
    size_t width;   /* width of its full lines (0: not known yet) */
    size_t chars;   /* base64 characters in it */
    bool closed;    /* its last line was short or padded */
    bool lead_ok;   /* its first line does not look like a URL or path */
    bool blockless; /* it began when every block was used: not decoded */
    unsigned kinds; /* KIND_* of its characters (b64run.c) */
    size_t slashes; /* its '/' */
    ms_b64 dec;
    ms_capbuf buf; /* decoded bytes of all runs, up to the cap */
    ms_b64run_block blocks[MS_B64RUN_BLOCKS];
    unsigned nblocks;
    bool over; /* a piece that counts came after MS_B64RUN_BLOCKS: not read */
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
