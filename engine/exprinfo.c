/*
 * exprinfo.c - Hyperscan's information on expressions, remembered across
 * starts
 *
 * Loading the rules asks Hyperscan for the widths of every `re:` entry of
 * every word list (to report a bad entry at its file:line and to know how
 * far a list reaches) and of every two-stage rule. Each answer costs a
 * parse of the expression: tens of microseconds, which a list of thousands
 * of entries turns into most of a start. With a cache directory the
 * answers are kept in DIR/exprinfo-v1.bin, keyed by a 128-bit hash of
 * Hyperscan's version, the flags and the expression, so an unchanged
 * expression is parsed once. The file is trusted as the compiled databases
 * beside it are (the directory is the user's own); a file of the wrong
 * size or version is ignored and rewritten.
 */
#include "exprinfo.h"
#include "limits.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "mailsift exprinfo 1\n"

typedef struct entry {
    uint64_t h[2]; /* h[0] == 0 && h[1] == 0: an empty slot */
    uint32_t min_width, max_width;
} entry;

struct ms_exprinfo {
    char path[4200];
    entry *slot;
    size_t cap, n; /* cap: a power of two, at most half full */
    bool dirty;
};

static void hash(const char *re, unsigned flags, uint64_t h[2])
{
    const char *v = hs_version();

    h[0] = 1469598103934665603ULL;
    h[1] = 0x84222325cbf29ce4ULL;
    ms_hash_mix(h, v, strlen(v) + 1);
    ms_hash_mix(h, &flags, sizeof flags);
    ms_hash_mix(h, re, strlen(re));
    if (h[0] == 0 && h[1] == 0)
        h[1] = 1;
}

static entry *find(ms_exprinfo *x, const uint64_t h[2])
{
    size_t i = (size_t)(h[0] ^ h[1]) & (x->cap - 1);
    while (x->slot[i].h[0] || x->slot[i].h[1]) {
        if (x->slot[i].h[0] == h[0] && x->slot[i].h[1] == h[1])
            return &x->slot[i];
        i = (i + 1) & (x->cap - 1);
    }
    return &x->slot[i];
}

/* Room for one more; false when the table is full or out of memory. */
static bool grow(ms_exprinfo *x)
{
    if ((x->n + 1) * 2 <= x->cap)
        return true;
    if (x->cap >= MS_EXPRINFO_MAX * 2)
        return false;
    ms_exprinfo old = *x;
    x->cap = old.cap ? old.cap * 2 : 1024;
    if (!(x->slot = ms_calloc(x->cap, sizeof *x->slot))) {
        *x = old;
        return false;
    }
    x->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slot[i].h[0] || old.slot[i].h[1]) {
            *find(x, old.slot[i].h) = old.slot[i];
            x->n++;
        }
    free(old.slot);
    return true;
}

static void load(ms_exprinfo *x)
{
    FILE *f = fopen(x->path, "rb");
    char magic[sizeof MAGIC - 1];
    struct stat st;
    entry e;

    if (!f)
        return;
    if (fstat(fileno(f), &st) == 0 && st.st_size >= (off_t)sizeof magic &&
        (st.st_size - (off_t)sizeof magic) % (off_t)sizeof e == 0 &&
        (size_t)(st.st_size - (off_t)sizeof magic) / sizeof e <= MS_EXPRINFO_MAX &&
        fread(magic, 1, sizeof magic, f) == sizeof magic &&
        memcmp(magic, MAGIC, sizeof magic) == 0) {
        while (fread(&e, sizeof e, 1, f) == 1 && (e.h[0] || e.h[1]) && grow(x)) {
            entry *s = find(x, e.h);
            if (!s->h[0] && !s->h[1])
                x->n++;
            *s = e;
        }
    }
    fclose(f);
}

ms_exprinfo *ms_exprinfo_open(const char *cache_dir)
{
    ms_exprinfo *x = ms_calloc(1, sizeof *x);

    if (!x || !grow(x)) {
        free(x);
        return NULL;
    }
    if (cache_dir && cache_dir[0]) {
        snprintf(x->path, sizeof x->path, "%s/exprinfo-v1.bin", cache_dir);
        load(x);
    }
    return x;
}

hs_error_t ms_exprinfo_get(ms_exprinfo *x, const char *re, unsigned flags, unsigned *min_width,
                           unsigned *max_width, hs_compile_error_t **cerr)
{
    uint64_t h[2];
    entry *s = NULL;

    *cerr = NULL;
    if (x) {
        hash(re, flags, h);
        s = find(x, h);
        if (s->h[0] || s->h[1]) {
            *min_width = s->min_width;
            *max_width = s->max_width;
            return HS_SUCCESS;
        }
    }
    hs_expr_info_t *info = NULL;
    hs_error_t rc = hs_expression_info(re, flags, &info, cerr);
    if (rc != HS_SUCCESS)
        return rc;
    *min_width = info->min_width;
    *max_width = info->max_width;
    free(info);
    if (x && grow(x)) {
        s = find(x, h); /* grow may have moved the slots */
        *s = (entry){{h[0], h[1]}, *min_width, *max_width};
        x->n++;
        x->dirty = true;
    }
    return HS_SUCCESS;
}

void ms_exprinfo_close(ms_exprinfo *x, bool save)
{
    char tmp[4300];
    FILE *f;

    if (!x)
        return;
    if (save && x->dirty && x->path[0]) {
        char *slash = strrchr(x->path, '/');
        *slash = '\0';
        bool dir = mkdir(x->path, 0700) == 0 || errno == EEXIST;
        *slash = '/';
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", x->path, (long)getpid());
        if (dir && (f = fopen(tmp, "wb"))) {
            bool ok = fwrite(MAGIC, 1, sizeof MAGIC - 1, f) == sizeof MAGIC - 1;
            for (size_t i = 0; ok && i < x->cap; i++)
                if (x->slot[i].h[0] || x->slot[i].h[1])
                    ok = fwrite(&x->slot[i], sizeof x->slot[i], 1, f) == 1;
            ok &= fclose(f) == 0;
            if (!ok || rename(tmp, x->path) != 0)
                unlink(tmp);
        }
    }
    free(x->slot);
    free(x);
}
