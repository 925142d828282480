/*
 * milter.h - pieces of the milter front end shared between its files
 */
#ifndef MS_MILTER_H
#define MS_MILTER_H

#include <mailsift/mailsift.h>
#include <mailsift/policy.h>

#include <libmilter/mfapi.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* `mailsift milter` and `mailsift suspend` (argv[0] is the command). */
int ms_cli_milter(int argc, char **argv);
int ms_cli_suspend(int argc, char **argv);

/* milter_filter.c: the callbacks, registered with smfi_register(). */
extern struct smfiDesc ms_milter_filter;
/* Install eng as the engine new messages use; returns the previous one
 * (the caller drops its reference). */
ms_engine *ms_milter_engine_swap(ms_engine *eng);
/* The limiter every message is counted in (NULL: none; set before any
 * connection). */
void ms_milter_set_ratelimit(ms_ratelimit *rl);
/* Messages between MAIL FROM and their end. */
int ms_milter_in_flight(void);
/* The daemon is stopping: a new message gets 421 4.3.2 (the MTA retries),
 * messages in flight go on. */
void ms_milter_stop(void);
/* Connections admitted at MAIL FROM and not closed (milter.max_sessions). */
unsigned ms_milter_sessions(void);
/* Free the scans kept between connections. */
void ms_milter_pool_drain(void);

/* Log to syslog (mail facility) or stderr, as milter.log says; card
 * numbers in a line are masked (ms_mask_pans), lines cut at 1023 bytes. */
void ms_milter_log_open(bool to_stderr);
void ms_milter_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Every line to fn instead (NULL: back to syslog or stderr); for tests. */
typedef void (*ms_milter_log_fn)(int prio, const char *line);
void ms_milter_log_to(ms_milter_log_fn fn);

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
/* Append one JSON line (one write(2), so lines never interleave); card
 * numbers in every string field are masked. */
void ms_audit_write(const ms_audit *a);
void ms_audit_close(void);

#endif
