/*
 * config.c - the site configuration (mailsift.yaml), parsed with libyaml
 *
 *   limits:                # every key optional; defaults in limits.h
 *     line_length: 65536
 *     header_bytes: 1048576
 *     header_value: 65536
 *     parts: 10000
 *     depth: 32
 *     findings: 256
 *   categories:            # per-category policy; ruleset defaults otherwise
 *     pci: { action: reject, levels: { low: quarantine, high: reject, bulk: reject } }
 *     harassment: { action: quarantine }
 *
 * Every key has a default. An unknown key, a category no ruleset defines
 * or a bad value is an error naming file, line and key: a daemon must
 * refuse to start on a config it does not understand rather than run with
 * a policy the administrator did not write.
 */
#include "engine.h"
#include "util.h"
#include "yamldoc.h"

#include <string.h>

static void load_limits(ms_engine *eng, ms_yaml *y, yaml_node_t *n)
{
    static const char *const keys[] = {
        "line_length", "header_bytes", "header_value", "parts", "depth", "findings", NULL};
    ms_limits *l = &eng->limits;
    long v;

    if (!ms_yaml_check_map(y, n, "limits", keys))
        return;
    /* Floors keep the parser workable: a boundary line must fit a line. */
    if (ms_yaml_get(y, n, "line_length") &&
        ms_yaml_get_long(y, ms_yaml_get(y, n, "line_length"), "limits.line_length", 1024,
                         64L * 1024 * 1024, &v))
        l->line_length = (size_t)v;
    if (ms_yaml_get(y, n, "header_bytes") &&
        ms_yaml_get_long(y, ms_yaml_get(y, n, "header_bytes"), "limits.header_bytes", 1024,
                         1024L * 1024 * 1024, &v))
        l->header_bytes = (size_t)v;
    if (ms_yaml_get(y, n, "header_value") &&
        ms_yaml_get_long(y, ms_yaml_get(y, n, "header_value"), "limits.header_value", 256,
                         64L * 1024 * 1024, &v))
        l->header_value = (size_t)v;
    if (ms_yaml_get(y, n, "parts") &&
        ms_yaml_get_long(y, ms_yaml_get(y, n, "parts"), "limits.parts", 1, 10000000, &v))
        l->parts = (unsigned)v;
    if (ms_yaml_get(y, n, "depth") &&
        ms_yaml_get_long(y, ms_yaml_get(y, n, "depth"), "limits.depth", 1, MS_LIMIT_DEPTH_MAX, &v))
        l->depth = (unsigned)v;
    if (ms_yaml_get(y, n, "findings") &&
        ms_yaml_get_long(y, ms_yaml_get(y, n, "findings"), "limits.findings", 1,
                         MS_LIMIT_FINDINGS_MAX, &v))
        l->findings = (unsigned)v;
}

static void load_category_policy(ms_engine *eng, ms_yaml *y, yaml_node_t *key, yaml_node_t *n)
{
    static const char *const keys[] = {"action", "levels", NULL};
    const char *name = ms_yaml_str(key), *act;
    int ci = name ? ms_engine_category(eng, name) : -1;

    if (ci < 0) {
        ms_yaml_error(y, key, MS_ERR_CONFIG,
                      "categories: \"%s\" is not a category any ruleset defines",
                      name ? name : "?");
        return;
    }
    if (!ms_yaml_check_map(y, n, name, keys))
        return;
    yaml_node_t *v = ms_yaml_get(y, n, "action");
    if (v && ms_yaml_get_str(y, v, "action", &act) && !ms_action_parse(act, &eng->cats[ci].action))
        ms_yaml_error(y, v, MS_ERR_CONFIG,
                      "categories.%s.action: unknown action \"%s\" (known: accept, tag, "
                      "quarantine, reject)",
                      name, act);
    if ((v = ms_yaml_get(y, n, "levels")))
        ms_category_levels(eng, y, v, ci);
}

bool ms_config_load(ms_engine *eng, const char *path, ms_error_fn fn, void *ctx, ms_error *first,
                    unsigned *nerrors)
{
    static const char *const keys[] = {"limits", "categories", NULL};
    ms_yaml y = {0};
    yaml_node_t *root, *v;

    y.on_error = fn;
    y.on_error_ctx = ctx;
    if (ms_yaml_load(&y, path) && (root = ms_yaml_root(&y)) && root->type != YAML_NO_NODE) {
        if (ms_yaml_check_map(&y, root, "mailsift.yaml", keys)) {
            if ((v = ms_yaml_get(&y, root, "limits")))
                load_limits(eng, &y, v);
            if ((v = ms_yaml_get(&y, root, "categories"))) {
                if (v->type != YAML_MAPPING_NODE)
                    ms_yaml_error(&y, v, MS_ERR_CONFIG, "categories: expected a mapping");
                else
                    MS_YAML_FOREACH_PAIR(v, p)
                load_category_policy(eng, &y, ms_yaml_node(&y, p->key), ms_yaml_node(&y, p->value));
            }
        }
    }
    ms_yaml_free(&y);
    if (y.errors && *nerrors == 0)
        *first = y.first;
    *nerrors += y.errors;
    return y.errors == 0;
}
