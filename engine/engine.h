/*
 * engine.h - the compiled engine: rules, categories, policy, Hyperscan
 * database. Built by ms_engine_create(); read-only afterwards.
 */
#ifndef MS_ENGINE_H
#define MS_ENGINE_H

#include "attach_conf.h"
#include "limits.h"
#include "policy.h"
#include "yamldoc.h"

#include <mailsift/mailsift.h>

#include <hs/hs.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef enum ms_scope {
    MS_SCOPE_ANY = 0, /* body text and scanned headers */
    MS_SCOPE_BODY,    /* decoded text parts only */
    MS_SCOPE_HEADER,  /* scanned header fields only */
} ms_scope;

typedef enum ms_validator {
    MS_VALIDATOR_NONE = 0,
    MS_VALIDATOR_PAN,           /* payment card number: IIN, length, Luhn (pan.c) */
    MS_VALIDATOR_CONTEXT,       /* no finding: marks context raising its category's
                                   card numbers from level low to high */
    MS_VALIDATOR_CARD_CONTEXT,  /* as context, and strong enough to make a card
                                   number of an unusual length or layout a finding */
    MS_VALIDATOR_OTHER_CONTEXT, /* no finding: words naming another kind of
                                   number (IMEI, IBAN, parcel), near which a card
                                   number of an unusual length is none */
} ms_validator;

/* A pattern too long for one Hyperscan expression (a long word list), in
 * parts compiled as expressions of their own under the rule's id: each
 * the alternation of some of the entries, so that any part matching is
 * the rule matching. n == 0: the pattern is one expression. */
typedef struct ms_parts {
    char **s;
    unsigned n;
} ms_parts;

typedef struct ms_rule {
    char *id;
    char *description;
    char *pattern;
    unsigned category; /* index into ms_engine.cats */
    unsigned hs_flags;
    ms_validator validator;
    int weight;
    ms_scope scope;
    bool hide_excerpt; /* `excerpt: none`: the match itself is sensitive */
    char *file;
    unsigned line;
    /* Two-stage rules (`anchors:`): the stream database looks for the
     * anchor (an alternation of literals, one of which occurs in every
     * match); around each hit the rule itself is verified in block mode
     * on a window of the text reaching `reach` bytes (the pattern's
     * max_width) either side. NULL anchor: the pattern is matched
     * directly in the stream. */
    char *anchor;          /* Hyperscan expression of the anchors */
    char *anchor_text;     /* as written, '|' between entries (rules check) */
    unsigned reach;        /* max_width of pattern (a self-anchored list: set by the loader) */
    hs_database_t *vdb;    /* block mode: any byte, then the pattern */
    ms_parts parts;        /* pattern, when it is too long for one expression */
    ms_parts anchor_parts; /* anchor, likewise */
} ms_rule;

/* Free what a rule holds (its compiled verify database too); NULL fields
 * are fine. */
void ms_rule_free(ms_rule *r);
void ms_parts_free(ms_parts *p);

/* Confidence levels of validated findings (card numbers). */
typedef enum ms_level {
    MS_LEVEL_NONE = -1,
    MS_LEVEL_LOW = 0,
    MS_LEVEL_HIGH,
    MS_LEVEL_BULK,
    MS_LEVELS
} ms_level;

extern const char *const ms_level_names[MS_LEVELS];

typedef struct ms_category {
    char *name;
    char *description;
    int threshold; /* 0: any finding fires the category */
    ms_action action;
    bool has_level_action[MS_LEVELS];
    ms_action level_action[MS_LEVELS]; /* per level, overriding action */
    unsigned bulk;                     /* more distinct card numbers than this: bulk (0: off) */
    unsigned context_window;           /* bytes either side for context rules */
    char *file;
    unsigned line;
} ms_category;

/* Builtin category for content the scanner could not read (limits). */
#define MS_CATEGORY_UNSCANNABLE "unscannable"
/* Builtin category of attachment.unscannable: a container or member
 * mailsift recognises but could not open or read to its end (damaged, an
 * unsupported method); tagged by default, as `encrypted` is. */
#define MS_CATEGORY_UNSCANNABLE_ATTACHMENT "unscannable_attachment"

struct ms_engine {
    atomic_int refs;
    ms_rule *rules;
    unsigned nrules;
    ms_category *cats;
    unsigned ncats;
    char **headers; /* lower-case header names scanned besides Subject */
    unsigned nheaders;
    hs_database_t *db;
    hs_scratch_t *scratch;  /* prototype cloned by each scan */
    hs_scratch_t *vscratch; /* for the verify databases; NULL: none */
    size_t text_history;    /* stream bytes a scan keeps before a batch */
    size_t db_size, stream_size;
    double compile_ms;
    bool from_cache;
    struct ms_exprinfo *exprinfo; /* while it is built: widths of expressions (exprinfo.h) */
    ms_limits limits;
    unsigned cat_unscannable;
    /* attachments (attach.c): limits and type lists, compiled YARA rules */
    ms_attach_conf attach;
    struct YR_RULES *yara;  /* NULL: no *.yar in the rules directory */
    struct cl_engine *clam; /* libclamav, no signatures: containers (clam.c) */
    bool yara_initialized;
    bool yara_from_cache;            /* the YARA rules came from the cache directory */
    unsigned yara_rules, yara_files; /* compiled from rulesets/NAME.yar */
    ms_policy_conf policy;           /* internal_domains, policy:, milter: (policy.h) */
};

/* rules.c: index of category name, or -1. */
int ms_engine_category(const ms_engine *eng, const char *name);

/* rules.c: add a category (used for builtins); returns its index or -1. */
int ms_engine_add_category(ms_engine *eng, const char *name, const char *description, int threshold,
                           ms_action action);

/* match.c: MS_ERR_NOMEM for a Hyperscan compile error that is an
 * allocation failing (told only by its message), else MS_ERR_RULES. */
int ms_match_error_code(const hs_compile_error_t *cerr);

#endif
