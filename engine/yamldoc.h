/*
 * yamldoc.h - a YAML file loaded whole (libyaml's document API) with the
 * helpers the rule and config loaders share: line numbers counted from 1,
 * typed scalars, and mappings checked against the keys they may hold.
 */
#ifndef MS_YAMLDOC_H
#define MS_YAMLDOC_H

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <yaml.h>

typedef struct ms_yaml {
    yaml_document_t doc;
    bool loaded;
    char path[256];
    ms_error_fn on_error; /* every error reported through this (may be NULL) */
    void *on_error_ctx;
    ms_error first;  /* the first error */
    unsigned errors; /* how many */
} ms_yaml;

/*
 * Load path. A file that cannot be read, a syntax error or nesting past
 * MS_YAML_DEPTH_MAX is reported (file:line) and returns false. A key that
 * a mapping already holds, at any level, is reported with the line of the
 * first one, and the document is still returned (true) so that the
 * loaders list every other error as well; y->errors counts them all.
 */
bool ms_yaml_load(ms_yaml *y, const char *path);
void ms_yaml_free(ms_yaml *y);

yaml_node_t *ms_yaml_root(ms_yaml *y);
yaml_node_t *ms_yaml_node(ms_yaml *y, int index);

/* 1-based line of a node (libyaml counts from 0). */
unsigned ms_yaml_line(const yaml_node_t *n);

/* Report an error about node n (n may be NULL: no line). */
void ms_yaml_error(ms_yaml *y, const yaml_node_t *n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Scalar value or NULL. */
const char *ms_yaml_str(const yaml_node_t *n);

/* Typed scalars; on a wrong type report "key: expected ..." and return false. */
bool ms_yaml_get_str(ms_yaml *y, const yaml_node_t *n, const char *key, const char **out);
bool ms_yaml_get_long(ms_yaml *y, const yaml_node_t *n, const char *key, long min, long max,
                      long *out);
bool ms_yaml_get_bool(ms_yaml *y, const yaml_node_t *n, const char *key, bool *out);

/* A mapping whose keys must be among allowed (NULL-terminated list): report
 * every other key as unknown. Returns false if n is not a mapping. */
bool ms_yaml_check_map(ms_yaml *y, const yaml_node_t *n, const char *what,
                       const char *const *allowed);

/* Value of key in mapping n, or NULL. */
yaml_node_t *ms_yaml_get(ms_yaml *y, const yaml_node_t *n, const char *key);

#define MS_YAML_FOREACH_PAIR(n, p)                                                                 \
    for (yaml_node_pair_t *p = (n)->data.mapping.pairs.start; p < (n)->data.mapping.pairs.top; p++)
#define MS_YAML_FOREACH_ITEM(n, it)                                                                \
    for (yaml_node_item_t *it = (n)->data.sequence.items.start; it < (n)->data.sequence.items.top; \
         it++)

#endif
