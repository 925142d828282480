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
    ms_cli_msg msg; /* first: the sink's begin and data take the context as one */
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
    uint64_t done = 0;
    while (n) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            atomic_store(&r->out_errno, e);
            return false;
        }
        p += w;
        n -= (size_t)w;
        done += (uint64_t)w;
    }
    r->sw->out_bytes += done;
    return true;
}

static bool stopping(run *r)
{
    return stop_signal || atomic_load(&r->out_errno);
}

/* commit - publish what the worker has for its unit: NDJSON lines, counts,
 * and where the unit stands (done, or an mbox resumable at off). */
static void commit(worker *w, bool finished, uint64_t off, unsigned done)
{
    run *r = w->r;
    ms_sweep *sw = r->sw;

    pthread_mutex_lock(&r->mu);
    if (atomic_load(&r->out_errno) || !write_out(r, w->out.p, w->out.len)) {
        /* not counted, not checkpointed: a resume does these messages again */
        pthread_mutex_unlock(&r->mu);
        for (unsigned i = 0; i < w->nerrs; i++) {
            free(w->errs[i].source);
            free(w->errs[i].msg);
        }
        w->nerrs = 0;
        ms_sweep_stats_fini(&w->delta);
        w->out.len = 0;
        w->since_commit = 0;
        return;
    }
    ms_sweep_stats_add(&sw->folders[w->unit->folder].st, &w->delta);
    for (unsigned i = 0; i < w->nerrs; i++) {
        ms_sweep_add_error(sw, w->errs[i].source, w->errs[i].msg, false);
        free(w->errs[i].source);
        free(w->errs[i].msg);
    }
    w->nerrs = 0;
    uint64_t reached = finished ? w->unit->size : off;
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
    pthread_mutex_unlock(&r->mu);
    ms_sweep_stats_fini(&w->delta);
    w->out.len = 0;
    w->since_commit = 0;
}

static void note_error(worker *w, const char *source, const char *msg)
{
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

static void on_end(void *ctx)
{
    worker *w = ctx;
    const ms_result *res;
    int rc = ms_cli_msg_end(&w->msg, &res);

    if (rc != MS_OK) {
        note_error(w, w->msg.source, ms_strerror(rc));
        return;
    }
    if (!res)
        return;
    ms_cli_ndjson_add(&w->out, ms_cli_ndjson_result(w->msg.source, res));
    count_result(w, res);
    w->since_commit++;
    atomic_fetch_add(&w->r->msgs, 1);
}

static void on_error(void *ctx, const char *source, const char *msg)
{
    worker *w = ctx;
    ms_cli_msg_error(&w->msg);
    note_error(w, source, msg);
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
    ms_source_sink sink = {w, ms_cli_msg_begin, ms_cli_msg_data, on_end, on_error, on_boundary};

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

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static unsigned add_mailbox(ms_sweep *sw, const char *path, size_t n)
{
    for (unsigned i = sw->nmailboxes; i-- > 0;)
        if (strlen(sw->mailboxes[i].path) == n && memcmp(sw->mailboxes[i].path, path, n) == 0)
            return i;
    ms_sweep_mailbox *m = realloc(sw->mailboxes, (sw->nmailboxes + 1) * sizeof *m);
    if (!m) {
        fprintf(stderr, "mailsift: out of memory\n");
        exit(2);
    }
    sw->mailboxes = m;
    m[sw->nmailboxes] = (ms_sweep_mailbox){dup_n(path, n), 0};
    return sw->nmailboxes++;
}

static unsigned add_folder(ms_sweep *sw, const char *path, size_t n, const char *name,
                           const char *mbox, size_t mn)
{
    for (unsigned i = sw->nfolders; i-- > 0;) /* files of a folder come together */
        if (strlen(sw->folders[i].path) == n && memcmp(sw->folders[i].path, path, n) == 0)
            return i;
    ms_sweep_folder *f = realloc(sw->folders, (sw->nfolders + 1) * sizeof *f);
    if (!f) {
        fprintf(stderr, "mailsift: out of memory\n");
        exit(2);
    }
    sw->folders = f;
    memset(&f[sw->nfolders], 0, sizeof *f);
    f[sw->nfolders].path = dup_n(path, n);
    f[sw->nfolders].name = strdup(name);
    f[sw->nfolders].mailbox = add_mailbox(sw, mbox, mn);
    return sw->nfolders++;
}

/* folder_of - the folder a file (or an error about a path) belongs to */
static unsigned folder_of(ms_sweep *sw, const char *path, bool is_file)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    char dir[4096], name[256];

    snprintf(dir, sizeof dir, "%.*s", (int)(slash ? dlen : 1), slash ? path : ".");
    const char *sub = strrchr(dir, '/');
    const char *leaf = sub ? sub + 1 : dir;
    if (strcmp(leaf, "cur") == 0 || strcmp(leaf, "new") == 0) {
        /* Maildir: the folder is the directory holding cur/ and new/ */
        size_t flen = sub ? (size_t)(sub - dir) : 0;
        char fdir[4096];
        snprintf(fdir, sizeof fdir, "%.*s", (int)(flen ? flen : 1), flen ? dir : ".");
        const char *fs = strrchr(fdir, '/');
        const char *fname = fs ? fs + 1 : fdir;
        if (fname[0] == '.' && fname[1] && strcmp(fname, "..") != 0) {
            /* Maildir++: .Sent, .Archive.2019 in the mailbox above */
            size_t i = 0;
            for (const char *p = fname + 1; *p && i + 1 < sizeof name; p++)
                name[i++] = *p == '.' ? '/' : *p;
            name[i] = 0;
            size_t mlen = fs ? (size_t)(fs - fdir) : 1;
            return add_folder(sw, fdir, strlen(fdir), name, fs ? fdir : ".", mlen);
        }
        return add_folder(sw, fdir, strlen(fdir), "INBOX", fdir, strlen(fdir));
    }
    if (is_file && ms_source_is_mbox(path)) {
        const char *base = slash ? slash + 1 : path;
        snprintf(name, sizeof name, "%.255s", base);
        char *dot = strrchr(name, '.');
        if (dot && dot != name && (strcmp(dot, ".mbox") == 0 || strcmp(dot, ".mbx") == 0))
            *dot = 0;
        return add_folder(sw, path, strlen(path), name, path, strlen(path));
    }
    snprintf(name, sizeof name, "%.255s", leaf);
    return add_folder(sw, dir, strlen(dir), name, dir, strlen(dir));
}

static void on_list_file(void *ctx, const char *path, uint64_t size)
{
    ms_sweep *sw = ctx;
    if (sw->nunits % 1024 == 0) {
        ms_sweep_unit *u = realloc(sw->units, (sw->nunits + 1024) * sizeof *u);
        if (!u) {
            fprintf(stderr, "mailsift: out of memory\n");
            exit(2);
        }
        sw->units = u;
    }
    unsigned f = folder_of(sw, path, true);
    sw->units[sw->nunits++] = (ms_sweep_unit){strdup(path), size, f, false, 0, 0};
    sw->folders[f].files++;
    sw->mailboxes[sw->folders[f].mailbox].bytes += size;
}

typedef struct list_ctx {
    ms_sweep *sw;
    ms_cli_ndjson_buf lines; /* NDJSON lines of listing errors, written once output is set up */
} list_ctx;

static void on_list_file_ctx(void *ctx, const char *path, uint64_t size)
{
    on_list_file(((list_ctx *)ctx)->sw, path, size);
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

int ms_cli_sweep(int argc, char **argv)
{
    const char *rules = MS_DEFAULT_RULES_DIR, *config = NULL, *report = NULL, *format = NULL;
    const char *resume = NULL;
    long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    ms_sweep sw = {0};
    run r = {.every = CHECKPOINT_SECS};
    ms_engine *eng = NULL;
    ms_error err = {0};
    int rc = 0;

    sw.roots = calloc((size_t)argc, sizeof *sw.roots);
    if (!sw.roots)
        return 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            sw.roots[sw.nroots++] = argv[i];
        } else if (i + 1 < argc && strcmp(a, "--jobs") == 0) {
            char *end;
            jobs = strtol(argv[++i], &end, 10);
            if (*end || jobs < 1 || jobs > 1024) {
                fprintf(stderr, "mailsift: --jobs wants a number from 1 to 1024\n");
                free(sw.roots);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(a, "--report") == 0) {
            report = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--format") == 0) {
            format = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--resume") == 0) {
            resume = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--checkpoint-every") == 0) {
            r.every = strtod(argv[++i], NULL);
            if (!(r.every >= 0.01 && r.every <= 86400)) {
                fprintf(stderr, "mailsift: --checkpoint-every wants seconds, 0.01 to 86400\n");
                free(sw.roots);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(a, "--rules") == 0) {
            rules = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--config") == 0) {
            config = argv[++i];
        } else {
            fprintf(stderr, "mailsift: unknown option or missing value: %s\n", a);
            free(sw.roots);
            return usage();
        }
    }
    if (sw.nroots == 0) {
        free(sw.roots);
        return usage();
    }
    if (jobs < 1)
        jobs = 1;
    if (format && strcmp(format, "json") != 0 && strcmp(format, "txt") != 0 &&
        strcmp(format, "html") != 0) {
        fprintf(stderr, "mailsift: unknown report format \"%s\" (known: json, txt, html)\n",
                format);
        free(sw.roots);
        return 2;
    }
    if (ms_sweep_limits_load(config, &sw.limits, ms_cli_print_error, NULL, &err) != MS_OK ||
        ms_cli_engine(rules, config, &eng) != 0) {
        free(sw.roots);
        return 2;
    }

    /* listing */
    r.tty = isatty(STDERR_FILENO);
    list_ctx lc = {&sw, {0}};
    ms_source_sink lsink = {&lc, NULL, NULL, NULL, on_list_error, NULL};
    for (unsigned i = 0; i < sw.nroots; i++)
        ms_source_list(sw.roots[i], on_list_file_ctx, &lsink);
    for (size_t i = 0; i < sw.nunits; i++)
        r.total_bytes += sw.units[i].size;

    bool resumed = false;
    if (resume && access(resume, F_OK) == 0) {
        if (ms_sweep_checkpoint_load(&sw, resume) != 0) {
            ms_engine_destroy(eng);
            sweep_free(&sw);
            free(sw.roots);
            return 2;
        }
        resumed = true;
        for (size_t i = 0; i < sw.nunits; i++)
            r.bytes_before += sw.units[i].done ? sw.units[i].size : sw.units[i].mbox_offset;
    }
    sw.runs++;
    sw.interrupted = false;
    setup_output(&r, &sw, resumed);
    r.sw = &sw;
    if (!resumed) /* a resume lists again; the first run wrote these lines */
        write_out(&r, lc.lines.p, lc.lines.len);
    ms_cli_ndjson_fini(&lc.lines);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART | SA_RESETHAND; /* a second Ctrl-C kills at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* scanning */
    pthread_mutex_init(&r.mu, NULL);
    r.sw = &sw;
    r.eng = eng;
    r.checkpoint = resume;
    r.started = r.last_checkpoint = now_secs();
    double t0 = r.started;
    worker *ws = calloc((size_t)jobs, sizeof *ws);
    if (!ws) {
        ms_engine_destroy(eng);
        sweep_free(&sw);
        free(sw.roots);
        return 2;
    }
    long started = 0;
    for (long j = 0; j < jobs; j++) {
        ws[j].r = &r;
        if (ms_scan_create(eng, &ws[j].msg.scan, &err) != MS_OK) {
            fprintf(stderr, "mailsift: %s\n", err.msg);
            break;
        }
        atomic_fetch_add(&r.running, 1);
        if (pthread_create(&ws[j].th, NULL, work, &ws[j]) != 0) {
            atomic_fetch_sub(&r.running, 1);
            ms_scan_destroy(ws[j].msg.scan);
            ws[j].msg.scan = NULL;
            break;
        }
        started++;
    }
    if (started == 0) {
        rc = 2;
    } else {
        while (atomic_load(&r.running) > 0) {
            struct timespec ts = {0, 200 * 1000 * 1000};
            nanosleep(&ts, NULL);
            if (r.tty)
                show_progress(&r, t0);
        }
    }
    for (long j = 0; j < started; j++)
        pthread_join(ws[j].th, NULL);
    if (r.tty) {
        show_progress(&r, t0);
        fputc('\n', stderr);
    }
    for (long j = 0; j < jobs; j++) {
        ms_scan_destroy(ws[j].msg.scan);
        ms_cli_ndjson_fini(&ws[j].out);
        free(ws[j].errs);
    }
    free(ws);

    sw.elapsed += (started > 0 ? r.finished : now_secs()) - r.started;
    sw.complete = sw.prefix == sw.nunits;
    int out_errno = atomic_load(&r.out_errno);
    sw.interrupted = stop_signal != 0 || out_errno;
    if (resume && ms_sweep_checkpoint_save(&sw, resume) != 0)
        rc = 2;
    if (out_errno)
        fprintf(stderr, "mailsift: standard output: %s; stopped after %zu of %zu files%s%s\n",
                strerror(out_errno), sw.prefix, sw.nunits, resume ? "; resume with --resume " : "",
                resume ? resume : "");
    else if (sw.interrupted)
        fprintf(stderr, "mailsift: interrupted after %zu of %zu files%s%s\n", sw.prefix, sw.nunits,
                resume ? "; resume with --resume " : "", resume ? resume : "");
    if (report && ms_sweep_report(&sw, report, format) != 0)
        rc = 2;

    uint64_t flagged = 0, errors = sw.list_errors;
    for (unsigned i = 0; i < sw.nfolders; i++) {
        flagged += sw.folders[i].st.flagged;
        errors += sw.folders[i].st.errors;
    }
    if (rc == 0)
        rc = errors ? 2 : flagged ? 1 : 0;
    if (out_errno)
        rc = 2;
    else if (sw.interrupted)
        rc = 128 + stop_signal;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    pthread_mutex_destroy(&r.mu);
    ms_engine_destroy(eng);
    sweep_free(&sw);
    free(sw.roots);
    return rc;
}
