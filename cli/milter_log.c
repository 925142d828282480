/*
 * milter_log.c - the daemon's log (syslog or stderr) and its audit log
 *
 * The audit log holds one JSON object a line per message: time, queue id,
 * client, sender, login, recipient counts, verdict, the reply given, the
 * findings and the scan time. A line is written with one write(2) on an
 * O_APPEND descriptor, so lines of concurrent messages never mix.
 *
 * Card numbers: every string the milter writes passes through
 * ms_mask_pans() here, at one place per output: a log line once it is
 * formatted (ms_milter_log), every string field of an audit record
 * (ms_audit_write). Envelope sender, login and header addresses come from
 * the sender, and a card number in them must not reach a log in full.
 */
#include "milter.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool log_stderr;
static ms_milter_log_fn log_fn;
static int audit_fd = -1;
static pthread_mutex_t audit_mu = PTHREAD_MUTEX_INITIALIZER;

void ms_milter_log_open(bool to_stderr)
{
    log_stderr = to_stderr;
    if (!to_stderr)
        openlog("mailsift", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void ms_milter_log_to(ms_milter_log_fn fn)
{
    log_fn = fn;
}

void ms_milter_log(int prio, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ms_mask_pans(line, n < 0 || (size_t)n >= sizeof line);
    if (log_fn)
        log_fn(prio, line);
    else if (log_stderr)
        fprintf(stderr, "mailsift[%ld]: %s%s\n", (long)getpid(),
                prio <= LOG_ERR       ? "fatal: "
                : prio == LOG_WARNING ? "warning: "
                                      : "",
                line);
    else
        syslog(prio, "%s", line);
}

/* masked - s with its card numbers masked, in buf (size bytes; a string
 * cut to fit is masked as cut: a run at its end may go on). */
static const char *masked(char *buf, size_t size, const char *s)
{
    int n = snprintf(buf, size, "%s", s ? s : "");
    return ms_mask_pans(buf, n < 0 || (size_t)n >= size);
}

int ms_audit_open(const char *path)
{
    int fd = -1;

    if (path && *path) {
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0)
            return -errno;
    }
    pthread_mutex_lock(&audit_mu);
    if (audit_fd >= 0)
        close(audit_fd);
    audit_fd = fd;
    pthread_mutex_unlock(&audit_mu);
    return 0;
}

void ms_audit_close(void)
{
    ms_audit_open(NULL);
}

static json_t *findings_json(const ms_result *res)
{
    char c[256], r[256], p[512], e[512];
    json_t *a = json_array();
    for (size_t i = 0; res && i < res->nfindings; i++) {
        const ms_finding *f = &res->findings[i];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:s}", "category", masked(c, sizeof c, f->category),
                         "rule", masked(r, sizeof r, f->rule), "part", masked(p, sizeof p, f->part),
                         "excerpt", masked(e, sizeof e, f->excerpt)));
    }
    return a;
}

void ms_audit_write(const ms_audit *a)
{
    char when[32], reply[300], qid[64], client[256], sender[1024], login[512];
    time_t now = time(NULL);
    struct tm tm;

    if (audit_fd < 0)
        return;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    int k = snprintf(reply, sizeof reply, "%s %s %s", a->reply ? a->reply->code : "",
                     a->reply ? a->reply->status : "", a->reply ? a->reply->text : "");
    ms_mask_pans(reply, k < 0 || (size_t)k >= sizeof reply);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:o, s:f, s:I}", "time", when, "queue_id",
        masked(qid, sizeof qid, a->queue_id), "client", masked(client, sizeof client, a->client),
        "sender", masked(sender, sizeof sender, a->sender), "login",
        masked(login, sizeof login, a->login), "recipients", (json_int_t)a->recipients,
        "external_recipients", (json_int_t)a->external_recipients, "verdict", a->verdict, "reply",
        a->reply ? reply : "", "findings", findings_json(a->result), "scan_ms", a->scan_ms, "bytes",
        (json_int_t)a->bytes);
    if (!o)
        return;
    char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (!line)
        return;
    size_t n = strlen(line);
    line[n] = '\n'; /* json_dumps leaves room only for the NUL: reuse it */
    pthread_mutex_lock(&audit_mu);
    if (audit_fd >= 0 && write(audit_fd, line, n + 1) != (ssize_t)(n + 1))
        ms_milter_log(LOG_WARNING, "audit log: short write: %m");
    pthread_mutex_unlock(&audit_mu);
    free(line);
}
