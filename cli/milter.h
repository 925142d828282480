/*
 * milter.h - pieces of the milter front end shared between its files
 */
#ifndef MS_MILTER_H
#define MS_MILTER_H

#include <mailsift/mailsift.h>
#include <mailsift/policy.h>

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* `mailsift milter` and `mailsift suspend` (argv[0] is the command). */
int ms_cli_milter(int argc, char **argv);
int ms_cli_suspend(int argc, char **argv);

/* Log to syslog (mail facility) or stderr, as milter.log says. */
void ms_milter_log_open(bool to_stderr);
void ms_milter_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One message's audit record. */
typedef struct ms_audit {
    const char *queue_id, *client, *sender, *login;
    unsigned recipients, external_recipients;
    const char *verdict; /* accept, tag, quarantine, reject, tempfail */
    const ms_reply *reply;
    const ms_result *result; /* NULL when refused before the content */
    double scan_ms;
    uint64_t bytes;
} ms_audit;

/* Open (or reopen, after log rotation) path for appending; "" closes. */
int ms_audit_open(const char *path);
/* Append one JSON line (one write(2), so lines never interleave). */
void ms_audit_write(const ms_audit *a);
void ms_audit_close(void);

#endif
