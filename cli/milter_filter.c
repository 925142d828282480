/*
 * milter_filter.c - the callbacks libmilter calls, one set per connection
 *
 * A translator between the milter protocol and the engine: envelope facts
 * go to the ms_policy_* checks, header and body bytes are streamed into
 * the connection's scan as the MTA sends them, and every decision comes
 * back as an SMTP reply. Nothing here decides policy.
 *
 * Stages and what is answered there (the earliest that knows enough):
 *   MAIL FROM  declared SIZE=, rate limit and suspension
 *   RCPT TO    recipient limit (452 4.5.3 for the one over it)
 *   end of header  From/Sender against the authenticated login (answered
 *                  with the body, see No replies)
 *   end of message content verdict, actual size; the disclaimer's new body
 *
 * Disclaimer: when the config has one, header and body bytes also go to an
 * ms_disclaimer, which keeps the rewritten body (memory, then a temporary
 * file) only for messages with an external recipient; at end of message an
 * accepted, tagged or quarantined message gets it by smfi_replacebody.
 *
 * Threads: libmilter serves the MTA's connections from a pool of worker
 * threads, one callback of a connection at a time. One compiled engine
 * is shared read-only (ms_milter_engine_swap installs a new one); each
 * connection owns a scan (scratch, buffers) made on the engine current when
 * its message began. Messages in flight finish on the engine they began
 * with, which is freed with its last scan.
 *
 * Only the smfi_* calls of a connection are used here (no smfi_main), so
 * fuzz/fuzz_milter.c compiles this file with its own smfi_* functions and
 * drives the callbacks as libmilter would.
 *
 * Sessions: a connection is admitted at its first MAIL FROM and holds a
 * scan until it closes; past milter.max_sessions admitted at once, MAIL
 * FROM gets 421 4.3.2, as it does once the daemon is stopping.
 *
 * Failure: any engine or backend error, an unreadable message, a timeout
 * on the MTA's side: the configured failure mode (tempfail by default). A
 * message is never accepted unscanned.
 *
 * No replies: headers and the end of header get no answer (SMFIP_NR_HDR,
 * SMFIP_NR_EOH), so the MTA streams them without waiting for one; Postfix
 * sends all the headers in one write instead of a round trip each. What
 * those steps find (a feed error, a From the login may not use) is kept
 * as the message's pending answer and given at the next step the MTA
 * waits on: the first body chunk, or the end of message. (libmilter offers
 * both flags to every MTA and itself answers "continue" to one that still
 * waits, as Postfix does at the end of header.) Postfix and Sendmail run
 * content milters only once the whole message is in, and answer the client
 * after the last one, so the client sees the same answer as before. The body keeps its replies:
 * libmilter does not call the end-of-message callback after a body callback that answers
 * SMFIS_NOREPLY in the MTA's last body packet (st_bodyend), and Postfix
 * sends every message's last chunk that way. SMFIS_SKIP is not used: the
 * scan, the size check and the disclaimer need every body byte, and a
 * decision taken in the body is final.
 */
#include "milter.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HEADER_ADDR_MAX 2048 /* From/Sender values kept for the spoofing check */
#define FINDINGS_HEADER 900  /* X-Mailsift-Findings value, well inside 998 */

static pthread_mutex_t eng_mu = PTHREAD_MUTEX_INITIALIZER;
static ms_engine *cur_engine;
static ms_ratelimit *ratelimit;
static atomic_int in_flight;
static atomic_bool stopping;
static atomic_uint sessions;      /* connections admitted (milter.max_sessions) */
static atomic_llong last_refused; /* time of the last "too many sessions" log */

typedef struct conn {
    ms_engine *eng; /* the engine of scan */
    ms_scan *scan;
    ms_disclaimer *disc;   /* eng has a disclaimer: the body rewriter */
    bool disc_on, chgbody; /* this message gets it; the MTA may replace bodies */
    bool in_message, headers_fed, refused;
    bool admitted; /* counted in sessions (from its first MAIL to close) */
    bool leadspc;  /* header values carry their leading space (both ways) */
    char sender[512], login[256], client[64];
    unsigned rcpts, external;
    char from[HEADER_ADDR_MAX], sender_hdr[HEADER_ADDR_MAX];
    bool have_from, have_sender;
    bool nr_hdr, nr_eoh; /* negotiated: no reply to headers, end of header */
    int pending;         /* PENDING_*: an answer kept from a step without reply */
    const char *pending_why;
    ms_reply pending_reply;
    struct timespec t0;
    double scan_ns;
} conn;

/*
 * Scans (and disclaimer rewriters) kept between connections. Postfix opens
 * a milter connection per SMTP session; creating and freeing a scan for
 * each cost more CPU than scanning: its buffers were mapped and unmapped,
 * and each unmap interrupts the daemon's other threads to flush their TLBs.
 * An entry holds a reference to its engine; one of an older engine (a
 * reload happened) is freed when met.
 */
#define SCAN_POOL_MAX 64
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pooled {
    ms_engine *eng;
    ms_scan *scan;
    ms_disclaimer *disc;
} pool[SCAN_POOL_MAX];
static unsigned npool;

static void pooled_free(struct pooled *p)
{
    ms_scan_destroy(p->scan);
    ms_disclaimer_destroy(p->disc);
    ms_engine_destroy(p->eng);
}

/* Keep c's scan for the next connection (c's fields are cleared), unless
 * the pool is full. */
static void pool_put(conn *c)
{
    pthread_mutex_lock(&pool_mu);
    if (c->scan && npool < SCAN_POOL_MAX) {
        pool[npool++] = (struct pooled){c->eng, c->scan, c->disc};
        c->eng = NULL;
        c->scan = NULL;
        c->disc = NULL;
    }
    pthread_mutex_unlock(&pool_mu);
}

/* A kept scan of eng into c, which holds none; false if there is none. */
static bool pool_get(conn *c, const ms_engine *eng)
{
    struct pooled stale[SCAN_POOL_MAX];
    unsigned nstale = 0;
    bool got = false;

    pthread_mutex_lock(&pool_mu);
    while (npool && !got) {
        struct pooled p = pool[--npool];
        if (p.eng == eng) {
            c->eng = p.eng;
            c->scan = p.scan;
            c->disc = p.disc;
            got = true;
        } else {
            stale[nstale++] = p;
        }
    }
    pthread_mutex_unlock(&pool_mu);
    for (unsigned i = 0; i < nstale; i++)
        pooled_free(&stale[i]);
    return got;
}

void ms_milter_pool_drain(void)
{
    pthread_mutex_lock(&pool_mu);
    while (npool)
        pooled_free(&pool[--npool]);
    pthread_mutex_unlock(&pool_mu);
}

static ms_engine *engine_get(void)
{
    pthread_mutex_lock(&eng_mu);
    ms_engine *e = ms_engine_ref(cur_engine);
    pthread_mutex_unlock(&eng_mu);
    return e;
}

ms_engine *ms_milter_engine_swap(ms_engine *eng)
{
    pthread_mutex_lock(&eng_mu);
    ms_engine *old = cur_engine;
    cur_engine = eng;
    pthread_mutex_unlock(&eng_mu);
    return old;
}

void ms_milter_set_ratelimit(ms_ratelimit *rl)
{
    ratelimit = rl;
}

int ms_milter_in_flight(void)
{
    return atomic_load(&in_flight);
}

void ms_milter_stop(void)
{
    atomic_store(&stopping, true);
}

unsigned ms_milter_sessions(void)
{
    return atomic_load(&sessions);
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static const char *macro(SMFICTX *ctx, const char *name)
{
    const char *v = smfi_getsymval(ctx, (char *)name);
    return v ? v : "";
}

static void audit(SMFICTX *ctx, conn *c, const char *verdict, const ms_reply *r,
                  const ms_result *res)
{
    ms_audit a = {.queue_id = macro(ctx, "i"),
                  .client = c->client,
                  .sender = c->sender,
                  .login = c->login,
                  .recipients = c->rcpts,
                  .external_recipients = c->external,
                  .verdict = verdict,
                  .reply = r,
                  .result = res,
                  .scan_ms = c->scan_ns / 1e6,
                  .bytes = res ? res->message_bytes : 0};
    ms_audit_write(&a);
}

/* Answer with r: 4xx tempfail, 5xx reject. */
static sfsistat refuse(SMFICTX *ctx, const ms_reply *r)
{
    if (smfi_setreply(ctx, (char *)r->code, (char *)r->status, (char *)r->text) != MI_SUCCESS)
        ms_milter_log(LOG_WARNING, "cannot set reply %s %s", r->code, r->status);
    return ms_reply_is_temporary(r) ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* The failure mode, logged with why. */
static sfsistat fail(SMFICTX *ctx, conn *c, const char *why)
{
    ms_reply r;
    ms_policy_failure_reply(c ? c->eng : NULL, &r);
    ms_milter_log(LOG_WARNING, "%s: sender <%s>: %s; answered %s %s", macro(ctx, "i"),
                  c ? c->sender : "", why, r.code, r.status);
    if (c) {
        c->refused = true;
        audit(ctx, c, ms_reply_is_temporary(&r) ? "tempfail" : "reject", &r, NULL);
    }
    return refuse(ctx, &r);
}

/* A message's pending answer (conn.pending). */
enum { PENDING_NONE, PENDING_FAIL, PENDING_SENDER };

/* Keep the failure mode, for why, as c's answer; the first one stays. */
static void fail_later(conn *c, const char *why)
{
    if (c->pending == PENDING_NONE) {
        c->pending = PENDING_FAIL;
        c->pending_why = why;
    }
}

/* Give the pending answer (the message ends with it). */
static sfsistat answer_pending(SMFICTX *ctx, conn *c)
{
    if (c->pending == PENDING_FAIL)
        return fail(ctx, c, c->pending_why);
    ms_milter_log(LOG_NOTICE, "login \"%s\" may not send as the From; %s %s: %s", c->login,
                  c->pending_reply.code, c->pending_reply.status, c->from);
    c->refused = true;
    audit(ctx, c, "reject", &c->pending_reply, NULL);
    return refuse(ctx, &c->pending_reply);
}

static void end_message(conn *c)
{
    if (c->in_message) {
        c->in_message = false;
        atomic_fetch_sub(&in_flight, 1);
    }
}

/* ---- callbacks --------------------------------------------------------- */

/* Nothing to do at DATA, but the step is taken: the MTA sends the DATA
 * macros either way, and without the DATA command behind them they are a
 * write with no answer. Postfix's next write (the first header) then waits
 * for their TCP acknowledgement, which the kernel delays by 40 ms (Nagle
 * against delayed ACK): 40 ms per message on an inet: socket. With the
 * step, macros and command go out together and our answer acknowledges
 * them. */
static sfsistat on_data(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    const unsigned long want = SMFIF_ADDHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST;
    /* DATA is not skipped and gets its reply (see on_data) */
    const unsigned long steps = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN;
    /* libmilter offers these even to an MTA without them, and answers
     * "continue" for us where the MTA still waits (see the top) */
    const unsigned long noreply = SMFIP_NR_HDR | SMFIP_NR_EOH;

    (void)f2;
    (void)f3;
    if ((f0 & want) != want) {
        ms_milter_log(LOG_ERR, "the MTA does not offer header, quarantine and macro actions");
        return SMFIS_REJECT;
    }
    *pf0 = want | (f0 & SMFIF_CHGBODY);
    *pf1 = (f1 & steps) | (f1 & SMFIP_HDR_LEADSPC);
    *pf2 = *pf3 = 0;
    conn *c = smfi_getpriv(ctx);
    if (!c && (c = calloc(1, sizeof *c)))
        smfi_setpriv(ctx, c);
    if (c) { /* without c, nowhere to keep an answer: every step replies */
        *pf1 |= f1 & noreply;
        c->leadspc = (f1 & SMFIP_HDR_LEADSPC) != 0;
        c->chgbody = (f0 & SMFIF_CHGBODY) != 0;
        c->nr_hdr = (f1 & SMFIP_NR_HDR) != 0;
        c->nr_eoh = (f1 & SMFIP_NR_EOH) != 0;
    }
    smfi_setsymlist(ctx, SMFIM_ENVFROM, "{auth_authen} {mail_addr} {client_addr}");
    smfi_setsymlist(ctx, SMFIM_ENVRCPT, "{rcpt_addr}");
    smfi_setsymlist(ctx, SMFIM_EOM, "i");
    return SMFIS_CONTINUE;
}

/* The connection's state and a scan on the current engine. */
static conn *begin_message(SMFICTX *ctx)
{
    conn *c = smfi_getpriv(ctx);
    ms_engine *eng = engine_get();
    ms_error err;

    if (!c) {
        if (!(c = calloc(1, sizeof *c))) {
            ms_engine_destroy(eng);
            return NULL;
        }
        smfi_setpriv(ctx, c);
    }
    end_message(c);
    if (c->eng != eng) { /* first message, or a reload happened */
        ms_milter_conf mc;
        ms_scan_destroy(c->scan);
        ms_disclaimer_destroy(c->disc);
        ms_engine_destroy(c->eng);
        c->scan = NULL;
        c->disc = NULL;
        c->eng = NULL;
        if (pool_get(c, eng)) {
            ms_engine_destroy(eng); /* the kept scan brought a reference */
            ms_scan_reset(c->scan);
            if (c->disc)
                ms_disclaimer_reset(c->disc);
        } else {
            c->eng = eng;
            if (ms_scan_create(eng, &c->scan, &err) != MS_OK)
                return NULL;
            ms_policy_milter_conf(eng, &mc);
            if (mc.disclaimer[0] && ms_disclaimer_create(eng, &c->disc) != MS_OK) {
                ms_scan_destroy(c->scan);
                c->scan = NULL;
                return NULL;
            }
        }
    } else {
        ms_engine_destroy(eng); /* c->eng holds one already */
        ms_scan_reset(c->scan);
        if (c->disc)
            ms_disclaimer_reset(c->disc);
    }
    c->disc_on = c->disc != NULL; /* until end of header tells */
    c->in_message = true;
    atomic_fetch_add(&in_flight, 1);
    c->headers_fed = c->refused = c->have_from = c->have_sender = false;
    c->rcpts = c->external = 0;
    c->pending = PENDING_NONE;
    c->from[0] = c->sender_hdr[0] = '\0';
    c->scan_ns = 0;
    return c;
}

/*
 * mask_if_cut - dst (size bytes) got n bytes of snprintf output: when they
 * did not fit, mask it as cut at once. The logs mask every line, but a card
 * number cut here shows too few digits there to be seen as one.
 */
static void mask_if_cut(char *dst, size_t size, int n)
{
    if (n < 0 || (size_t)n >= size)
        ms_mask_pans(dst, true);
}

/*
 * admit - count ctx's connection among the sessions, at its first MAIL
 * FROM; false when milter.max_sessions are open already. A session holds a
 * scan (its buffers) from then until the connection closes, so the cap
 * bounds the memory a client holding connections open can take.
 */
static bool admit(SMFICTX *ctx)
{
    conn *c = smfi_getpriv(ctx);
    ms_milter_conf mc;

    if (!c) {
        if (!(c = calloc(1, sizeof *c)))
            return true; /* begin_message fails and says so */
        smfi_setpriv(ctx, c);
    }
    if (c->admitted)
        return true;
    ms_engine *eng = engine_get();
    ms_policy_milter_conf(eng, &mc);
    ms_engine_destroy(eng);
    if (atomic_fetch_add(&sessions, 1) >= mc.max_sessions) {
        atomic_fetch_sub(&sessions, 1);
        long long now = time(NULL), last = atomic_load(&last_refused);
        if (now - last >= 60 && atomic_compare_exchange_strong(&last_refused, &last, now))
            ms_milter_log(LOG_WARNING,
                          "%u sessions open (milter.max_sessions): new messages get 421 4.3.2",
                          mc.max_sessions);
        return false;
    }
    c->admitted = true;
    return true;
}

static uint64_t declared_size(char **argv)
{
    for (int i = 1; argv[0] && argv[i]; i++)
        if (strncasecmp(argv[i], "SIZE=", 5) == 0)
            return strtoull(argv[i] + 5, NULL, 10);
    return 0;
}

static sfsistat on_envfrom(SMFICTX *ctx, char **argv)
{
    static const ms_reply stop_reply = {"421", "4.3.2",
                                        "Mail filter shutting down, try again later"};
    static const ms_reply busy_reply = {"421", "4.3.2",
                                        "Too many concurrent sessions, try again later"};
    ms_reply r;
    bool allowed;

    if (!admit(ctx))
        return refuse(ctx, &busy_reply);
    conn *c = begin_message(ctx);
    /* after begin_message counted the message: ms_milter_stop()'s caller
     * either sees it in flight or it sees the flag */
    if (atomic_load(&stopping)) {
        if (c)
            end_message(c);
        ms_milter_log(LOG_NOTICE, "stopping: new message answered %s %s", stop_reply.code,
                      stop_reply.status);
        return refuse(ctx, &stop_reply);
    }
    if (!c || !c->scan)
        return fail(ctx, c, "cannot create a scan (out of memory)");
    int n = snprintf(c->sender, sizeof c->sender, "%s", macro(ctx, "{mail_addr}"));
    if (!c->sender[0] && argv[0]) { /* no macro: the argument, brackets off */
        const char *a = argv[0] + (argv[0][0] == '<');
        n = snprintf(c->sender, sizeof c->sender, "%.*s", (int)strcspn(a, ">"), a);
    }
    mask_if_cut(c->sender, sizeof c->sender, n);
    n = snprintf(c->login, sizeof c->login, "%s", macro(ctx, "{auth_authen}"));
    mask_if_cut(c->login, sizeof c->login, n);
    n = snprintf(c->client, sizeof c->client, "%s", macro(ctx, "{client_addr}"));
    mask_if_cut(c->client, sizeof c->client, n);
    clock_gettime(CLOCK_REALTIME, &c->t0);
    if (!ms_policy_size_check(c->eng, declared_size(argv), &r)) {
        c->refused = true;
        audit(ctx, c, "reject", &r, NULL);
        return refuse(ctx, &r);
    }
    int rc = ms_ratelimit_hit(ratelimit, c->eng, c->login[0] ? c->login : c->sender, c->t0.tv_sec,
                              &allowed, &r);
    if (rc != MS_OK)
        return fail(ctx, c, ms_ratelimit_error(ratelimit));
    if (!allowed) {
        ms_milter_log(LOG_NOTICE, "sender <%s> login \"%s\" suspended: %s %s %s", c->sender,
                      c->login, r.code, r.status, r.text);
        c->refused = true;
        audit(ctx, c, "tempfail", &r, NULL);
        return refuse(ctx, &r);
    }
    return SMFIS_CONTINUE;
}

static sfsistat on_envrcpt(SMFICTX *ctx, char **argv)
{
    conn *c = smfi_getpriv(ctx);
    ms_reply r;

    if (!c || !c->scan)
        return fail(ctx, c, "recipient outside a message");
    if (!ms_policy_recipients_check(c->eng, c->rcpts + 1, &r))
        return refuse(ctx, &r); /* this recipient only */
    const char *addr = macro(ctx, "{rcpt_addr}");
    c->rcpts++;
    if (!ms_policy_internal_check(c->eng, addr[0] || !argv[0] ? addr : argv[0]))
        c->external++;
    return SMFIS_CONTINUE;
}

/* Message bytes to the scan, and to the disclaimer while it may apply. */
static int feed(conn *c, const void *buf, size_t len)
{
    int rc = ms_scan_feed(c->scan, buf, len);
    if (rc == MS_OK && c->disc_on)
        rc = ms_disclaimer_feed(c->disc, buf, len);
    return rc;
}

static void keep_address(char *dst, bool *have, const char *value)
{
    size_t n = strlen(dst);
    /* several From fields: every address of every one is checked */
    int k = snprintf(dst + n, HEADER_ADDR_MAX - n, "%s%s", *have ? "," : "", value);
    mask_if_cut(dst, HEADER_ADDR_MAX, k < 0 ? k : (int)n + k);
    *have = true;
}

/* A failure at a header: answered now, or kept while headers get none. */
static sfsistat header_fail(SMFICTX *ctx, conn *c, const char *why)
{
    if (!c || !c->nr_hdr)
        return fail(ctx, c, why);
    fail_later(c, why);
    return SMFIS_NOREPLY;
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    conn *c = smfi_getpriv(ctx);

    if (!c || !c->scan)
        return header_fail(ctx, c, "header outside a message");
    if (c->pending) /* kept from an earlier header: nothing more to feed */
        return SMFIS_NOREPLY;
    if (strcasecmp(name, "From") == 0)
        keep_address(c->from, &c->have_from, value);
    else if (strcasecmp(name, "Sender") == 0)
        keep_address(c->sender_hdr, &c->have_sender, value);
    double t = now_ns();
    /* the field as it was: value keeps its leading space (HDR_LEADSPC) or
     * gets one; folded lines keep their line breaks */
    int rc = feed(c, name, strlen(name));
    if (rc == MS_OK)
        rc = feed(c, value[0] == ' ' || value[0] == '\t' ? ":" : ": ",
                  value[0] == ' ' || value[0] == '\t' ? 1 : 2);
    if (rc == MS_OK)
        rc = feed(c, value, strlen(value));
    if (rc == MS_OK)
        rc = feed(c, "\r\n", 2);
    c->scan_ns += now_ns() - t;
    c->headers_fed = true;
    if (rc != MS_OK)
        return header_fail(ctx, c, ms_strerror(rc));
    return c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* The envelope to the scan, the disclaimer's decision, the blank line. */
static int eoh_feed(conn *c)
{
    ms_envelope env = {.recipients = c->rcpts, .external_recipients = c->external};
    ms_scan_set_envelope(c->scan, &env);
    if (c->disc_on && !ms_disclaimer_check(c->eng, &env))
        c->disc_on = false; /* internal mail: no copy of the body kept */
    if (c->disc_on && !c->chgbody) {
        ms_milter_log(LOG_WARNING, "the MTA does not allow body changes: no disclaimer");
        c->disc_on = false;
    }
    return feed(c, "\r\n", 2);
}

/* The end of header gets no reply when c->nr_eoh: what it finds, or a
 * header left, is kept for later; else answered here. */
static sfsistat on_eoh(SMFICTX *ctx)
{
    conn *c = smfi_getpriv(ctx);

    if (!c || !c->scan) {
        if (!c || !c->nr_eoh)
            return fail(ctx, c, "end of header outside a message");
        fail_later(c, "end of header outside a message");
    } else if (!c->pending &&
               !ms_policy_sender_check(c->eng, c->login, c->have_from ? c->from : NULL,
                                       c->have_sender ? c->sender_hdr : NULL, &c->pending_reply)) {
        c->pending = PENDING_SENDER;
    } else if (!c->pending) {
        int rc = eoh_feed(c);
        if (rc != MS_OK)
            fail_later(c, ms_strerror(rc));
    }
    if (c->nr_eoh)
        return SMFIS_NOREPLY;
    return c->pending ? answer_pending(ctx, c) : SMFIS_CONTINUE;
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    conn *c = smfi_getpriv(ctx);

    if (!c || !c->scan)
        return fail(ctx, c, "body outside a message");
    if (c->pending)
        return answer_pending(ctx, c);
    double t = now_ns();
    int rc = feed(c, chunk, len);
    c->scan_ns += now_ns() - t;
    return rc == MS_OK ? SMFIS_CONTINUE : fail(ctx, c, ms_strerror(rc));
}

static void add_headers(SMFICTX *ctx, const conn *c, const ms_result *res)
{
    char line[FINDINGS_HEADER], value[FINDINGS_HEADER + 2];
    const char *sp = c->leadspc ? " " : "";

    snprintf(value, sizeof value, "%s%s", sp, ms_action_name(res->verdict));
    smfi_addheader(ctx, "X-Mailsift-Verdict", value);
    if (res->nfindings) {
        snprintf(value, sizeof value, "%s%s", sp, ms_policy_findings_line(res, line, sizeof line));
        smfi_addheader(ctx, "X-Mailsift-Findings", value);
    }
}

/* The disclaimer's new body, if it changed anything. MS_OK or MS_ERR_*. */
static int add_disclaimer(SMFICTX *ctx, conn *c)
{
    unsigned char buf[65536];
    bool changed;
    size_t n;

    if (!c->disc_on)
        return MS_OK;
    int rc = ms_disclaimer_finish(c->disc, &changed);
    while (rc == MS_OK && changed &&
           (rc = ms_disclaimer_read(c->disc, buf, sizeof buf, &n)) == MS_OK && n > 0)
        if (smfi_replacebody(ctx, buf, (int)n) != MI_SUCCESS)
            rc = MS_ERR_IO;
    return rc;
}

static sfsistat on_eom(SMFICTX *ctx)
{
    conn *c = smfi_getpriv(ctx);
    const ms_result *res;
    ms_reply r;

    if (!c || !c->scan)
        return fail(ctx, c, "end of message outside a message");
    if (c->pending) {
        sfsistat answer = answer_pending(ctx, c);
        end_message(c);
        return answer;
    }
    double t = now_ns();
    int rc = ms_scan_finish(c->scan, &res);
    c->scan_ns += now_ns() - t;
    if (rc != MS_OK)
        return fail(ctx, c, ms_strerror(rc));
    if (!ms_policy_size_check(c->eng, res->message_bytes, &r)) {
        audit(ctx, c, "reject", &r, res);
        end_message(c);
        return refuse(ctx, &r);
    }
    if (res->verdict != MS_ACTION_REJECT && (rc = add_disclaimer(ctx, c)) != MS_OK) {
        end_message(c);
        return fail(ctx, c, "cannot add the disclaimer");
    }
    ms_policy_verdict_reply(c->eng, res, &r);
    audit(ctx, c, ms_action_name(res->verdict), &r, res);
    end_message(c);
    switch (res->verdict) {
    case MS_ACTION_REJECT:
        ms_milter_log(LOG_NOTICE, "%s: reject: sender <%s>: %s %s %s", macro(ctx, "i"), c->sender,
                      r.code, r.status, r.text);
        return refuse(ctx, &r);
    case MS_ACTION_QUARANTINE:
        add_headers(ctx, c, res);
        if (smfi_quarantine(ctx, r.text) != MI_SUCCESS)
            return fail(ctx, c, "the MTA refused to quarantine");
        ms_milter_log(LOG_NOTICE, "%s: quarantine: sender <%s>: %s", macro(ctx, "i"), c->sender,
                      r.text);
        return SMFIS_ACCEPT;
    case MS_ACTION_TAG:
        add_headers(ctx, c, res);
        return SMFIS_ACCEPT;
    case MS_ACTION_ACCEPT:
        break;
    }
    return SMFIS_ACCEPT;
}

static sfsistat on_abort(SMFICTX *ctx)
{
    conn *c = smfi_getpriv(ctx);
    if (c)
        end_message(c);
    return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *ctx)
{
    conn *c = smfi_getpriv(ctx);
    if (c) {
        end_message(c);
        if (c->admitted)
            atomic_fetch_sub(&sessions, 1);
        pool_put(c);
        ms_scan_destroy(c->scan);
        ms_disclaimer_destroy(c->disc);
        ms_engine_destroy(c->eng);
        free(c);
        smfi_setpriv(ctx, NULL);
    }
    return SMFIS_CONTINUE;
}

struct smfiDesc ms_milter_filter = {
    .xxfi_name = "mailsift",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
    .xxfi_envfrom = on_envfrom,
    .xxfi_envrcpt = on_envrcpt,
    .xxfi_data = on_data,
    .xxfi_header = on_header,
    .xxfi_eoh = on_eoh,
    .xxfi_body = on_body,
    .xxfi_eom = on_eom,
    .xxfi_abort = on_abort,
    .xxfi_close = on_close,
    .xxfi_negotiate = on_negotiate,
};
