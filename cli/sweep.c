/*
 * sweep.c - `mailsift sweep`: scan whole mail stores on every core
 *
 *   mailsift sweep [--jobs N] [--report FILE] [--format json|txt|html]
 *                  [--resume CHECKPOINT] [--checkpoint-every SECONDS]
 *                  [--rules DIR] [--config FILE] PATH...
 *
 * Two phases. The listing phase walks every PATH as `mailsift scan` does
 * (same order, same Maildir rules) without reading messages, and groups the
 * files into folders and mailboxes:
 *
 *   Maildir       DIR/cur/x, DIR/new/x: folder DIR. A Maildir++ folder
 *                 (.Sent, .Archive.2019) belongs to the mailbox of its
 *                 parent and is named Sent, Archive/2019; the top is INBOX.
 *   mbox          a file that starts with "From ": a folder and a mailbox
 *                 of its own, named after the file.
 *   other files   one message each; the folder (and mailbox) is their
 *                 directory.
 *
 * A directory linked back into the tree (`cur/a -> .`) is walked once and
 * the loop reported as an error (stderr, NDJSON, the report's errors).
 * Standard input and FIFOs cannot be swept: `mailsift scan -` reads them.
 *
 * The total size is then known, so the progress line (stderr, only when it
 * is a terminal) has an ETA. In the scan phase N workers share one engine,
 * each with its own ms_scan, and take files in listing order; an mbox is
 * streamed by the one worker that took it.
 *
 * Output: NDJSON on stdout exactly as `mailsift scan` writes it. The lines
 * of one file (or of one committed stretch of an mbox) are written
 * together; files finished by different workers may interleave in any
 * order, so with --jobs above 1 the order of lines varies between runs
 * (with --jobs 1 it is scan's order, except that the error lines of
 * paths that could not be listed come first). Sort to compare.
 *
 * Interrupting and resuming (--resume FILE): the checkpoint is written (a
 * temporary file, fsync, rename) at most once a second (--checkpoint-every)
 * while scanning, on
 * SIGINT/SIGTERM (workers stop at the next message boundary) and at the
 * end. It holds which files are done, how far each mbox in progress got
 * (offset of the next separator line and messages before it) and every
 * count of the report. Counts and report are exactly once: work done after
 * the last checkpoint is simply scanned again. When stdout is a regular
 * file, the checkpoint also records its device, inode and length, and a
 * resume writing to the same file (`>>`) cuts it back to that length first,
 * so after kill -9 and a resume the NDJSON file holds each message once.
 * When stdout is a pipe, lines written after the last checkpoint (at most
 * about a second of work) are written again on resume.
 *
 * Exit status: 0 clean, 1 findings, 2 errors (unreadable files and the
 * like; the sweep goes on), 128+signal when interrupted.
 *
 * BUGS: a resume assumes the store did not change. Files are matched by
 * path; a message delivered meanwhile into a folder already swept is not
 * picked up. One mbox is scanned by one worker.
 */
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COMMIT_MESSAGES 500        /* an mbox commits its lines every so many messages */
#define COMMIT_BYTES    (1u << 20) /* ... or bytes of NDJSON */
#define CHECKPOINT_SECS 1.0        /* default of --checkpoint-every */

static volatile sig_atomic_t stop_signal;

static void on_signal(int signo)
{
    stop_signal = signo;
}

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run {
    ms_sweep *sw;
    const ms_engine *eng;
    pthread_mutex_t mu;
    size_t next; /* next unit to take */
    const char *checkpoint;
    double every; /* seconds between checkpoints while scanning */
    double last_checkpoint, started, finished;
    bool out_regular, tty;
    atomic_uint_fast64_t msgs, bytes; /* progress of this run */
    uint64_t bytes_before;            /* listed bytes done in earlier runs */
    uint64_t total_bytes;
    atomic_int running;
    atomic_int out_errno; /* stdout failed (a full disk, a closed pipe): stop */
} run;

typedef struct worker {
    ms_cli_msg msg; /* first: the sink's callbacks take the context as one */
    run *r;
    pthread_t th;
    ms_sweep_unit *unit;
    bool stopped;
    ms_cli_ndjson_buf out;
    ms_sweep_stats delta;
    ms_sweep_error *errs;
    unsigned nerrs;
    unsigned since_commit;
    uint64_t committed_off; /* bytes of the unit already counted as progress */
} worker;

static void clear_progress(const run *r)
{
    if (r->tty)
        fputs("\r\033[K", stderr);
}

/* Write a commit's NDJSON; false when stdout fails (a full disk, a closed
 * pipe). Then none of it counts: out_bytes stays at the last whole commit,
 * so a resume cuts the partial lines off and scans those messages again. */
static bool write_out(run *r, const char *p, size_t n)
{
    int e = ms_cli_write_all(STDOUT_FILENO, p, n);

    if (e) {
        atomic_store(&r->out_errno, e);
        return false;
    }
    r->sw->out_bytes += n;
    return true;
}

static bool stopping(run *r)
{
    return stop_signal || atomic_load(&r->out_errno);
}

/* publish - count a written commit: the worker's counts and errors, the
 * progress, where its unit stands, and a checkpoint when one is due; under
 * the run's lock */
static void publish(worker *w, bool finished, uint64_t off, unsigned done)
{
    run *r = w->r;
    ms_sweep *sw = r->sw;
    uint64_t reached = finished ? w->unit->size : off;

    ms_sweep_stats_add(&sw->folders[w->unit->folder].st, &w->delta);
    for (unsigned i = 0; i < w->nerrs; i++)
        ms_sweep_add_error(sw, w->errs[i].source, w->errs[i].msg, false);
    if (reached > w->committed_off)
        atomic_fetch_add(&r->bytes, reached - w->committed_off);
    w->committed_off = reached;
    if (finished) {
        w->unit->done = true;
        while (sw->prefix < sw->nunits && sw->units[sw->prefix].done)
            sw->prefix++;
    } else {
        w->unit->mbox_offset = off;
        w->unit->mbox_done = done;
    }
    if (r->checkpoint && now_secs() - r->last_checkpoint >= r->every) {
        sw->elapsed += now_secs() - r->started;
        r->started = now_secs();
        ms_sweep_checkpoint_save(sw, r->checkpoint);
        r->last_checkpoint = now_secs();
    }
}

/* commit - write what the worker has for its unit (NDJSON lines) and
 * publish it with where the unit stands (done, or an mbox resumable at
 * off); then start the worker's next stretch empty. */
static void commit(worker *w, bool finished, uint64_t off, unsigned done)
{
    run *r = w->r;

    pthread_mutex_lock(&r->mu);
    /* when stdout failed: not counted, not checkpointed, a resume does
     * these messages again */
    if (!atomic_load(&r->out_errno) && write_out(r, w->out.p, w->out.len))
        publish(w, finished, off, done);
    pthread_mutex_unlock(&r->mu);
    for (unsigned i = 0; i < w->nerrs; i++) {
        free(w->errs[i].source);
        free(w->errs[i].msg);
    }
    w->nerrs = 0;
    ms_sweep_stats_fini(&w->delta);
    w->out.len = 0;
    w->since_commit = 0;
}

static void on_error(void *ctx, const char *source, const char *msg)
{
    worker *w = ctx;
    ms_sweep_error *e = realloc(w->errs, (w->nerrs + 1) * sizeof *e);

    pthread_mutex_lock(&w->r->mu);
    clear_progress(w->r);
    fprintf(stderr, "mailsift: %s: %s\n", source, msg);
    pthread_mutex_unlock(&w->r->mu);
    ms_cli_ndjson_add(&w->out, ms_cli_ndjson_error(source, msg));
    if (e) {
        w->errs = e;
        e[w->nerrs].source = strdup(source);
        e[w->nerrs].msg = strdup(msg);
        if (e[w->nerrs].source && e[w->nerrs].msg)
            w->nerrs++;
        else {
            free(e[w->nerrs].source);
            free(e[w->nerrs].msg);
        }
    }
    w->delta.errors++;
}

static void count_result(worker *w, const ms_result *res)
{
    ms_sweep_stats *st = &w->delta;
    ms_sweep_worst cand = {w->msg.source, (int)res->verdict, 0, (unsigned)res->nfindings, NULL};
    char cats[512] = "";
    size_t cl = 0;

    st->messages++;
    st->bytes += res->message_bytes;
    st->verdicts[res->verdict & 3]++;
    if (res->verdict != MS_ACTION_ACCEPT)
        st->flagged++;
    if (res->anomalies)
        st->anomalous++;
    for (size_t c = 0; c < res->ncategories; c++) {
        ms_sweep_cat *cat = ms_sweep_stats_cat(st, res->categories[c].name);
        if (cat)
            cat->messages++;
        cand.score += res->categories[c].score;
        if (cl < sizeof cats)
            cl += (size_t)snprintf(cats + cl, sizeof cats - cl, "%s%s", c ? "," : "",
                                   res->categories[c].name);
    }
    for (size_t i = 0; i < res->nfindings; i++) {
        ms_sweep_cat *cat = ms_sweep_stats_cat(st, res->findings[i].category);
        if (cat)
            cat->findings++;
    }
    if (res->verdict != MS_ACTION_ACCEPT || res->nfindings) {
        cand.categories = cats;
        ms_sweep_worst_offer(st, &cand);
    }
}

static void on_result(void *ctx, const char *source, const ms_result *res)
{
    worker *w = ctx;

    ms_cli_ndjson_add(&w->out, ms_cli_ndjson_result(source, res));
    count_result(w, res);
    w->since_commit++;
    atomic_fetch_add(&w->r->msgs, 1);
}

static int on_boundary(void *ctx, uint64_t off, unsigned done)
{
    worker *w = ctx;
    if (stopping(w->r)) {
        commit(w, false, off, done);
        w->stopped = true;
        return 1;
    }
    if (w->since_commit >= COMMIT_MESSAGES || w->out.len >= COMMIT_BYTES)
        commit(w, false, off, done);
    return 0;
}

static void *work(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    ms_source_sink sink = {
        w, ms_cli_msg_begin, ms_cli_msg_data, ms_cli_msg_end, ms_cli_msg_error, on_boundary};

    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (r->next < r->sw->nunits && r->sw->units[r->next].done)
            r->next++;
        if (stopping(r) || r->next >= r->sw->nunits) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        w->unit = &r->sw->units[r->next++];
        pthread_mutex_unlock(&r->mu);
        w->committed_off = w->unit->mbox_offset;
        w->stopped = false;
        ms_source_read(w->unit->path, w->unit->mbox_offset, w->unit->mbox_done, &sink);
        if (!w->stopped) /* else committed at the boundary it stopped at */
            commit(w, true, 0, 0);
    }
    pthread_mutex_lock(&r->mu);
    r->finished = now_secs(); /* the last worker's time is the sweep's */
    pthread_mutex_unlock(&r->mu);
    atomic_fetch_sub(&r->running, 1);
    return NULL;
}

/* ---- listing ---- */

/* grow - realloc *arr to n elements of size; out of memory ends the sweep
 * (nothing is scanned yet, and a listing with holes would mislead) */
static void *grow(void *arr, size_t n, size_t size)
{
    void *p = realloc(arr, n * size);
    if (!p) {
        fprintf(stderr, "mailsift: out of memory\n");
        exit(2);
    }
    return p;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static bool same_path(const char *known, const char *path, size_t n)
{
    return strlen(known) == n && memcmp(known, path, n) == 0;
}

static unsigned add_mailbox(ms_sweep *sw, const char *path, size_t n)
{
    for (unsigned i = sw->nmailboxes; i-- > 0;)
        if (same_path(sw->mailboxes[i].path, path, n))
            return i;
    sw->mailboxes = grow(sw->mailboxes, sw->nmailboxes + 1, sizeof *sw->mailboxes);
    sw->mailboxes[sw->nmailboxes] = (ms_sweep_mailbox){dup_n(path, n), 0};
    return sw->nmailboxes++;
}

static unsigned add_folder(ms_sweep *sw, const char *path, size_t n, const char *name,
                           const char *mbox, size_t mn)
{
    for (unsigned i = sw->nfolders; i-- > 0;) /* files of a folder come together */
        if (same_path(sw->folders[i].path, path, n))
            return i;
    sw->folders = grow(sw->folders, sw->nfolders + 1, sizeof *sw->folders);
    ms_sweep_folder *f = &sw->folders[sw->nfolders];
    memset(f, 0, sizeof *f);
    f->path = dup_n(path, n);
    f->name = strdup(name);
    f->mailbox = add_mailbox(sw, mbox, mn);
    return sw->nfolders++;
}

/* maildir_folder - the folder of a file in DIR/cur or DIR/new (dir, whose
 * last '/' is at sub): DIR, named INBOX; a Maildir++ folder (.Sent,
 * .Archive.2019) is named Sent, Archive/2019 in the mailbox above it */
static unsigned maildir_folder(ms_sweep *sw, const char *dir, const char *sub)
{
    size_t flen = sub ? (size_t)(sub - dir) : 0, i = 0;
    char fdir[4096], name[256];

    snprintf(fdir, sizeof fdir, "%.*s", (int)(flen ? flen : 1), flen ? dir : ".");
    const char *fs = strrchr(fdir, '/');
    const char *fname = fs ? fs + 1 : fdir;
    if (fname[0] != '.' || !fname[1] || strcmp(fname, "..") == 0)
        return add_folder(sw, fdir, strlen(fdir), "INBOX", fdir, strlen(fdir));
    for (const char *p = fname + 1; *p && i + 1 < sizeof name; p++)
        name[i++] = *p == '.' ? '/' : *p;
    name[i] = 0;
    size_t mlen = fs ? (size_t)(fs - fdir) : 1;
    return add_folder(sw, fdir, strlen(fdir), name, fs ? fdir : ".", mlen);
}

/* mbox_folder - an mbox file is a folder and a mailbox of its own, named
 * after the file (base) less .mbox or .mbx */
static unsigned mbox_folder(ms_sweep *sw, const char *path, const char *base)
{
    char name[256];

    snprintf(name, sizeof name, "%.255s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name && (strcmp(dot, ".mbox") == 0 || strcmp(dot, ".mbx") == 0))
        *dot = 0;
    return add_folder(sw, path, strlen(path), name, path, strlen(path));
}

/* folder_of - the folder a file (or an error about a path) belongs to */
static unsigned folder_of(ms_sweep *sw, const char *path, bool is_file)
{
    const char *slash = strrchr(path, '/');
    char dir[4096], name[256];

    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    const char *sub = strrchr(dir, '/');
    const char *leaf = sub ? sub + 1 : dir;
    if (strcmp(leaf, "cur") == 0 || strcmp(leaf, "new") == 0)
        return maildir_folder(sw, dir, sub);
    if (is_file && ms_source_is_mbox(path))
        return mbox_folder(sw, path, slash ? slash + 1 : path);
    snprintf(name, sizeof name, "%.255s", leaf);
    return add_folder(sw, dir, strlen(dir), name, dir, strlen(dir));
}

typedef struct list_ctx {
    ms_sweep *sw;
    ms_cli_ndjson_buf lines; /* NDJSON lines of listing errors, written once output is set up */
} list_ctx;

static void on_list_file(void *ctx, const char *path, uint64_t size)
{
    ms_sweep *sw = ((list_ctx *)ctx)->sw;

    if (sw->nunits % 1024 == 0)
        sw->units = grow(sw->units, sw->nunits + 1024, sizeof *sw->units);
    unsigned f = folder_of(sw, path, true);
    sw->units[sw->nunits++] = (ms_sweep_unit){strdup(path), size, f, false, 0, 0};
    sw->folders[f].files++;
    sw->mailboxes[sw->folders[f].mailbox].bytes += size;
}

static void on_list_error(void *ctx, const char *source, const char *msg)
{
    list_ctx *l = ctx;
    unsigned f = folder_of(l->sw, source, false);
    fprintf(stderr, "mailsift: %s: %s\n", source, msg);
    l->sw->folders[f].list_errors++;
    l->sw->list_errors++;
    ms_sweep_add_error(l->sw, source, msg, true);
    ms_cli_ndjson_add(&l->lines, ms_cli_ndjson_error(source, msg));
}

/* ---- progress ---- */

static void fmt_time(char *buf, size_t n, double s)
{
    unsigned t = s < 0 ? 0 : (unsigned)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%u:%02u", t / 60, t % 60);
}

static void show_progress(run *r, double t0)
{
    double el = now_secs() - t0;
    uint64_t m = atomic_load(&r->msgs), b = atomic_load(&r->bytes);
    char e[32], eta[48] = "";
    fmt_time(e, sizeof e, el);
    if (b > 0 && el > 0.5 && r->total_bytes > r->bytes_before + b) {
        double left = (double)(r->total_bytes - r->bytes_before - b) / ((double)b / el);
        char t[32];
        fmt_time(t, sizeof t, left);
        snprintf(eta, sizeof eta, "  ETA %s", t);
    }
    pthread_mutex_lock(&r->mu);
    fprintf(stderr, "\r\033[K%llu msgs  %.1f/%.1f MB  %.1f MB/s  %.0f msgs/s  elapsed %s%s",
            (unsigned long long)m, (double)(r->bytes_before + b) / 1e6,
            (double)r->total_bytes / 1e6, el > 0 ? (double)b / 1e6 / el : 0.0,
            el > 0 ? (double)m / el : 0.0, e, eta);
    pthread_mutex_unlock(&r->mu);
}

/* ---- the command ---- */

static void setup_output(run *r, ms_sweep *sw, bool resumed)
{
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) != 0 || !S_ISREG(st.st_mode)) {
        sw->out_dev = sw->out_ino = 0;
        sw->out_bytes = 0;
        return;
    }
    r->out_regular = true;
    if (resumed && sw->out_dev == (uint64_t)st.st_dev && sw->out_ino == (uint64_t)st.st_ino &&
        (uint64_t)st.st_size >= sw->out_bytes) {
        /* lines written after the checkpoint are written again: cut them */
        if (ftruncate(STDOUT_FILENO, (off_t)sw->out_bytes) != 0)
            fprintf(stderr, "mailsift: cannot cut stdout back to the checkpoint: %s\n",
                    strerror(errno));
        lseek(STDOUT_FILENO, (off_t)sw->out_bytes, SEEK_SET);
        return;
    }
    if (resumed && sw->out_bytes)
        fprintf(stderr, "mailsift: stdout is not the file the interrupted sweep wrote; "
                        "its lines stay there\n");
    off_t pos =
        (fcntl(STDOUT_FILENO, F_GETFL) & O_APPEND) ? st.st_size : lseek(STDOUT_FILENO, 0, SEEK_CUR);
    sw->out_dev = (uint64_t)st.st_dev;
    sw->out_ino = (uint64_t)st.st_ino;
    sw->out_bytes = pos > 0 ? (uint64_t)pos : 0;
}

static void sweep_free(ms_sweep *sw)
{
    for (unsigned i = 0; i < sw->nfolders; i++) {
        free(sw->folders[i].path);
        free(sw->folders[i].name);
        ms_sweep_stats_fini(&sw->folders[i].st);
    }
    for (unsigned i = 0; i < sw->nmailboxes; i++)
        free(sw->mailboxes[i].path);
    for (size_t i = 0; i < sw->nunits; i++)
        free(sw->units[i].path);
    for (unsigned i = 0; i < sw->nerrors; i++) {
        free(sw->errors[i].source);
        free(sw->errors[i].msg);
    }
    free(sw->folders);
    free(sw->mailboxes);
    free(sw->units);
    free(sw->errors);
}

static int usage(void)
{
    fprintf(stderr, "usage: mailsift sweep [--jobs N] [--report FILE] [--format json|txt|html] "
                    "[--resume CHECKPOINT] [--checkpoint-every SECONDS] [--rules DIR] "
                    "[--config FILE] PATH...\n");
    return 2;
}

typedef struct sweep_args {
    const char *rules, *config, *report, *format, *resume;
    long jobs;
    double every; /* --checkpoint-every */
} sweep_args;

/* string_option - where the value of option o goes; NULL: not one of these */
static const char **string_option(sweep_args *a, const char *o)
{
    static const char *const names[] = {"--report", "--format", "--resume", "--rules", "--config"};
    const char **slots[] = {&a->report, &a->format, &a->resume, &a->rules, &a->config};

    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(o, names[k]) == 0)
            return slots[k];
    return NULL;
}

/* number_option - --jobs or --checkpoint-every into a; 0, 1 not one of
 * these, or 2 (said on stderr) a value out of range */
static int number_option(sweep_args *a, const char *o, const char *v)
{
    char *end;

    if (strcmp(o, "--jobs") == 0) {
        a->jobs = strtol(v, &end, 10);
        if (*end || a->jobs < 1 || a->jobs > 1024) {
            fprintf(stderr, "mailsift: --jobs wants a number from 1 to 1024\n");
            return 2;
        }
        return 0;
    }
    if (strcmp(o, "--checkpoint-every") == 0) {
        a->every = strtod(v, NULL);
        if (!(a->every >= 0.01 && a->every <= 86400)) {
            fprintf(stderr, "mailsift: --checkpoint-every wants seconds, 0.01 to 86400\n");
            return 2;
        }
        return 0;
    }
    return 1;
}

/* parse_args - options into a, paths into sw->roots (room for argc); 0 or 2 */
static int parse_args(int argc, char **argv, sweep_args *a, ms_sweep *sw)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], **slot;
        int rc;
        if (o[0] != '-' || !o[1]) {
            sw->roots[sw->nroots++] = argv[i];
        } else if (i + 1 < argc && (slot = string_option(a, o))) {
            *slot = argv[++i];
        } else if (i + 1 < argc && (rc = number_option(a, o, argv[i + 1])) != 1) {
            if (rc != 0)
                return rc;
            i++;
        } else {
            fprintf(stderr, "mailsift: unknown option or missing value: %s\n", o);
            return usage();
        }
    }
    if (sw->nroots == 0)
        return usage();
    if (a->jobs < 1)
        a->jobs = 1;
    if (a->format && strcmp(a->format, "json") != 0 && strcmp(a->format, "txt") != 0 &&
        strcmp(a->format, "html") != 0) {
        fprintf(stderr, "mailsift: unknown report format \"%s\" (known: json, txt, html)\n",
                a->format);
        return 2;
    }
    return 0;
}

/* prepare - the sweep limits and the engine; 0 or 2 */
static int prepare(const sweep_args *a, ms_sweep *sw, ms_engine **eng)
{
    ms_error err = {0};

    if (ms_sweep_limits_load(a->config, &sw->limits, ms_cli_print_error, NULL, &err) != MS_OK)
        return 2;
    return ms_cli_engine(a->rules, a->config, eng);
}

/* resume_from - apply the checkpoint of an earlier run, when there is one;
 * 0 (*resumed says whether) or 2 */
static int resume_from(const char *checkpoint, run *r, bool *resumed)
{
    ms_sweep *sw = r->sw;

    *resumed = false;
    if (!checkpoint || access(checkpoint, F_OK) != 0)
        return 0;
    if (ms_sweep_checkpoint_load(sw, checkpoint) != 0)
        return 2;
    *resumed = true;
    for (size_t i = 0; i < sw->nunits; i++)
        r->bytes_before += sw->units[i].done ? sw->units[i].size : sw->units[i].mbox_offset;
    return 0;
}

/* list_store - the listing phase: list every root, resume, set up stdout
 * and write the error lines of the listing; 0 or 2 */
static int list_store(const sweep_args *a, run *r)
{
    ms_sweep *sw = r->sw;
    list_ctx lc = {sw, {0}};
    ms_source_sink lsink = {&lc, NULL, NULL, NULL, on_list_error, NULL};
    bool resumed;

    for (unsigned i = 0; i < sw->nroots; i++)
        ms_source_list(sw->roots[i], on_list_file, &lsink);
    for (size_t i = 0; i < sw->nunits; i++)
        r->total_bytes += sw->units[i].size;
    int rc = resume_from(a->resume, r, &resumed);
    if (rc == 0) {
        sw->runs++;
        sw->interrupted = false;
        setup_output(r, sw, resumed);
        if (!resumed) /* a resume lists again; the first run wrote these lines */
            write_out(r, lc.lines.p, lc.lines.len);
    }
    ms_cli_ndjson_fini(&lc.lines);
    return rc;
}

/* catch_signals - SIGINT and SIGTERM stop the workers at the next message
 * boundary (on) or kill at once (off) */
static void catch_signals(bool on)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on ? on_signal : SIG_DFL;
    sa.sa_flags = SA_RESTART | SA_RESETHAND; /* a second Ctrl-C kills at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* start_workers - up to jobs workers, each with a scan of its own; the
 * number started */
static long start_workers(run *r, worker *ws, long jobs)
{
    ms_error err = {0};
    long started = 0;

    for (long j = 0; j < jobs; j++) {
        ws[j].r = r;
        ws[j].msg.on_result = on_result;
        ws[j].msg.on_error = on_error;
        if (ms_scan_create(r->eng, &ws[j].msg.scan, &err) != MS_OK) {
            fprintf(stderr, "mailsift: %s\n", err.msg);
            break;
        }
        atomic_fetch_add(&r->running, 1);
        if (pthread_create(&ws[j].th, NULL, work, &ws[j]) != 0) {
            atomic_fetch_sub(&r->running, 1);
            ms_scan_destroy(ws[j].msg.scan);
            ws[j].msg.scan = NULL;
            break;
        }
        started++;
    }
    return started;
}

/* scan_store - the scan phase: workers take the units until they run out
 * or the sweep stops, with the progress line meanwhile; the number of
 * workers that ran, or -1 out of memory */
static long scan_store(const sweep_args *a, run *r)
{
    worker *ws = calloc((size_t)a->jobs, sizeof *ws);

    if (!ws)
        return -1;
    r->tty = isatty(STDERR_FILENO);
    r->checkpoint = a->resume;
    r->every = a->every;
    r->started = r->last_checkpoint = now_secs();
    double t0 = r->started;
    long started = start_workers(r, ws, a->jobs);
    while (started > 0 && atomic_load(&r->running) > 0) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (r->tty)
            show_progress(r, t0);
    }
    for (long j = 0; j < started; j++)
        pthread_join(ws[j].th, NULL);
    if (r->tty) {
        show_progress(r, t0);
        fputc('\n', stderr);
    }
    for (long j = 0; j < a->jobs; j++) {
        ms_scan_destroy(ws[j].msg.scan);
        ms_cli_ndjson_fini(&ws[j].out);
        free(ws[j].errs);
    }
    free(ws);
    return started;
}

static void say_why_stopped(const ms_sweep *sw, const char *resume, int out_errno)
{
    const char *hint = resume ? "; resume with --resume " : "", *file = resume ? resume : "";

    if (out_errno)
        fprintf(stderr, "mailsift: standard output: %s; stopped after %zu of %zu files%s%s\n",
                strerror(out_errno), sw->prefix, sw->nunits, hint, file);
    else if (sw->interrupted)
        fprintf(stderr, "mailsift: interrupted after %zu of %zu files%s%s\n", sw->prefix,
                sw->nunits, hint, file);
}

/* exit_status - stdout failing 2, a signal 128 + its number, else rc when
 * set, else 2 errors, 1 findings, 0 clean */
static int exit_status(const ms_sweep *sw, int rc, int out_errno)
{
    uint64_t flagged = 0, errors = sw->list_errors;

    for (unsigned i = 0; i < sw->nfolders; i++) {
        flagged += sw->folders[i].st.flagged;
        errors += sw->folders[i].st.errors;
    }
    if (out_errno)
        return 2;
    if (sw->interrupted)
        return 128 + stop_signal;
    if (rc)
        return rc;
    return errors ? 2 : flagged ? 1 : 0;
}

/* finish - the last checkpoint, the report and the exit status */
static int finish(const sweep_args *a, run *r, long started)
{
    ms_sweep *sw = r->sw;
    int out_errno = atomic_load(&r->out_errno), rc = started > 0 ? 0 : 2;

    sw->elapsed += (started > 0 ? r->finished : now_secs()) - r->started;
    sw->complete = sw->prefix == sw->nunits;
    sw->interrupted = stop_signal != 0 || out_errno;
    if (a->resume && ms_sweep_checkpoint_save(sw, a->resume) != 0)
        rc = 2;
    say_why_stopped(sw, a->resume, out_errno);
    if (a->report && ms_sweep_report(sw, a->report, a->format) != 0)
        rc = 2;
    return exit_status(sw, rc, out_errno);
}

int ms_cli_sweep(int argc, char **argv)
{
    sweep_args a = {.rules = MS_DEFAULT_RULES_DIR,
                    .jobs = sysconf(_SC_NPROCESSORS_ONLN),
                    .every = CHECKPOINT_SECS};
    ms_sweep sw = {0};
    run r = {.sw = &sw, .mu = PTHREAD_MUTEX_INITIALIZER};
    ms_engine *eng = NULL;
    int rc = 2;

    sw.roots = calloc((size_t)argc, sizeof *sw.roots);
    if (sw.roots && parse_args(argc, argv, &a, &sw) == 0 && prepare(&a, &sw, &eng) == 0 &&
        list_store(&a, &r) == 0) {
        r.eng = eng;
        catch_signals(true);
        long started = scan_store(&a, &r);
        if (started >= 0)
            rc = finish(&a, &r, started);
        catch_signals(false);
    }
    pthread_mutex_destroy(&r.mu);
    ms_engine_destroy(eng);
    sweep_free(&sw);
    free(sw.roots);
    return rc;
}
