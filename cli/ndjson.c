/*
 * ndjson.c - the NDJSON lines of `mailsift scan` and `mailsift sweep`
 *
 * One object per message (the `scan` output contract in docs/ARCHITECTURE.md):
 *   {"source":"a.eml","verdict":"reject","findings":[{"category":"pci",
 *    "rule":"pci.pan","part":"2","excerpt":"411111******1111","offset":12}]}
 * and {"source":...,"error":"..."} for a source that could not be scanned.
 * Non-ASCII is escaped, so a line is ASCII whatever a file name holds.
 *
 * Two writers: scan prints each line as it comes; a sweep worker gathers
 * the lines of a file (or of a stretch of an mbox) in a buffer and writes
 * them in one go when it commits, so that lines of different workers never
 * interleave within a line.
 *
 * BUGS: out of memory, a line is dropped (the counts and the exit status
 * still see the message).
 */
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *finding_json(const ms_finding *f)
{
    json_t *fo = json_object();

    json_object_set_new(fo, "category", json_string(f->category));
    json_object_set_new(fo, "rule", json_string(f->rule));
    json_object_set_new(fo, "part", json_string(f->part));
    if (f->content_type[0])
        json_object_set_new(fo, "content_type", json_string(f->content_type));
    if (f->filename[0])
        json_object_set_new(fo, "filename", json_string(f->filename));
    json_object_set_new(fo, "excerpt", json_string(f->excerpt));
    if (f->level[0])
        json_object_set_new(fo, "level", json_string(f->level));
    json_object_set_new(fo, "offset", json_integer((json_int_t)f->offset));
    if (f->count > 1)
        json_object_set_new(fo, "count", json_integer(f->count));
    return fo;
}

char *ms_cli_ndjson_result(const char *source, const ms_result *r)
{
    json_t *o = json_object(), *fs = json_array();

    json_object_set_new(o, "source", json_string(source));
    json_object_set_new(o, "verdict", json_string(ms_action_name(r->verdict)));
    for (size_t i = 0; i < r->nfindings; i++)
        json_array_append_new(fs, finding_json(&r->findings[i]));
    json_object_set_new(o, "findings", fs);
    if (r->anomalies) {
        json_t *an = json_array();
        for (unsigned b = 0; b < 32; b++)
            if ((r->anomalies & (1u << b)) && ms_anomaly_name(1u << b))
                json_array_append_new(an, json_string(ms_anomaly_name(1u << b)));
        json_object_set_new(o, "anomalies", an);
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    return s;
}

char *ms_cli_ndjson_error(const char *source, const char *msg)
{
    json_t *o = json_pack("{s:s, s:s}", "source", source, "error", msg);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    return s;
}

void ms_cli_ndjson_print(char *line)
{
    if (line)
        puts(line);
    free(line);
}

/* reserve - room for more bytes in b; false when out of memory */
static bool reserve(ms_cli_ndjson_buf *b, size_t more)
{
    if (b->len + more <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

void ms_cli_ndjson_add(ms_cli_ndjson_buf *b, char *line)
{
    size_t n = line ? strlen(line) : 0;

    if (line && reserve(b, n + 1)) { /* else the line is lost, the count is not */
        memcpy(b->p + b->len, line, n);
        b->p[b->len + n] = '\n';
        b->len += n + 1;
    }
    free(line);
}

void ms_cli_ndjson_fini(ms_cli_ndjson_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
