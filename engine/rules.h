/*
 * rules.h - load rulesets (rulesets/NAME.yaml) into the engine (engine/rules.c)
 */
#ifndef MS_RULES_H
#define MS_RULES_H

#include "engine.h"
#include "yamldoc.h"

#include <stdbool.h>

/* Load every *.yaml in dir (sorted by name) into eng. Every error is
 * passed to fn (with file:line); the first is kept in *first and *nerrors
 * counts them. Returns false when any was found. */
bool ms_rules_load_dir(ms_engine *eng, const char *dir, ms_error_fn fn, void *ctx, ms_error *first,
                       unsigned *nerrors);

/* Read a `levels: {low: ACTION, high: ..., bulk: ...}` mapping into
 * category idx (ruleset and site config use the same syntax). */
void ms_category_levels(ms_engine *eng, ms_yaml *y, yaml_node_t *n, int idx);

#endif
