/*
 * fuzz_milter.c - libFuzzer harness for the milter callbacks
 *
 * cli/milter_filter.c is compiled in with the smfi_* functions below in
 * place of libmilter's: they keep the connection's private pointer and
 * macros, and record the reply, headers, quarantine and body the filter
 * asks for. The engine (shipped rules, a config with a disclaimer, small
 * limits, a login map and a file-backed rate limiter in a temporary
 * directory) is built once.
 *
 * The input is a program, one operation a byte (its value modulo OP_N),
 * operands taken from the bytes after it; a string is a length byte and
 * that many bytes (length 255: no string, a NULL macro):
 *   OP_NEGOTIATE  flags byte; a new connection starts with it
 *   OP_MACRO      macro number byte, string: set or clear a macro
 *   OP_MAIL       count byte, that many strings: the MAIL arguments
 *   OP_RCPT       count byte, that many strings
 *   OP_DATA, OP_EOH, OP_EOM, OP_ABORT, OP_CLOSE
 *   OP_HEADER     name string, value string
 *   OP_BODY       two length bytes (little-endian), that many bytes
 *   OP_CANNED     a byte picking a canned header (in the header) or body
 *                 line (in the body): card numbers, tag words, MIME, so
 *                 the verdict paths are reached without luck
 * The harness keeps libmilter's order: a step out of order is skipped, a
 * message ends when a step answers other than continue (RCPT: only that
 * recipient), a new MAIL inside a message is preceded by an abort, and the
 * connection is closed at the end of the input.
 *
 * Checks: a reply set is a 4xx with SMFIS_TEMPFAIL or a 5xx with
 * SMFIS_REJECT; a step negotiated without reply (SMFIP_NR_HDR, _EOH, which
 * negotiate offers as libmilter does) answers SMFIS_NOREPLY, which the
 * harness takes as continue, and only such a step does; an added header is a known name with a
 * value of at most 998 bytes; after close the private pointer is cleared and no message is in
 * flight; no log line and no audit record shows a card number (a run of twelve or more digits,
 * single spaces, dashes, dots or underscores between them).
 */
#include "milter.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAC_I, MAC_MAIL_ADDR, MAC_AUTH, MAC_CLIENT, MAC_RCPT_ADDR, MAC_N };
static const char *const macro_names[MAC_N] = {"i", "{mail_addr}", "{auth_authen}", "{client_addr}",
                                               "{rcpt_addr}"};

struct smfi_str {
    void *priv;
    char *macros[MAC_N];
    char reply_code[4];
    bool replied;
    bool leadspc;     /* header values come with their leading space */
    unsigned long nr; /* the SMFIP_NR_* steps negotiated */
};

/* ---- libmilter, as the filter sees it ----------------------------------- */

void *smfi_getpriv(SMFICTX *ctx)
{
    return ctx->priv;
}

int smfi_setpriv(SMFICTX *ctx, void *priv)
{
    ctx->priv = priv;
    return MI_SUCCESS;
}

char *smfi_getsymval(SMFICTX *ctx, char *name)
{
    for (int i = 0; i < MAC_N; i++)
        if (strcmp(name, macro_names[i]) == 0)
            return ctx->macros[i];
    return NULL;
}

int smfi_setsymlist(SMFICTX *ctx, int stage, char *macros)
{
    (void)ctx;
    (void)stage;
    (void)macros;
    return MI_SUCCESS;
}

int smfi_setreply(SMFICTX *ctx, char *code, char *status, char *text)
{
    if (!code || strlen(code) != 3 || (code[0] != '4' && code[0] != '5') || !status || !text)
        abort();
    memcpy(ctx->reply_code, code, 4);
    ctx->replied = true;
    return MI_SUCCESS;
}

int smfi_addheader(SMFICTX *ctx, char *name, char *value)
{
    (void)ctx;
    if (strcmp(name, "X-Mailsift-Verdict") != 0 && strcmp(name, "X-Mailsift-Findings") != 0)
        abort();
    if (strlen(name) + 2 + strlen(value) > 998 || strchr(value, '\n'))
        abort();
    return MI_SUCCESS;
}

int smfi_quarantine(SMFICTX *ctx, char *reason)
{
    (void)ctx;
    if (!reason)
        abort();
    return MI_SUCCESS;
}

int smfi_replacebody(SMFICTX *ctx, unsigned char *buf, int len)
{
    (void)ctx;
    if (!buf || len <= 0)
        abort();
    return MI_SUCCESS;
}

/* ---- what the milter writes ---------------------------------------------- */

static bool sep(char c)
{
    return c == ' ' || c == '-' || c == '.' || c == '_';
}

/* check_masked - abort on a run of 12 or more digits in s */
static void check_masked(const char *line)
{
    unsigned digits = 0;
    for (const char *s = line; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (++digits >= MS_MASK_MIN_DIGITS) {
                fprintf(stderr, "fuzz_milter: a card number in full: %s\n", line);
                abort();
            }
        } else if (!(sep(*s) && digits && s[1] >= '0' && s[1] <= '9')) {
            digits = 0;
        }
    }
}

static void on_log(int prio, const char *line)
{
    (void)prio;
    check_masked(line);
}

/* ---- the engine, once ---------------------------------------------------- */

static char dir[] = "/tmp/fuzz_milter.XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char config[2048], path[256];
    ms_engine *eng;
    ms_ratelimit *rl;
    ms_error err = {0};

    (void)argc;
    (void)argv;
    if (!mkdtemp(dir))
        abort();
    write_file("logins", "alice@example.org alice@example.org\n@sales.example.org bob, carol\n");
    snprintf(config, sizeof config,
             "internal_domains: [example.org]\n"
             "milter:\n"
             "  log: stderr\n"
             "  recipient_limit: 5\n"
             "  size_limit: 200000\n"
             "  rate_limit: { messages: 1000, window: 3600 }\n"
             "  login_maps: %s/logins\n"
             "  disclaimer: \"Fuzz disclaimer.\"\n"
             "  audit_log: %s/audit.log\n"
             "  state: { backend: file, file: %s/state }\n",
             dir, dir, dir);
    write_file("mailsift.yaml", config);
    snprintf(path, sizeof path, "%s/mailsift.yaml", dir);
    ms_engine_opts opts = {.rules_dir = MS_SOURCE_DIR "/rulesets", .config_path = path};
    if (ms_engine_create(&opts, &eng, &err) != MS_OK ||
        ms_ratelimit_create(eng, &rl, &err) != MS_OK) {
        fprintf(stderr, "fuzz_milter: %s:%u: %s\n", err.file, err.line, err.msg);
        abort();
    }
    ms_milter_log_to(on_log);
    snprintf(path, sizeof path, "%s/audit.log", dir);
    if (ms_audit_open(path) != 0)
        abort();
    ms_milter_engine_swap(eng);
    ms_milter_set_ratelimit(rl);
    return 0;
}

/* check_json - every string in v, decoded (an escape such as \u0013 is no
 * digit of the sender's) */
static void check_json(json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;

    if (json_is_string(v)) {
        check_masked(json_string_value(v));
    } else if (json_is_object(v)) {
        json_object_foreach(v, key, item)
        {
            check_json(item);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            check_json(item);
        }
    }
}

/* check_audit - every audit record of this input, then empty the file */
static void check_audit(void)
{
    char path[256], line[65536];
    snprintf(path, sizeof path, "%s/audit.log", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        abort();
    while (fgets(line, sizeof line, f)) {
        json_t *o = json_loads(line, 0, NULL);
        if (!o)
            abort(); /* not one JSON object a line */
        check_json(o);
        json_decref(o);
    }
    fclose(f);
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd < 0)
        abort();
    close(fd);
}

/* ---- the program --------------------------------------------------------- */

enum {
    OP_NEGOTIATE,
    OP_MACRO,
    OP_MAIL,
    OP_RCPT,
    OP_DATA,
    OP_HEADER,
    OP_EOH,
    OP_BODY,
    OP_EOM,
    OP_ABORT,
    OP_CLOSE,
    OP_CANNED,
    OP_N
};

/* Where the MTA is: what libmilter lets come next. */
enum { ST_CONN, ST_MAIL, ST_RCPT, ST_HEADERS, ST_BODY };

typedef struct input {
    const uint8_t *p, *end;
} input;

static unsigned byte(input *in)
{
    return in->p < in->end ? *in->p++ : 0;
}

/* A NUL-terminated copy of the next string, or NULL; free() it. */
static char *string(input *in, bool *null)
{
    unsigned n = byte(in);
    *null = n == 255;
    if (*null)
        return NULL;
    if (n > (size_t)(in->end - in->p))
        n = (unsigned)(in->end - in->p);
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, in->p, n);
    s[n] = '\0';
    in->p += n;
    return s;
}

static const char *const canned_headers[][2] = {
    {"From", " alice@example.org"},
    {"From", " The CEO <ceo@example.org>"},
    {"Sender", " 4111111111111111@example.org"},
    {"Content-Type", " multipart/mixed; boundary=b"},
    {"Subject", " MSTAGME 4111111111111111"},
};
static const char *const canned_body[] = {
    "Card: 4111 1111 1111 1111 exp 12/29\r\n",
    "--b\r\nContent-Type: text/plain\r\n\r\nMSTAGME MSHOLDME\r\n--b--\r\n",
    "word word word word word word word word word word word word word\r\n",
};
#define COUNT(a) (sizeof(a) / sizeof *(a))

/* sfsistat check: the reply set during the step agrees with its answer. */
static sfsistat step(SMFICTX *ctx, sfsistat rc)
{
    if (rc == SMFIS_NOREPLY)
        abort(); /* only from a step without reply: nr_step */
    if (ctx->replied && rc != SMFIS_CONTINUE &&
        ((rc == SMFIS_TEMPFAIL) != (ctx->reply_code[0] == '4') ||
         (rc == SMFIS_REJECT) != (ctx->reply_code[0] == '5')))
        abort();
    ctx->replied = false;
    return rc;
}

/* step for a step negotiated without reply (nr, an SMFIP_NR_* bit) or
 * not: SMFIS_NOREPLY exactly when it was, then taken as continue. */
static sfsistat nr_step(SMFICTX *ctx, unsigned long nr, sfsistat rc)
{
    if ((rc == SMFIS_NOREPLY) != ((ctx->nr & nr) != 0))
        abort();
    return rc == SMFIS_NOREPLY ? SMFIS_CONTINUE : step(ctx, rc);
}

static void close_conn(SMFICTX *ctx, int *st)
{
    if (*st != ST_CONN)
        step(ctx, ms_milter_filter.xxfi_abort(ctx));
    step(ctx, ms_milter_filter.xxfi_close(ctx));
    if (ctx->priv || ms_milter_in_flight() != 0)
        abort();
    *st = ST_CONN;
}

static void negotiate(SMFICTX *ctx, unsigned flags)
{
    unsigned long f0 = SMFIF_ADDHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST | SMFIF_CHGBODY;
    /* libmilter offers every no-reply step, whatever the MTA offers */
    unsigned long f1 = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_HDR_LEADSPC |
                       SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
                       SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
    unsigned long p0, p1 = 0, p2, p3;

    if (flags & 1)
        f0 &= ~(unsigned long)SMFIF_CHGBODY;
    if (flags & 2)
        f1 &= ~(unsigned long)SMFIP_HDR_LEADSPC;
    ctx->leadspc = !(flags & 2);
    if (flags & 4)
        f0 &= ~(unsigned long)SMFIF_QUARANTINE;
    ms_milter_filter.xxfi_negotiate(ctx, f0, f1, 0, 0, &p0, &p1, &p2, &p3);
    ctx->nr = p1 & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA |
                    SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY);
    if (ctx->nr & ~(unsigned long)(SMFIP_NR_HDR | SMFIP_NR_EOH))
        abort(); /* a step that may refuse, or the body (see milter_filter.c) */
}

/* The arguments of MAIL or RCPT: count byte, strings; argv[0] may be "". */
static char **arguments(input *in, unsigned min)
{
    unsigned n = byte(in) % 4;
    if (n < min)
        n = min;
    char **argv = calloc(n + 1, sizeof *argv);
    if (!argv)
        abort();
    for (unsigned i = 0; i < n; i++) {
        bool null;
        argv[i] = string(in, &null);
        if (!argv[i] && !(argv[i] = strdup("")))
            abort();
    }
    return argv;
}

static void free_arguments(char **argv)
{
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, data + size};
    struct smfi_str ctx = {0};
    int st = ST_CONN;
    bool null;

    negotiate(&ctx, byte(&in));
    while (in.p < in.end) {
        unsigned op = byte(&in) % OP_N;
        sfsistat rc;
        char *a, *b, **argv;
        size_t n;

        switch (op) {
        case OP_NEGOTIATE: /* only at the start of a connection */
            byte(&in);
            break;
        case OP_MACRO:
            n = byte(&in) % MAC_N;
            free(ctx.macros[n]);
            ctx.macros[n] = string(&in, &null);
            break;
        case OP_MAIL:
            if (st != ST_CONN)
                step(&ctx, ms_milter_filter.xxfi_abort(&ctx));
            argv = arguments(&in, 1);
            rc = step(&ctx, ms_milter_filter.xxfi_envfrom(&ctx, argv));
            free_arguments(argv);
            st = rc == SMFIS_CONTINUE ? ST_MAIL : ST_CONN;
            break;
        case OP_RCPT:
            argv = arguments(&in, 1);
            if (st == ST_MAIL || st == ST_RCPT) {
                rc = step(&ctx, ms_milter_filter.xxfi_envrcpt(&ctx, argv));
                if (rc == SMFIS_CONTINUE)
                    st = ST_RCPT;
            }
            free_arguments(argv);
            break;
        case OP_DATA:
            if (st == ST_RCPT && step(&ctx, ms_milter_filter.xxfi_data(&ctx)) != SMFIS_CONTINUE)
                st = ST_CONN;
            break;
        case OP_HEADER:
            a = string(&in, &null);
            b = string(&in, &null);
            if (a && b && (st == ST_RCPT || st == ST_HEADERS)) {
                rc = nr_step(&ctx, SMFIP_NR_HDR, ms_milter_filter.xxfi_header(&ctx, a, b));
                st = rc == SMFIS_CONTINUE ? ST_HEADERS : ST_CONN;
            }
            free(a);
            free(b);
            break;
        case OP_CANNED:
            n = byte(&in);
            if (st == ST_RCPT || st == ST_HEADERS) {
                const char *const *h = canned_headers[n % COUNT(canned_headers)];
                if (!(a = strdup(h[0])) || !(b = strdup(h[1] + !(ctx.leadspc))))
                    abort();
                rc = nr_step(&ctx, SMFIP_NR_HDR, ms_milter_filter.xxfi_header(&ctx, a, b));
                st = rc == SMFIS_CONTINUE ? ST_HEADERS : ST_CONN;
                free(a);
                free(b);
            } else if (st == ST_BODY) {
                const char *c = canned_body[n % COUNT(canned_body)];
                rc = step(&ctx, ms_milter_filter.xxfi_body(&ctx, (unsigned char *)c, strlen(c)));
                st = rc == SMFIS_CONTINUE ? ST_BODY : ST_CONN;
            }
            break;
        case OP_EOH:
            if (st == ST_RCPT || st == ST_HEADERS) {
                rc = nr_step(&ctx, SMFIP_NR_EOH, ms_milter_filter.xxfi_eoh(&ctx));
                st = rc == SMFIS_CONTINUE ? ST_BODY : ST_CONN;
            }
            break;
        case OP_BODY:
            n = byte(&in);
            n |= (size_t)byte(&in) << 8;
            if (n > (size_t)(in.end - in.p))
                n = (size_t)(in.end - in.p);
            if (st == ST_BODY && n > 0) {
                /* a copy of exactly n bytes: ASan sees a read past it */
                unsigned char *chunk = malloc(n ? n : 1);
                if (!chunk)
                    abort();
                memcpy(chunk, in.p, n);
                rc = step(&ctx, ms_milter_filter.xxfi_body(&ctx, chunk, n));
                free(chunk);
                st = rc == SMFIS_CONTINUE ? ST_BODY : ST_CONN;
            }
            in.p += n;
            break;
        case OP_EOM:
            if (st == ST_BODY) {
                step(&ctx, ms_milter_filter.xxfi_eom(&ctx));
                st = ST_CONN;
            }
            break;
        case OP_ABORT:
            if (st != ST_CONN) {
                step(&ctx, ms_milter_filter.xxfi_abort(&ctx));
                st = ST_CONN;
            }
            break;
        case OP_CLOSE:
            close_conn(&ctx, &st);
            negotiate(&ctx, byte(&in));
            break;
        }
    }
    close_conn(&ctx, &st);
    for (int i = 0; i < MAC_N; i++)
        free(ctx.macros[i]);
    check_audit();
    return 0;
}
