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
#include "config.h"
#include "engine.h"
#include "rules.h"
#include "util.h"
#include "yamldoc.h"

#include <mailsift/sweep.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* attachments: limits of the attachment layer (limits.h) and the
 * type lists; a list given replaces the built-in one. */
static bool load_str_list(ms_yaml *y, yaml_node_t *n, const char *key, char ***out, unsigned *nout)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        ms_yaml_error(y, n, MS_ERR_CONFIG, "attachments.%s: expected a list of strings", key);
        return false;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    char **list = ms_calloc(cnt ? cnt : 1, sizeof *list);
    unsigned k = 0;
    if (!list) {
        ms_yaml_error(y, n, MS_ERR_NOMEM, "attachments.%s: out of memory", key);
        return false;
    }
    MS_YAML_FOREACH_ITEM(n, it)
    {
        const char *s = NULL;
        yaml_node_t *item = ms_yaml_node(y, *it);
        if (!ms_yaml_get_str(y, item, key, &s))
            break;
        if (!(list[k] = ms_strdup(s))) {
            ms_yaml_error(y, item, MS_ERR_NOMEM, "attachments.%s: out of memory", key);
            break;
        }
        for (char *c = list[k]; *c; c++)
            *c = (char)ms_lower((unsigned char)*c);
        k++;
    }
    if (k != cnt) {
        for (unsigned i = 0; i < k; i++)
            free(list[i]);
        free(list);
        return false;
    }
    for (unsigned i = 0; i < *nout; i++)
        free((*out)[i]);
    free(*out);
    *out = list;
    *nout = k;
    return true;
}

static void load_attachments(ms_engine *eng, ms_yaml *y, yaml_node_t *n)
{
    static const char *const keys[] = {
        "max_bytes", "archive_members", "archive_bytes",   "archive_ratio",     "archive_depth",
        "time_ms",   "pdf_pages",       "dangerous_types", "script_extensions", NULL};
    ms_attach_limits *l = &eng->attach.limits;
    yaml_node_t *v;
    long x;

    if (!ms_yaml_check_map(y, n, "attachments", keys))
        return;
    if ((v = ms_yaml_get(y, n, "max_bytes")) &&
        ms_yaml_get_long(y, v, "attachments.max_bytes", 1, MS_ATTACH_MAX_BYTES_MAX, &x))
        l->max_bytes = (size_t)x;
    if ((v = ms_yaml_get(y, n, "archive_members")) &&
        ms_yaml_get_long(y, v, "attachments.archive_members", 1, 10000000, &x))
        l->members = (unsigned)x;
    if ((v = ms_yaml_get(y, n, "archive_bytes")) &&
        ms_yaml_get_long(y, v, "attachments.archive_bytes", 1, 1L << 40, &x))
        l->archive_bytes = (uint64_t)x;
    if ((v = ms_yaml_get(y, n, "archive_ratio")) &&
        ms_yaml_get_long(y, v, "attachments.archive_ratio", 1, 1000000, &x))
        l->ratio = (unsigned)x;
    if ((v = ms_yaml_get(y, n, "archive_depth")) &&
        ms_yaml_get_long(y, v, "attachments.archive_depth", 0, MS_ATTACH_DEPTH_MAX, &x))
        l->depth = (unsigned)x;
    if ((v = ms_yaml_get(y, n, "time_ms")) &&
        ms_yaml_get_long(y, v, "attachments.time_ms", 0, 3600000, &x))
        l->time_ms = (unsigned)x;
    if ((v = ms_yaml_get(y, n, "pdf_pages")) &&
        ms_yaml_get_long(y, v, "attachments.pdf_pages", 1, 10000000, &x))
        l->pdf_pages = (unsigned)x;
    if ((v = ms_yaml_get(y, n, "dangerous_types")))
        load_str_list(y, v, "dangerous_types", &eng->attach.dangerous_types,
                      &eng->attach.ndangerous_types);
    if ((v = ms_yaml_get(y, n, "script_extensions")))
        load_str_list(y, v, "script_extensions", &eng->attach.script_exts,
                      &eng->attach.nscript_exts);
}

/* sweep: folder and mailbox limits of `mailsift sweep` (mailsift/sweep.h).
 * Not kept in the engine: scanning does not use them. */
static void default_sweep_limits(ms_sweep_limits *l)
{
    static const struct {
        const char *name;
        uint64_t items;
    } named[] = {{"inbox", 20000},   {"sent", 20000},    {"deleted", 20000},
                 {"calendar", 5000}, {"contacts", 5000}, {NULL, 0}};

    memset(l, 0, sizeof *l);
    l->folder_items = 10000;
    l->mailbox_bytes = 2ULL * 1024 * 1024 * 1024;
    for (unsigned i = 0; named[i].name; i++) {
        snprintf(l->named[i].name, sizeof l->named[i].name, "%s", named[i].name);
        l->named[i].items = named[i].items;
        l->nnamed++;
    }
}

static void load_sweep(ms_yaml *y, yaml_node_t *n, ms_sweep_limits *l)
{
    static const char *const keys[] = {"folder_items", "folders", "mailbox_bytes", NULL};
    yaml_node_t *v;
    long x;

    if (!ms_yaml_check_map(y, n, "sweep", keys))
        return;
    if ((v = ms_yaml_get(y, n, "folder_items")) &&
        ms_yaml_get_long(y, v, "sweep.folder_items", 1, 1L << 40, &x))
        l->folder_items = (uint64_t)x;
    if ((v = ms_yaml_get(y, n, "mailbox_bytes")) &&
        ms_yaml_get_long(y, v, "sweep.mailbox_bytes", 1, 1L << 50, &x))
        l->mailbox_bytes = (uint64_t)x;
    if (!(v = ms_yaml_get(y, n, "folders")))
        return;
    if (v->type != YAML_MAPPING_NODE) {
        ms_yaml_error(y, v, MS_ERR_CONFIG, "sweep.folders: expected a mapping of name: items");
        return;
    }
    MS_YAML_FOREACH_PAIR(v, p)
    {
        yaml_node_t *k = ms_yaml_node(y, p->key);
        const char *name = ms_yaml_str(k);
        unsigned i;

        if (!name || !name[0] || strlen(name) >= sizeof l->named[0].name) {
            ms_yaml_error(y, k, MS_ERR_CONFIG, "sweep.folders: a folder name of 1 to 63 bytes");
            continue;
        }
        if (!ms_yaml_get_long(y, ms_yaml_node(y, p->value), "sweep.folders", 1, 1L << 40, &x))
            continue;
        for (i = 0; i < l->nnamed && strcasecmp(l->named[i].name, name) != 0; i++)
            ;
        if (i == MS_SWEEP_FOLDER_NAMES_MAX) {
            ms_yaml_error(y, k, MS_ERR_CONFIG, "sweep.folders: more than %d names",
                          MS_SWEEP_FOLDER_NAMES_MAX);
            return;
        }
        snprintf(l->named[i].name, sizeof l->named[i].name, "%s", name);
        for (char *c = l->named[i].name; *c; c++)
            *c = (char)ms_lower((unsigned char)*c);
        l->named[i].items = (uint64_t)x;
        if (i == l->nnamed)
            l->nnamed++;
    }
}

int ms_sweep_limits_load(const char *config_path, ms_sweep_limits *out, ms_error_fn on_error,
                         void *on_error_ctx, ms_error *err)
{
    ms_yaml y = {0};
    yaml_node_t *root, *v;

    default_sweep_limits(out);
    if (!config_path)
        return MS_OK;
    y.on_error = on_error;
    y.on_error_ctx = on_error_ctx;
    if (ms_yaml_load(&y, config_path) && (root = ms_yaml_root(&y)) &&
        root->type == YAML_MAPPING_NODE && (v = ms_yaml_get(&y, root, "sweep")))
        load_sweep(&y, v, out);
    ms_yaml_free(&y);
    if (y.errors) {
        if (err)
            *err = y.first;
        return y.first.code ? y.first.code : MS_ERR_CONFIG;
    }
    return MS_OK;
}

uint64_t ms_sweep_folder_items(const ms_sweep_limits *l, const char *name)
{
    const char *last = name;
    char low[64];
    size_t n;

    /* "INBOX", ".Sent", ".Archive.2019" (Maildir++), "Mail/Sent Items" */
    for (const char *p = name; *p; p++)
        if ((*p == '/' || *p == '.') && p[1])
            last = p + 1;
    for (n = 0; last[n] && n + 1 < sizeof low; n++)
        low[n] = (char)ms_lower((unsigned char)last[n]);
    low[n] = 0;
    for (unsigned i = 0; i < l->nnamed; i++) {
        size_t k = strlen(l->named[i].name);
        if (strncmp(low, l->named[i].name, k) == 0 && (low[k] == 0 || low[k] == ' '))
            return l->named[i].items;
    }
    return l->folder_items;
}

bool ms_config_load(ms_engine *eng, const char *path, ms_error_fn fn, void *ctx, ms_error *first,
                    unsigned *nerrors)
{
    static const char *const keys[] = {"limits", "categories", "internal_domains",
                                       "policy", "milter",     "attachments",
                                       "sweep",  NULL};
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
            ms_policy_config_load(eng, &y, root);
            if ((v = ms_yaml_get(&y, root, "attachments")))
                load_attachments(eng, &y, v);
            if ((v = ms_yaml_get(&y, root, "sweep"))) {
                ms_sweep_limits sl;
                default_sweep_limits(&sl);
                load_sweep(&y, v, &sl); /* checked here; used by `mailsift sweep` */
            }
        }
    }
    ms_yaml_free(&y);
    if (y.errors && *nerrors == 0)
        *first = y.first;
    *nerrors += y.errors;
    return y.errors == 0;
}
