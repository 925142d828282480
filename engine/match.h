/*
 * match.h - compile every text rule into one Hyperscan streaming database
 * (engine/match.c)
 */
#ifndef MS_MATCH_H
#define MS_MATCH_H

#include "engine.h"

#include <stdbool.h>

/* Compile the rules of eng into eng->db (or load them from cache_dir when
 * a database of the same rules is there; NULL: no cache). Every error is
 * passed to fn with its rule's file:line; the first is kept in *first and
 * *nerrors counts them. Returns false when any was found. */
bool ms_match_compile(ms_engine *eng, const char *cache_dir, ms_error_fn fn, void *ctx,
                      ms_error *first, unsigned *nerrors);

/* For benchmarks: compile into *db only the stream expressions of the
 * two-stage rules (their anchors) or only those of the direct rules, to
 * show what each kind costs; *nrules counts the rules. HS_INVALID when
 * there are none. */
hs_error_t ms_match_compile_kind(const ms_engine *eng, bool two_stage, hs_database_t **db,
                                 unsigned *nrules);

#endif
