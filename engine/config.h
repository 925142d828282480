/*
 * config.h - the site configuration, mailsift.yaml (engine/config.c, and
 * engine/policy_config.c for its policy and milter sections)
 */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

#include "engine.h"
#include "yamldoc.h"

#include <stdbool.h>

/* Apply mailsift.yaml (limits, attachments, categories, policy, milter) to
 * eng. Every error is passed to fn with file:line; the first is kept in
 * *first and *nerrors counts them. Returns false when any was found. */
bool ms_config_load(ms_engine *eng, const char *path, ms_error_fn fn, void *ctx, ms_error *first,
                    unsigned *nerrors);

/* The internal_domains, policy and milter sections of the document. */
void ms_policy_config_load(ms_engine *eng, ms_yaml *y, yaml_node_t *root);

#endif
