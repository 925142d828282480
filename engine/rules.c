/*
 * rules.c - load rulesets (rulesets/NAME.yaml) into the engine
 *
 * A ruleset file holds any of three top-level keys:
 *
 *   categories:            # categories this file defines
 *     - name: chain_letter
 *       description: Chain letters
 *       threshold: 3       # score at which it fires; 0 or absent: any match
 *       action: reject     # suggested action; mailsift.yaml may override
 *       levels: {low: tag, high: reject, bulk: reject} # per confidence level
 *       context_window: 300 # bytes either side where context rules count
 *       bulk: 10           # more distinct card numbers: level bulk
 *   headers: [Sensitivity] # header fields scanned besides Subject
 *   rules:
 *     - id: pci.pan
 *       category: pci
 *       description: A payment card number
 *       pattern: '...'     # Hyperscan (PCRE subset) syntax
 *       flags: [caseless, word, single, dotall, multiline, utf8]
 *       validator: pan     # pan: a valid card number; context: no finding,
 *                          #   marks card words raising numbers to "high";
 *                          #   card_context: as context, and lets a card
 *                          #   number of an unusual length or layout be
 *                          #   a finding; other_context: no finding, names
 *                          #   another kind of number, near which such a
 *                          #   card number is none; none (default)
 *       weight: 1
 *       scope: any         # body | header | any
 *       excerpt: text      # or none: the match is itself sensitive
 *       anchors: [joke, hoax] # two-stage: only these in the stream, the
 *                          #   rule verified around them (scan.c); one
 *                          #   of them must occur in every match.
 *                          #   Without them the loader derives anchors
 *                          #   where it can (derive_anchors, anchor.c)
 *     - id: harassment.profanity
 *       category: harassment
 *       words: words/profanity.txt   # a word list instead of (or in) a pattern
 *       flags: [caseless, word]
 *
 * Word lists are data a site extends without editing ours. `words: FILE`
 * names a file relative to the ruleset's directory, one entry a line;
 * blank lines and lines starting with '#' are ignored. An entry is a
 * literal word or phrase (regex characters match themselves, a run of
 * spaces matches any run of white space, line breaks included), or
 * `re:REGEX` for a regular expression (obfuscations such as
 * `re:f[*.]?u[*.]?c[*.]?k`). The rule's pattern is the alternation of the
 * entries, compiled with the rule's flags; a rule that has a `pattern:` as
 * well puts the alternation where the pattern says `{words}` (a prefix or
 * context around the list). If FILE.local exists beside FILE, its entries
 * are added, and a line `!ENTRY` there removes an entry of ours (written as
 * in our file). A list with no entries, or a `re:` entry that does not
 * compile, is an error reported at the word file's line.
 *
 * Weights may be negative: a rule for what only looks like a marker (a
 * legal footer under a CONFIDENTIAL heading) takes back what the marker
 * rule gave. A category with such rules needs a threshold above 0, and
 * its rules still count once per message each.
 *
 * Files load in name order; every error is reported with file:line and the
 * loader carries on, so `mailsift rules check` lists them all at once. Out
 * of memory (MS_ERR_NOMEM) is reported too, and ends the load.
 */
#include "rules.h"
#include "anchor.h"
#include "engine.h"
#include "exprinfo.h"
#include "util.h"
#include "yamldoc.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dupstr(const char *s)
{
    return s ? ms_strdup(s) : NULL;
}

int ms_engine_category(const ms_engine *eng, const char *name)
{
    for (unsigned i = 0; i < eng->ncats; i++)
        if (strcmp(eng->cats[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *const ms_level_names[MS_LEVELS] = {"low", "high", "bulk"};

void ms_category_levels(ms_engine *eng, ms_yaml *y, yaml_node_t *n, int idx)
{
    static const char *const keys[] = {"low", "high", "bulk", NULL};
    ms_category *c = &eng->cats[idx];

    if (!ms_yaml_check_map(y, n, "levels", keys))
        return;
    for (int l = 0; l < MS_LEVELS; l++) {
        yaml_node_t *v = ms_yaml_get(y, n, ms_level_names[l]);
        const char *act;
        if (!v || !ms_yaml_get_str(y, v, ms_level_names[l], &act))
            continue;
        if (!ms_action_parse(act, &c->level_action[l]))
            ms_yaml_error(y, v, MS_ERR_CONFIG,
                          "%s.levels.%s: unknown action \"%s\" (known: accept, tag, "
                          "quarantine, reject)",
                          c->name, ms_level_names[l], act);
        else
            c->has_level_action[l] = true;
    }
}

int ms_engine_add_category(ms_engine *eng, const char *name, const char *description, int threshold,
                           ms_action action)
{
    ms_category *cats = ms_realloc(eng->cats, (eng->ncats + 1) * sizeof *cats);
    if (!cats)
        return -1;
    eng->cats = cats;
    ms_category *c = &cats[eng->ncats];
    memset(c, 0, sizeof *c);
    c->name = dupstr(name);
    c->description = dupstr(description ? description : name);
    c->threshold = threshold;
    c->action = action;
    if (!c->name || !c->description) {
        free(c->name);
        free(c->description);
        return -1;
    }
    return (int)eng->ncats++;
}

static bool valid_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
              *s == '-'))
            return false;
    return true;
}

static void load_category(ms_engine *eng, ms_yaml *y, yaml_node_t *n)
{
    static const char *const keys[] = {"name",   "description", "threshold",      "action",
                                       "levels", "bulk",        "context_window", NULL};
    const char *name = NULL, *desc = NULL, *act = NULL;
    long threshold = 0, bulk = 0, window = 300;
    ms_action action = MS_ACTION_REJECT;

    if (!ms_yaml_check_map(y, n, "category", keys))
        return;
    yaml_node_t *v = ms_yaml_get(y, n, "name");
    if (!v || !ms_yaml_get_str(y, v, "name", &name) || !valid_name(name)) {
        ms_yaml_error(y, v ? v : n, MS_ERR_RULES,
                      "category: \"name\" must be lower-case letters, digits, '_', '.' or '-'");
        return;
    }
    if ((v = ms_yaml_get(y, n, "description")))
        ms_yaml_get_str(y, v, "description", &desc);
    if ((v = ms_yaml_get(y, n, "threshold")))
        ms_yaml_get_long(y, v, "threshold", 0, 1000000, &threshold);
    if ((v = ms_yaml_get(y, n, "action")) && ms_yaml_get_str(y, v, "action", &act) &&
        !ms_action_parse(act, &action))
        ms_yaml_error(y, v, MS_ERR_RULES,
                      "category %s: unknown action \"%s\" (known: accept, tag, quarantine, "
                      "reject)",
                      name, act);
    if (ms_engine_category(eng, name) >= 0) {
        ms_yaml_error(y, n, MS_ERR_RULES, "category %s is defined twice", name);
        return;
    }
    if ((v = ms_yaml_get(y, n, "bulk")))
        ms_yaml_get_long(y, v, "bulk", 0, 100000, &bulk);
    if ((v = ms_yaml_get(y, n, "context_window")))
        ms_yaml_get_long(y, v, "context_window", 1, 4096, &window);
    int idx = ms_engine_add_category(eng, name, desc, (int)threshold, action);
    if (idx < 0) {
        ms_yaml_error(y, n, MS_ERR_NOMEM, "category %s: out of memory", name);
        return;
    }
    if (!(eng->cats[idx].file = dupstr(y->path)))
        ms_yaml_error(y, n, MS_ERR_NOMEM, "category %s: out of memory", name);
    eng->cats[idx].line = ms_yaml_line(n);
    eng->cats[idx].bulk = (unsigned)bulk;
    eng->cats[idx].context_window = (unsigned)window;
    if ((v = ms_yaml_get(y, n, "levels")))
        ms_category_levels(eng, y, v, idx);
}

static const struct flag_name {
    const char *name;
    unsigned hs;
} flag_names[] = {
    {"caseless", HS_FLAG_CASELESS},
    {"dotall", HS_FLAG_DOTALL},
    {"multiline", HS_FLAG_MULTILINE},
    {"single", HS_FLAG_SINGLEMATCH},
    {"utf8", HS_FLAG_UTF8 | HS_FLAG_UCP},
    {"word", 0}, /* handled by wrapping the pattern in \b...\b */
};

/* Parse flags: a sequence of names. Sets *word for the word flag. */
static unsigned parse_flags(ms_yaml *y, yaml_node_t *n, const char *id, bool *word)
{
    unsigned flags = 0;

    *word = false;
    if (n->type != YAML_SEQUENCE_NODE) {
        ms_yaml_error(y, n, MS_ERR_RULES, "rule %s: flags must be a list", id);
        return 0;
    }
    MS_YAML_FOREACH_ITEM(n, it)
    {
        yaml_node_t *f = ms_yaml_node(y, *it);
        const char *s = ms_yaml_str(f);
        bool known = false;
        for (unsigned i = 0; s && i < sizeof flag_names / sizeof flag_names[0]; i++) {
            if (strcmp(s, flag_names[i].name) == 0) {
                flags |= flag_names[i].hs;
                *word |= strcmp(s, "word") == 0;
                known = true;
            }
        }
        if (!known)
            ms_yaml_error(y, f, MS_ERR_RULES,
                          "rule %s: unknown flag \"%s\" (known: caseless, dotall, multiline, "
                          "single, utf8, word)",
                          id, s ? s : "?");
    }
    return flags;
}

static bool parse_enum(ms_yaml *y, yaml_node_t *v, const char *id, const char *key,
                       const char *const *names, int *out)
{
    const char *s;
    if (!ms_yaml_get_str(y, v, key, &s))
        return false;
    for (int i = 0; names[i]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return true;
        }
    }
    char list[128] = "";
    for (int i = 0; names[i]; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, names[i], sizeof list - strlen(list) - 1);
    }
    ms_yaml_error(y, v, MS_ERR_RULES, "rule %s: unknown %s \"%s\" (known: %s)", id, key, s, list);
    return false;
}

static char *wrap_word(const char *pattern)
{
    size_t n = strlen(pattern) + 16;
    char *p = ms_malloc(n);
    if (p)
        snprintf(p, n, "\\b(?:%s)\\b", pattern);
    return p;
}

/* ---- word lists (`words: FILE`) ------------------------------------------ */

typedef struct wordlist {
    char **text;     /* each entry as written (what `!ENTRY` names) */
    char **re;       /* its regular expression */
    unsigned *width; /* the most bytes it can match (UINT_MAX: no bound) */
    unsigned n;
} wordlist;

static void wordlist_free(wordlist *w)
{
    for (unsigned i = 0; i < w->n; i++) {
        free(w->text[i]);
        free(w->re[i]);
    }
    free(w->text);
    free(w->re);
    free(w->width);
    memset(w, 0, sizeof *w);
}

/* words_report - an error about line `line` of word list `file`, counted on
 * the ruleset that names the list so `rules check` reports it with the rest */
static void words_report(ms_yaml *y, int code, const char *file, unsigned line, const char *msg)
{
    ms_error e;

    ms_error_set(&e, code, file, line, "%s", msg);
    if (y->errors++ == 0)
        y->first = e;
    if (y->on_error)
        y->on_error(y->on_error_ctx, &e);
}

static void words_error(ms_yaml *y, const char *file, unsigned line, const char *fmt, ...)
    MS_PRINTF(4, 5);
static void words_error(ms_yaml *y, const char *file, unsigned line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    words_report(y, MS_ERR_RULES, file, line, msg);
}

/* What a run of white space in a literal entry matches: up to 8 white-space
 * bytes, line breaks included. A bounded run, not \s+, lets Hyperscan
 * check the words on both sides of it as one literal; HTML text reaches the
 * rules with its runs collapsed to one byte, plain text wraps with "\r\n"
 * and an indent. */
#define WORD_GAP     "\\s{1,8}"
#define WORD_GAP_LEN (sizeof WORD_GAP - 1)

/* word_regex - the regex of a literal entry: metacharacters escaped, each
 * run of white space WORD_GAP; malloc'd */
static char *word_regex(const char *w)
{
    char *out = ms_malloc(WORD_GAP_LEN * strlen(w) + 1), *o = out;

    if (!out)
        return NULL;
    while (*w) {
        if (*w == ' ' || *w == '\t') {
            while (*w == ' ' || *w == '\t')
                w++;
            memcpy(o, WORD_GAP, WORD_GAP_LEN);
            o += WORD_GAP_LEN;
            continue;
        }
        if (strchr("\\^$.|?*+()[]{}/#-", *w))
            *o++ = '\\';
        *o++ = *w++;
    }
    *o = '\0';
    return out;
}

/* The most bytes a literal entry's regex matches: each white-space run
 * up to 8. */
static unsigned word_width(const char *w)
{
    unsigned n = 0;

    while (*w) {
        if (*w == ' ' || *w == '\t') {
            while (*w == ' ' || *w == '\t')
                w++;
            n += 8;
            continue;
        }
        n++;
        w++;
    }
    return n;
}

static bool wordlist_add(wordlist *w, const char *text, char *re, unsigned width)
{
    char **t = ms_realloc(w->text, (w->n + 1) * sizeof *t);
    if (t)
        w->text = t;
    char **r = t ? ms_realloc(w->re, (w->n + 1) * sizeof *r) : NULL;
    if (r)
        w->re = r;
    unsigned *wd = r ? ms_realloc(w->width, (w->n + 1) * sizeof *wd) : NULL;
    if (wd)
        w->width = wd;
    if (!t || !r || !wd || !re || !(w->text[w->n] = ms_strdup(text))) {
        free(re);
        return false;
    }
    w->width[w->n] = width;
    w->re[w->n++] = re;
    return true;
}

static void wordlist_remove(wordlist *w, const char *text)
{
    for (unsigned i = 0; i < w->n;) {
        if (strcmp(w->text[i], text) == 0) {
            free(w->text[i]);
            free(w->re[i]);
            w->n--;
            w->text[i] = w->text[w->n];
            w->re[i] = w->re[w->n];
            w->width[i] = w->width[w->n];
        } else {
            i++;
        }
    }
}

/* words_read - add the entries of one word list file to w (local: the
 * site's FILE.local, where `!ENTRY` removes). Returns false if the file
 * cannot be read; bad entries are reported and skipped, running out of
 * memory is reported and ends the list. */
static bool words_read(ms_yaml *y, ms_exprinfo *xi, const char *path, bool local, unsigned hs_flags,
                       wordlist *w)
{
    FILE *f = fopen(path, "r");
    char line[MS_WORDS_LINE + 2];
    unsigned lineno = 0;

    if (!f)
        return false;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        lineno++;
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            words_error(y, path, lineno, "line longer than %d bytes", MS_WORDS_LINE);
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                     line[n - 1] == '\t'))
            line[--n] = '\0';
        char *e = line;
        while (*e == ' ' || *e == '\t')
            e++;
        if (!*e || *e == '#')
            continue;
        if (*e == '!') {
            if (!local)
                words_error(y, path, lineno,
                            "\"!ENTRY\" removes an entry only in a site's .local file");
            else
                wordlist_remove(w, e + 1);
            continue;
        }
        if (strncmp(e, "re:", 3) == 0) {
            hs_compile_error_t *cerr = NULL;
            unsigned min_width, width;
            if (ms_exprinfo_get(xi, e + 3, hs_flags, &min_width, &width, &cerr) != HS_SUCCESS) {
                if (ms_match_error_code(cerr) == MS_ERR_NOMEM)
                    words_report(y, MS_ERR_NOMEM, path, lineno, "out of memory");
                else
                    words_error(y, path, lineno, "entry \"%.64s\": %s", e,
                                cerr ? cerr->message : "does not compile");
                hs_free_compile_error(cerr);
                continue;
            }
            if (min_width == 0) {
                words_error(y, path, lineno, "entry \"%.64s\" matches the empty string", e);
                continue;
            }
            if (!wordlist_add(w, e, dupstr(e + 3), width)) {
                words_report(y, MS_ERR_NOMEM, path, lineno, "out of memory");
                break;
            }
        } else if (!wordlist_add(w, e, word_regex(e), word_width(e))) {
            words_report(y, MS_ERR_NOMEM, path, lineno, "out of memory");
            break;
        }
    }
    fclose(f);
    return true;
}

/* fill_words - pattern with each {words} replaced by alt (malloc'd), or
 * a copy of alt when pattern is NULL; NULL out of memory. */
static char *fill_words(const char *pattern, const char *alt)
{
    size_t k = 0;
    char *out;

    if (!pattern)
        return ms_strdup(alt);
    for (const char *p = pattern; (p = strstr(p, "{words}")); p += 7)
        k++;
    if ((out = ms_malloc(strlen(pattern) + k * strlen(alt) + 1))) {
        char *o = out;
        const char *p = pattern, *q;
        while ((q = strstr(p, "{words}"))) {
            memcpy(o, p, (size_t)(q - p));
            o += q - p;
            memcpy(o, alt, strlen(alt));
            o += strlen(alt);
            p = q + 7;
        }
        strcpy(o, p);
    }
    return out;
}

/* alt_join - "(?:e[from]|...|e[to-1])", malloc'd; NULL out of memory */
static char *alt_join(char *const *e, unsigned from, unsigned to)
{
    size_t len = 4;
    for (unsigned i = from; i < to; i++)
        len += strlen(e[i]) + 1;
    char *alt = ms_malloc(len), *o = alt;
    if (!alt)
        return NULL;
    o += sprintf(o, "(?:");
    for (unsigned i = from; i < to; i++)
        o += sprintf(o, "%s%s", i > from ? "|" : "", e[i]);
    sprintf(o, ")");
    return alt;
}

/* parts_build - a list too long for one Hyperscan expression (whole:
 * fill_words of all n entries) in parts: the entries in runs whose
 * alternation fits MS_RULE_PART_BYTES, each filled into pattern, each
 * wrapped as a whole word when word. Nothing when whole fits, or when
 * pattern names {words} more than once (the parts would not add up to the
 * whole; Hyperscan then reports the length). False out of memory. */
static bool parts_build(char *const *e, unsigned n, const char *pattern, const char *whole,
                        bool word, ms_parts *out)
{
    const char *first = pattern ? strstr(pattern, "{words}") : NULL;

    memset(out, 0, sizeof *out);
    if (strlen(whole) + 16 <= MS_RULE_PART_BYTES || (first && strstr(first + 7, "{words}")))
        return true;
    for (unsigned from = 0; from < n;) {
        size_t len = 4 + (pattern ? strlen(pattern) : 0) + 16;
        unsigned to = from;
        while (to < n && (to == from || len + strlen(e[to]) + 1 <= MS_RULE_PART_BYTES))
            len += strlen(e[to++]) + 1;
        char *alt = alt_join(e, from, to), *filled = alt ? fill_words(pattern, alt) : NULL;
        char *part = filled && word ? wrap_word(filled) : filled;
        if (part != filled)
            free(filled);
        free(alt);
        char **s = part ? ms_realloc(out->s, (out->n + 1) * sizeof *s) : NULL;
        if (!s) {
            free(part);
            ms_parts_free(out);
            return false;
        }
        out->s = s;
        out->s[out->n++] = part;
        from = to;
    }
    return true;
}

/* words_anchors - the anchors of a list: per entry the literals derived
 * from it (anchor.c), or the entry itself when none are rare enough. Sets
 * r->anchor (and its parts, for a long list) and r->anchor_text as
 * anchors_parse does; none when no entry has derived literals other than
 * itself (the list gains nothing). False out of memory. */
static bool words_anchors(const wordlist *w, unsigned hs_flags, ms_rule *r)
{
    char **a = ms_calloc(w->n ? w->n : 1, sizeof *a);   /* derived, or NULL */
    char **use = ms_calloc(w->n ? w->n : 1, sizeof *a); /* a[i], else the entry */
    size_t len = 8;
    bool gain = false, ok = a && use;

    for (unsigned i = 0; ok && i < w->n; i++) {
        a[i] = ms_anchor_derive(w->re[i], hs_flags & HS_FLAG_CASELESS, MS_ANCHOR_MIN_BITS);
        if (a[i] && strcmp(a[i], w->re[i]) != 0)
            gain = true;
        use[i] = a[i] ? a[i] : w->re[i];
        len += strlen(use[i]) + 8;
    }
    if (ok && gain) {
        char *t = r->anchor_text = ms_malloc(len);
        ok = t && (r->anchor = alt_join(use, 0, w->n)) &&
             parts_build(use, w->n, NULL, r->anchor, false, &r->anchor_parts);
        for (unsigned i = 0; t && i < w->n; i++)
            t += sprintf(t, a[i] ? "%s%s" : "%s(%s)", i ? "|" : "", use[i]);
    }
    for (unsigned i = 0; a && i < w->n; i++)
        free(a[i]);
    free(a);
    free(use);
    return ok;
}

/* The most bytes an entry of w can match; UINT_MAX if one has no bound. */
static unsigned words_reach(const wordlist *w)
{
    unsigned reach = 0;

    for (unsigned i = 0; i < w->n; i++)
        if (w->width[i] > reach)
            reach = w->width[i];
    return reach;
}

/* words_pattern - the pattern of a rule with `words: file`: the
 * alternation of its entries, put in place of each {words} of pattern
 * (or alone when pattern is NULL); r->parts when it is too long for one
 * Hyperscan expression. NULL after reporting an error (running out of
 * memory too). With anchor (a list alone), r->anchor as words_anchors sets
 * it and in r->reach the most bytes an entry matches; no anchor when an
 * entry may match more than a two-stage rule may reach (the list stays
 * direct). */
static char *words_pattern(ms_yaml *y, ms_exprinfo *xi, yaml_node_t *v, const char *id,
                           const char *file, const char *pattern, bool word, bool anchor,
                           ms_rule *r)
{
    char path[512], local[520];
    const char *slash = strrchr(y->path, '/');
    wordlist w = {0};
    char *alt = NULL, *out = NULL;

    if (file[0] == '/' || !slash)
        snprintf(path, sizeof path, "%s", file);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - y->path), y->path, file);
    if (pattern && !strstr(pattern, "{words}")) {
        ms_yaml_error(y, v, MS_ERR_RULES,
                      "rule %s: a pattern used with words: must say where they go ({words})", id);
        return NULL;
    }
    if (!words_read(y, xi, path, false, r->hs_flags, &w)) {
        ms_yaml_error(y, v, MS_ERR_RULES, "rule %s: cannot read word list %s", id, path);
        return NULL;
    }
    snprintf(local, sizeof local, "%s.local", path);
    words_read(y, xi, local, true, r->hs_flags, &w);
    if (w.n == 0) {
        words_error(y, path, 0, "rule %s: the word list has no entries", id);
        wordlist_free(&w);
        return NULL;
    }
    bool ok = true;
    if (!pattern && anchor && (r->reach = words_reach(&w)) <= MS_RULE_REACH_MAX)
        ok = words_anchors(&w, r->hs_flags, r);
    if (ok && (alt = alt_join(w.re, 0, w.n)) && (out = fill_words(pattern, alt)) &&
        !parts_build(w.re, w.n, pattern, out, word, &r->parts)) {
        free(out);
        out = NULL;
    }
    free(alt);
    wordlist_free(&w);
    if (!out)
        ms_yaml_error(y, v, MS_ERR_NOMEM, "rule %s: out of memory", id);
    return out;
}

/* anchors_parse - `anchors: [ENTRY, ...]`: literals (written as word-list
 * entries: white space matches a run of it) or `re:REGEX`. Sets *expr to
 * their alternation and *text to the entries joined by '|' (malloc'd).
 * False after reporting an error. */
static bool anchors_parse(ms_yaml *y, yaml_node_t *v, const char *id, char **expr, char **text)
{
    size_t elen = 8, tlen = 1;
    wordlist w = {0};
    bool ok = true;

    *expr = *text = NULL;
    if (v->type != YAML_SEQUENCE_NODE || !v->data.sequence.items.top ||
        v->data.sequence.items.top == v->data.sequence.items.start) {
        ms_yaml_error(y, v, MS_ERR_RULES, "rule %s: anchors must be a non-empty list", id);
        return false;
    }
    MS_YAML_FOREACH_ITEM(v, it)
    {
        yaml_node_t *a = ms_yaml_node(y, *it);
        const char *e = ms_yaml_str(a);
        if (!e || !*e) {
            ms_yaml_error(y, a, MS_ERR_RULES, "rule %s: an anchor must be a non-empty string", id);
            ok = false;
            continue;
        }
        char *re = strncmp(e, "re:", 3) == 0 ? dupstr(e + 3) : word_regex(e);
        if (!wordlist_add(&w, e, re, 0)) { /* an anchor's width is not needed */
            ms_yaml_error(y, a, MS_ERR_NOMEM, "rule %s: out of memory", id);
            ok = false;
            break;
        }
    }
    for (unsigned i = 0; ok && i < w.n; i++) {
        elen += strlen(w.re[i]) + 1;
        tlen += strlen(w.text[i]) + 1;
    }
    if (ok && (*expr = ms_malloc(elen)) && (*text = ms_malloc(tlen))) {
        char *o = *expr, *t = *text;
        o += sprintf(o, "(?:");
        *t = '\0';
        for (unsigned i = 0; i < w.n; i++) {
            o += sprintf(o, "%s%s", i ? "|" : "", w.re[i]);
            t += sprintf(t, "%s%s", i ? "|" : "", w.text[i]);
        }
        sprintf(o, ")");
    } else if (ok) {
        ms_yaml_error(y, v, MS_ERR_NOMEM, "rule %s: out of memory", id);
        ok = false;
    }
    wordlist_free(&w);
    if (!ok) {
        free(*expr);
        free(*text);
        *expr = *text = NULL;
    }
    return ok;
}

/* Whether a rule may be two-stage: the card-number validator reads the
 * digits as the stream delivers them, and a single-match or utf8 rule
 * must see the text from its start. Context rules only note where they
 * matched, which a verified window tells as well. */
static bool two_stage_can(int validator, unsigned hs_flags)
{
    return validator != MS_VALIDATOR_PAN && !(hs_flags & (HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8));
}

/* Whether pattern has ^ or \A outside a class: Hyperscan takes neither
 * after the byte that goes in front of a verify window (scan.c), even in
 * multiline mode. ($, \z and \Z are fine: a match that ends where a
 * window does is left to the next window or to the text's end.) */
static bool has_start_anchor(const char *p)
{
    bool in_class = false;

    for (; *p; p++) {
        if (*p == '\\') {
            if (!p[1])
                break;
            if (!in_class && p[1] == 'A')
                return true;
            p++;
        } else if (in_class) {
            in_class = *p != ']';
        } else if (*p == '[') {
            in_class = true;
            if (p[1] == '^')
                p++;
            if (p[1] == ']')
                p++;
        } else if (*p == '^') {
            return true;
        }
    }
    return false;
}

/* derive_anchors - a pattern rule that names no anchors becomes two-stage
 * by itself when it can: when literals of which one is in every match are
 * rare enough (anchor.c), its match is bounded to what a window holds, and
 * it does not look for the text's start (has_start_anchor). Otherwise it
 * stays direct. False out of memory. */
static bool derive_anchors(ms_engine *eng, ms_rule *r)
{
    hs_compile_error_t *cerr = NULL;
    unsigned lo, hi;

    if (r->anchor || r->parts.n || !two_stage_can(r->validator, r->hs_flags) ||
        has_start_anchor(r->pattern))
        return true;
    if (ms_exprinfo_get(eng->exprinfo, r->pattern, r->hs_flags, &lo, &hi, &cerr) != HS_SUCCESS) {
        hs_free_compile_error(cerr); /* reported when the rules are compiled */
        return true;
    }
    if (lo == 0 || hi > MS_RULE_REACH_MAX)
        return true;
    r->anchor =
        ms_anchor_derive(r->pattern, r->hs_flags & HS_FLAG_CASELESS, MS_ANCHOR_RULE_MIN_BITS);
    if (!r->anchor)
        return true;
    r->reach = hi;
    r->anchor_text = dupstr(r->anchor);
    return r->anchor_text != NULL;
}

static int find_rule(const ms_engine *eng, const char *id)
{
    for (unsigned i = 0; i < eng->nrules; i++)
        if (strcmp(eng->rules[i].id, id) == 0)
            return (int)i;
    return -1;
}

static void load_rule(ms_engine *eng, ms_yaml *y, yaml_node_t *n)
{
    static const char *const keys[] = {"id",        "category", "description", "pattern",
                                       "words",     "flags",    "weight",      "scope",
                                       "validator", "excerpt",  "anchors",     NULL};
    static const char *const scopes[] = {"any", "body", "header", NULL};
    static const char *const validators[] = {"none",         "pan",           "context",
                                             "card_context", "other_context", NULL};
    static const char *const excerpts[] = {"text", "none", NULL};
    const char *id = NULL, *cat = NULL, *desc = NULL, *pattern = NULL, *words = NULL;
    char *built = NULL;
    ms_rule r = {0};
    bool word = false;
    long weight = 1;
    int scope = MS_SCOPE_ANY, validator = MS_VALIDATOR_NONE, excerpt = 0;
    yaml_node_t *v;

    if (!ms_yaml_check_map(y, n, "rule", keys))
        return;
    if (!(v = ms_yaml_get(y, n, "id")) || !ms_yaml_get_str(y, v, "id", &id) || !valid_name(id)) {
        ms_yaml_error(y, v ? v : n, MS_ERR_RULES,
                      "rule: \"id\" must be lower-case letters, digits, '_', '.' or '-'");
        return;
    }
    if (find_rule(eng, id) >= 0) {
        ms_yaml_error(y, n, MS_ERR_RULES, "rule %s is defined twice", id);
        return;
    }
    if (!(v = ms_yaml_get(y, n, "category")) || !ms_yaml_get_str(y, v, "category", &cat)) {
        ms_yaml_error(y, n, MS_ERR_RULES, "rule %s: \"category\" is required", id);
        return;
    }
    int ci = ms_engine_category(eng, cat);
    if (ci < 0) {
        ms_yaml_error(y, v, MS_ERR_RULES,
                      "rule %s: unknown category \"%s\" (define it under categories:)", id, cat);
        return;
    }
    if ((v = ms_yaml_get(y, n, "flags")))
        r.hs_flags = parse_flags(y, v, id, &word);
    if ((v = ms_yaml_get(y, n, "pattern")) &&
        (!ms_yaml_get_str(y, v, "pattern", &pattern) || !*pattern)) {
        ms_yaml_error(y, v, MS_ERR_RULES, "rule %s: \"pattern\" must not be empty", id);
        return;
    }
    if ((v = ms_yaml_get(y, n, "validator")))
        parse_enum(y, v, id, "validator", validators, &validator);
    if ((v = ms_yaml_get(y, n, "words"))) {
        if (!ms_yaml_get_str(y, v, "words", &words) || !*words) {
            ms_yaml_error(y, v, MS_ERR_RULES, "rule %s: \"words\" must name a file", id);
            return;
        }
        /* A list alone becomes two-stage by itself where that can be:
         * each entry anchored by its rarest literals (words_anchors). Not
         * a context list: its entries are common words ("card",
         * "number") that are their own anchors, and windows around them
         * cost more than matching them whole in the stream. */
        bool can = !ms_yaml_get(y, n, "anchors") && validator == MS_VALIDATOR_NONE &&
                   two_stage_can(validator, r.hs_flags);
        if (!(built = words_pattern(y, eng->exprinfo, v, id, words, pattern, word, can, &r))) {
            ms_rule_free(&r);
            return;
        }
        pattern = built;
    }
    if (!pattern) {
        ms_yaml_error(y, n, MS_ERR_RULES, "rule %s: \"pattern\" or \"words\" is required", id);
        return;
    }
    if ((v = ms_yaml_get(y, n, "description")))
        ms_yaml_get_str(y, v, "description", &desc);
    if ((v = ms_yaml_get(y, n, "weight")))
        ms_yaml_get_long(y, v, "weight", -1000000, 1000000, &weight);
    if ((v = ms_yaml_get(y, n, "scope")))
        parse_enum(y, v, id, "scope", scopes, &scope);
    if ((v = ms_yaml_get(y, n, "excerpt")))
        parse_enum(y, v, id, "excerpt", excerpts, &excerpt);
    if ((v = ms_yaml_get(y, n, "anchors"))) {
        if (!two_stage_can(validator, r.hs_flags))
            ms_yaml_error(y, v, MS_ERR_RULES,
                          "rule %s: anchors are for rules without the pan validator and without "
                          "the single and utf8 flags",
                          id);
        else if (!anchors_parse(y, v, id, &r.anchor, &r.anchor_text)) {
            free(built);
            ms_rule_free(&r);
            return;
        }
    }

    if (weight < 0 && eng->cats[ci].threshold <= 0)
        ms_yaml_error(y, n, MS_ERR_RULES,
                      "rule %s: a negative weight needs a threshold above 0 on category %s", id,
                      cat);
    ms_rule *rules = ms_realloc(eng->rules, (eng->nrules + 1) * sizeof *rules);
    if (rules)
        eng->rules = rules;
    r.id = dupstr(id);
    r.description = dupstr(desc ? desc : id);
    r.pattern = word ? wrap_word(pattern) : dupstr(pattern);
    r.file = dupstr(y->path);
    free(built);
    if (!r.anchor || ms_yaml_get(y, n, "anchors"))
        r.reach = 0; /* known only for a list that anchors itself */
    if (!rules || !r.id || !r.description || !r.pattern || !r.file) {
        ms_yaml_error(y, n, MS_ERR_NOMEM, "rule %s: out of memory", id);
        ms_rule_free(&r);
        return;
    }
    r.category = (unsigned)ci;
    r.validator = (ms_validator)validator;
    if (!derive_anchors(eng, &r)) {
        ms_yaml_error(y, n, MS_ERR_NOMEM, "rule %s: out of memory", id);
        ms_rule_free(&r);
        return;
    }
    r.weight = (int)weight;
    r.scope = (ms_scope)scope;
    r.hide_excerpt = excerpt == 1;
    r.line = ms_yaml_line(n);
    eng->rules[eng->nrules++] = r;
}

static void load_headers(ms_engine *eng, ms_yaml *y, yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        ms_yaml_error(y, n, MS_ERR_RULES, "headers: expected a list of header names");
        return;
    }
    MS_YAML_FOREACH_ITEM(n, it)
    {
        const char *s = ms_yaml_str(ms_yaml_node(y, *it));
        if (!s || !*s || strchr(s, ':') || strchr(s, ' ')) {
            ms_yaml_error(y, ms_yaml_node(y, *it), MS_ERR_RULES,
                          "headers: \"%s\" is not a header name", s ? s : "?");
            continue;
        }
        char **h = ms_realloc(eng->headers, (eng->nheaders + 1) * sizeof *h);
        if (h)
            eng->headers = h;
        char *low = h ? dupstr(s) : NULL;
        if (!low) {
            ms_yaml_error(y, ms_yaml_node(y, *it), MS_ERR_NOMEM, "headers: out of memory");
            return;
        }
        for (char *p = low; *p; p++)
            *p = (char)ms_lower((unsigned char)*p);
        eng->headers[eng->nheaders++] = low;
    }
}

/* Pass 1 defines categories (any file may use any file's categories),
 * pass 2 loads rules and headers. */
static void load_file(ms_engine *eng, ms_yaml *y, int pass)
{
    static const char *const keys[] = {"categories", "headers", "rules", NULL};
    yaml_node_t *root = ms_yaml_root(y), *v;

    if (!root || root->type == YAML_NO_NODE)
        return; /* empty file */
    if (pass == 1) {
        if (!ms_yaml_check_map(y, root, "ruleset", keys))
            return;
        if ((v = ms_yaml_get(y, root, "categories"))) {
            if (v->type != YAML_SEQUENCE_NODE)
                ms_yaml_error(y, v, MS_ERR_RULES, "categories: expected a list");
            else
                MS_YAML_FOREACH_ITEM(v, it)
            load_category(eng, y, ms_yaml_node(y, *it));
        }
        return;
    }
    if (root->type != YAML_MAPPING_NODE)
        return;
    if ((v = ms_yaml_get(y, root, "headers")))
        load_headers(eng, y, v);
    if ((v = ms_yaml_get(y, root, "rules"))) {
        if (v->type != YAML_SEQUENCE_NODE)
            ms_yaml_error(y, v, MS_ERR_RULES, "rules: expected a list");
        else
            MS_YAML_FOREACH_ITEM(v, it)
        load_rule(eng, y, ms_yaml_node(y, *it));
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.yaml files of dir, sorted; NULL-terminated, malloc'd (NULL when
 * there are none). *err gets the errno of a directory that cannot be
 * read, ENOMEM, or 0: "no rulesets found" must not hide "permission
 * denied". */
static char **list_rulesets(const char *dir, unsigned *n, int *err)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    struct dirent *de;

    *n = 0;
    *err = d ? 0 : errno;
    while (d && !*err && (errno = 0, de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
            continue;
        char **nn = ms_realloc(names, (*n + 2) * sizeof *nn);
        size_t plen = strlen(dir) + len + 2;
        if (!nn || !(nn[*n] = ms_malloc(plen))) {
            names = nn ? nn : names;
            *err = ENOMEM;
            break;
        }
        names = nn;
        snprintf(names[*n], plen, "%s/%s", dir, de->d_name);
        names[++*n] = NULL;
    }
    if (d && !*err && errno)
        *err = errno; /* readdir failed */
    if (d)
        closedir(d);
    if (*err) {
        for (unsigned i = 0; i < *n; i++)
            free(names[i]);
        free(names);
        return NULL;
    }
    if (names)
        qsort(names, *n, sizeof *names, cmp_names);
    return names;
}

bool ms_rules_load_dir(ms_engine *eng, const char *dir, ms_error_fn fn, void *ctx, ms_error *first,
                       unsigned *nerrors)
{
    unsigned n;
    int oserr;
    char **files = list_rulesets(dir, &n, &oserr);
    ms_yaml *docs = ms_calloc(n ? n : 1, sizeof *docs);
    unsigned errors = 0;

    if (!files || !docs) {
        ms_error e;
        if (oserr || !docs)
            ms_error_set(&e, oserr == ENOMEM || !docs ? MS_ERR_NOMEM : MS_ERR_IO, dir, 0,
                         "cannot read the rules directory: %s", strerror(oserr ? oserr : ENOMEM));
        else
            ms_error_set(&e, MS_ERR_RULES, dir, 0, "no rulesets (*.yaml) found in this directory");
        if (fn)
            fn(ctx, &e);
        if ((*nerrors)++ == 0)
            *first = e;
        free(docs);
        for (unsigned i = 0; files && i < n; i++)
            free(files[i]);
        free(files);
        return false;
    }
    bool nomem = false; /* no use going on: the engine is not built */
    for (int pass = 0; pass < 3 && !nomem; pass++) {
        for (unsigned i = 0; i < n && !nomem; i++) {
            ms_yaml *y = &docs[i];
            if (pass == 0) {
                y->on_error = fn;
                y->on_error_ctx = ctx;
                ms_yaml_load(y, files[i]);
            } else {
                load_file(eng, y, pass);
            }
            nomem = y->errors && y->first.code == MS_ERR_NOMEM;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (docs[i].errors && errors == 0 && *nerrors == 0)
            *first = docs[i].first;
        errors += docs[i].errors;
        ms_yaml_free(&docs[i]);
        free(files[i]);
    }
    free(docs);
    free(files);
    *nerrors += errors;
    return errors == 0;
}
