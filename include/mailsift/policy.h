/*
 * policy.h - envelope policies, SMTP replies and the shared sender state
 *
 * What a mail front end (the milter) needs besides the content scan: the
 * envelope facts a scan's verdict depends on, the decisions the envelope
 * alone settles (recipient count, declared and actual size, spoofed
 * From/Sender, rate limit), and the SMTP reply for each decision. Every
 * decision is taken here, from the engine's configuration (mailsift.yaml
 * sections `internal_domains`, `policy` and `milter`); a front end only
 * passes facts in and turns a refusal into its MTA's reply.
 *
 * A refusal is an ms_reply: a three-digit SMTP code, an RFC 3463 enhanced
 * status code and a text. A 4xx code means "try later" (tempfail), a 5xx
 * code "refused for good".
 *
 * Thread rules: every ms_policy_* function reads the engine only and may be
 * called from any number of threads. An ms_ratelimit is shared by all
 * threads (it locks inside).
 */
#ifndef MAILSIFT_POLICY_H
#define MAILSIFT_POLICY_H

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An SMTP reply: "550", "5.7.1", "Message blocked: ...". */
typedef struct ms_reply {
    char code[4];
    char status[16];
    char text[256];
} ms_reply;

/* True when the reply's code is a temporary failure (4xx). */
bool ms_reply_is_temporary(const ms_reply *reply);

/*
 * Envelope facts of the message a scan is reading. Set with
 * ms_scan_set_envelope() after ms_scan_reset() and before
 * ms_scan_finish(); they hold for that message only. A scan without an
 * envelope (files, sweeps) treats the message as going outside, the
 * conservative reading of `scope: external`.
 */
typedef struct ms_envelope {
    unsigned recipients;          /* RCPT TO accepted */
    unsigned external_recipients; /* of those, outside internal_domains */
} ms_envelope;

void ms_scan_set_envelope(ms_scan *scan, const ms_envelope *env);

/* True if address (local@domain, angle brackets allowed) is inside one of
 * the configured internal_domains (a domain or any subdomain of it). */
bool ms_policy_internal_check(const ms_engine *eng, const char *address);

/*
 * Envelope checks. Each returns true when the message may go on, false
 * with *reply filled when it is refused at this stage.
 *
 * size:       declared SIZE= at MAIL FROM, or the message's real size at
 *             end of data, against milter.size_limit (552 5.3.4).
 * recipients: n is the count including the RCPT being asked about; the
 *             first over milter.recipient_limit gets 452 4.5.3 (RFC 5321
 *             4.5.3.1.10: the client sends the rest in another message).
 * sender:     the header From (every address of it) and Sender against
 *             what the authenticated login may use (milter.login_maps in
 *             the form of Postfix's smtpd_sender_login_maps, the login
 *             itself when it is an address, its domain when
 *             milter.same_domain is on). login NULL or "": no check.
 */
bool ms_policy_size_check(const ms_engine *eng, uint64_t size, ms_reply *reply);
bool ms_policy_recipients_check(const ms_engine *eng, unsigned n, ms_reply *reply);
bool ms_policy_sender_check(const ms_engine *eng, const char *login, const char *header_from,
                            const char *header_sender, ms_reply *reply);

/*
 * The reply for a scan's verdict: for reject the configured reply of the
 * most severe category that fired (policy.CATEGORY.reply, default
 * "550 5.7.1 Message blocked: ..."); for quarantine the reason held with
 * the message (text only). Accept and tag give 250 2.0.0.
 */
void ms_policy_verdict_reply(const ms_engine *eng, const ms_result *res, ms_reply *reply);

/* The reply when a message could not be scanned (internal error, timeout):
 * milter.failure_mode tempfail (default, 451 4.3.0) or reject (554 5.3.0). */
void ms_policy_failure_reply(const ms_engine *eng, ms_reply *reply);

/* Findings as one header-safe line, masked as stored:
 * "pci/pci.pan@2 411111******1111; ...", cut at size. Returns out. */
const char *ms_policy_findings_line(const ms_result *res, char *out, size_t size);

/*
 * Disclaimer (milter.disclaimer): a site text appended to every inline
 * text/plain and text/html part of a message with a recipient outside
 * internal_domains; signed and encrypted messages are left alone. The
 * message is fed as the scan is (header fields, blank line, body; any
 * chunking) and the new body is read back after finish. Output beyond
 * 1 MiB is kept in an unlinked temporary file ($TMPDIR, else /tmp); at
 * most milter.size_limit (plus 1 MiB) is kept, a bigger message is left
 * unchanged. One message at a time; ms_disclaimer_reset() between them.
 *
 * check:   does eng have a disclaimer and env an external recipient?
 * create:  a rewriter for eng's text (eng must outlive it). MS_ERR_NOMEM.
 * feed:    MS_OK, MS_ERR_NOMEM or MS_ERR_IO (temporary file).
 * finish:  *changed tells whether the body was rewritten (false: signed,
 *          no text part, too big); then read the new body.
 * read:    up to size bytes of the new body into buf, *n of them; *n 0 at
 *          the end. MS_OK or MS_ERR_IO.
 */
typedef struct ms_disclaimer ms_disclaimer;

bool ms_disclaimer_check(const ms_engine *eng, const ms_envelope *env);
int ms_disclaimer_create(const ms_engine *eng, ms_disclaimer **out);
void ms_disclaimer_reset(ms_disclaimer *d);
int ms_disclaimer_feed(ms_disclaimer *d, const void *buf, size_t len);
int ms_disclaimer_finish(ms_disclaimer *d, bool *changed);
int ms_disclaimer_read(ms_disclaimer *d, void *buf, size_t size, size_t *n);
void ms_disclaimer_destroy(ms_disclaimer *d);

/* The daemon's settings (mailsift.yaml `milter:`), defaults filled in.
 * Strings point into the engine and live as long as it. */
typedef enum ms_state_backend {
    MS_STATE_FILE = 0,
    MS_STATE_REDIS = 1,
} ms_state_backend;

typedef struct ms_milter_conf {
    const char *listen;     /* "inet:10025@127.0.0.1" or "unix:/path" */
    const char *user;       /* drop privileges to it after binding; "" keep */
    const char *pidfile;    /* "" none */
    const char *log;        /* "syslog" or "stderr" */
    const char *audit_log;  /* JSON lines file; "" none */
    const char *disclaimer; /* text appended for external recipients; "" none */
    unsigned timeout;       /* seconds of MTA silence before giving up */
    unsigned recipient_limit;
    unsigned max_sessions; /* connections with a message begun at once */
    uint64_t size_limit;
    unsigned rate_messages; /* per sender in rate_window seconds */
    unsigned rate_window;
    ms_state_backend state;
    const char *state_file; /* file backend */
    const char *redis_host; /* redis backend */
    unsigned redis_port;
    const char *redis_prefix; /* key prefix, so nodes of a fleet share keys */
} ms_milter_conf;

void ms_policy_milter_conf(const ms_engine *eng, ms_milter_conf *out);

/*
 * Rate limiter and suspensions, shared by every connection (and, with the
 * Redis backend, by every host of a fleet). A sender (the authenticated
 * login, else the envelope sender) may send rate_messages messages in any
 * rate_window seconds (a sliding window, estimated from two fixed windows
 * as the count of the previous window weighted by its overlap plus the
 * current one). The message over the limit suspends the sender: it and
 * every later one get a temporary failure until an administrator clears
 * the suspension (`mailsift suspend clear ADDRESS`).
 *
 * File backend: counters and suspensions in memory, written atomically
 * (temporary file + rename) to state_file at once when a suspension
 * changes and at most once a second otherwise; reread when another process
 * replaced the file (`mailsift suspend clear` while the daemon runs).
 */
typedef struct ms_ratelimit ms_ratelimit;

/* Open the backend configured in eng (reads the state file, connects to
 * Redis). The limiter keeps no reference to eng. */
int ms_ratelimit_create(const ms_engine *eng, ms_ratelimit **out, ms_error *err);
void ms_ratelimit_destroy(ms_ratelimit *rl);

/*
 * Count one message from sender at time now with eng's limits. Returns
 * MS_OK with *allowed true, or with *allowed false and *reply filled (the
 * sender is, or has just become, suspended); MS_ERR_IO if the backend
 * failed (the caller applies the failure mode).
 */
int ms_ratelimit_hit(ms_ratelimit *rl, const ms_engine *eng, const char *sender, time_t now,
                     bool *allowed, ms_reply *reply);

/* One suspended sender, for listings. */
typedef void (*ms_suspension_fn)(void *ctx, const char *sender, time_t since, unsigned count);

/* Call fn for every suspended sender. MS_OK or MS_ERR_IO. */
int ms_ratelimit_list(ms_ratelimit *rl, ms_suspension_fn fn, void *ctx);

/* Lift sender's suspension and forget its counts; *found tells whether it
 * was suspended. MS_OK or MS_ERR_IO. */
int ms_ratelimit_clear(ms_ratelimit *rl, const char *sender, bool *found);

/* What went wrong last (backend error text); never NULL. */
const char *ms_ratelimit_error(const ms_ratelimit *rl);

#ifdef __cplusplus
}
#endif

#endif /* MAILSIFT_POLICY_H */
