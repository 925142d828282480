/*
 * checkpoint.c - save and restore the progress of a sweep
 *
 * A checkpoint is one JSON file, replaced atomically: written to FILE.tmp,
 * fsync'd, renamed over FILE, and the directory fsync'd. A kill at any
 * moment leaves either the old or the new checkpoint, never a mix.
 *
 *   {"mailsift_sweep_checkpoint": 1, "roots": [...], "complete": false,
 *    "runs": 1, "elapsed": 12.5,
 *    "output": {"dev": .., "ino": .., "bytes": ..},
 *    "prefix": {"count": 1200, "last": "store/.Sent/cur/123"},
 *    "done": ["paths done beyond the prefix", ...],
 *    "partial": [{"path": "big.mbox", "offset": 123456, "messages": 500}],
 *    "folders": [{"path": .., "stats": {...}}],
 *    "errors": [{"source": .., "error": ..}]}
 *
 * Files are listed in a fixed order, so the files done are a prefix of
 * the list plus a few beyond it; the prefix is saved as its length and its
 * last path, which is looked up again in the new listing.
 */
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *stats_save(const ms_sweep_stats *st)
{
    json_t *o = json_object(), *cats = json_array(), *worst = json_array();

    json_object_set_new(o, "n",
                        json_pack("[I,I,I,I,I,I,I,I,I]", (json_int_t)st->messages,
                                  (json_int_t)st->bytes, (json_int_t)st->flagged,
                                  (json_int_t)st->anomalous, (json_int_t)st->errors,
                                  (json_int_t)st->verdicts[0], (json_int_t)st->verdicts[1],
                                  (json_int_t)st->verdicts[2], (json_int_t)st->verdicts[3]));
    for (unsigned i = 0; i < st->ncats; i++)
        json_array_append_new(cats, json_pack("[s,I,I]", st->cats[i].name,
                                              (json_int_t)st->cats[i].messages,
                                              (json_int_t)st->cats[i].findings));
    for (unsigned i = 0; i < st->nworst; i++)
        json_array_append_new(worst, json_pack("[s,i,i,i,s]", st->worst[i].source,
                                               st->worst[i].verdict, st->worst[i].score,
                                               (int)st->worst[i].nfind, st->worst[i].categories));
    json_object_set_new(o, "cats", cats);
    json_object_set_new(o, "worst", worst);
    return o;
}

static bool stats_load(json_t *o, ms_sweep_stats *st)
{
    json_t *n = json_object_get(o, "n"), *v;
    size_t i;
    uint64_t *f[] = {&st->messages,    &st->bytes,       &st->flagged,
                     &st->anomalous,   &st->errors,      &st->verdicts[0],
                     &st->verdicts[1], &st->verdicts[2], &st->verdicts[3]};

    if (json_array_size(n) != 9)
        return false;
    for (i = 0; i < 9; i++)
        *f[i] += (uint64_t)json_integer_value(json_array_get(n, i));
    json_array_foreach(json_object_get(o, "cats"), i, v)
    {
        const char *name = json_string_value(json_array_get(v, 0));
        ms_sweep_cat *c = name ? ms_sweep_stats_cat(st, name) : NULL;
        if (!c)
            return false;
        c->messages += (uint64_t)json_integer_value(json_array_get(v, 1));
        c->findings += (uint64_t)json_integer_value(json_array_get(v, 2));
    }
    json_array_foreach(json_object_get(o, "worst"), i, v)
    {
        ms_sweep_worst w = {(char *)json_string_value(json_array_get(v, 0)),
                            (int)json_integer_value(json_array_get(v, 1)),
                            (int)json_integer_value(json_array_get(v, 2)),
                            (unsigned)json_integer_value(json_array_get(v, 3)),
                            (char *)json_string_value(json_array_get(v, 4))};
        if (!w.source)
            return false;
        ms_sweep_worst_offer(st, &w);
    }
    return true;
}

/* units_json - the units done beyond the prefix, and the mboxes part done */
static void units_json(const ms_sweep *sw, json_t *done, json_t *partial)
{
    for (size_t i = sw->prefix; i < sw->nunits; i++) {
        const ms_sweep_unit *u = &sw->units[i];
        if (u->done)
            json_array_append_new(done, json_string(u->path));
        else if (u->mbox_offset)
            json_array_append_new(partial, json_pack("{s:s, s:I, s:i}", "path", u->path, "offset",
                                                     (json_int_t)u->mbox_offset, "messages",
                                                     (int)u->mbox_done));
    }
}

/* checkpoint_json - the checkpoint as one line of JSON (malloc'd), or NULL */
static char *checkpoint_json(const ms_sweep *sw)
{
    json_t *o = json_object(), *roots = json_array(), *done = json_array(), *partial = json_array(),
           *folders = json_array(), *errs = json_array();

    for (unsigned i = 0; i < sw->nroots; i++)
        json_array_append_new(roots, json_string(sw->roots[i]));
    units_json(sw, done, partial);
    for (unsigned i = 0; i < sw->nfolders; i++)
        json_array_append_new(folders, json_pack("{s:s, s:o}", "path", sw->folders[i].path, "stats",
                                                 stats_save(&sw->folders[i].st)));
    for (unsigned i = 0; i < sw->nerrors; i++)
        if (!sw->errors[i].listing)
            json_array_append_new(errs, json_pack("{s:s, s:s}", "source", sw->errors[i].source,
                                                  "error", sw->errors[i].msg));
    json_object_set_new(o, "mailsift_sweep_checkpoint", json_integer(1));
    json_object_set_new(o, "roots", roots);
    json_object_set_new(o, "complete", json_boolean(sw->prefix == sw->nunits));
    json_object_set_new(o, "runs", json_integer(sw->runs));
    json_object_set_new(o, "elapsed", json_real(sw->elapsed));
    json_object_set_new(o, "output",
                        json_pack("{s:I, s:I, s:I}", "dev", (json_int_t)sw->out_dev, "ino",
                                  (json_int_t)sw->out_ino, "bytes", (json_int_t)sw->out_bytes));
    json_object_set_new(o, "prefix",
                        json_pack("{s:I, s:s}", "count", (json_int_t)sw->prefix, "last",
                                  sw->prefix ? sw->units[sw->prefix - 1].path : ""));
    json_object_set_new(o, "done", done);
    json_object_set_new(o, "partial", partial);
    json_object_set_new(o, "folders", folders);
    json_object_set_new(o, "errors", errs);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

/* sync_dir - make a rename in path's directory durable */
static void sync_dir(const char *path)
{
    char dir[4200];
    const char *slash = strrchr(path, '/');

    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
}

/* replace - write text and a newline to path.tmp, fsync, rename it over
 * path; 0, or 2 with a message */
static int replace(const char *path, const char *text)
{
    char tmp[4200];
    int fd, e = 0;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = text ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (fd < 0 || (e = ms_cli_write_all(fd, text, strlen(text))) != 0 ||
        (e = ms_cli_write_all(fd, "\n", 1)) != 0 || fsync(fd) != 0) {
        fprintf(stderr, "mailsift: %s: cannot write the checkpoint: %s\n", tmp,
                strerror(e ? e : errno));
        if (fd >= 0)
            close(fd);
        return 2;
    }
    if (close(fd) != 0)
        return 2;
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "mailsift: %s: cannot write the checkpoint: %s\n", path, strerror(errno));
        return 2;
    }
    sync_dir(path);
    return 0;
}

int ms_sweep_checkpoint_save(const ms_sweep *sw, const char *path)
{
    char *text = checkpoint_json(sw);
    int rc = replace(path, text);

    free(text);
    return rc;
}

static const ms_sweep *sort_sw; /* for cmp_unit: qsort has no context argument */

static int cmp_unit(const void *a, const void *b)
{
    return strcmp(sort_sw->units[*(const size_t *)a].path, sort_sw->units[*(const size_t *)b].path);
}

static ms_sweep_unit *find_unit(ms_sweep *sw, const size_t *idx, const char *path)
{
    size_t lo = 0, hi = sw->nunits;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(sw->units[idx[mid]].path, path);
        if (c == 0)
            return &sw->units[idx[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* check_sweep - is o a checkpoint of a sweep of the same paths? NULL or why not */
static const char *check_sweep(const ms_sweep *sw, json_t *o)
{
    json_t *roots = json_object_get(o, "roots");

    if (json_integer_value(json_object_get(o, "mailsift_sweep_checkpoint")) != 1)
        return "not a sweep checkpoint (version 1)";
    if (json_array_size(roots) != sw->nroots)
        return "the checkpoint is of a sweep of other paths";
    for (size_t i = 0; i < sw->nroots; i++)
        if (!json_string_value(json_array_get(roots, i)) ||
            strcmp(json_string_value(json_array_get(roots, i)), sw->roots[i]) != 0)
            return "the checkpoint is of a sweep of other paths";
    return NULL;
}

/* mark_units - the prefix, the files done beyond it and the mboxes part
 * done, looked up by path in idx (the units sorted by path); NULL or why not */
static const char *mark_units(ms_sweep *sw, const size_t *idx, json_t *o)
{
    json_t *prefix = json_object_get(o, "prefix"), *v;
    const char *last = json_string_value(json_object_get(prefix, "last"));
    size_t i;

    if (json_integer_value(json_object_get(prefix, "count")) > 0 && last) {
        ms_sweep_unit *u = find_unit(sw, idx, last);
        if (!u)
            return "the store changed: the last file done is gone";
        for (ms_sweep_unit *p = sw->units; p <= u; p++)
            p->done = true;
    }
    json_array_foreach(json_object_get(o, "done"), i, v)
    {
        ms_sweep_unit *u = json_string_value(v) ? find_unit(sw, idx, json_string_value(v)) : NULL;
        if (u)
            u->done = true;
    }
    json_array_foreach(json_object_get(o, "partial"), i, v)
    {
        const char *p = json_string_value(json_object_get(v, "path"));
        ms_sweep_unit *u = p ? find_unit(sw, idx, p) : NULL;
        if (u && !u->done) {
            u->mbox_offset = (uint64_t)json_integer_value(json_object_get(v, "offset"));
            u->mbox_done = (unsigned)json_integer_value(json_object_get(v, "messages"));
        }
    }
    return NULL;
}

/* load_units - which units are done or part done; NULL or why not */
static const char *load_units(ms_sweep *sw, json_t *o)
{
    size_t *idx = malloc((sw->nunits ? sw->nunits : 1) * sizeof *idx);

    if (!idx)
        return "out of memory";
    for (size_t i = 0; i < sw->nunits; i++)
        idx[i] = i;
    sort_sw = sw;
    qsort(idx, sw->nunits, sizeof *idx, cmp_unit);
    const char *why = mark_units(sw, idx, o);
    free(idx);
    while (sw->prefix < sw->nunits && sw->units[sw->prefix].done)
        sw->prefix++;
    return why;
}

/* load_counts - the folders' counts and the errors of earlier runs; NULL
 * or why not */
static const char *load_counts(ms_sweep *sw, json_t *o)
{
    json_t *v;
    size_t i;

    json_array_foreach(json_object_get(o, "folders"), i, v)
    {
        const char *p = json_string_value(json_object_get(v, "path"));
        unsigned f;
        for (f = 0; p && f < sw->nfolders && strcmp(sw->folders[f].path, p) != 0; f++)
            ;
        if (!p || f == sw->nfolders)
            return "the store changed: a folder swept before is gone";
        if (!stats_load(json_object_get(v, "stats"), &sw->folders[f].st))
            return "damaged folder counts";
    }
    json_array_foreach(json_object_get(o, "errors"), i, v)
    {
        const char *s = json_string_value(json_object_get(v, "source"));
        const char *m = json_string_value(json_object_get(v, "error"));
        if (s && m)
            ms_sweep_add_error(sw, s, m, false);
    }
    return NULL;
}

/* load_run - runs, time spent and where stdout stood */
static void load_run(ms_sweep *sw, json_t *o)
{
    json_t *out = json_object_get(o, "output");

    sw->runs = (unsigned)json_integer_value(json_object_get(o, "runs"));
    sw->elapsed = json_real_value(json_object_get(o, "elapsed"));
    sw->out_dev = (uint64_t)json_integer_value(json_object_get(out, "dev"));
    sw->out_ino = (uint64_t)json_integer_value(json_object_get(out, "ino"));
    sw->out_bytes = (uint64_t)json_integer_value(json_object_get(out, "bytes"));
}

int ms_sweep_checkpoint_load(ms_sweep *sw, const char *path)
{
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    const char *why;

    if (!o) {
        fprintf(stderr, "mailsift: %s:%d: not a sweep checkpoint: %s\n", path, je.line, je.text);
        return 2;
    }
    why = check_sweep(sw, o);
    if (!why)
        why = load_units(sw, o);
    if (!why)
        why = load_counts(sw, o);
    if (!why)
        load_run(sw, o);
    else
        fprintf(stderr, "mailsift: %s: %s\n", path, why);
    json_decref(o);
    return why ? 2 : 0;
}
