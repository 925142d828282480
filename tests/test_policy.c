/*
 * test_policy.c - the site policy beside the rules (engine/policy.c,
 * policy_config.c, spoof.c, ratelimit.c, disclaimer.c)
 *
 * Every case builds an engine from a private ruleset (four categories whose
 * rules fire on a marker word, so the tests do not move when the shipped
 * rulesets do) and a mailsift.yaml written to a temporary directory.
 */
#include "engine.h"
#include "policy.h"
#include "spoof.h"

#include <mailsift/mailsift.h>
#include <mailsift/policy.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[256];

static const char rules_yaml[] = "categories:\n"
                                 "  - {name: pci, description: cards, action: reject}\n"
                                 "  - {name: classification, description: marks, action: reject}\n"
                                 "  - {name: tagcat, description: tags, action: tag}\n"
                                 "  - {name: holdcat, description: holds, action: quarantine}\n"
                                 "rules:\n"
                                 "  - {id: t.card, category: pci, description: c, pattern: "
                                 "'CARDNUM'}\n"
                                 "  - {id: t.secret, category: classification, description: s, "
                                 "pattern: 'SECRETMARK'}\n"
                                 "  - {id: t.tag, category: tagcat, description: t, pattern: "
                                 "'TAGWORD'}\n"
                                 "  - {id: t.hold, category: holdcat, description: h, pattern: "
                                 "'HOLDWORD'}\n";

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    char path[300];
    (void)state;
    snprintf(dir, sizeof dir, "%s/test_policy.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/rules", dir);
    mkdir(path, 0755);
    write_file("rules/test.yaml", rules_yaml);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Every error an engine build reports, for the config-error cases. */
typedef struct errors {
    unsigned n;
    ms_error e[8];
} errors;

static void collect(void *ctx, const ms_error *err)
{
    errors *x = ctx;
    if (x->n < 8)
        x->e[x->n++] = *err;
}

/* An engine on the private rules and config text (NULL: no config). */
static int build(const char *config, ms_engine **eng, errors *x)
{
    char rules[300], conf[300];
    ms_error err = {0};

    snprintf(rules, sizeof rules, "%s/rules", dir);
    snprintf(conf, sizeof conf, "%s/mailsift.yaml", dir);
    if (config)
        write_file("mailsift.yaml", config);
    ms_engine_opts o = {.rules_dir = rules,
                        .config_path = config ? conf : NULL,
                        .on_error = x ? collect : NULL,
                        .on_error_ctx = x};
    return ms_engine_create(&o, eng, &err);
}

static ms_engine *engine(const char *config)
{
    ms_engine *eng = NULL;
    errors x = {0};
    int rc = build(config, &eng, &x);
    if (rc != MS_OK)
        fail_msg("engine: %s:%u: %s", x.e[0].file, x.e[0].line, x.e[0].msg);
    return eng;
}

/* Scan a one-part message; env NULL: no envelope (files, sweeps). */
static ms_action scan(const ms_engine *eng, const char *body, const ms_envelope *env,
                      ms_reply *reply)
{
    ms_scan *s;
    ms_error err;
    const ms_result *res;
    char msg[1024];

    assert_int_equal(ms_scan_create(eng, &s, &err), MS_OK);
    int n = snprintf(msg, sizeof msg, "From: a@example.org\r\nSubject: t\r\n\r\n%s\r\n", body);
    if (env)
        ms_scan_set_envelope(s, env);
    assert_int_equal(ms_scan_feed(s, msg, (size_t)n), MS_OK);
    assert_int_equal(ms_scan_finish(s, &res), MS_OK);
    ms_action v = res->verdict;
    if (reply)
        ms_policy_verdict_reply(eng, res, reply);
    ms_scan_destroy(s);
    return v;
}

/* ---- replies ------------------------------------------------------------ */

static const struct reply_case {
    const char *name, *in;
    bool ok;
    const char *code, *status, *text;
} reply_cases[] = {
    {"code, status and text", "550 5.7.1 Message blocked: no", true, "550", "5.7.1",
     "Message blocked: no"},
    {"temporary reply", "451 4.7.1 Try later", true, "451", "4.7.1", "Try later"},
    {"status of another class than the code", "450 5.7.1 x", false, NULL, NULL, NULL},
    {"no enhanced status", "550 Message blocked", false, NULL, NULL, NULL},
    {"2xx is not a refusal", "250 2.0.0 ok", false, NULL, NULL, NULL},
    {"two-digit code", "55 5.7.1 x", false, NULL, NULL, NULL},
    {"no text", "550 5.7.1", false, NULL, NULL, NULL},
    {"text on two lines", "550 5.7.1 a\r\nb", false, NULL, NULL, NULL},
};

static void reply_parsing(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof reply_cases / sizeof reply_cases[0]; i++) {
        const struct reply_case *c = &reply_cases[i];
        ms_reply r;
        char why[128];
        bool ok = ms_reply_parse(c->in, &r, why);
        if (ok != c->ok)
            fail_msg("%s: parse gave %d", c->name, ok);
        if (ok) {
            assert_string_equal(r.code, c->code);
            assert_string_equal(r.status, c->status);
            assert_string_equal(r.text, c->text);
        }
    }
}

static void reply_defaults(void **state)
{
    ms_engine *eng = engine(NULL);
    ms_reply r;
    (void)state;

    assert_int_equal(scan(eng, "CARDNUM", NULL, &r), MS_ACTION_REJECT);
    assert_string_equal(r.code, "550");
    assert_string_equal(r.status, "5.7.1");
    assert_string_equal(r.text, "Message blocked: payment card number detected");
    assert_int_equal(scan(eng, "HOLDWORD", NULL, &r), MS_ACTION_QUARANTINE);
    assert_string_equal(r.text, "Held for review: content policy (holdcat)");
    assert_int_equal(scan(eng, "TAGWORD", NULL, &r), MS_ACTION_TAG);
    assert_string_equal(r.code, "250");
    assert_int_equal(scan(eng, "CARDNUM and HOLDWORD", NULL, &r), MS_ACTION_REJECT);
    ms_policy_failure_reply(eng, &r);
    assert_string_equal(r.code, "451");
    assert_string_equal(r.status, "4.3.0");
    assert_true(ms_reply_is_temporary(&r));
    /* recipient limit 500: the 501st gets 452 4.5.3 */
    assert_true(ms_policy_recipients_check(eng, 500, &r));
    assert_false(ms_policy_recipients_check(eng, 501, &r));
    assert_string_equal(r.code, "452");
    assert_string_equal(r.status, "4.5.3");
    /* size limit 150 MiB: 552 5.3.4 */
    assert_true(ms_policy_size_check(eng, 150ULL << 20, &r));
    assert_false(ms_policy_size_check(eng, (150ULL << 20) + 1, &r));
    assert_string_equal(r.code, "552");
    assert_string_equal(r.status, "5.3.4");
    ms_milter_conf mc;
    ms_policy_milter_conf(eng, &mc);
    assert_string_equal(mc.listen, "inet:10025@127.0.0.1");
    assert_int_equal(mc.rate_messages, 700);
    assert_int_equal(mc.rate_window, 60);
    assert_int_equal(mc.state, MS_STATE_FILE);
    assert_string_equal(mc.disclaimer, "");
    ms_engine_destroy(eng);
}

static void reply_configured(void **state)
{
    ms_engine *eng = engine("policy:\n"
                            "  pci: { reply: \"554 5.7.0 Cards stay inside\" }\n"
                            "  recipients: { reply: \"452 4.5.3 Fewer please\" }\n"
                            "milter: { failure_mode: reject, recipient_limit: 2 }\n");
    ms_reply r;
    (void)state;

    assert_int_equal(scan(eng, "CARDNUM", NULL, &r), MS_ACTION_REJECT);
    assert_string_equal(r.code, "554");
    assert_string_equal(r.status, "5.7.0");
    assert_string_equal(r.text, "Cards stay inside");
    assert_false(ms_policy_recipients_check(eng, 3, &r));
    assert_string_equal(r.text, "Fewer please");
    ms_policy_failure_reply(eng, &r);
    assert_string_equal(r.code, "554");
    assert_false(ms_reply_is_temporary(&r));
    ms_engine_destroy(eng);
}

/* ---- scope and encryption ------------------------------------------------ */

static void internal_domains(void **state)
{
    ms_engine *eng = engine("internal_domains: [example.org, Example.NET]\n");
    static const struct {
        const char *addr;
        bool internal;
    } cases[] = {
        {"a@example.org", true},        {"<A@EXAMPLE.ORG>", true},
        {"a@dept.example.org", true},   {"a@x.y.example.net", true},
        {"a@badexample.org", false},    {"a@example.org.evil.com", false},
        {"Bob <b@example.com>", false}, {"postmaster", true},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (ms_policy_internal_check(eng, cases[i].addr) != cases[i].internal)
            fail_msg("%s: internal should be %d", cases[i].addr, cases[i].internal);
    ms_engine_destroy(eng);
}

static void category_scope(void **state)
{
    ms_engine *eng = engine("internal_domains: [example.org]\n"
                            "policy:\n"
                            "  holdcat: { scope: external }\n"
                            "  tagcat: { scope: every }\n");
    ms_envelope internal = {.recipients = 2, .external_recipients = 0};
    ms_envelope mixed = {.recipients = 2, .external_recipients = 1};
    (void)state;

    /* classification: external only by default */
    assert_int_equal(scan(eng, "SECRETMARK", &internal, NULL), MS_ACTION_ACCEPT);
    assert_int_equal(scan(eng, "SECRETMARK", &mixed, NULL), MS_ACTION_REJECT);
    assert_int_equal(scan(eng, "SECRETMARK", NULL, NULL), MS_ACTION_REJECT); /* no envelope */
    /* pci: every recipient by default */
    assert_int_equal(scan(eng, "CARDNUM", &internal, NULL), MS_ACTION_REJECT);
    /* configured */
    assert_int_equal(scan(eng, "HOLDWORD", &internal, NULL), MS_ACTION_ACCEPT);
    assert_int_equal(scan(eng, "HOLDWORD", &mixed, NULL), MS_ACTION_QUARANTINE);
    assert_int_equal(scan(eng, "TAGWORD", &internal, NULL), MS_ACTION_TAG);
    ms_engine_destroy(eng);
}

static void encryption_exemption(void **state)
{
    ms_engine *eng = engine("policy:\n"
                            "  pci: { exempt_encrypted: true }\n"
                            "  classification: { exempt_encrypted: false }\n");
    const ms_policy_conf *p = &eng->policy;
    ms_envelope ext = {.recipients = 1, .external_recipients = 1};
    (void)state;

    assert_true(ms_policy_encrypted_type("application/pkcs7-mime"));
    assert_true(ms_policy_encrypted_type("multipart/encrypted"));
    assert_false(ms_policy_encrypted_type("multipart/signed"));
    assert_false(ms_policy_applies(p, "pci", &ext, true));
    assert_true(ms_policy_applies(p, "pci", &ext, false));
    assert_true(ms_policy_applies(p, "classification", &ext, true));
    assert_true(ms_policy_applies(p, "holdcat", &ext, false));
    assert_true(ms_policy_applies(p, "holdcat", &ext, true)); /* default: not exempt */
    ms_engine_destroy(eng);

    eng = engine(NULL);
    assert_false(ms_policy_applies(&eng->policy, "classification", &ext, true)); /* default */
    assert_true(ms_policy_applies(&eng->policy, "pci", &ext, true));
    ms_engine_destroy(eng);
}

/* ---- sender login map ---------------------------------------------------- */

static void login_map(void **state)
{
    write_file("login_maps", "# address            logins\n"
                             "alice@example.org    alice@example.org\n"
                             "\n"
                             "@Sales.Example.org   bob@example.org, carol\n"
                             "shared@example.org   dave  erin\n");
    ms_engine *eng = engine("milter: { login_maps: login_maps }\n");
    const ms_policy_conf *p = &eng->policy;
    ms_reply r;
    (void)state;

    assert_int_equal(p->nlogins, 3);
    assert_true(ms_spoof_allowed(p, "alice@example.org", "alice@example.org"));
    assert_true(ms_spoof_allowed(p, "ALICE@example.org", "Alice@Example.org"));
    assert_false(ms_spoof_allowed(p, "alice@example.org", "ceo@example.org"));
    assert_true(ms_spoof_allowed(p, "carol", "x@sales.example.org")); /* @domain */
    assert_true(ms_spoof_allowed(p, "bob@example.org", "y@sales.example.org"));
    assert_false(ms_spoof_allowed(p, "carol", "x@example.org"));
    assert_true(ms_spoof_allowed(p, "erin", "shared@example.org")); /* blank separated */
    assert_true(ms_spoof_allowed(p, "mallory@example.com", "mallory@example.com")); /* itself */
    assert_false(ms_spoof_allowed(p, "mallory@example.com", "boss@example.com"));

    assert_true(ms_policy_sender_check(eng, NULL, "ceo@example.org", NULL, &r)); /* no login */
    assert_true(ms_policy_sender_check(eng, "", "ceo@example.org", NULL, &r));
    assert_true(
        ms_policy_sender_check(eng, "carol", "\"Sales, Team\" <t@sales.example.org>", NULL, &r));
    assert_false(ms_policy_sender_check(eng, "alice@example.org",
                                        "Alice <alice@example.org>, The CEO <ceo@example.org>",
                                        NULL, &r));
    assert_string_equal(r.code, "550");
    assert_string_equal(r.status, "5.7.1");
    assert_false(ms_policy_sender_check(eng, "alice@example.org", "alice@example.org",
                                        "ceo@example.org", &r)); /* Sender too */
    ms_engine_destroy(eng);

    /* same_domain: a login that is an address may use its whole domain */
    eng = engine("milter: { same_domain: true }\n");
    assert_true(ms_policy_sender_check(eng, "alice@example.org", "team@example.org", NULL, &r));
    assert_false(ms_policy_sender_check(eng, "alice@example.org", "x@example.com", NULL, &r));
    ms_engine_destroy(eng);
}

/* ---- rate limit, file backend -------------------------------------------- */

static ms_engine *rate_engine(void)
{
    char conf[600];
    snprintf(conf, sizeof conf,
             "milter:\n  rate_limit: { messages: 3, window: 60 }\n"
             "  state: { backend: file, file: %s/state }\n",
             dir);
    unlink(strcat(strcpy((char[300]){0}, dir), "/state"));
    return engine(conf);
}

static bool hit(ms_ratelimit *rl, const ms_engine *eng, const char *who, time_t t, ms_reply *r)
{
    bool allowed = false;
    assert_int_equal(ms_ratelimit_hit(rl, eng, who, t, &allowed, r), MS_OK);
    return allowed;
}

static void list_one(void *ctx, const char *sender, time_t since, unsigned count)
{
    char *out = ctx;
    snprintf(out, 200, "%s %ld %u", sender, (long)since, count);
}

static void ratelimit_window(void **state)
{
    ms_engine *eng = rate_engine();
    ms_ratelimit *rl;
    ms_error err;
    ms_reply r;
    (void)state;

    assert_int_equal(ms_ratelimit_create(eng, &rl, &err), MS_OK);
    /* window [600, 660): three allowed, each its own count */
    assert_true(hit(rl, eng, "a@example.org", 600, &r));
    assert_true(hit(rl, eng, "a@example.org", 601, &r));
    assert_true(hit(rl, eng, "a@example.org", 602, &r));
    assert_true(hit(rl, eng, "b@example.org", 602, &r)); /* per sender */
    /* at 690 the previous window still weighs 3 * 30/60 = 1 */
    assert_true(hit(rl, eng, "a@example.org", 690, &r));  /* 1 + 1 */
    assert_true(hit(rl, eng, "a@example.org", 691, &r));  /* 1 + 2 */
    assert_false(hit(rl, eng, "a@example.org", 692, &r)); /* 1 + 3 > 3: suspended */
    assert_string_equal(r.code, "451");
    assert_string_equal(r.status, "4.7.1");
    /* suspended until cleared, however long it waits */
    assert_false(hit(rl, eng, "a@example.org", 100000, &r));
    assert_true(hit(rl, eng, "b@example.org", 100000, &r));
    /* a sender whose windows are far apart never adds up */
    for (time_t t = 0; t < 10; t++)
        assert_true(hit(rl, eng, "slow@example.org", 1000 + t * 130, &r));
    ms_ratelimit_destroy(rl);
    ms_engine_destroy(eng);
}

static void ratelimit_suspension_survives(void **state)
{
    ms_engine *eng = rate_engine();
    ms_ratelimit *rl, *admin;
    ms_error err;
    ms_reply r;
    char path[300], tmp[310], listed[200] = "";
    struct stat st;
    bool found;
    (void)state;

    snprintf(path, sizeof path, "%s/state", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(ms_ratelimit_create(eng, &rl, &err), MS_OK);
    for (int i = 0; i < 3; i++)
        assert_true(hit(rl, eng, "Bulk@Example.org", 1200, &r));
    assert_false(hit(rl, eng, "bulk@example.org", 1201, &r));
    /* written at once, by rename: the file is there, its temporary is not */
    assert_int_equal(stat(path, &st), 0);
    assert_int_not_equal(stat(tmp, &st), 0);
    ms_ratelimit_destroy(rl);

    /* a restart (new limiter on the same file) keeps the suspension */
    assert_int_equal(ms_ratelimit_create(eng, &rl, &err), MS_OK);
    assert_false(hit(rl, eng, "bulk@example.org", 5000, &r));
    assert_int_equal(ms_ratelimit_list(rl, list_one, listed), MS_OK);
    assert_string_equal(listed, "bulk@example.org 1201 4");

    /* `mailsift suspend clear` from another process while this one runs */
    assert_int_equal(ms_ratelimit_create(eng, &admin, &err), MS_OK);
    assert_int_equal(ms_ratelimit_clear(admin, "bulk@example.org", &found), MS_OK);
    assert_true(found);
    assert_int_equal(ms_ratelimit_clear(admin, "nobody@example.org", &found), MS_OK);
    assert_false(found);
    ms_ratelimit_destroy(admin);
    sleep(1); /* a new mtime even on coarse file systems */
    assert_true(hit(rl, eng, "bulk@example.org", 5001, &r));
    ms_ratelimit_destroy(rl);
    ms_engine_destroy(eng);
}

/* ---- config errors name file:line ---------------------------------------- */

static const struct config_error_case {
    const char *name, *yaml;
    unsigned line;
    const char *msg; /* a part of the message */
} config_error_cases[] = {
    {"unknown milter key", "milter:\n  listen: inet:1@127.0.0.1\n  disclaimr: x\n", 3, "disclaimr"},
    {"unknown scope", "policy:\n  pci: { scope: outside }\n", 2, "unknown scope \"outside\""},
    {"reply of the wrong class", "policy:\n  pci: { reply: \"450 5.7.1 x\" }\n", 2,
     "enhanced status code"},
    {"unknown category", "policy:\n  nosuch: { scope: every }\n", 2, "not a category"},
    {"failure mode accept", "milter:\n  failure_mode: accept\n", 2, "never accepted unscanned"},
    {"bad listen", "milter:\n  listen: 10025\n", 2, "inet:PORT@HOST"},
    {"bad backend", "milter:\n  state: { backend: lmdb }\n", 2, "unknown backend"},
    {"rate limit zero", "milter:\n  rate_limit: { messages: 0 }\n", 2, "messages"},
    {"internal domain with @", "internal_domains: [a@example.org]\n", 1, "is not a domain"},
};

static void config_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof config_error_cases / sizeof config_error_cases[0]; i++) {
        const struct config_error_case *c = &config_error_cases[i];
        ms_engine *eng = NULL;
        errors x = {0};
        if (build(c->yaml, &eng, &x) == MS_OK || x.n == 0)
            fail_msg("%s: no error", c->name);
        const char *base = strrchr(x.e[0].file, '/');
        if (!base || strcmp(base, "/mailsift.yaml") != 0 || x.e[0].line != c->line ||
            !strstr(x.e[0].msg, c->msg))
            fail_msg("%s: got %s:%u: %s", c->name, x.e[0].file, x.e[0].line, x.e[0].msg);
    }
}

static void config_error_in_login_map(void **state)
{
    ms_engine *eng = NULL;
    errors x = {0};
    (void)state;

    write_file("bad_map", "# ok\nalice@example.org alice\njustakey\n");
    assert_int_not_equal(build("milter:\n  login_maps: bad_map\n", &eng, &x), MS_OK);
    assert_true(x.n > 0);
    assert_non_null(strstr(x.e[0].file, "mailsift.yaml"));
    assert_int_equal(x.e[0].line, 2);
    assert_non_null(strstr(x.e[0].msg, "bad_map:3:"));
}

/* ---- disclaimer ------------------------------------------------------------ */

/* Feed msg in pieces of step bytes; the new body, or "" when unchanged. */
static void disclaim(const ms_engine *eng, const char *msg, size_t step, char *out, size_t size)
{
    ms_disclaimer *d;
    bool changed;
    size_t len = strlen(msg), n, o = 0;

    assert_int_equal(ms_disclaimer_create(eng, &d), MS_OK);
    for (size_t i = 0; i < len; i += step)
        assert_int_equal(ms_disclaimer_feed(d, msg + i, len - i < step ? len - i : step), MS_OK);
    assert_int_equal(ms_disclaimer_finish(d, &changed), MS_OK);
    while (changed && ms_disclaimer_read(d, out + o, size - 1 - o, &n) == MS_OK && n)
        o += n;
    out[o] = '\0';
    ms_disclaimer_destroy(d);
}

static const struct disclaimer_case {
    const char *name, *in, *want;
} disclaimer_cases[] = {
    {"plain body", "Subject: x\r\n\r\nHello\r\n", "Hello\r\n\r\nSite text.\r\nLine 2 = <b>\r\n"},
    {"plain body without a last line break", "Subject: x\r\n\r\nHello",
     "Hello\r\n\r\nSite text.\r\nLine 2 = <b>\r\n"},
    {"quoted-printable part",
     "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: "
     "quoted-printable\r\n\r\nCaf=C3=A9\r\n--b--\r\n",
     "--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9\r\n\r\nSite "
     "text.\r\nLine 2 =3D <b>\r\n--b--\r\n"},
    {"html part", "Content-Type: text/html\r\n\r\n<p>x</p>\r\n",
     "<p>x</p>\r\n\r\n<div class=\"mailsift-disclaimer\"><br>\r\nSite text.<br>\r\nLine 2 = "
     "&lt;b&gt;</div>\r\n"},
    {"base64 part re-encoded",
     "Content-Type: multipart/alternative; boundary=\"q\"\r\n\r\n--q\r\nContent-Type: "
     "text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGk=\r\n--q--\r\n",
     "--q\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: "
     "base64\r\n\r\nSGkNCg0KU2l0ZSB0ZXh0Lg0KTGluZSAyID0gPGI+\r\n--q--\r\n"},
    {"attachment and image untouched",
     "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: "
     "text/plain\r\nContent-Disposition: attachment\r\n\r\nfile\r\n--b\r\nContent-Type: "
     "image/png\r\n\r\nPNG\r\n--b--\r\n",
     ""},
    {"signed message untouched",
     "Content-Type: multipart/signed; boundary=s; protocol=\"application/pgp-signature\"\r\n\r\n"
     "--s\r\n\r\nsigned text\r\n--s--\r\n",
     ""},
    {"S/MIME opaque message untouched",
     "Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\nMIAGCSqG\r\n", ""},
    {"signed part inside mixed skipped, the plain part gets it",
     "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/signed; "
     "boundary=i\r\n\r\n--i\r\n\r\nsigned\r\n--i--\r\n--o\r\n\r\nnote\r\n--o--\r\n",
     "--o\r\nContent-Type: multipart/signed; boundary=i\r\n\r\n--i\r\n\r\nsigned\r\n--i--\r\n"
     "--o\r\n\r\nnote\r\n\r\nSite text.\r\nLine 2 = <b>\r\n--o--\r\n"},
    {"a forwarded message is left as it is, the note beside it gets it",
     "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n\r\nnote\r\n--o\r\n"
     "Content-Type: message/rfc822\r\n\r\nSubject: fwd\r\n\r\ninner\r\n--o--\r\n",
     "--o\r\n\r\nnote\r\n\r\nSite text.\r\nLine 2 = <b>\r\n--o\r\nContent-Type: "
     "message/rfc822\r\n\r\nSubject: fwd\r\n\r\ninner\r\n--o--\r\n"},
    {"type and parameter names in capitals are read as the scan reads them",
     "Content-Type: MULTIPART/MIXED;BOUNDARY=\"b\"\r\n\r\n--b\r\nContent-Type: TEXT/PLAIN\r\n\r\n"
     "x\r\n--b--\r\n",
     "--b\r\nContent-Type: TEXT/PLAIN\r\n\r\nx\r\n\r\nSite text.\r\nLine 2 = <b>\r\n--b--\r\n"},
    {"a multipart without a boundary is left as it is",
     "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n", ""},
    {"a delimiter with transport padding closes the part",
     "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b \t\r\n\r\nx\r\n--b-- \r\n",
     "--b \t\r\n\r\nx\r\n\r\nSite text.\r\nLine 2 = <b>\r\n--b-- \r\n"},
};

/* The disclaimer reads structure with the scan's parser and limits: a text
 * part nested as deep as the depth limit allows gets the text, and the rest
 * of the body is written back byte for byte. */
static void disclaimer_deep_nesting(void **state)
{
    ms_engine *eng = engine("milter: { disclaimer: \"Site text.\" }\n");
    static char msg[8192], want[8192], got[8192];
    size_t m = 0, w = 0;
    (void)state;

    m += (size_t)snprintf(msg + m, sizeof msg - m,
                          "Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
    for (int i = 0; i < 20; i++) {
        int k = snprintf(msg + m, sizeof msg - m,
                         "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i + 1);
        memcpy(want + w, msg + m, (size_t)k);
        m += (size_t)k;
        w += (size_t)k;
    }
    const char *inner = "--b20\r\n\r\ndeep\r\n";
    m += (size_t)snprintf(msg + m, sizeof msg - m, "%s", inner);
    w += (size_t)snprintf(want + w, sizeof want - w, "%s\r\nSite text.\r\n", inner);
    for (int i = 20; i >= 0; i--) {
        int k = snprintf(msg + m, sizeof msg - m, "--b%d--\r\n", i);
        memcpy(want + w, msg + m, (size_t)k + 1);
        m += (size_t)k;
        w += (size_t)k;
    }
    disclaim(eng, msg, 7, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("21 levels deep:\ngot  [%s]\nwant [%s]", got, want);
    ms_engine_destroy(eng);
}

/* A header line over the line limit that arrives in pieces is cut by the
 * parser: the message cannot be written back whole, so it is left as it
 * is, never delivered with a piece missing. */
static void disclaimer_leaves_what_it_cannot_copy(void **state)
{
    ms_engine *eng = engine("limits: { line_length: 1024 }\n"
                            "milter: { disclaimer: \"Site text.\" }\n");
    static char msg[8192], got[8192];
    (void)state;

    int n = snprintf(msg, sizeof msg,
                     "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX-Long: ");
    memset(msg + n, 'a', 3000);
    snprintf(msg + n + 3000, sizeof msg - (size_t)n - 3000, "\r\n\r\ntext\r\n--b--\r\n");
    disclaim(eng, msg, 1, got, sizeof got); /* fed in pieces: the line is cut */
    assert_string_equal(got, "");
    ms_engine_destroy(eng);
}

static void disclaimer_rewrite(void **state)
{
    ms_engine *eng = engine("internal_domains: [example.org]\n"
                            "milter: { disclaimer: \"Site text.\\nLine 2 = <b>\" }\n");
    ms_envelope internal = {.recipients = 1}, ext = {.recipients = 2, .external_recipients = 1};
    static char out[8192], one[8192];
    (void)state;

    assert_false(ms_disclaimer_check(eng, &internal));
    assert_true(ms_disclaimer_check(eng, &ext));
    for (size_t i = 0; i < sizeof disclaimer_cases / sizeof disclaimer_cases[0]; i++) {
        const struct disclaimer_case *c = &disclaimer_cases[i];
        disclaim(eng, c->in, 1 << 20, out, sizeof out);
        if (strcmp(out, c->want) != 0)
            fail_msg("%s:\ngot  [%s]\nwant [%s]", c->name, out, c->want);
        disclaim(eng, c->in, 1, one, sizeof one); /* byte by byte: the same */
        if (strcmp(one, out) != 0)
            fail_msg("%s: byte by byte differs", c->name);
    }

    /* past the memory cap the copy goes to a temporary file: same result */
    size_t big = 3u << 20, n, o = 0;
    char *msg = malloc(big + 64), *got = malloc(big + 256);
    assert_non_null(msg);
    assert_non_null(got);
    strcpy(msg, "Subject: big\r\n\r\n");
    size_t h = strlen(msg);
    for (size_t i = h; i < h + big; i += 64)
        memcpy(msg + i, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n", 64);
    msg[h + big] = '\0';
    ms_disclaimer *d;
    bool changed;
    assert_int_equal(ms_disclaimer_create(eng, &d), MS_OK);
    assert_int_equal(ms_disclaimer_feed(d, msg, h + big), MS_OK);
    assert_int_equal(ms_disclaimer_finish(d, &changed), MS_OK);
    assert_true(changed);
    while (ms_disclaimer_read(d, got + o, 65536, &n) == MS_OK && n)
        o += n;
    const char *tail = "\r\nSite text.\r\nLine 2 = <b>\r\n";
    assert_int_equal(o, big + strlen(tail));
    assert_memory_equal(got, msg + h, big);
    assert_memory_equal(got + big, tail, strlen(tail));
    ms_disclaimer_destroy(d);
    free(msg);
    free(got);
    ms_engine_destroy(eng);
    eng = engine(NULL);
    assert_false(ms_disclaimer_check(eng, &ext)); /* none configured */
    ms_engine_destroy(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reply_parsing),
        cmocka_unit_test(reply_defaults),
        cmocka_unit_test(reply_configured),
        cmocka_unit_test(internal_domains),
        cmocka_unit_test(category_scope),
        cmocka_unit_test(encryption_exemption),
        cmocka_unit_test(login_map),
        cmocka_unit_test(ratelimit_window),
        cmocka_unit_test(ratelimit_suspension_survives),
        cmocka_unit_test(config_errors),
        cmocka_unit_test(config_error_in_login_map),
        cmocka_unit_test(disclaimer_rewrite),
        cmocka_unit_test(disclaimer_deep_nesting),
        cmocka_unit_test(disclaimer_leaves_what_it_cannot_copy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
