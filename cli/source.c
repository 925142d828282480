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
 * What a path names: "-" is standard input; a FIFO or a device named as
 * an argument is read like a file (`mailsift scan /dev/stdin`), as a
 * message or an mbox. Found inside a directory, such an entry is reported,
 * not read: a FIFO without a writer would stop the walk. Symbolic links
 * are followed, and each directory is walked once per argument (by device
 * and inode): a link back into the tree (`cur/a -> .`) is reported as a
 * loop, a second link to a directory already walked as a repeat, and the
 * walk goes on. Listing for sweep refuses standard input and FIFOs: a
 * sweep lists before it reads, and reads each file twice.
 *
 * BUGS: mbox "Content-Length:" (mboxcl) framing is not used; a body line
 * "From " after an empty line that was not escaped starts a new message,
 * as every mbox reader does. Paths longer than PATH_MAX are reported, not
 * read.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
    const char *pend;  /* message lines not yet handed over, one after another */
    size_t npend;
} mbox_reader;

/* Hand over the pending lines: a message goes to the sink in runs of
 * lines, not line by line (a call per line cost more than the scan of
 * small messages). */
static void mbox_flush(mbox_reader *r)
{
    if (r->npend)
        r->sink->data(r->sink->ctx, r->pend, r->npend);
    r->npend = 0;
}

/* One line of the message; it joins the pending run when it follows it. */
static void mbox_data(mbox_reader *r, const char *p, size_t n)
{
    if (r->npend && r->pend + r->npend == p) {
        r->npend += n;
        return;
    }
    mbox_flush(r);
    r->pend = p;
    r->npend = n;
}

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
        mbox_flush(r);
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
            mbox_data(r, p + 1, n - 1);
        else
            mbox_data(r, p, n);
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
                mbox_flush(r); /* line[] is written again */
                r->llen = 0;
                if (r->in_msg)
                    mbox_data(r, buf, n);
                r->prev_empty = false;
            } else {
                memcpy(r->line + r->llen, buf, k);
                r->llen += k;
                if (nl) {
                    mbox_line(r, r->line, r->llen, r->line_off);
                    mbox_flush(r); /* line[] is written again */
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
    mbox_flush(r); /* the chunk is read into again */
}

/* read_mbox - messages of an mbox whose first have bytes (at file offset
 * start, where message done+1 begins) are in buf; the rest (unless eof)
 * is read from fd */
static unsigned read_mbox(int fd, const char *path, const ms_source_sink *sink, char *buf,
                          size_t have, uint64_t start, unsigned done, bool eof)
{
    mbox_reader r = {sink, path,  "", done,  false, true, malloc(MBOX_LINE_MAX),
                     0,    start, 0,  false, NULL,  0};
    ssize_t got = 0;
    unsigned errors = 0;

    if (!r.line) {
        sink->error(sink->ctx, path, "out of memory");
        return 1;
    }
    mbox_feed(&r, buf, have);
    while (!eof && !r.stop && ((got = read(fd, buf, CHUNK)) > 0 || (got < 0 && errno == EINTR)))
        if (got > 0)
            mbox_feed(&r, buf, (size_t)got);
    if (got < 0) {
        sink->error(sink->ctx, path, strerror(errno));
        errors++;
    }
    if (r.llen && !r.stop)
        mbox_line(&r, r.line, r.llen, r.line_off);
    mbox_flush(&r);
    if (r.in_msg)
        sink->end(sink->ctx);
    free(r.line);
    return errors;
}

/* read_full - fill buf from fd as far as it goes: a pipe hands over what
 * the writer wrote so far, and the mbox test needs the first 5 bytes.
 * *eof: the end of the file was seen (most messages fit in buf, so they
 * are read with one read() and the one that says there is no more). */
static ssize_t read_full(int fd, char *buf, size_t size, bool *eof)
{
    size_t n = 0;

    *eof = false;
    while (n < size) {
        ssize_t got = read(fd, buf + n, size - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return n ? (ssize_t)n : -1;
        if (got == 0) {
            *eof = true;
            break;
        }
        n += (size_t)got;
    }
    return (ssize_t)n;
}

/* read_message - the file (whose first got bytes are in buf; all of it
 * when eof) as one message */
static unsigned read_message(int fd, const char *path, const ms_source_sink *sink, char *buf,
                             ssize_t got, bool eof)
{
    sink->begin(sink->ctx, path);
    while (got > 0) {
        sink->data(sink->ctx, buf, (size_t)got);
        if (eof)
            break;
        while ((got = read(fd, buf, CHUNK)) < 0 && errno == EINTR)
            ;
    }
    if (got < 0) {
        /* a message we could not read whole is not reported as clean */
        sink->error(sink->ctx, path, strerror(errno));
        sink->end(sink->ctx);
        return 1;
    }
    sink->end(sink->ctx);
    return 0;
}

unsigned ms_source_read(const char *path, uint64_t mbox_offset, unsigned mbox_done,
                        const ms_source_sink *sink)
{
    bool is_stdin = strcmp(path, "-") == 0;
    char *buf = malloc(CHUNK);
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got;
    unsigned errors = 0;

    if (fd < 0 || !buf) {
        sink->error(sink->ctx, path, fd < 0 ? strerror(errno) : "out of memory");
        if (fd >= 0 && !is_stdin)
            close(fd);
        free(buf);
        return 1;
    }
    if (mbox_offset && lseek(fd, (off_t)mbox_offset, SEEK_SET) < 0) {
        sink->error(sink->ctx, path, strerror(errno));
        if (!is_stdin)
            close(fd);
        free(buf);
        return 1;
    }
    bool eof;
    got = read_full(fd, buf, CHUNK, &eof);
    if (mbox_offset && (got <= 0 || !is_from_line(buf, (size_t)got))) {
        /* the file changed since the offset was taken */
        sink->error(sink->ctx, path, "no mbox message starts at the resume offset");
        errors++;
    } else if (got > 0 && is_from_line(buf, (size_t)got)) {
        errors = read_mbox(fd, path, sink, buf, (size_t)got, mbox_offset, mbox_done, eof);
    } else if (got >= 0) {
        errors = read_message(fd, path, sink, buf, got, eof);
    } else {
        sink->error(sink->ctx, path, strerror(errno));
        errors++;
    }
    if (!is_stdin)
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

/* The directories a walk entered, by device and inode: each is followed
 * once, so `cur/a -> .` or a link back up ends instead of walking for
 * ever. Open addressing; a store of a million folders costs 24 MiB. */
typedef struct dir_id {
    uint64_t dev, ino;
    bool used;
} dir_id;

typedef struct dir_set {
    dir_id *slot;
    size_t cap, n; /* cap a power of 2, n < cap / 2 */
} dir_set;

static size_t dir_hash(uint64_t dev, uint64_t ino, size_t cap)
{
    uint64_t h = (ino ^ (dev * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;
    return (size_t)(h ^ (h >> 31)) & (cap - 1);
}

/* dir_set_add - 1: added, 0: there already, -1: out of memory */
static int dir_set_add(dir_set *s, uint64_t dev, uint64_t ino)
{
    if (2 * (s->n + 1) > s->cap) {
        dir_set bigger = {calloc(s->cap ? 2 * s->cap : 64, sizeof *bigger.slot),
                          s->cap ? 2 * s->cap : 64, 0};
        if (!bigger.slot)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i].used)
                dir_set_add(&bigger, s->slot[i].dev, s->slot[i].ino);
        free(s->slot);
        *s = bigger;
    }
    size_t i = dir_hash(dev, ino, s->cap);
    for (; s->slot[i].used; i = (i + 1) & (s->cap - 1))
        if (s->slot[i].dev == dev && s->slot[i].ino == ino)
            return 0;
    s->slot[i] = (dir_id){dev, ino, true};
    s->n++;
    return 1;
}

/* A directory being walked, and the one that holds it (the path there). */
typedef struct dir_frame {
    uint64_t dev, ino;
    const char *path;
    const struct dir_frame *up;
} dir_frame;

typedef struct walker {
    const ms_source_sink *sink;
    visit_fn visit;
    void *vctx;
    bool read_special; /* a FIFO or device named on the command line is read */
    dir_set seen;
} walker;

static unsigned walk(walker *w, const char *path, const dir_frame *up);

static unsigned report(walker *w, const char *path, const char *msg)
{
    w->sink->error(w->sink->ctx, path, msg);
    return 1;
}

/* child_path - path/name, malloc'd; NULL (reported) when too long */
static char *child_path(walker *w, const char *path, const char *name)
{
    size_t plen = strlen(path), nlen = strlen(name);
    char *child;

    while (plen > 1 && path[plen - 1] == '/')
        plen--;
    if (plen + 1 + nlen >= PATH_MAX) {
        report(w, path, "path too long: entries below not read");
        return NULL;
    }
    if (!(child = malloc(plen + nlen + 2))) {
        report(w, path, "out of memory");
        return NULL;
    }
    memcpy(child, path, plen);
    child[plen] = '/';
    memcpy(child + plen + 1, name, nlen + 1);
    return child;
}

/* Entries a walk leaves alone: Maildir tmp/ (deliveries in progress) and
 * the files IMAP servers keep beside cur/. */
static bool skipped(const char *dir, const char *name)
{
    return (strcmp(name, "tmp") == 0 || is_maildir_meta(name)) && has_cur(dir);
}

static unsigned walk_dir(walker *w, const char *path, const dir_frame *here)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    unsigned errors = 0;
    bool cut = false;

    if (!d)
        return report(w, path, strerror(errno));
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if ((cut = !nn))
                break;
            names = nn;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, cmp_names);
    if (cut)
        errors += report(w, path, "out of memory: some entries not read");
    for (size_t i = 0; i < n; i++) {
        char *child = NULL;
        if (!names[i])
            errors += report(w, path, "out of memory: an entry not read");
        else if (!skipped(path, names[i]) && !(child = child_path(w, path, names[i])))
            errors++; /* reported */
        else if (child)
            errors += walk(w, child, here);
        free(child);
        free(names[i]);
    }
    free(names);
    return errors;
}

/* enter_dir - walk a directory unless this walk has been there: a link
 * back to a directory being walked is a loop, to another one a repeat */
static unsigned enter_dir(walker *w, const char *path, const struct stat *st, const dir_frame *up)
{
    dir_frame here = {(uint64_t)st->st_dev, (uint64_t)st->st_ino, path, up};
    char msg[PATH_MAX + 64];
    int added = dir_set_add(&w->seen, here.dev, here.ino);

    if (added > 0)
        return walk_dir(w, path, &here);
    if (added < 0)
        return report(w, path, "out of memory");
    while (up && (up->dev != here.dev || up->ino != here.ino))
        up = up->up;
    if (up)
        snprintf(msg, sizeof msg, "directory loop: the same directory as %.*s; not followed",
                 PATH_MAX, up->path);
    else
        snprintf(msg, sizeof msg, "the same directory as one walked already; not followed");
    return report(w, path, msg);
}

static unsigned walk(walker *w, const char *path, const dir_frame *up)
{
    struct stat st;

    if (!up && strcmp(path, "-") == 0 && w->read_special)
        return w->visit(path, NULL, w->sink, w->vctx); /* standard input */
    if (stat(path, &st) != 0)
        return report(w, path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return enter_dir(w, path, &st, up);
    if (S_ISREG(st.st_mode) || (!up && w->read_special))
        return w->visit(path, &st, w->sink, w->vctx);
    /* a FIFO in a tree may never see a writer: never block the walk on one */
    return report(w, path,
                  up ? "not a regular file (a FIFO, device or socket): not read"
                     : "not a regular file or a directory: sweep lists stores (mailsift scan "
                       "reads a pipe or standard input)");
}

static unsigned walk_from(const char *path, const ms_source_sink *sink, visit_fn visit, void *vctx,
                          bool read_special)
{
    walker w = {sink, visit, vctx, read_special, {0}};
    unsigned errors;

    if (!read_special && strcmp(path, "-") == 0) {
        sink->error(sink->ctx, path, "standard input cannot be swept (mailsift scan - reads it)");
        return 1;
    }
    errors = walk(&w, path, NULL);
    free(w.seen.slot);
    return errors;
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
    return walk_from(path, sink, visit_read, NULL, true);
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
    return walk_from(path, sink, visit_list, &l, false);
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
