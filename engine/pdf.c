/*
 * pdf.c - text of PDF documents through the text rules (poppler-glib)
 *
 * The document is opened from the part's bytes in memory; the text of each
 * page (poppler's reading order, lines as line breaks) is fed to one text
 * stream named like the part, pages separated by a line break, up to
 * pdf_pages pages and within the time limit.
 *
 * poppler cannot be stopped part way through a page (poppler-glib offers
 * no abort callback for text), has no limits of its own, and a few KB of
 * form XObjects nested a few deep and drawn many times keep one page busy
 * for minutes and grow it past a GiB. So the text is extracted in a child
 * process (fork, no exec: the bytes are already in memory) that sends it
 * back through a pipe, may not grow by more than MS_ATTACH_PDF_MEMORY, and
 * is killed as soon as the time budget is spent, which gives limit.time.
 * A child that dies on its own (out of memory, a crash in poppler) gives
 * attachment.unscannable; the text it sent before is scanned.
 *
 * A PDF that asks for a password is reported as encrypted (the policy's
 * encryption exemption and a site that forbids unscannable content look at
 * that). One encrypted with an empty user password opens, is read and is
 * not reported: anyone can read it, so it protects nothing.
 *
 * poppler reports syntax errors through glib's log under the "Poppler"
 * domain and a few on stderr; the library must never print, so the
 * domain's messages are dropped and the child's stderr is /dev/null (a
 * broken PDF is read as far as poppler gets).
 *
 * poppler (and mupdf) drop every glyph that starts outside the page's crop
 * box before any of their interfaces sees it, whatever area is asked for,
 * so text placed off the page or drawn larger than it cannot be read. The
 * child looks for it first (engine/pdf_layout.cc, with qpdf: a library
 * that opens damaged files and tokenizes content streams, rather than a
 * content-stream parser of our own) and the parent reports such a PDF as
 * attachment.unscannable, like one that is too complex to check.
 *
 * Embedded files (the EmbeddedFiles name tree and file attachment
 * annotations) are sent by the child before the text, each inspected as a
 * member of the PDF (`2/report.pdf/setup.exe`), one level down.
 *
 * BUGS: no OCR (a scanned PDF has no text); text in annotations and form
 * fields is not read; JavaScript and launch actions are left to the YARA
 * rules (rulesets/documents.yar). Text off the page is reported, not read;
 * a PDF that qpdf cannot open but poppler can is not checked for it, and
 * a page cropped so that text falls more than an inch outside the crop box
 * is reported (poppler does not read that text either). The child is forked
 * from a process that may run other threads: if one of them held a lock
 * poppler or glib takes, the child waits on it until the time limit.
 */
#include "pdf.h"
#include "attach.h"
#include "engine.h"
#include "pdf_layout.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <poll.h>
#include <poppler.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define MS_PDF_NO_RLIMIT 1 /* ASan reserves terabytes of address space */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define MS_PDF_NO_RLIMIT 1
#endif
#endif

/* Records from the child: a type byte, a 4-byte length, the data. */
enum {
    REC_OPENED = 'O',    /* the document opened */
    REC_TEXT = 'T',      /* text of a page (UTF-8), in pieces */
    REC_PAGES = 'P',     /* more pages than pdf_pages */
    REC_ENCRYPTED = 'E', /* a password is asked for */
    REC_BROKEN = 'B',    /* not opened: poppler's message */
    REC_OFFPAGE = 'L',   /* text drawn off its page: where */
    REC_FILE = 'N',      /* an embedded file begins: its name */
    REC_FILE_DATA = 'F', /* its bytes, in pieces */
    REC_FILE_END = 'Z',  /* it ends */
};
#define REC_HEAD 5
#define REC_MAX  65536 /* data bytes in one record */
#define POLL_MS  50    /* the clock is read at least this often */

static void drop_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain, (void)level, (void)msg, (void)data;
}

static void quiet_poppler(void)
{
    static gsize once = 0;
    if (g_once_init_enter(&once)) {
        g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                          drop_log, NULL);
        g_once_init_leave(&once, 1);
    }
}

/* ---- the child ---------------------------------------------------------- */

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(3); /* the parent is gone or stopped listening */
        c += k;
        n -= (size_t)k;
    }
}

static void send_rec(int fd, char type, const char *data, size_t len)
{
    do {
        size_t k = len < REC_MAX ? len : REC_MAX;
        unsigned char head[REC_HEAD] = {(unsigned char)type, (unsigned char)(k >> 24),
                                        (unsigned char)(k >> 16), (unsigned char)(k >> 8),
                                        (unsigned char)k};
        write_all(fd, head, sizeof head);
        write_all(fd, data, k);
        data += k;
        len -= k;
    } while (len);
}

/* Cap the address space at what the process has now plus the budget. */
static void limit_memory(void)
{
#ifndef MS_PDF_NO_RLIMIT
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max =
        (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (rlim_t)MS_ATTACH_PDF_MEMORY;
    setrlimit(RLIMIT_AS, &rl);
#endif
}

/* Tell the parent about text poppler will not read because it is drawn
 * off its page (engine/pdf_layout.cc). */
static void offpage(int fd, const ms_attach_obj *o, unsigned max_pages)
{
    ms_pdf_layout where;
    char msg[128];
    int n = 0;

    switch (ms_pdf_layout_check(o->data, o->len, max_pages, &where)) {
    case MS_PDF_LAYOUT_OUTSIDE:
        n = snprintf(msg, sizeof msg, "text placed outside the page (page %u, at %.4g, %.4g)",
                     where.page, where.x, where.y);
        break;
    case MS_PDF_LAYOUT_HUGE:
        n = snprintf(msg, sizeof msg, "text larger than the page (page %u, %.4g pt)", where.page,
                     where.size);
        break;
    case MS_PDF_LAYOUT_COMPLEX:
        n = snprintf(msg, sizeof msg, "too much drawing to check where the text is");
        break;
    default: /* on the page, or qpdf could not read it (poppler may) */
        return;
    }
    if (n > 0)
        send_rec(fd, REC_OFFPAGE, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

static gboolean send_file_data(const gchar *buf, gsize n, gpointer data, GError **err)
{
    (void)err;
    if (n)
        send_rec(*(int *)data, REC_FILE_DATA, buf, n);
    return TRUE;
}

static void send_file(int fd, PopplerAttachment *att)
{
    const char *name = att->name ? att->name : "";
    send_rec(fd, REC_FILE, name, strlen(name) < 255 ? strlen(name) : 255);
    poppler_attachment_save_to_callback(att, send_file_data, &fd, NULL);
    send_rec(fd, REC_FILE_END, "", 0);
}

/* Embedded files (ISO 32000-1 7.11.4: the EmbeddedFiles name tree) and
 * file attachment annotations (12.5.6.15), before any text: the parent
 * inspects each as a member while no text stream is open. */
static void files(int fd, PopplerDocument *doc, int pages)
{
    GList *list = poppler_document_get_attachments(doc);
    for (GList *l = list; l; l = l->next) {
        send_file(fd, l->data);
        g_object_unref(l->data);
    }
    g_list_free(list);
    for (int i = 0; i < pages; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        GList *annots = poppler_page_get_annot_mapping(page);
        for (GList *l = annots; l; l = l->next) {
            PopplerAnnotMapping *m = l->data;
            if (!POPPLER_IS_ANNOT_FILE_ATTACHMENT(m->annot))
                continue;
            PopplerAttachment *att = poppler_annot_file_attachment_get_attachment(
                POPPLER_ANNOT_FILE_ATTACHMENT(m->annot));
            if (att) {
                send_file(fd, att);
                g_object_unref(att);
            }
        }
        poppler_page_free_annot_mapping(annots);
        g_object_unref(page);
    }
}

static _Noreturn void extract(int fd, const ms_attach_obj *o, unsigned max_pages)
{
    GError *err = NULL;
    int null = open("/dev/null", O_WRONLY);

    if (null >= 0)
        dup2(null, STDERR_FILENO);
    signal(SIGPIPE, SIG_DFL);
    limit_memory();
    quiet_poppler();
    GBytes *bytes = g_bytes_new_static(o->data, o->len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &err);
    if (!doc) {
        if (err && g_error_matches(err, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
            send_rec(fd, REC_ENCRYPTED, "", 0);
        else
            send_rec(fd, REC_BROKEN, err ? err->message : "", err ? strlen(err->message) : 0);
        _exit(0);
    }
    send_rec(fd, REC_OPENED, "", 0);
    offpage(fd, o, max_pages);
    int pages = poppler_document_get_n_pages(doc);
    if (pages > 0 && (unsigned)pages > max_pages) {
        send_rec(fd, REC_PAGES, "", 0);
        pages = (int)max_pages;
    }
    files(fd, doc, pages);
    for (int i = 0; i < pages; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        /* poppler_page_get_text() reads the page's box only: this also
         * keeps words that start on the page and run off it */
        PopplerRectangle all = {-FLT_MAX, -FLT_MAX, FLT_MAX, FLT_MAX};
        char *text = poppler_page_get_text_for_area(page, &all);
        if (text)
            send_rec(fd, REC_TEXT, text, strlen(text));
        send_rec(fd, REC_TEXT, "\n", 1);
        g_free(text);
        g_object_unref(page);
    }
    _exit(0); /* no atexit handlers, no stdio buffers of the parent's */
}

/* ---- the parent --------------------------------------------------------- */

typedef struct reader {
    ms_attach *a;
    const ms_attach_obj *o;
    bool opened, text_open;
    /* the embedded file being received: kept up to max_bytes */
    bool in_file, file_cut, stop_files;
    size_t file_len;
    unsigned nfiles;
    char file_name[256], file_part[512];
    unsigned char buf[REC_HEAD + REC_MAX];
    size_t n;
} reader;

/* An embedded file: named by its name in the PDF (`2/report.pdf/setup.exe`),
 * inspected as a member one level down when it ends. */
static void on_file(reader *r, int type, const char *data, size_t len)
{
    const ms_attach_limits *l = ms_attach_get_limits(r->a);
    const ms_attach_obj *o = r->o;
    size_t cap = 0;

    if (type == REC_FILE) {
        r->in_file = !r->stop_files && !r->text_open;
        r->file_len = 0;
        r->file_cut = false;
        snprintf(r->file_name, sizeof r->file_name, "%.*s", (int)len, data);
        if (++r->nfiles > l->members && r->in_file) {
            ms_attach_finding(r->a, NULL, "limit.archive_members",
                              "A PDF with more embedded files than the member limit; the rest is "
                              "unread",
                              o, NULL);
            r->in_file = false;
            r->stop_files = true;
        }
        return;
    }
    if (!r->in_file)
        return;
    unsigned char *buf = ms_attach_level_buf(r->a, o->depth + 1, 0, &cap);
    if (type == REC_FILE_DATA) {
        size_t k = len < l->max_bytes - r->file_len ? len : l->max_bytes - r->file_len;
        r->file_cut |= k < len;
        buf = k ? ms_attach_level_buf(r->a, o->depth + 1, r->file_len + k, &cap) : buf;
        if (!buf) {
            r->in_file = false;
            return;
        }
        memcpy(buf + r->file_len, data, k);
        r->file_len += k;
        return;
    }
    r->in_file = false;
    snprintf(r->file_part, sizeof r->file_part, "%s/%s", o->part,
             r->file_name[0] ? r->file_name : "#1");
    ms_attach_obj m = {buf ? buf : (const unsigned char *)"",
                       r->file_len,
                       r->file_cut,
                       r->file_part,
                       r->file_name,
                       "",
                       o->depth + 1,
                       false};
    if (!ms_attach_depth_ok(r->a, o) || !ms_attach_member(r->a, o, &m))
        r->stop_files = true;
}

static void on_record(reader *r, int type, const char *data, size_t len)
{
    const ms_attach_obj *o = r->o;
    char msg[96];

    switch (type) {
    case REC_OPENED:
        r->opened = true;
        break;
    case REC_TEXT:
        if (!r->opened)
            break;
        if (!r->text_open)
            ms_attach_text_begin(r->a, o->part, o->declared[0] ? o->declared : "application/pdf",
                                 o->name);
        r->text_open = true;
        ms_attach_text_feed(r->a, data, len);
        break;
    case REC_FILE:
    case REC_FILE_DATA:
    case REC_FILE_END:
        on_file(r, type, data, len);
        break;
    case REC_PAGES:
        ms_attach_finding(r->a, NULL, "limit.pdf_pages",
                          "A PDF with more pages than the page limit; the rest is unread", o, NULL);
        break;
    case REC_ENCRYPTED:
        ms_attach_encrypted(r->a, o, "encrypted PDF");
        break;
    case REC_OFFPAGE:
        snprintf(msg, sizeof msg, "%.*s", (int)len, data);
        ms_attach_unscannable(r->a, o, "A PDF with text drawn off its pages, which is not read",
                              msg);
        break;
    case REC_BROKEN:
        snprintf(msg, sizeof msg, "%.*s", (int)len, data);
        ms_attach_unscannable(r->a, o, "A PDF that could not be opened", msg[0] ? msg : NULL);
        break;
    }
}

/* Handle the whole records in the buffer; keep a partial one. */
static void on_bytes(reader *r)
{
    size_t i = 0;
    while (r->n - i >= REC_HEAD) {
        const unsigned char *h = r->buf + i;
        size_t len = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
        if (len > REC_MAX) { /* cannot happen: the child writes no more */
            r->n = 0;
            return;
        }
        if (r->n - i < REC_HEAD + len)
            break;
        on_record(r, h[0], (const char *)h + REC_HEAD, len);
        i += REC_HEAD + len;
    }
    memmove(r->buf, r->buf + i, r->n - i);
    r->n -= i;
}

void ms_pdf_scan(ms_attach *a, const ms_attach_obj *o)
{
    const ms_attach_limits *l = ms_attach_get_limits(a);
    int fds[2];

    reader *r = ms_malloc(sizeof *r);
    if (!r) {
        ms_attach_fail(a, MS_ERR_NOMEM);
        return;
    }
    if (pipe2(fds, O_CLOEXEC) != 0) {
        free(r);
        ms_attach_unscannable(a, o, "A PDF whose text could not be extracted", "out of resources");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        extract(fds[1], o, l->pdf_pages);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        free(r);
        ms_attach_unscannable(a, o, "A PDF whose text could not be extracted", "fork failed");
        return;
    }
    r->a = a;
    r->o = o;
    r->opened = r->text_open = r->in_file = r->stop_files = false;
    r->nfiles = 0;
    r->n = 0;
    bool killed = false;
    for (;;) {
        if (!ms_attach_time_ok(a, o)) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        unsigned left = ms_attach_time_left_ms(a);
        struct pollfd p = {fds[0], POLLIN, 0};
        int ready = poll(&p, 1, left < POLL_MS ? (int)left + 1 : POLL_MS);
        if (ready < 0 && errno != EINTR)
            break;
        if (ready <= 0)
            continue;
        ssize_t k = read(fds[0], r->buf + r->n, sizeof r->buf - r->n);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0)
            break; /* the child is done (or gone) */
        r->n += (size_t)k;
        on_bytes(r);
    }
    close(fds[0]);
    int status = 0;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (!killed && w == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        char why[64];
        if (WIFSIGNALED(status))
            snprintf(why, sizeof why, "text extraction ended by signal %d", WTERMSIG(status));
        else
            snprintf(why, sizeof why, "text extraction exited with status %d", WEXITSTATUS(status));
        ms_attach_unscannable(a, o,
                              "A PDF whose text extraction failed (out of memory or a crash in "
                              "poppler); the rest is unread",
                              why);
    }
    if (r->text_open)
        ms_attach_text_end(a);
    free(r);
}
