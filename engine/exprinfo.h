/*
 * exprinfo.h - Hyperscan's information on expressions, remembered across
 * starts beside the compiled-rules cache
 */
#ifndef MS_EXPRINFO_H
#define MS_EXPRINFO_H

#include <hs/hs.h>

#include <stdbool.h>

typedef struct ms_exprinfo ms_exprinfo;

/* A table of widths, read from DIR/exprinfo-v1.bin when cache_dir is set
 * and the file is there; NULL out of memory (callers then ask Hyperscan
 * every time: NULL is accepted by the functions below). */
ms_exprinfo *ms_exprinfo_open(const char *cache_dir);

/*
 * hs_expression_info() of (re, flags), its min_width and max_width only,
 * from the table when this expression was seen before (by this or an
 * earlier start), else from Hyperscan, and then kept. An expression
 * Hyperscan refuses is never kept: *cerr is its error, as Hyperscan's,
 * freed by the caller with hs_free_compile_error().
 */
hs_error_t ms_exprinfo_get(ms_exprinfo *x, const char *re, unsigned flags, unsigned *min_width,
                           unsigned *max_width, hs_compile_error_t **cerr);

/* Free the table; with save, write what was learned back to the cache
 * (atomically, only if there is something new). */
void ms_exprinfo_close(ms_exprinfo *x, bool save);

#endif
