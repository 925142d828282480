/*
 * policy.h - the site policy beside the rules: per-category scope,
 * encryption exemption and reply; internal domains; the milter settings
 * and the sender login map (mailsift.yaml `internal_domains`, `policy`,
 * `milter`). A zeroed ms_policy_conf means every default: an engine built
 * without a config file needs no initialisation.
 */
#ifndef MS_POLICY_H
#define MS_POLICY_H

#include <mailsift/policy.h>

#include <stdbool.h>
#include <stdint.h>

#define MS_POLICY_MAX_DOMAINS 256 /* internal_domains entries */
#define MS_POLICY_MAX_CATS    64  /* policy: entries */
#define MS_POLICY_STR         256

typedef enum ms_cat_scope {
    MS_CAT_SCOPE_DEFAULT = 0, /* every, except classification: external */
    MS_CAT_SCOPE_EVERY,
    MS_CAT_SCOPE_EXTERNAL,
} ms_cat_scope;

typedef struct ms_cat_policy {
    char name[64];
    ms_cat_scope scope;
    int exempt_encrypted; /* -1 default (classification yes, others no), 0, 1 */
    bool has_reply;
    ms_reply reply;
} ms_cat_policy;

/* One line of a login map: an address (or "@domain") and the logins that
 * may use it. */
typedef struct ms_login_entry {
    char *key;    /* lower case */
    char *logins; /* lower case, ',' separated */
} ms_login_entry;

typedef struct ms_policy_conf {
    char domains[MS_POLICY_MAX_DOMAINS][MS_POLICY_STR]; /* lower case */
    unsigned ndomains;
    ms_cat_policy cats[MS_POLICY_MAX_CATS];
    unsigned ncats;
    /* replies of the envelope policies; code[0] == 0: default */
    ms_reply spoof_reply, rcpt_reply, size_reply, rate_reply;
    /* milter: */
    char listen[MS_POLICY_STR], user[64], pidfile[MS_POLICY_STR], log[16];
    char audit_log[MS_POLICY_STR], disclaimer[1024];
    bool failure_reject;
    unsigned timeout, recipient_limit, rate_messages, rate_window, max_sessions;
    uint64_t size_limit;
    ms_state_backend state;
    char state_file[MS_POLICY_STR], redis_host[MS_POLICY_STR], redis_prefix[64];
    unsigned redis_port;
    bool same_domain;
    ms_login_entry *logins; /* sorted by key */
    unsigned nlogins;
} ms_policy_conf;

struct ms_engine;

/* Free what the conf allocated (the login map). */
void ms_policy_conf_free(ms_policy_conf *p);

/* The policy entry of category name, or NULL. */
const ms_cat_policy *ms_policy_category(const ms_policy_conf *p, const char *name);

/* Does category name apply to a message with these envelope facts?
 * env NULL: no envelope known (treated as external). */
bool ms_policy_applies(const ms_policy_conf *p, const char *name, const ms_envelope *env,
                       bool encrypted);

/* Is this lower-case "type/subtype" an encrypted body (S/MIME enveloped
 * data, PGP/MIME)? */
bool ms_policy_encrypted_type(const char *content_type);

/* Parse "550 5.7.1 text" into r; false (and why in err, size 128) on a bad
 * code or an enhanced status whose class differs from the code's. */
bool ms_reply_parse(const char *s, ms_reply *r, char *err);

#endif
