/*
 * ratelimit.c - messages per sender in a sliding window, and suspensions
 *
 * The window is estimated from two fixed windows (the technique of
 * Cloudflare's and nginx's limiters): with W the window, the count of the
 * window now is  prev * (W - now % W) / W + cur,  which needs two counters
 * per sender instead of a timestamp per message, and is the same in the
 * file and the Redis backend. The message that takes the count over the
 * limit suspends the sender; a suspension lasts until cleared.
 *
 * File backend: a hash table in memory, the state file rewritten whole
 * (temporary file, fsync, rename: a crash leaves the old or the new file,
 * never half of one) when a suspension changes, and otherwise at most once
 * a second. When the file on disk is not the one this process last wrote
 * or read (another process ran `suspend clear`), it is read again first.
 * Line format: "S sender since count" and "C sender window prev cur".
 *
 * Redis backend: counters in keys PREFIX rl:SENDER:WINDOW (INCR, expire
 * after two windows), suspensions in the hash PREFIX suspended (field the
 * sender, value "since count"). Every host of a fleet pointed at the same
 * Redis shares counts and suspensions. A Redis error is returned to the
 * caller, which applies the failure mode; the next call reconnects.
 *
 * BUGS: two daemons on one host must not share a state file (the last
 * writer wins); use Redis for that.
 */
#include "engine.h"
#include "policy.h"
#include "util.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RL_BUCKETS 4096

typedef struct rl_entry {
    struct rl_entry *next;
    int64_t win; /* index of the current fixed window */
    unsigned prev, cur;
    bool suspended;
    int64_t since;
    unsigned count; /* estimated count when suspended */
    char sender[];
} rl_entry;

struct ms_ratelimit {
    ms_state_backend kind;
    pthread_mutex_t mu;
    char err[700];
    /* file */
    char path[MS_POLICY_STR];
    rl_entry *buckets[RL_BUCKETS];
    bool dirty;
    time_t last_write;
    struct stat seen; /* the file as last written or read */
    bool have_seen;
    /* redis */
    redisContext *rc;
    char host[MS_POLICY_STR], prefix[64];
    unsigned port;
    unsigned window; /* at create, for clear */
};

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % RL_BUCKETS;
}

/* Senders are stored as one token: lower case, no blanks or controls, card
 * numbers masked (a sender is a key in the state file and in Redis; two
 * senders alike but for the middle digits of a card number share a count). */
static void clean_sender(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (; *in && n + 1 < size; in++) {
        unsigned char c = (unsigned char)*in;
        out[n++] = (c <= ' ' || c == 0x7f) ? '_' : (char)ms_lower(c);
    }
    out[n] = '\0';
    ms_mask_pans(out, *in != '\0');
    if (n == 0)
        snprintf(out, size, "<>");
}

static rl_entry *find(ms_ratelimit *rl, const char *sender, bool create)
{
    uint32_t h = hash(sender);
    for (rl_entry *e = rl->buckets[h]; e; e = e->next)
        if (strcmp(e->sender, sender) == 0)
            return e;
    if (!create)
        return NULL;
    size_t n = strlen(sender);
    rl_entry *e = ms_calloc(1, sizeof *e + n + 1);
    if (!e)
        return NULL;
    memcpy(e->sender, sender, n + 1);
    e->next = rl->buckets[h];
    rl->buckets[h] = e;
    return e;
}

static void free_entries(ms_ratelimit *rl)
{
    for (unsigned i = 0; i < RL_BUCKETS; i++) {
        for (rl_entry *e = rl->buckets[i], *n; e; e = n) {
            n = e->next;
            free(e);
        }
        rl->buckets[i] = NULL;
    }
}

static int fail(ms_ratelimit *rl, const char *what)
{
    snprintf(rl->err, sizeof rl->err, "%s: %s: %s", rl->path, what, strerror(errno));
    return MS_ERR_IO;
}

/* ---- file backend ------------------------------------------------------ */

static int file_read(ms_ratelimit *rl)
{
    FILE *f = fopen(rl->path, "r");
    char line[1024], sender[512];
    int64_t a;
    unsigned b, c;

    free_entries(rl);
    rl->have_seen = false;
    if (!f)
        return errno == ENOENT ? MS_OK : fail(rl, "cannot read the state file");
    while (fgets(line, sizeof line, f)) {
        rl_entry *e;
        /* masked again: a file written before senders were */
        if (sscanf(line, "S %511s %" SCNd64 " %u", sender, &a, &b) == 3 &&
            (e = find(rl, ms_mask_pans(sender, false), true))) {
            e->suspended = true;
            e->since = a;
            e->count = b;
        } else if (sscanf(line, "C %511s %" SCNd64 " %u %u", sender, &a, &b, &c) == 4 &&
                   (e = find(rl, ms_mask_pans(sender, false), true))) {
            e->win = a;
            e->prev = b;
            e->cur = c;
        }
    }
    if (fstat(fileno(f), &rl->seen) == 0)
        rl->have_seen = true;
    fclose(f);
    return MS_OK;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Read the file again if someone else replaced it since we saw it. */
static int file_refresh(ms_ratelimit *rl)
{
    struct stat st;
    if (stat(rl->path, &st) != 0)
        return (errno == ENOENT && !rl->have_seen) ? MS_OK : file_read(rl);
    if (rl->have_seen && same_file(&st, &rl->seen))
        return MS_OK;
    return file_read(rl);
}

static int file_write(ms_ratelimit *rl, int64_t now_win)
{
    char tmp[MS_POLICY_STR + 16];
    FILE *f;

    snprintf(tmp, sizeof tmp, "%s.tmp", rl->path);
    if (!(f = fopen(tmp, "w")))
        return fail(rl, "cannot write the state file");
    fprintf(f, "# mailsift rate-limit state: S sender since count / C sender window prev cur\n");
    for (unsigned i = 0; i < RL_BUCKETS; i++)
        for (rl_entry *e = rl->buckets[i]; e; e = e->next) {
            if (e->suspended)
                fprintf(f, "S %s %" PRId64 " %u\n", e->sender, e->since, e->count);
            if (e->win >= now_win - 1 && (e->prev || e->cur))
                fprintf(f, "C %s %" PRId64 " %u %u\n", e->sender, e->win, e->prev, e->cur);
        }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        int e = fail(rl, "cannot write the state file");
        fclose(f);
        unlink(tmp);
        return e;
    }
    fclose(f);
    if (rename(tmp, rl->path) != 0) {
        unlink(tmp);
        return fail(rl, "cannot replace the state file");
    }
    rl->have_seen = stat(rl->path, &rl->seen) == 0;
    rl->dirty = false;
    return MS_OK;
}

/* Count one message in e at now; returns the sliding-window estimate. */
static unsigned count_message(rl_entry *e, time_t now, unsigned window)
{
    int64_t w = (int64_t)now / window;
    if (w == e->win + 1) {
        e->prev = e->cur;
        e->cur = 0;
    } else if (w != e->win) {
        e->prev = e->cur = 0;
    }
    e->win = w;
    e->cur++;
    uint64_t left = window - (uint64_t)now % window;
    return (unsigned)((uint64_t)e->prev * left / window) + e->cur;
}

static int file_hit(ms_ratelimit *rl, const char *sender, time_t now, unsigned limit,
                    unsigned window, bool *allowed)
{
    int rc = file_refresh(rl);
    rl_entry *e;

    if (rc != MS_OK)
        return rc;
    if (!(e = find(rl, sender, true))) {
        snprintf(rl->err, sizeof rl->err, "out of memory");
        return MS_ERR_NOMEM;
    }
    if (e->suspended) {
        *allowed = false;
        return MS_OK;
    }
    unsigned est = count_message(e, now, window);
    rl->dirty = true;
    if (est > limit) {
        e->suspended = true;
        e->since = now;
        e->count = est;
        *allowed = false;
        return file_write(rl, (int64_t)now / window);
    }
    *allowed = true;
    if (now != rl->last_write) {
        rl->last_write = now;
        return file_write(rl, (int64_t)now / window);
    }
    return MS_OK;
}

/* ---- redis backend ----------------------------------------------------- */

static int redis_fail(ms_ratelimit *rl, const char *what)
{
    snprintf(rl->err, sizeof rl->err, "redis %s:%u: %s: %s", rl->host, rl->port, what,
             rl->rc && rl->rc->err ? rl->rc->errstr : "unexpected reply");
    if (rl->rc && rl->rc->err) {
        redisFree(rl->rc);
        rl->rc = NULL;
    }
    return MS_ERR_IO;
}

static int redis_connect(ms_ratelimit *rl)
{
    struct timeval tv = {2, 0};

    if (rl->rc)
        return MS_OK;
    rl->rc = redisConnectWithTimeout(rl->host, (int)rl->port, tv);
    if (!rl->rc) {
        snprintf(rl->err, sizeof rl->err, "redis %s:%u: out of memory", rl->host, rl->port);
        return MS_ERR_NOMEM;
    }
    if (rl->rc->err || redisSetTimeout(rl->rc, tv) != REDIS_OK)
        return redis_fail(rl, "cannot connect");
    return MS_OK;
}

/* Run one command; the reply (caller frees) or NULL with rl->err set. */
static redisReply *redis_cmd(ms_ratelimit *rl, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;

    if (redis_connect(rl) != MS_OK)
        return NULL;
    va_start(ap, fmt);
    r = redisvCommand(rl->rc, fmt, ap);
    va_end(ap);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        if (r)
            snprintf(rl->err, sizeof rl->err, "redis: %s", r->str);
        else
            redis_fail(rl, "command failed");
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

static int redis_hit(ms_ratelimit *rl, const char *sender, time_t now, unsigned limit,
                     unsigned window, bool *allowed)
{
    redisReply *r = redis_cmd(rl, "HGET %ssuspended %s", rl->prefix, sender);
    if (!r)
        return MS_ERR_IO;
    bool suspended = r->type == REDIS_REPLY_STRING;
    freeReplyObject(r);
    if (suspended) {
        *allowed = false;
        return MS_OK;
    }
    int64_t w = (int64_t)now / window;
    /* INCR, EXPIRE and the previous window's count in one round trip */
    redisAppendCommand(rl->rc, "INCR %srl:%s:%" PRId64, rl->prefix, sender, w);
    redisAppendCommand(rl->rc, "EXPIRE %srl:%s:%" PRId64 " %u", rl->prefix, sender, w, 2 * window);
    redisAppendCommand(rl->rc, "GET %srl:%s:%" PRId64, rl->prefix, sender, w - 1);
    long long cur = 0, prev = 0;
    for (int i = 0; i < 3; i++) {
        if (redisGetReply(rl->rc, (void **)&r) != REDIS_OK || !r)
            return redis_fail(rl, "command failed");
        if (i == 0 && r->type == REDIS_REPLY_INTEGER)
            cur = r->integer;
        if (i == 2 && r->type == REDIS_REPLY_STRING)
            prev = strtoll(r->str, NULL, 10);
        freeReplyObject(r);
    }
    uint64_t left = window - (uint64_t)now % window;
    unsigned est = (unsigned)((uint64_t)prev * left / window + (uint64_t)cur);
    *allowed = est <= limit;
    if (*allowed)
        return MS_OK;
    /* HSETNX: the first node to see it records when it began */
    char value[64];
    snprintf(value, sizeof value, "%" PRId64 " %u", (int64_t)now, est);
    r = redis_cmd(rl, "HSETNX %ssuspended %s %s", rl->prefix, sender, value);
    if (!r)
        return MS_ERR_IO;
    freeReplyObject(r);
    return MS_OK;
}

/* ---- interface --------------------------------------------------------- */

int ms_ratelimit_create(const ms_engine *eng, ms_ratelimit **out, ms_error *err)
{
    ms_milter_conf c;
    ms_ratelimit *rl = ms_calloc(1, sizeof *rl);
    int rc;

    *out = NULL;
    if (!rl) {
        ms_error_set(err, MS_ERR_NOMEM, "", 0, "out of memory");
        return MS_ERR_NOMEM;
    }
    ms_policy_milter_conf(eng, &c);
    pthread_mutex_init(&rl->mu, NULL);
    rl->kind = c.state;
    snprintf(rl->path, sizeof rl->path, "%s", c.state_file);
    snprintf(rl->host, sizeof rl->host, "%s", c.redis_host);
    snprintf(rl->prefix, sizeof rl->prefix, "%s", c.redis_prefix);
    rl->port = c.redis_port;
    rl->window = c.rate_window;
    if (rl->kind == MS_STATE_FILE)
        rc = file_read(rl);
    else if ((rc = redis_connect(rl)) == MS_OK) {
        redisReply *r = redis_cmd(rl, "PING");
        rc = r ? MS_OK : MS_ERR_IO;
        freeReplyObject(r);
    }
    if (rc != MS_OK) {
        ms_error_set(err, rc, "", 0, "%s", rl->err);
        ms_ratelimit_destroy(rl);
        return rc;
    }
    *out = rl;
    return MS_OK;
}

void ms_ratelimit_destroy(ms_ratelimit *rl)
{
    if (!rl)
        return;
    if (rl->kind == MS_STATE_FILE && rl->dirty)
        file_write(rl, (int64_t)time(NULL) / rl->window); /* best effort at exit */
    free_entries(rl);
    if (rl->rc)
        redisFree(rl->rc);
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

int ms_ratelimit_hit(ms_ratelimit *rl, const ms_engine *eng, const char *sender_in, time_t now,
                     bool *allowed, ms_reply *reply)
{
    ms_milter_conf c;
    char sender[256];
    int rc;

    ms_policy_milter_conf(eng, &c);
    clean_sender(sender_in, sender, sizeof sender);
    *allowed = true;
    pthread_mutex_lock(&rl->mu);
    if (rl->kind == MS_STATE_FILE)
        rc = file_hit(rl, sender, now, c.rate_messages, c.rate_window, allowed);
    else
        rc = redis_hit(rl, sender, now, c.rate_messages, c.rate_window, allowed);
    pthread_mutex_unlock(&rl->mu);
    if (rc == MS_OK && !*allowed) {
        if (eng->policy.rate_reply.code[0])
            *reply = eng->policy.rate_reply;
        else {
            snprintf(reply->code, sizeof reply->code, "451");
            snprintf(reply->status, sizeof reply->status, "4.7.1");
            snprintf(reply->text, sizeof reply->text,
                     "Sender suspended: more than %u messages in %u seconds; contact the "
                     "postmaster",
                     c.rate_messages, c.rate_window);
        }
    }
    return rc;
}

int ms_ratelimit_list(ms_ratelimit *rl, ms_suspension_fn fn, void *ctx)
{
    int rc = MS_OK;

    pthread_mutex_lock(&rl->mu);
    if (rl->kind == MS_STATE_FILE) {
        if ((rc = file_refresh(rl)) == MS_OK)
            for (unsigned i = 0; i < RL_BUCKETS; i++)
                for (rl_entry *e = rl->buckets[i]; e; e = e->next)
                    if (e->suspended)
                        fn(ctx, e->sender, (time_t)e->since, e->count);
    } else {
        redisReply *r = redis_cmd(rl, "HGETALL %ssuspended", rl->prefix);
        if (!r)
            rc = MS_ERR_IO;
        for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
            long long since = 0;
            unsigned count = 0;
            sscanf(r->element[i + 1]->str, "%lld %u", &since, &count);
            fn(ctx, r->element[i]->str, (time_t)since, count);
        }
        freeReplyObject(r);
    }
    pthread_mutex_unlock(&rl->mu);
    return rc;
}

int ms_ratelimit_clear(ms_ratelimit *rl, const char *sender_in, bool *found)
{
    char sender[256];
    int rc = MS_OK;

    clean_sender(sender_in, sender, sizeof sender);
    *found = false;
    pthread_mutex_lock(&rl->mu);
    if (rl->kind == MS_STATE_FILE) {
        rl_entry *e;
        if ((rc = file_refresh(rl)) == MS_OK && (e = find(rl, sender, false))) {
            *found = e->suspended;
            e->suspended = false;
            e->prev = e->cur = 0;
            rc = file_write(rl, 0);
        }
    } else {
        redisReply *r = redis_cmd(rl, "HDEL %ssuspended %s", rl->prefix, sender);
        if (!r)
            rc = MS_ERR_IO;
        else {
            *found = r->type == REDIS_REPLY_INTEGER && r->integer > 0;
            freeReplyObject(r);
            /* forget the counts too, or the next message suspends again */
            int64_t w = (int64_t)time(NULL) / rl->window;
            r = redis_cmd(rl, "DEL %srl:%s:%" PRId64 " %srl:%s:%" PRId64, rl->prefix, sender, w,
                          rl->prefix, sender, w - 1);
            freeReplyObject(r);
        }
    }
    pthread_mutex_unlock(&rl->mu);
    return rc;
}

const char *ms_ratelimit_error(const ms_ratelimit *rl)
{
    return rl->err;
}
