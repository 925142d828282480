/*
 * mailsift.h - public interface of the mailsift scanning library
 *
 * mailsift inspects outbound e-mail for policy breaches: payment card
 * numbers, classification markers, chain letters, harassment, credentials,
 * dangerous attachments. Front ends (the milter, `mailsift scan`, sweeps and
 * rule benchmarks) use this header and nothing else.
 *
 * Two handles:
 *
 *   ms_engine  compiled rules and policy. Built once by ms_engine_create(),
 *              then immutable: any number of threads may use one engine at
 *              the same time through their own scans. Reference counted so
 *              that a reload can swap engines while scans finish on the old.
 *   ms_scan    one message in flight. Owns everything per-thread (Hyperscan
 *              scratch and stream, decoders, buffers, findings). A scan is
 *              used by one thread at a time and is reused for the next
 *              message with ms_scan_reset(), which keeps its buffers.
 *
 * Feeding: ms_scan_feed() takes raw RFC 5322 message bytes in chunks of any
 * size (one byte to the whole message); the findings do not depend on how
 * the message was chunked. ms_scan_finish() ends the message and returns
 * the result.
 *
 * Errors: functions return MS_OK (0) or an MS_ERR_* code. Malformed mail is
 * not an error: it is recorded as an anomaly and scanned as far as it can
 * be, and limits hit while scanning become findings the policy acts on.
 * ms_scan_feed() fails only on out-of-memory or misuse.
 *
 * Card numbers never leave the library in full: excerpts are masked to the
 * first six and last four digits when the finding is stored.
 */
#ifndef MAILSIFT_H
#define MAILSIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MS_VERSION "0.1.0"

/* Return codes. */
enum {
    MS_OK = 0,
    MS_ERR_NOMEM = 1,   /* an allocation failed */
    MS_ERR_IO = 2,      /* a file could not be read */
    MS_ERR_CONFIG = 3,  /* the site configuration is invalid */
    MS_ERR_RULES = 4,   /* a ruleset is invalid or does not compile */
    MS_ERR_MATCHER = 5, /* Hyperscan failed at run time */
    MS_ERR_MISUSE = 6,  /* API called out of order (feed after finish, ...) */
    MS_ERR_LIMIT = 7,   /* an internal buffer limit was reached */
};

/* Describe a return code in a few words; never NULL. */
const char *ms_strerror(int code);

/* An error with the place it is about, like a compiler diagnostic. */
typedef struct ms_error {
    int code;       /* MS_OK or an MS_ERR_* value */
    char file[256]; /* config or rule file the error is about, or "" */
    unsigned line;  /* 1-based; 0 if not about a line */
    char msg[256];  /* one sentence, no trailing newline */
} ms_error;

/* Format an error as "file:line: msg" (or just "msg") into buf; returns buf. */
const char *ms_error_format(const ms_error *err, char *buf, size_t size);

/*
 * Mask card numbers in a NUL-terminated string, in place: every run of
 * MS_MASK_MIN_DIGITS or more digits (single spaces, dashes, dots or
 * underscores between digits allowed, as people and file names write card
 * numbers) keeps its first six and last four digits, the digits between
 * become '*'. When truncated is true the string was cut to fit a buffer, so
 * a run at its very end may be the start of a longer number: one of seven or
 * more digits there keeps only its first six. Returns s. The library passes
 * every string of a result through it; front ends pass every string of their
 * own that leaves the process (envelope addresses, logins, header values).
 */
#define MS_MASK_MIN_DIGITS 12
char *ms_mask_pans(char *s, bool truncated);

/* Actions in rising order of severity; the most severe wins. */
typedef enum ms_action {
    MS_ACTION_ACCEPT = 0,
    MS_ACTION_TAG = 1,
    MS_ACTION_QUARANTINE = 2,
    MS_ACTION_REJECT = 3,
} ms_action;

/* "accept", "tag", "quarantine", "reject". */
const char *ms_action_name(ms_action action);

/* Anomalies: things wrong with the message that did not stop the scan. */
enum {
    MS_ANOM_LONG_LINE = 1u << 0,          /* a line longer than the line limit */
    MS_ANOM_HEADER_TRUNCATED = 1u << 1,   /* header section over the header limit */
    MS_ANOM_NO_HEADER_END = 1u << 2,      /* message ended inside a header */
    MS_ANOM_MISSING_BOUNDARY = 1u << 3,   /* a multipart had no closing boundary */
    MS_ANOM_NO_BOUNDARY_PARAM = 1u << 4,  /* multipart without boundary= */
    MS_ANOM_B64_BAD_CHAR = 1u << 5,       /* bytes outside the base64 alphabet */
    MS_ANOM_B64_TRUNCATED = 1u << 6,      /* base64 ended mid-quantum */
    MS_ANOM_QP_BROKEN_ESCAPE = 1u << 7,   /* '=' not followed by two hex digits */
    MS_ANOM_CHARSET_UNKNOWN = 1u << 8,    /* declared charset unknown to iconv */
    MS_ANOM_CHARSET_INVALID = 1u << 9,    /* bytes invalid in the declared charset */
    MS_ANOM_DEPTH = 1u << 10,             /* nesting deeper than the depth limit */
    MS_ANOM_PARTS = 1u << 11,             /* more parts than the part limit */
    MS_ANOM_BAD_ENCODED_WORD = 1u << 12,  /* RFC 2047 word that does not decode */
    MS_ANOM_HTML_TRUNCATED = 1u << 13,    /* HTML ended inside a tag or entity */
    MS_ANOM_FINDINGS_DROPPED = 1u << 14,  /* more findings than the result holds */
    MS_ANOM_UNKNOWN_ENCODING = 1u << 15,  /* unknown Content-Transfer-Encoding */
    MS_ANOM_FIELD_TRUNCATED = 1u << 16,   /* one header field over the value limit */
    MS_ANOM_HEADER_JUNK = 1u << 17,       /* a line in a header section that is no field */
    MS_ANOM_EMPTY_MULTIPART = 1u << 18,   /* a multipart that ended with no parts */
    MS_ANOM_BOUNDARY_TOO_LONG = 1u << 19, /* boundary parameter over the limit */
    MS_ANOM_ENCRYPTED = 1u << 20,         /* an encrypted archive, Office file or PDF
                                             (its content could not be scanned) */
    MS_ANOM_EMBEDDED_LIMIT = 1u << 21,    /* more files encoded into one text part
                                             (base64, uuencode) than are read */
};

/* Name of one anomaly bit ("long_line", ...), or NULL for an unknown bit. */
const char *ms_anomaly_name(uint32_t bit);

/*
 * One finding. Strings are NUL-terminated. category, rule and description
 * point into the engine and live as long as the engine; part, content_type,
 * filename and excerpt are copied into the finding and passed through
 * ms_mask_pans() by ms_scan_finish(), so no card number leaves in full.
 */
typedef struct ms_finding {
    const char *category;    /* "pci", "classification", ... */
    const char *rule;        /* rule id, "pci.pan" */
    const char *description; /* the rule's description in plain words */
    char part[64];           /* "1", "2.1", "header", "2.header" */
    char content_type[256];  /* the part's type ("text/csv"), "" for headers; whole
                                (RFC 6838 caps type and subtype at 127 each) */
    char filename[128];      /* the part's file name (UTF-8), "" if none */
    char excerpt[96];        /* masked: card numbers show first 6 / last 4 */
    uint64_t offset;         /* byte offset in the decoded text of the part */
    uint32_t count;          /* matches of this rule in this part */
    int weight;              /* the rule's weight toward its category */
    const char *level;       /* confidence of a card number: "low" (alone),
                                "high" (card words or an expiry date near it),
                                "bulk" (many in one message); "" otherwise */
} ms_finding;

/* A category that fired, with its score and the action the policy gives. */
typedef struct ms_category_hit {
    const char *name;
    int score;         /* sum of the weights of distinct matching rules */
    int threshold;     /* score at which the category fires */
    ms_action action;  /* for the highest level, when the category has levels */
    const char *level; /* highest level of its findings, or "" */
} ms_category_hit;

/*
 * The result of one message, owned by the scan: valid until the next
 * ms_scan_reset() or ms_scan_destroy(). findings lists only findings of
 * categories that fired.
 */
typedef struct ms_result {
    ms_action verdict;
    const ms_finding *findings;
    size_t nfindings;
    size_t findings_dropped; /* findings that did not fit */
    const ms_category_hit *categories;
    size_t ncategories;
    uint32_t anomalies;         /* MS_ANOM_* bits */
    unsigned parts;             /* MIME parts seen */
    unsigned text_parts;        /* parts whose text went through the rules */
    unsigned charset_fallbacks; /* parts scanned as raw bytes (bad charset) */
    uint64_t message_bytes;     /* raw bytes fed */
    uint64_t text_bytes;        /* decoded text bytes scanned */
} ms_result;

typedef struct ms_engine ms_engine;
typedef struct ms_scan ms_scan;

/* Called once per error while an engine is built (rules check lists all). */
typedef void (*ms_error_fn)(void *ctx, const ms_error *err);

typedef struct ms_engine_opts {
    const char *rules_dir;   /* directory of *.yaml rulesets; required */
    const char *config_path; /* mailsift.yaml, or NULL for built-in defaults */
    ms_error_fn on_error;    /* optional: every error, as found */
    void *on_error_ctx;
    const char *const *disabled_rules; /* optional, NULL-terminated: rule ids left
                                          out (rule benchmarks); unknown ids are errors */
    const char *cache_dir;             /* optional: keep compiled databases here, keyed by
                                          a hash of the rules, so a restart skips the
                                          compile; created (mode 0700) if missing. It must
                                          be writable by this user only: a database read
                                          from it is trusted. */
} ms_engine_opts;

/*
 * Compile the rulesets in opts->rules_dir and load the configuration.
 * On success *out holds an engine with one reference. On failure returns
 * MS_ERR_*, *out is NULL, err holds the first error and on_error (if set)
 * was called for every error found.
 */
int ms_engine_create(const ms_engine_opts *opts, ms_engine **out, ms_error *err);

/* Take one more reference; returns eng. Thread-safe. */
ms_engine *ms_engine_ref(ms_engine *eng);

/* Drop a reference; the last one frees the engine. Thread-safe. NULL is ok. */
void ms_engine_destroy(ms_engine *eng);

/* Counts describing a compiled engine (for `rules check` and benchmarks). */
typedef struct ms_engine_info {
    unsigned rules;       /* text rules in the Hyperscan database */
    unsigned categories;  /* categories defined */
    size_t database_size; /* bytes of the compiled database */
    size_t stream_size;   /* bytes of stream state per scan */
    double compile_ms;    /* time taken to compile (or load from the cache) */
    bool from_cache;      /* the database came from opts.cache_dir */
    unsigned yara_rules;  /* YARA rules for attachments, */
    unsigned yara_files;  /* from this many rulesets/NAME.yar files */
    bool yara_from_cache; /* the compiled YARA rules came from opts.cache_dir */
} ms_engine_info;

void ms_engine_get_info(const ms_engine *eng, ms_engine_info *info);

/* Text rule i (0 .. info.rules - 1): its id in *id, and what the stream
 * looks for: its anchors as written ('|' between them) for a two-stage
 * rule, NULL for a rule matched directly. *id is NULL past the last rule. */
const char *ms_engine_rule_anchor(const ms_engine *eng, unsigned i, const char **id);

/*
 * Create a scan on eng (which it references until destroyed). Allocates the
 * scan's scratch and buffers; steady-state scanning allocates nothing more.
 */
int ms_scan_create(const ms_engine *eng, ms_scan **out, ms_error *err);

/*
 * Feed the next len bytes of the raw message. Any chunking gives the same
 * result. Returns MS_OK, or MS_ERR_MISUSE after finish, MS_ERR_MATCHER if
 * Hyperscan failed.
 */
int ms_scan_feed(ms_scan *scan, const void *buf, size_t len);

/*
 * End the message: flush decoders, apply category thresholds and the policy.
 * *out is owned by the scan (see ms_result). Returns MS_OK or MS_ERR_*.
 */
int ms_scan_finish(ms_scan *scan, const ms_result **out);

/* Forget the message; the scan is ready for the next one (buffers kept). */
void ms_scan_reset(ms_scan *scan);

void ms_scan_destroy(ms_scan *scan);

/*
 * Taps: a view of a part's content at each decoding stage, for diagnostics
 * and differential tests. Called synchronously from ms_scan_feed() and
 * ms_scan_finish(); data is valid only during the call.
 */
typedef enum ms_tap_stage {
    MS_TAP_PART_BEGIN = 0, /* a leaf part starts; data is NULL */
    MS_TAP_DECODED = 1,    /* after transfer decoding (base64, QP) */
    MS_TAP_UTF8 = 2,       /* text parts: after conversion to UTF-8 */
    MS_TAP_TEXT = 3,       /* text parts: what the rules see (HTML as text) */
    MS_TAP_PART_END = 4,   /* a leaf part ends; data is NULL */
} ms_tap_stage;

typedef struct ms_part_info {
    const char *id;           /* "1", "2.1" */
    const char *content_type; /* lower case "type/subtype" */
    const char *charset;      /* lower case, "" if none declared */
    const char *filename;     /* decoded file name, "" if none */
    const char *encoding;     /* lower case transfer encoding, "" if none */
    bool is_text;             /* goes through the text rules */
    bool is_attachment;       /* Content-Disposition: attachment */
    bool is_extra;            /* a multipart's preamble or epilogue ("2.preamble") */
} ms_part_info;

typedef void (*ms_tap_fn)(void *ctx, ms_tap_stage stage, const ms_part_info *part, const void *data,
                          size_t len);

/* Install (or with fn NULL remove) a tap; kept across ms_scan_reset(). */
void ms_scan_set_tap(ms_scan *scan, ms_tap_fn fn, void *ctx);

/*
 * What each text rule costs the matcher, for rule benchmarks (`mailsift
 * rules bench`): with stats set (an array of ms_engine_info.rules entries,
 * zeroed by the caller), every later scan adds to stats[i] for text rule i
 * (ms_engine_rule_anchor's order); NULL stops. Kept across ms_scan_reset().
 * Timing the verify stage costs a clock read a window: do not leave it on.
 */
typedef struct ms_rule_stats {
    uint64_t stream_hits;  /* matches in the stream: of its anchors (two-stage) or of itself */
    uint64_t windows;      /* two-stage: windows of text verified around anchors */
    uint64_t window_bytes; /* two-stage: bytes of text in those windows */
    double verify_ms;      /* two-stage: time spent verifying them */
} ms_rule_stats;

void ms_scan_set_rule_stats(ms_scan *scan, ms_rule_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* MAILSIFT_H */
