/*
 * source.c - find messages: single files, mbox files, directory trees
 *
 * mbox (RFC 4155): a message starts at a line "From " at the start of the
 * file or after an empty line; the separator line is not part of the
 * message. Lines ">From ", ">>From ", ... had one '>' added when stored
 * (mboxrd; mboxo only escaped "From "), so one '>' is removed. Files are
 * streamed in fixed chunks, never loaded whole.
 *
 * Maildir: cur/ and new/ hold one message a file and are walked like any
 * directory; tmp/ holds deliveries in progress and is skipped.
 *
 * BUGS: mbox "Content-Length:" (mboxcl) framing is not used; a body line
 * "From " after an empty line that was not escaped starts a new message,
 * as every mbox reader does.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK         65536
#define MBOX_LINE_MAX 65536

typedef struct mbox_reader {
    const ms_source_sink *sink;
    const char *path;
    char source[4200];
    unsigned n; /* messages started */
    bool in_msg;
    bool prev_empty; /* the previous line was empty (or none yet) */
    char *line;      /* a line cut by the chunk end */
    size_t llen;
    uint64_t pos;      /* file offset of the next byte mbox_feed() takes */
    uint64_t line_off; /* file offset where the line in line[] starts */
    bool stop;         /* sink->boundary asked to stop */
} mbox_reader;

static bool is_from_line(const char *p, size_t n)
{
    return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* ">From ", ">>From ": mboxrd escaping, drop one '>'. */
static bool is_escaped_from(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == '>')
        i++;
    return i > 0 && is_from_line(p + i, n - i);
}

/* mbox_line - one whole line of the mbox, starting at file offset off */
static void mbox_line(mbox_reader *r, const char *p, size_t n, uint64_t off)
{
    size_t content = n;
    if (content && p[content - 1] == '\n')
        content--;
    if (content && p[content - 1] == '\r')
        content--;
    if (r->prev_empty && is_from_line(p, content)) {
        if (r->in_msg)
            r->sink->end(r->sink->ctx);
        r->in_msg = false;
        if (r->sink->boundary && r->sink->boundary(r->sink->ctx, off, r->n) != 0) {
            r->stop = true;
            return;
        }
        snprintf(r->source, sizeof r->source, "%s:%u", r->path, ++r->n);
        r->sink->begin(r->sink->ctx, r->source);
        r->in_msg = true;
        r->prev_empty = false;
        return;
    }
    if (r->in_msg) {
        if (is_escaped_from(p, content))
            r->sink->data(r->sink->ctx, p + 1, n - 1);
        else
            r->sink->data(r->sink->ctx, p, n);
    }
    r->prev_empty = content == 0;
}

static void mbox_feed(mbox_reader *r, const char *buf, size_t len)
{
    while (len && !r->stop) {
        const char *nl = memchr(buf, '\n', len);
        size_t n = nl ? (size_t)(nl - buf) + 1 : len;
        if (!nl || r->llen) {
            size_t k = n;
            if (r->llen == 0)
                r->line_off = r->pos;
            if (r->llen + k > MBOX_LINE_MAX) {
                /* a huge line cannot be a separator: pass it on */
                if (r->llen)
                    mbox_line(r, r->line, r->llen, r->line_off);
                r->llen = 0;
                if (r->in_msg)
                    r->sink->data(r->sink->ctx, buf, n);
                r->prev_empty = false;
            } else {
                memcpy(r->line + r->llen, buf, k);
                r->llen += k;
                if (nl) {
                    mbox_line(r, r->line, r->llen, r->line_off);
                    r->llen = 0;
                }
            }
        } else {
            mbox_line(r, buf, n, r->pos);
        }
        buf += n;
        len -= n;
        r->pos += n;
    }
}

/* read_mbox - messages of an mbox whose first have bytes (at file offset
 * start, where message done+1 begins) are in buf; the rest is read from fd */
static unsigned read_mbox(int fd, const char *path, const ms_source_sink *sink, char *buf,
                          size_t have, uint64_t start, unsigned done)
{
    mbox_reader r = {sink, path, "", done, false, true, malloc(MBOX_LINE_MAX), 0, start, 0, false};
    ssize_t got = 0;
    unsigned errors = 0;

    if (!r.line) {
        sink->error(sink->ctx, path, "out of memory");
        return 1;
    }
    mbox_feed(&r, buf, have);
    while (!r.stop && (got = read(fd, buf, CHUNK)) > 0)
        mbox_feed(&r, buf, (size_t)got);
    if (got < 0) {
        sink->error(sink->ctx, path, strerror(errno));
        errors++;
    }
    if (r.llen && !r.stop)
        mbox_line(&r, r.line, r.llen, r.line_off);
    if (r.in_msg)
        sink->end(sink->ctx);
    free(r.line);
    return errors;
}

unsigned ms_source_read(const char *path, uint64_t mbox_offset, unsigned mbox_done,
                        const ms_source_sink *sink)
{
    char *buf = malloc(CHUNK);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got;
    unsigned errors = 0;

    if (fd < 0 || !buf) {
        sink->error(sink->ctx, path, fd < 0 ? strerror(errno) : "out of memory");
        if (fd >= 0)
            close(fd);
        free(buf);
        return 1;
    }
    if (mbox_offset && lseek(fd, (off_t)mbox_offset, SEEK_SET) < 0) {
        sink->error(sink->ctx, path, strerror(errno));
        close(fd);
        free(buf);
        return 1;
    }
    got = read(fd, buf, CHUNK);
    if (mbox_offset && (got <= 0 || !is_from_line(buf, (size_t)got))) {
        /* the file changed since the offset was taken */
        sink->error(sink->ctx, path, "no mbox message starts at the resume offset");
        errors++;
    } else if (got > 0 && is_from_line(buf, (size_t)got)) {
        errors = read_mbox(fd, path, sink, buf, (size_t)got, mbox_offset, mbox_done);
    } else if (got >= 0) {
        sink->begin(sink->ctx, path);
        while (got > 0) {
            sink->data(sink->ctx, buf, (size_t)got);
            got = read(fd, buf, CHUNK);
        }
        if (got < 0) {
            /* a message we could not read whole is not reported as clean */
            sink->error(sink->ctx, path, strerror(errno));
            errors++;
        }
        sink->end(sink->ctx);
    } else {
        sink->error(sink->ctx, path, strerror(errno));
        errors++;
    }
    close(fd);
    free(buf);
    return errors;
}

/* Files IMAP servers keep beside cur/ new/ tmp/: not messages. */
static bool is_maildir_meta(const char *name)
{
    static const char *const prefixes[] = {"dovecot",       "courier",     "maildirfolder",
                                           "subscriptions", "maildirsize", NULL};
    for (unsigned i = 0; prefixes[i]; i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

static bool has_cur(const char *dir)
{
    char cur[4096];
    struct stat st;
    snprintf(cur, sizeof cur, "%s/cur", dir);
    return stat(cur, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What to do with each regular file a walk finds. */
typedef unsigned (*visit_fn)(const char *path, const struct stat *st, const ms_source_sink *sink,
                             void *vctx);

static unsigned walk(const char *path, const ms_source_sink *sink, visit_fn visit, void *vctx);

static unsigned walk_dir(const char *path, const ms_source_sink *sink, visit_fn visit, void *vctx)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    unsigned errors = 0;

    if (!d) {
        sink->error(sink->ctx, path, strerror(errno));
        return 1;
    }
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char child[4096];
        if (names[i] && is_maildir_meta(names[i]) && has_cur(path)) {
            free(names[i]);
            continue;
        }
        if (names[i] && strcmp(names[i], "tmp") == 0) {
            /* Maildir deliveries in progress, when cur/ is beside it */
            if (has_cur(path)) {
                free(names[i]);
                continue;
            }
        }
        if (names[i]) {
            size_t plen = strlen(path);
            while (plen > 1 && path[plen - 1] == '/')
                plen--;
            snprintf(child, sizeof child, "%.*s/%s", (int)plen, path, names[i]);
            errors += walk(child, sink, visit, vctx);
        }
        free(names[i]);
    }
    free(names);
    return errors;
}

static unsigned walk(const char *path, const ms_source_sink *sink, visit_fn visit, void *vctx)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        sink->error(sink->ctx, path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode))
        return walk_dir(path, sink, visit, vctx);
    if (!S_ISREG(st.st_mode))
        return 0;
    return visit(path, &st, sink, vctx);
}

static unsigned visit_read(const char *path, const struct stat *st, const ms_source_sink *sink,
                           void *vctx)
{
    (void)st;
    (void)vctx;
    return ms_source_read(path, 0, 0, sink);
}

unsigned ms_source_walk(const char *path, const ms_source_sink *sink)
{
    return walk(path, sink, visit_read, NULL);
}

typedef struct list_ctx {
    ms_source_file_fn fn;
    void *ctx;
} list_ctx;

static unsigned visit_list(const char *path, const struct stat *st, const ms_source_sink *sink,
                           void *vctx)
{
    list_ctx *l = vctx;
    (void)sink;
    l->fn(l->ctx, path, (uint64_t)st->st_size);
    return 0;
}

unsigned ms_source_list(const char *path, ms_source_file_fn fn, const ms_source_sink *sink)
{
    list_ctx l = {fn, sink->ctx};
    return walk(path, sink, visit_list, &l);
}

bool ms_source_is_mbox(const char *path)
{
    char head[5];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, head, sizeof head) : -1;
    if (fd >= 0)
        close(fd);
    return got == (ssize_t)sizeof head && is_from_line(head, sizeof head);
}

bool ms_source_is_maildir(const char *dir)
{
    return has_cur(dir);
}
