/*
 * yara_rules.h - the site's YARA rules (rulesets/NAME.yar) over attachments
 * (engine/yara_rules.c)
 */
#ifndef MS_YARA_RULES_H
#define MS_YARA_RULES_H

#include "attach.h"

#include <stdbool.h>
#include <stddef.h>

struct ms_engine;

/* Compile every *.yar of dir into eng (sorted by name), or load them from
 * cache_dir (NULL: none) as compiled before; errors through fn with
 * file:line. Returns false when any was found. */
bool ms_yara_compile(struct ms_engine *eng, const char *dir, const char *cache_dir, ms_error_fn fn,
                     void *ctx, ms_error *first, unsigned *nerrors);
void ms_yara_free(struct ms_engine *eng);

/* Per-scan scanner: create (NULL when the engine has no rules), scan,
 * destroy. A rule that matches o is a finding of its category. */
void *ms_yara_scanner_create(const struct ms_engine *eng);
void ms_yara_scanner_destroy(void *scanner);
void ms_yara_scan(ms_attach *a, void *scanner, const ms_attach_obj *o);

#endif
