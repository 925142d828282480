/*
 * yamldoc.c - load a YAML file and read it with file:line diagnostics
 *
 * Config and rule errors must read like a compiler's
 * ("rulesets/pci.yaml:14: rule pci.pan: unknown validator"), and the
 * loaders carry on after an error so one run lists them all; the helpers
 * here report through ms_yaml.on_error and count.
 */
#include "yamldoc.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(ms_yaml *y, unsigned line, int code, const char *msg)
{
    ms_error e;

    ms_error_set(&e, code, y->path, line, "%s", msg);
    if (y->errors++ == 0)
        y->first = e;
    if (y->on_error)
        y->on_error(y->on_error_ctx, &e);
}

bool ms_yaml_load(ms_yaml *y, const char *path)
{
    yaml_parser_t parser;
    FILE *f;
    char msg[256];

    snprintf(y->path, sizeof y->path, "%s", path);
    y->loaded = false;
    f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, sizeof msg, "cannot open: %s", strerror(errno));
        report(y, 0, MS_ERR_IO, msg);
        return false;
    }
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &y->doc)) {
        snprintf(msg, sizeof msg, "YAML syntax: %s%s%s", parser.problem ? parser.problem : "error",
                 parser.context ? " " : "", parser.context ? parser.context : "");
        report(y, (unsigned)parser.problem_mark.line + 1, MS_ERR_CONFIG, msg);
        yaml_parser_delete(&parser);
        fclose(f);
        return false;
    }
    yaml_parser_delete(&parser);
    fclose(f);
    y->loaded = true;
    return true;
}

void ms_yaml_free(ms_yaml *y)
{
    if (y->loaded)
        yaml_document_delete(&y->doc);
    y->loaded = false;
}

yaml_node_t *ms_yaml_root(ms_yaml *y)
{
    return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *ms_yaml_node(ms_yaml *y, int index)
{
    return yaml_document_get_node(&y->doc, index);
}

unsigned ms_yaml_line(const yaml_node_t *n)
{
    return n ? (unsigned)n->start_mark.line + 1 : 0;
}

void ms_yaml_error(ms_yaml *y, const yaml_node_t *n, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report(y, ms_yaml_line(n), code, msg);
}

const char *ms_yaml_str(const yaml_node_t *n)
{
    return (n && n->type == YAML_SCALAR_NODE) ? (const char *)n->data.scalar.value : NULL;
}

bool ms_yaml_get_str(ms_yaml *y, const yaml_node_t *n, const char *key, const char **out)
{
    const char *s = ms_yaml_str(n);
    if (!s) {
        ms_yaml_error(y, n, MS_ERR_CONFIG, "%s: expected a string", key);
        return false;
    }
    *out = s;
    return true;
}

bool ms_yaml_get_long(ms_yaml *y, const yaml_node_t *n, const char *key, long min, long max,
                      long *out)
{
    const char *s = ms_yaml_str(n);
    char *end;
    long v;

    if (!s || !*s) {
        ms_yaml_error(y, n, MS_ERR_CONFIG, "%s: expected a number", key);
        return false;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end) {
        ms_yaml_error(y, n, MS_ERR_CONFIG, "%s: \"%s\" is not a whole number", key, s);
        return false;
    }
    if (v < min || v > max) {
        ms_yaml_error(y, n, MS_ERR_CONFIG, "%s: %ld is out of range (%ld to %ld)", key, v, min,
                      max);
        return false;
    }
    *out = v;
    return true;
}

bool ms_yaml_get_bool(ms_yaml *y, const yaml_node_t *n, const char *key, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    const char *s = ms_yaml_str(n);

    for (unsigned i = 0; s && i < 3; i++) {
        if (strcmp(s, yes[i]) == 0)
            return *out = true;
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    ms_yaml_error(y, n, MS_ERR_CONFIG, "%s: expected true or false", key);
    return false;
}

bool ms_yaml_check_map(ms_yaml *y, const yaml_node_t *n, const char *what,
                       const char *const *allowed)
{
    if (!n || n->type != YAML_MAPPING_NODE) {
        ms_yaml_error(y, n, MS_ERR_CONFIG, "%s: expected a mapping of keys", what);
        return false;
    }
    MS_YAML_FOREACH_PAIR(n, p)
    {
        yaml_node_t *k = ms_yaml_node(y, p->key);
        const char *ks = ms_yaml_str(k);
        bool ok = false;

        for (unsigned i = 0; ks && allowed[i]; i++)
            ok |= strcmp(ks, allowed[i]) == 0;
        if (!ok) {
            char list[200] = "";
            for (unsigned i = 0; allowed[i]; i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, allowed[i], sizeof list - strlen(list) - 1);
            }
            ms_yaml_error(y, k, MS_ERR_CONFIG, "%s: unknown key \"%s\" (known: %s)", what,
                          ks ? ks : "?", list);
        }
    }
    return true;
}

yaml_node_t *ms_yaml_get(ms_yaml *y, const yaml_node_t *n, const char *key)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return NULL;
    MS_YAML_FOREACH_PAIR(n, p)
    {
        const char *ks = ms_yaml_str(ms_yaml_node(y, p->key));
        if (ks && strcmp(ks, key) == 0)
            return ms_yaml_node(y, p->value);
    }
    return NULL;
}
