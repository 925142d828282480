/*
 * corpus.c - the benchmark's inputs, held in memory before timing starts
 *
 * An input set is a file or a directory tree of messages, read whole so
 * that no file system time is measured. Directories are walked in name
 * order, skipping Maildir tmp/ (deliveries in progress), as `mailsift scan`
 * does. A file whose first line starts with "From " is an mbox (RFC 4155):
 * a line "From " at the start or after an empty line begins a message and
 * is not part of it. Every message gets its own allocation so that a
 * decoder reading past a message's end trips a memory checker.
 *
 * The collected text of a set (bench_text) is what the rules see, one
 * segment per text part, gathered through the scan's MS_TAP_TEXT tap.
 *
 * BUGS: ">From " lines of an mbox are not unescaped (mailsift scan removes
 * one '>'); symbolic links are followed; a file that vanishes while the set
 * loads is counted as unreadable and skipped.
 */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "ms_bench: out of memory\n");
        exit(2);
    }
    return q;
}

static void add_msg(bench_set *set, const char *path, unsigned nth, const char *p, size_t n)
{
    char source[4200];

    if (set->nmsgs == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 256;
        set->msgs = xrealloc(set->msgs, set->cap * sizeof *set->msgs);
    }
    bench_msg *m = &set->msgs[set->nmsgs++];
    m->data = xrealloc(NULL, n);
    memcpy(m->data, p, n);
    m->len = n;
    set->bytes += n;
    if (nth)
        snprintf(source, sizeof source, "%s:%u", path, nth);
    else
        snprintf(source, sizeof source, "%s", path);
    m->source = strdup(source);
}

static bool is_from_line(const char *p, size_t n)
{
    return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* Split an mbox into messages; the "From " lines are dropped. */
static void add_mbox(bench_set *set, const char *path, const char *p, size_t n)
{
    unsigned nth = 0;
    size_t start = 0, i = 0;
    bool prev_empty = true, in_msg = false;

    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) + 1 : n;
        if (prev_empty && is_from_line(p + i, end - i)) {
            if (in_msg)
                add_msg(set, path, ++nth, p + start, i - start);
            start = end;
            in_msg = true;
        }
        prev_empty = end - i == 1 || (end - i == 2 && p[i] == '\r');
        i = end;
    }
    if (in_msg)
        add_msg(set, path, ++nth, p + start, n - start);
}

static int load_file(bench_set *set, const char *path, off_t size)
{
    FILE *f = fopen(path, "rb");
    char *buf = xrealloc(NULL, (size_t)size);
    size_t n = f ? fread(buf, 1, (size_t)size, f) : 0;

    if (!f || ferror(f) || n != (size_t)size) {
        fprintf(stderr, "ms_bench: %s: %s (skipped)\n", path, f ? "short read" : strerror(errno));
        set->unreadable++;
    } else {
        set->files++;
        if (is_from_line(buf, n))
            add_mbox(set, path, buf, n);
        else
            add_msg(set, path, 0, buf, n);
    }
    if (f)
        fclose(f);
    free(buf);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_path(bench_set *set, const char *path, bool top);

static int load_dir(bench_set *set, const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL, sub[4096];
    size_t n = 0, cap = 0;

    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (names[i] && snprintf(sub, sizeof sub, "%s/%s", path, names[i]) < (int)sizeof sub)
            load_path(set, sub, false);
        free(names[i]);
    }
    free(names);
    return 0;
}

static int load_path(bench_set *set, const char *path, bool top)
{
    struct stat st;
    const char *base = strrchr(path, '/');

    if (stat(path, &st) != 0) {
        if (top)
            return -1;
        set->unreadable++;
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!top && strcmp(base ? base + 1 : path, "tmp") == 0)
            return 0;
        if (load_dir(set, path) != 0) {
            if (top)
                return -1;
            set->unreadable++;
        }
        return 0;
    }
    if (S_ISREG(st.st_mode))
        return load_file(set, path, st.st_size);
    return 0;
}

int bench_set_load(bench_set *set, const char *path)
{
    memset(set, 0, sizeof *set);
    set->name = path;
    return load_path(set, path, true);
}

void bench_set_free(bench_set *set)
{
    for (size_t i = 0; i < set->nmsgs; i++) {
        free(set->msgs[i].data);
        free(set->msgs[i].source);
    }
    free(set->msgs);
    memset(set, 0, sizeof *set);
}

/* ---- collected text ---------------------------------------------------- */

void bench_text_add(bench_text *t, const void *p, size_t n)
{
    if (!t->open) {
        if (t->nseg == t->segcap) {
            t->segcap = t->segcap ? t->segcap * 2 : 1024;
            t->seg = xrealloc(t->seg, t->segcap * sizeof *t->seg);
        }
        t->seg[t->nseg++] = t->len;
        t->open = true;
    }
    if (n > t->cap - t->len) {
        while (n > t->cap - t->len)
            t->cap = t->cap ? t->cap * 2 : 1 << 20;
        t->buf = xrealloc(t->buf, t->cap);
    }
    memcpy(t->buf + t->len, p, n);
    t->len += n;
}

void bench_text_close(bench_text *t)
{
    t->open = false;
}

void bench_text_free(bench_text *t)
{
    free(t->buf);
    free(t->seg);
    memset(t, 0, sizeof *t);
}
