/*
 * policy_config.c - the mailsift.yaml sections of the policy and the daemon
 *
 *   internal_domains: [example.org]   # and their subdomains
 *   policy:                           # per category, and the envelope policies
 *     pci: { scope: every, exempt_encrypted: false,
 *            reply: "550 5.7.1 Message blocked: payment card number detected" }
 *     classification: { scope: external, exempt_encrypted: true }
 *     spoofing:   { reply: "550 5.7.1 ..." }
 *     recipients: { reply: "452 4.5.3 ..." }
 *     size:       { reply: "552 5.3.4 ..." }
 *     ratelimit:  { reply: "451 4.7.1 ..." }
 *   milter:
 *     listen: inet:10025@127.0.0.1    # or unix:/run/mailsift/milter.sock
 *     user: mailsift                  # privileges dropped to it after binding
 *     pidfile: /run/mailsift/mailsift.pid
 *     log: syslog                     # or stderr
 *     failure_mode: tempfail          # or reject; never accept unscanned mail
 *     timeout: 300                    # seconds the MTA may stay silent
 *     recipient_limit: 500
 *     max_sessions: 500               # MTA connections in a message at once
 *     size_limit: 157286400           # bytes
 *     rate_limit: { messages: 700, window: 60 }
 *     login_maps: /etc/postfix/sender_login   # smtpd_sender_login_maps form
 *     same_domain: false
 *     disclaimer: "text appended for external recipients"
 *     audit_log: /var/log/mailsift/audit.log
 *     state: { backend: file, file: /var/lib/mailsift/state }
 *     #state: { backend: redis, host: 127.0.0.1, port: 6379, prefix: "mailsift:" }
 *
 * Relative paths are taken from the directory of the config file. Errors
 * name file:line like every config error; nothing falls back silently.
 */
#include "config.h"
#include "engine.h"
#include "policy.h"
#include "spoof.h"
#include "util.h"
#include "yamldoc.h"

#include <stdio.h>
#include <string.h>

static const char *const envelope_names[] = {"spoofing", "recipients", "size", "ratelimit", NULL};

/* Copy a string value into dst; paths relative to the config's directory. */
static bool get_string(ms_yaml *y, yaml_node_t *n, const char *key, char *dst, size_t size,
                       bool path)
{
    const char *s;
    if (!ms_yaml_get_str(y, n, key, &s))
        return false;
    const char *slash = strrchr(y->path, '/');
    int k;
    if (path && s[0] != '/' && s[0] && slash)
        k = snprintf(dst, size, "%.*s/%s", (int)(slash - y->path), y->path, s);
    else
        k = snprintf(dst, size, "%s", s);
    if (k < 0 || (size_t)k >= size) {
        ms_yaml_error(y, n, MS_ERR_CONFIG, "%s: longer than %zu bytes", key, size - 1);
        dst[0] = '\0';
        return false;
    }
    return true;
}

static void get_reply(ms_yaml *y, yaml_node_t *n, const char *key, ms_reply *r)
{
    const char *s;
    char why[128];
    if (ms_yaml_get_str(y, n, key, &s) && !ms_reply_parse(s, r, why))
        ms_yaml_error(y, n, MS_ERR_CONFIG, "%s: %s", key, why);
}

static void load_domains(ms_policy_conf *p, ms_yaml *y, yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        ms_yaml_error(y, n, MS_ERR_CONFIG, "internal_domains: expected a list of domains");
        return;
    }
    MS_YAML_FOREACH_ITEM(n, it)
    {
        yaml_node_t *d = ms_yaml_node(y, *it);
        if (p->ndomains == MS_POLICY_MAX_DOMAINS) {
            ms_yaml_error(y, d, MS_ERR_CONFIG, "internal_domains: more than %d domains",
                          MS_POLICY_MAX_DOMAINS);
            return;
        }
        char *dst = p->domains[p->ndomains];
        if (!get_string(y, d, "internal_domains", dst, MS_POLICY_STR, false))
            continue;
        if (!dst[0] || strchr(dst, '@') || strchr(dst, ' ')) {
            ms_yaml_error(y, d, MS_ERR_CONFIG, "internal_domains: \"%s\" is not a domain", dst);
            continue;
        }
        for (char *c = dst; *c; c++)
            *c = (char)ms_lower((unsigned char)*c);
        p->ndomains++;
    }
}

static void load_envelope_policy(ms_policy_conf *p, ms_yaml *y, const char *name, yaml_node_t *n)
{
    static const char *const keys[] = {"reply", NULL};
    ms_reply *r = strcmp(name, "spoofing") == 0     ? &p->spoof_reply
                  : strcmp(name, "recipients") == 0 ? &p->rcpt_reply
                  : strcmp(name, "size") == 0       ? &p->size_reply
                                                    : &p->rate_reply;
    yaml_node_t *v;
    if (ms_yaml_check_map(y, n, name, keys) && (v = ms_yaml_get(y, n, "reply")))
        get_reply(y, v, name, r);
}

static void load_one_policy(ms_engine *eng, ms_yaml *y, yaml_node_t *key, yaml_node_t *n)
{
    static const char *const keys[] = {"scope", "exempt_encrypted", "reply", NULL};
    ms_policy_conf *p = &eng->policy;
    const char *name = ms_yaml_str(key), *s;
    yaml_node_t *v;
    bool b;

    for (unsigned i = 0; name && envelope_names[i]; i++)
        if (strcmp(name, envelope_names[i]) == 0) {
            load_envelope_policy(p, y, name, n);
            return;
        }
    if (!name || ms_engine_category(eng, name) < 0) {
        ms_yaml_error(y, key, MS_ERR_CONFIG,
                      "policy: \"%s\" is not a category any ruleset defines (nor spoofing, "
                      "recipients, size, ratelimit)",
                      name ? name : "?");
        return;
    }
    if (p->ncats == MS_POLICY_MAX_CATS || strlen(name) >= sizeof p->cats[0].name) {
        ms_yaml_error(y, key, MS_ERR_CONFIG, "policy: too many categories or name too long");
        return;
    }
    if (!ms_yaml_check_map(y, n, name, keys))
        return;
    ms_cat_policy *c = &p->cats[p->ncats++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->exempt_encrypted = -1;
    if ((v = ms_yaml_get(y, n, "scope")) && ms_yaml_get_str(y, v, "scope", &s)) {
        if (strcmp(s, "every") == 0)
            c->scope = MS_CAT_SCOPE_EVERY;
        else if (strcmp(s, "external") == 0)
            c->scope = MS_CAT_SCOPE_EXTERNAL;
        else
            ms_yaml_error(y, v, MS_ERR_CONFIG,
                          "policy.%s.scope: unknown scope \"%s\" (known: every, external)", name,
                          s);
    }
    if ((v = ms_yaml_get(y, n, "exempt_encrypted")) &&
        ms_yaml_get_bool(y, v, "exempt_encrypted", &b))
        c->exempt_encrypted = b;
    if ((v = ms_yaml_get(y, n, "reply"))) {
        get_reply(y, v, "reply", &c->reply);
        c->has_reply = c->reply.code[0] != '\0';
    }
}

static void load_state(ms_policy_conf *p, ms_yaml *y, yaml_node_t *n)
{
    static const char *const keys[] = {"backend", "file", "host", "port", "prefix", NULL};
    yaml_node_t *v;
    const char *s;
    long l;

    if (!ms_yaml_check_map(y, n, "milter.state", keys))
        return;
    if ((v = ms_yaml_get(y, n, "backend")) && ms_yaml_get_str(y, v, "backend", &s)) {
        if (strcmp(s, "file") == 0)
            p->state = MS_STATE_FILE;
        else if (strcmp(s, "redis") == 0)
            p->state = MS_STATE_REDIS;
        else
            ms_yaml_error(y, v, MS_ERR_CONFIG,
                          "milter.state.backend: unknown backend \"%s\" (known: file, redis)", s);
    }
    if ((v = ms_yaml_get(y, n, "file")))
        get_string(y, v, "milter.state.file", p->state_file, sizeof p->state_file, true);
    if ((v = ms_yaml_get(y, n, "host")))
        get_string(y, v, "milter.state.host", p->redis_host, sizeof p->redis_host, false);
    if ((v = ms_yaml_get(y, n, "port")) &&
        ms_yaml_get_long(y, v, "milter.state.port", 1, 65535, &l))
        p->redis_port = (unsigned)l;
    if ((v = ms_yaml_get(y, n, "prefix")))
        get_string(y, v, "milter.state.prefix", p->redis_prefix, sizeof p->redis_prefix, false);
}

static void load_rate(ms_policy_conf *p, ms_yaml *y, yaml_node_t *n)
{
    static const char *const keys[] = {"messages", "window", NULL};
    yaml_node_t *v;
    long l;

    if (!ms_yaml_check_map(y, n, "milter.rate_limit", keys))
        return;
    if ((v = ms_yaml_get(y, n, "messages")) &&
        ms_yaml_get_long(y, v, "milter.rate_limit.messages", 1, 100000000, &l))
        p->rate_messages = (unsigned)l;
    if ((v = ms_yaml_get(y, n, "window")) &&
        ms_yaml_get_long(y, v, "milter.rate_limit.window", 1, 86400, &l))
        p->rate_window = (unsigned)l;
}

static void load_milter_strings(ms_policy_conf *p, ms_yaml *y, yaml_node_t *n)
{
    static const struct {
        const char *key;
        size_t off, size;
        bool path;
    } strs[] = {
        {"listen", offsetof(ms_policy_conf, listen), MS_POLICY_STR, false},
        {"user", offsetof(ms_policy_conf, user), 64, false},
        {"pidfile", offsetof(ms_policy_conf, pidfile), MS_POLICY_STR, true},
        {"audit_log", offsetof(ms_policy_conf, audit_log), MS_POLICY_STR, true},
        {"disclaimer", offsetof(ms_policy_conf, disclaimer), 1024, false},
    };
    yaml_node_t *v;
    const char *s;

    for (unsigned i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if ((v = ms_yaml_get(y, n, strs[i].key)))
            get_string(y, v, strs[i].key, (char *)p + strs[i].off, strs[i].size, strs[i].path);
    if (p->listen[0] && strncmp(p->listen, "inet:", 5) != 0 &&
        strncmp(p->listen, "inet6:", 6) != 0 && strncmp(p->listen, "unix:", 5) != 0 &&
        strncmp(p->listen, "local:", 6) != 0)
        ms_yaml_error(y, ms_yaml_get(y, n, "listen"), MS_ERR_CONFIG,
                      "milter.listen: \"%s\" is not inet:PORT@HOST, inet6:PORT@HOST or "
                      "unix:PATH",
                      p->listen);
    if ((v = ms_yaml_get(y, n, "log")) && ms_yaml_get_str(y, v, "log", &s)) {
        if (strcmp(s, "syslog") != 0 && strcmp(s, "stderr") != 0)
            ms_yaml_error(y, v, MS_ERR_CONFIG,
                          "milter.log: unknown log \"%s\" (known: syslog, stderr)", s);
        else
            snprintf(p->log, sizeof p->log, "%s", s);
    }
    if ((v = ms_yaml_get(y, n, "failure_mode")) && ms_yaml_get_str(y, v, "failure_mode", &s)) {
        if (strcmp(s, "tempfail") == 0 || strcmp(s, "reject") == 0)
            p->failure_reject = strcmp(s, "reject") == 0;
        else
            ms_yaml_error(y, v, MS_ERR_CONFIG,
                          "milter.failure_mode: unknown mode \"%s\" (known: tempfail, reject; a "
                          "message is never accepted unscanned)",
                          s);
    }
}

static void load_milter(ms_policy_conf *p, ms_yaml *y, yaml_node_t *n)
{
    static const char *const keys[] = {
        "listen",       "user",       "pidfile",      "log",
        "failure_mode", "timeout",    "rate_limit",   "recipient_limit",
        "size_limit",   "login_maps", "same_domain",  "disclaimer",
        "audit_log",    "state",      "max_sessions", NULL};
    yaml_node_t *v;
    long l;

    if (!ms_yaml_check_map(y, n, "milter", keys))
        return;
    load_milter_strings(p, y, n);
    if ((v = ms_yaml_get(y, n, "timeout")) &&
        ms_yaml_get_long(y, v, "milter.timeout", 1, 86400, &l))
        p->timeout = (unsigned)l;
    if ((v = ms_yaml_get(y, n, "recipient_limit")) &&
        ms_yaml_get_long(y, v, "milter.recipient_limit", 1, 1000000, &l))
        p->recipient_limit = (unsigned)l;
    if ((v = ms_yaml_get(y, n, "max_sessions")) &&
        ms_yaml_get_long(y, v, "milter.max_sessions", 1, 1000000, &l))
        p->max_sessions = (unsigned)l;
    if ((v = ms_yaml_get(y, n, "size_limit")) &&
        ms_yaml_get_long(y, v, "milter.size_limit", 1, 1L << 40, &l))
        p->size_limit = (uint64_t)l;
    if ((v = ms_yaml_get(y, n, "same_domain")))
        ms_yaml_get_bool(y, v, "milter.same_domain", &p->same_domain);
    if ((v = ms_yaml_get(y, n, "rate_limit")))
        load_rate(p, y, v);
    if ((v = ms_yaml_get(y, n, "state")))
        load_state(p, y, v);
    char maps[MS_POLICY_STR];
    if ((v = ms_yaml_get(y, n, "login_maps")) &&
        get_string(y, v, "milter.login_maps", maps, sizeof maps, true)) {
        ms_error e = {0};
        if (!ms_spoof_load_map(p, maps, &e)) {
            /* the map's own file:line when the error is inside it */
            if (e.line)
                ms_yaml_error(y, v, e.code, "milter.login_maps: %s:%u: %s", e.file, e.line, e.msg);
            else
                ms_yaml_error(y, v, e.code, "milter.login_maps: %s", e.msg);
        }
    }
}

void ms_policy_config_load(ms_engine *eng, ms_yaml *y, yaml_node_t *root)
{
    yaml_node_t *v;

    if ((v = ms_yaml_get(y, root, "internal_domains")))
        load_domains(&eng->policy, y, v);
    if ((v = ms_yaml_get(y, root, "policy"))) {
        if (v->type != YAML_MAPPING_NODE)
            ms_yaml_error(y, v, MS_ERR_CONFIG, "policy: expected a mapping of categories");
        else
            MS_YAML_FOREACH_PAIR(v, pr)
        load_one_policy(eng, y, ms_yaml_node(y, pr->key), ms_yaml_node(y, pr->value));
    }
    if ((v = ms_yaml_get(y, root, "milter")))
        load_milter(&eng->policy, y, v);
}
