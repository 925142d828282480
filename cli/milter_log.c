/*
 * milter_log.c - the daemon's log (syslog or stderr) and its audit log
 *
 * The audit log holds one JSON object a line per message: time, queue id,
 * client, sender, login, recipient counts, verdict, the reply given, the
 * findings (masked as the engine stores them) and the scan time. A line is
 * written with one write(2) on an O_APPEND descriptor, so lines of
 * concurrent messages never mix.
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
static int audit_fd = -1;
static pthread_mutex_t audit_mu = PTHREAD_MUTEX_INITIALIZER;

void ms_milter_log_open(bool to_stderr)
{
    log_stderr = to_stderr;
    if (!to_stderr)
        openlog("mailsift", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void ms_milter_log(int prio, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (log_stderr) {
        char line[1024];
        vsnprintf(line, sizeof line, fmt, ap);
        fprintf(stderr, "mailsift[%ld]: %s%s\n", (long)getpid(),
                prio <= LOG_ERR       ? "fatal: "
                : prio == LOG_WARNING ? "warning: "
                                      : "",
                line);
    } else {
        vsyslog(prio, fmt, ap);
    }
    va_end(ap);
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
    json_t *a = json_array();
    for (size_t i = 0; res && i < res->nfindings; i++) {
        const ms_finding *f = &res->findings[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "category", f->category, "rule",
                                           f->rule, "part", f->part, "excerpt", f->excerpt));
    }
    return a;
}

void ms_audit_write(const ms_audit *a)
{
    char when[32], reply[300];
    time_t now = time(NULL);
    struct tm tm;

    if (audit_fd < 0)
        return;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    snprintf(reply, sizeof reply, "%s %s %s", a->reply ? a->reply->code : "",
             a->reply ? a->reply->status : "", a->reply ? a->reply->text : "");
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:o, s:f, s:I}", "time", when, "queue_id",
        a->queue_id ? a->queue_id : "", "client", a->client ? a->client : "", "sender",
        a->sender ? a->sender : "", "login", a->login ? a->login : "", "recipients",
        (json_int_t)a->recipients, "external_recipients", (json_int_t)a->external_recipients,
        "verdict", a->verdict, "reply", a->reply ? reply : "", "findings", findings_json(a->result),
        "scan_ms", a->scan_ms, "bytes", (json_int_t)a->bytes);
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
