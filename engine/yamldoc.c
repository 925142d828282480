/*
 * yamldoc.c - load a YAML file and read it with file:line diagnostics
 *
 * Config and rule errors must read like a compiler's
 * ("rulesets/pci.yaml:14: rule pci.pan: unknown validator"), and the
 * loaders carry on after an error so one run lists them all; the helpers
 * here report through ms_yaml.on_error and count.
 */
#include "yamldoc.h"
#include "limits.h"
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

static void report_syntax(ms_yaml *y, const yaml_parser_t *parser)
{
    char msg[256];

    snprintf(msg, sizeof msg, "YAML syntax: %s%s%s", parser->problem ? parser->problem : "error",
             parser->context ? " " : "", parser->context ? parser->context : "");
    report(y, (unsigned)parser->problem_mark.line + 1, MS_ERR_CONFIG, msg);
}

/* read_all - the whole file (at most MS_YAML_BYTES_MAX bytes), malloc'd;
 * read once so that both passes of ms_yaml_load() see the same bytes, and
 * a pipe works as well as a file */
static char *read_all(ms_yaml *y, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 8192, n = 0, got;
    char *buf, msg[256] = "";

    if (!f) {
        snprintf(msg, sizeof msg, "cannot open: %s", strerror(errno));
        report(y, 0, MS_ERR_IO, msg);
        return NULL;
    }
    buf = ms_malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        if ((n += got) < cap)
            continue;
        if (cap >= MS_YAML_BYTES_MAX) {
            snprintf(msg, sizeof msg, "larger than %d MiB: not a configuration or ruleset file",
                     MS_YAML_BYTES_MAX >> 20);
            break;
        }
        char *nb = ms_realloc(buf, cap *= 2);
        if (!nb)
            free(buf);
        buf = nb;
    }
    if (!buf)
        snprintf(msg, sizeof msg, "out of memory");
    else if (!msg[0] && ferror(f))
        snprintf(msg, sizeof msg, "cannot read: %s", strerror(errno));
    fclose(f);
    if (msg[0]) {
        report(y, 0, msg[0] == 'o' ? MS_ERR_NOMEM : MS_ERR_IO, msg);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* check_depth - pass 1 over the events: a syntax error, or a list or
 * mapping nested deeper than MS_YAML_DEPTH_MAX, is reported and stops the
 * load before libyaml's composer (and quadratic scanner) get far */
static bool check_depth(ms_yaml *y, const char *buf, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    unsigned depth = 0;
    bool ok = true, end = false;

    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    while (ok && !end) {
        if (!yaml_parser_parse(&parser, &ev)) {
            report_syntax(y, &parser);
            ok = false;
            break;
        }
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            if (++depth > MS_YAML_DEPTH_MAX) {
                char msg[256];
                snprintf(msg, sizeof msg, "lists and mappings nested more than %d deep",
                         MS_YAML_DEPTH_MAX);
                report(y, (unsigned)ev.start_mark.line + 1, MS_ERR_CONFIG, msg);
                ok = false;
            }
        } else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return ok;
}

/* printable - key text for a message: at most size-1 bytes, control
 * bytes as '?', "..." when cut */
static void printable(char *out, size_t size, const yaml_node_t *key)
{
    size_t n = key->data.scalar.length, i;

    for (i = 0; i < n && i + 1 < size; i++) {
        unsigned char c = key->data.scalar.value[i];
        out[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    out[i] = 0;
    if (i < n && size > 4)
        memcpy(out + size - 4, "...", 4);
}

/* A scalar key of a mapping, and the key it repeats (NULL: none). */
typedef struct key_ref {
    const yaml_node_t *key, *first;
    size_t pair;
} key_ref;

static int cmp_text(const yaml_node_t *x, const yaml_node_t *y)
{
    size_t lx = x->data.scalar.length, ly = y->data.scalar.length;
    int c = memcmp(x->data.scalar.value, y->data.scalar.value, lx < ly ? lx : ly);

    return c ? c : lx < ly ? -1 : lx > ly;
}

/* by text, then by place in the mapping: the first of equal keys leads */
static int cmp_key_text(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = cmp_text(x->key, y->key);

    return c ? c : x->pair < y->pair ? -1 : x->pair > y->pair;
}

static int cmp_key_place(const void *a, const void *b)
{
    size_t x = ((const key_ref *)a)->key->start_mark.index;
    size_t y = ((const key_ref *)b)->key->start_mark.index;
    return x < y ? -1 : x > y;
}

/* find_repeats - the scalar keys of mapping n that repeat an earlier key,
 * appended to dups (room for every pair of n); sorting keeps it
 * O(n log n) for a hostile mapping of many keys */
static size_t find_repeats(ms_yaml *y, const yaml_node_t *n, key_ref *refs, key_ref *dups)
{
    size_t k = 0, d = 0;

    MS_YAML_FOREACH_PAIR(n, p)
    {
        const yaml_node_t *key = ms_yaml_node(y, p->key);
        if (key && key->type == YAML_SCALAR_NODE)
            refs[k++] = (key_ref){key, NULL, (size_t)(p - n->data.mapping.pairs.start)};
    }
    qsort(refs, k, sizeof *refs, cmp_key_text);
    for (size_t i = 1, head = 0; i < k; i++) {
        if (cmp_text(refs[head].key, refs[i].key) != 0)
            head = i;
        else
            dups[d++] = (key_ref){refs[i].key, refs[head].key, refs[i].pair};
    }
    return d;
}

/* check_duplicates - report every key a mapping already holds, at any
 * level, in file order. libyaml keeps both and ms_yaml_get() would take
 * the first: a second `milter:` section would be ignored without a word. */
static void check_duplicates(ms_yaml *y)
{
    size_t most = 0, all = 0, ndups = 0;
    key_ref *refs, *dups;

    for (yaml_node_t *n = y->doc.nodes.start; n < y->doc.nodes.top; n++)
        if (n->type == YAML_MAPPING_NODE) {
            size_t k = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
            most = k > most ? k : most;
            all += k;
        }
    if (most < 2)
        return;
    refs = ms_malloc(most * sizeof *refs);
    dups = ms_malloc(all * sizeof *dups);
    if (!refs || !dups) {
        report(y, 0, MS_ERR_NOMEM, "out of memory");
        free(refs);
        free(dups);
        return;
    }
    for (yaml_node_t *n = y->doc.nodes.start; n < y->doc.nodes.top; n++)
        if (n->type == YAML_MAPPING_NODE)
            ndups += find_repeats(y, n, refs, dups + ndups);
    qsort(dups, ndups, sizeof *dups, cmp_key_place);
    for (size_t i = 0; i < ndups; i++) {
        char key[64];
        printable(key, sizeof key, dups[i].key);
        ms_yaml_error(y, dups[i].key, MS_ERR_CONFIG, "duplicate key \"%s\" (first at line %u)", key,
                      ms_yaml_line(dups[i].first));
    }
    free(refs);
    free(dups);
}

bool ms_yaml_load(ms_yaml *y, const char *path)
{
    yaml_parser_t parser;
    size_t len;
    char *buf;
    bool ok;

    snprintf(y->path, sizeof y->path, "%s", path);
    y->loaded = false;
    if (!(buf = read_all(y, path, &len)))
        return false;
    if (!check_depth(y, buf, len)) {
        free(buf);
        return false;
    }
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    ok = yaml_parser_load(&parser, &y->doc);
    if (!ok)
        report_syntax(y, &parser);
    yaml_parser_delete(&parser);
    free(buf);
    if (!ok)
        return false;
    y->loaded = true;
    check_duplicates(y);
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
