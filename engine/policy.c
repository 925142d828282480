/*
 * policy.c - what the site policy says about a message beyond its content:
 * whether a category applies (scope, encryption exemption), the envelope
 * limits, and the SMTP reply for every decision
 *
 * Replies follow RFC 5321 4.2 (three-digit code) and RFC 3463 (enhanced
 * status code, whose class must agree with the code's first digit). The
 * defaults are the codes MTAs use for the same refusals: 452 4.5.3 for one
 * recipient too many (RFC 5321 4.5.3.1.10), 552 5.3.4 for a message over
 * the size limit, 550 5.7.1 for a policy refusal, 451 4.7.1 for a sender
 * held back, 451 4.3.0 when the filter itself failed.
 *
 * Encryption: a message is encrypted when one of its parts is S/MIME
 * enveloped data (application/pkcs7-mime, x-pkcs7-mime) or PGP/MIME
 * (application/pgp-encrypted, the control part of multipart/encrypted,
 * RFC 3156 4), or when the scanner met an encrypted container.
 *
 * BUGS: an S/MIME signed-data body is also application/pkcs7-mime (its
 * smime-type parameter tells them apart, and the part information does not
 * carry it), so opaque-signed mail counts as encrypted.
 */
#include "policy.h"
#include "engine.h"
#include "spoof.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_DEFAULT_STATE_FILE "/var/lib/mailsift/state"
#define MS_DEFAULT_LISTEN     "inet:10025@127.0.0.1"

/* Default reply texts of the categories a site is likely to have. */
static const struct {
    const char *category, *text;
} default_texts[] = {
    {"pci", "Message blocked: payment card number detected"},
    {"classification", "Message blocked: classified content may not be sent outside"},
    {"chain_letter", "Message blocked: chain letter"},
    {"harassment", "Message blocked: abusive language"},
    {"credentials", "Message blocked: password or credentials detected"},
    {"attachment", "Message blocked: dangerous attachment"},
    {"unscannable", "Message blocked: content could not be inspected"},
};

static void set_reply(ms_reply *r, const char *code, const char *status, const char *text)
{
    snprintf(r->code, sizeof r->code, "%s", code);
    snprintf(r->status, sizeof r->status, "%s", status);
    snprintf(r->text, sizeof r->text, "%s", text);
}

static void pick_reply(ms_reply *r, const ms_reply *configured, const char *code,
                       const char *status, const char *text)
{
    if (configured->code[0])
        *r = *configured;
    else
        set_reply(r, code, status, text);
}

bool ms_reply_is_temporary(const ms_reply *reply)
{
    return reply->code[0] == '4';
}

bool ms_reply_parse(const char *s, ms_reply *r, char *err)
{
    const char *p = s;
    size_t n;

    if (!(p[0] == '4' || p[0] == '5') || !isdigit((unsigned char)p[1]) ||
        !isdigit((unsigned char)p[2]) || p[3] != ' ') {
        snprintf(err, 128, "\"%.40s\" does not start with a 4xx or 5xx code", s);
        return false;
    }
    memcpy(r->code, p, 3);
    r->code[3] = '\0';
    p += 4;
    n = strspn(p, "0123456789.");
    if (n == 0 || n >= sizeof r->status || p[0] != s[0] || p[1] != '.' ||
        (p[n] != ' ' && p[n] != '\0')) {
        snprintf(err, 128,
                 "\"%.40s\": the code must be followed by an enhanced status code "
                 "of the same class (%c.x.y)",
                 s, s[0]);
        return false;
    }
    memcpy(r->status, p, n);
    r->status[n] = '\0';
    p += n;
    p += strspn(p, " ");
    if (!*p || strpbrk(p, "\r\n")) {
        snprintf(err, 128, "\"%.40s\": a reply needs a text on one line", s);
        return false;
    }
    snprintf(r->text, sizeof r->text, "%s", p);
    return true;
}

void ms_policy_conf_free(ms_policy_conf *p)
{
    for (unsigned i = 0; i < p->nlogins; i++) {
        free(p->logins[i].key);
        free(p->logins[i].logins);
    }
    free(p->logins);
    p->logins = NULL;
    p->nlogins = 0;
}

const ms_cat_policy *ms_policy_category(const ms_policy_conf *p, const char *name)
{
    for (unsigned i = 0; i < p->ncats; i++)
        if (strcmp(p->cats[i].name, name) == 0)
            return &p->cats[i];
    return NULL;
}

bool ms_policy_applies(const ms_policy_conf *p, const char *name, const ms_envelope *env,
                       bool encrypted)
{
    const ms_cat_policy *c = ms_policy_category(p, name);
    bool is_class = strcmp(name, "classification") == 0;
    ms_cat_scope scope = c ? c->scope : MS_CAT_SCOPE_DEFAULT;
    int exempt = c ? c->exempt_encrypted : -1;

    if (scope == MS_CAT_SCOPE_DEFAULT)
        scope = is_class ? MS_CAT_SCOPE_EXTERNAL : MS_CAT_SCOPE_EVERY;
    if (exempt < 0)
        exempt = is_class;
    if (encrypted && exempt)
        return false;
    if (scope == MS_CAT_SCOPE_EXTERNAL && env && env->external_recipients == 0)
        return false;
    return true;
}

bool ms_policy_encrypted_type(const char *t)
{
    return strcmp(t, "application/pkcs7-mime") == 0 || strcmp(t, "application/x-pkcs7-mime") == 0 ||
           strcmp(t, "application/pgp-encrypted") == 0 || strcmp(t, "multipart/encrypted") == 0;
}

/* The address inside "Name <a@b>" or "<a@b>", lower case, into out. */
static void bare_address(const char *in, char *out, size_t size)
{
    const char *lt = strchr(in, '<'), *end;
    size_t n;

    if (lt) {
        in = lt + 1;
        end = strchr(in, '>');
        n = end ? (size_t)(end - in) : strlen(in);
    } else {
        in += strspn(in, " \t");
        n = strcspn(in, " \t\r\n");
    }
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)ms_lower((unsigned char)in[i]);
    out[n] = '\0';
}

bool ms_policy_internal_check(const ms_engine *eng, const char *address)
{
    const ms_policy_conf *p = &eng->policy;
    char a[512];

    bare_address(address, a, sizeof a);
    const char *at = strrchr(a, '@');
    if (!at)
        return p->ndomains > 0; /* a local name: stays here */
    const char *dom = at + 1;
    size_t dl = strlen(dom);
    for (unsigned i = 0; i < p->ndomains; i++) {
        size_t n = strlen(p->domains[i]);
        if (dl == n && strcmp(dom, p->domains[i]) == 0)
            return true;
        if (dl > n && dom[dl - n - 1] == '.' && strcmp(dom + dl - n, p->domains[i]) == 0)
            return true;
    }
    return false;
}

void ms_policy_milter_conf(const ms_engine *eng, ms_milter_conf *o)
{
    const ms_policy_conf *p = &eng->policy;

    memset(o, 0, sizeof *o);
    o->listen = p->listen[0] ? p->listen : MS_DEFAULT_LISTEN;
    o->user = p->user;
    o->pidfile = p->pidfile;
    o->log = p->log[0] ? p->log : "syslog";
    o->audit_log = p->audit_log;
    o->disclaimer = p->disclaimer;
    o->timeout = p->timeout ? p->timeout : MS_LIMIT_MILTER_TIMEOUT_DEFAULT;
    o->recipient_limit = p->recipient_limit ? p->recipient_limit : MS_LIMIT_RECIPIENTS_DEFAULT;
    o->max_sessions = p->max_sessions ? p->max_sessions : MS_LIMIT_MILTER_SESSIONS_DEFAULT;
    o->size_limit = p->size_limit ? p->size_limit : MS_LIMIT_SIZE_DEFAULT;
    o->rate_messages = p->rate_messages ? p->rate_messages : MS_LIMIT_RATE_MESSAGES_DEFAULT;
    o->rate_window = p->rate_window ? p->rate_window : MS_LIMIT_RATE_WINDOW_DEFAULT;
    o->state = p->state;
    o->state_file = p->state_file[0] ? p->state_file : MS_DEFAULT_STATE_FILE;
    o->redis_host = p->redis_host[0] ? p->redis_host : "127.0.0.1";
    o->redis_port = p->redis_port ? p->redis_port : 6379;
    o->redis_prefix = p->redis_prefix[0] ? p->redis_prefix : "mailsift:";
}

bool ms_policy_size_check(const ms_engine *eng, uint64_t size, ms_reply *reply)
{
    ms_milter_conf c;

    ms_policy_milter_conf(eng, &c);
    if (size <= c.size_limit)
        return true;
    pick_reply(reply, &eng->policy.size_reply, "552", "5.3.4",
               "Message size exceeds the fixed limit");
    return false;
}

bool ms_policy_recipients_check(const ms_engine *eng, unsigned n, ms_reply *reply)
{
    ms_milter_conf c;

    ms_policy_milter_conf(eng, &c);
    if (n <= c.recipient_limit)
        return true;
    pick_reply(reply, &eng->policy.rcpt_reply, "452", "4.5.3",
               "Too many recipients; send the rest in another message");
    return false;
}

/* Check every address of a header value (a list: "A <a@x>, b@y"). */
static bool addresses_allowed(const ms_policy_conf *p, const char *login, const char *value)
{
    char one[512];
    bool quoted = false;
    int angle = 0;
    size_t start = 0, i = 0;

    for (;; i++) {
        char c = value[i];
        if (c == '"')
            quoted = !quoted;
        else if (c == '<' && !quoted)
            angle++;
        else if (c == '>' && !quoted && angle)
            angle--;
        if (c != '\0' && (c != ',' || quoted || angle))
            continue;
        size_t n = i - start < sizeof one ? i - start : sizeof one - 1;
        memcpy(one, value + start, n);
        one[n] = '\0';
        char addr[512];
        bare_address(one, addr, sizeof addr);
        if (addr[0] && !ms_spoof_allowed(p, login, addr))
            return false;
        if (c == '\0')
            return true;
        start = i + 1;
    }
}

bool ms_policy_sender_check(const ms_engine *eng, const char *login, const char *header_from,
                            const char *header_sender, ms_reply *reply)
{
    const ms_policy_conf *p = &eng->policy;

    if (!login || !*login)
        return true;
    if ((header_from && !addresses_allowed(p, login, header_from)) ||
        (header_sender && !addresses_allowed(p, login, header_sender))) {
        pick_reply(reply, &p->spoof_reply, "550", "5.7.1",
                   "Message blocked: sender address not allowed for this login");
        return false;
    }
    return true;
}

void ms_policy_verdict_reply(const ms_engine *eng, const ms_result *res, ms_reply *reply)
{
    const ms_category_hit *worst = NULL;

    for (size_t i = 0; i < res->ncategories; i++)
        if (res->categories[i].action == res->verdict) {
            worst = &res->categories[i];
            break;
        }
    if (res->verdict < MS_ACTION_QUARANTINE || !worst) {
        set_reply(reply, "250", "2.0.0", "OK");
        return;
    }
    const ms_cat_policy *c = ms_policy_category(&eng->policy, worst->name);
    if (c && c->has_reply) {
        *reply = c->reply;
        return;
    }
    const char *text = NULL;
    for (size_t i = 0; i < sizeof default_texts / sizeof default_texts[0]; i++)
        if (strcmp(default_texts[i].category, worst->name) == 0)
            text = default_texts[i].text;
    char buf[200];
    if (!text) {
        snprintf(buf, sizeof buf, "Message blocked: content policy (%s)", worst->name);
        text = buf;
    }
    if (res->verdict == MS_ACTION_QUARANTINE) {
        /* "Message blocked: X" -> "Held for review: X" */
        const char *why = strchr(text, ':');
        char held[sizeof reply->text];
        snprintf(held, sizeof held, "Held for review:%.200s", why ? why + 1 : text);
        set_reply(reply, "250", "2.0.0", held);
        return;
    }
    set_reply(reply, "550", "5.7.1", text);
}

void ms_policy_failure_reply(const ms_engine *eng, ms_reply *reply)
{
    if (eng && eng->policy.failure_reject)
        set_reply(reply, "554", "5.3.0", "Message could not be inspected");
    else
        set_reply(reply, "451", "4.3.0", "Message could not be inspected; try again later");
}

const char *ms_policy_findings_line(const ms_result *res, char *out, size_t size)
{
    size_t n = 0;

    out[0] = '\0';
    for (size_t i = 0; i < res->nfindings; i++) {
        const ms_finding *f = &res->findings[i];
        char one[256];
        int k =
            snprintf(one, sizeof one, "%s%s/%s@%s", i ? "; " : "", f->category, f->rule, f->part);
        if (k < 0 || (size_t)k >= sizeof one)
            break;
        if (f->excerpt[0]) {
            /* a header value: one line of ASCII without the separator */
            size_t e = (size_t)k;
            one[e++] = ' ';
            for (const char *c = f->excerpt; *c && e + 1 < sizeof one; c++)
                one[e++] =
                    ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f || *c == ';') ? '?' : *c;
            one[e] = '\0';
            k = (int)e;
        }
        if (n + (size_t)k + 1 > size)
            break;
        memcpy(out + n, one, (size_t)k + 1);
        n += (size_t)k;
    }
    return out;
}
