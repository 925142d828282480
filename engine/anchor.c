/*
 * anchor.c - the anchor of a word-list entry, derived from its regex
 *
 * A set of literals of which one occurs in every match of the entry (the
 * required factors of RE2's prefilter or codesearch's trigram queries),
 * found by walking the regex: a literal or a small class is an exact set
 * of strings; a concatenation joins exact neighbours into longer strings
 * (when the strings would be too many, those so far are first cut to what
 * they end with: an optional separator or a spelled-out class does not
 * end the join) and otherwise keeps its best part; an alternation is the
 * union of its branches (none if one branch has none); an optional part
 * or an unknown construct requires nothing. The best set is the rarest by an estimate
 * from English letter frequencies, with the most common words counted as
 * barely better than nothing. Anything the walker does not know (inline
 * flags, lookarounds, \x escapes, large classes) requires nothing, so a
 * derived set is never wrong, only sometimes missing.
 */
#include "anchor.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LSET_MAX 24 /* strings in a set */
#define LSTR_MAX 48 /* bytes in a string */

typedef enum { L_ANY, L_EXACT, L_MATCH } lkind;

/* L_EXACT: the part matches exactly one of s[]; L_MATCH: every match of it
 * holds one of s[]; L_ANY: nothing is known. */
typedef struct lset {
    lkind kind;
    unsigned n;
    char s[LSET_MAX][LSTR_MAX + 1];
} lset;

typedef struct walker {
    const char *p;
    bool caseless, fail;
    bool any_caseless; /* a (?i:...) group was read: the anchors are caseless */
} walker;

/* -log2 of each letter's frequency in English text */
static double char_bits(unsigned char c)
{
    static const double bits[26] = {
        3.7, 6.1, 5.2, 4.5,  3.0, 5.5, 5.7, 4.0, 3.8, 9.4, 7.4, 5.0, 5.3,
        3.7, 3.7, 5.9, 10.6, 4.3, 4.0, 3.5, 5.1, 6.7, 5.7, 9.2, 5.9, 11.0,
    };
    c = (unsigned char)ms_lower(c);
    if (c >= 'a' && c <= 'z')
        return bits[c - 'a'];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
        return 2.5;
    return 6.0;
}

/* The most common words of English mail: as an anchor they are in nearly
 * every message, whatever their letters say. */
static bool common_word(const char *s)
{
    static const char *const words[] = {
        "a",      "about", "after", "all",   "also",  "am",    "an",    "and",   "any",  "are",
        "as",     "at",    "back",  "be",    "been",  "but",   "by",    "can",   "come", "could",
        "day",    "do",    "even",  "first", "for",   "from",  "get",   "give",  "go",   "going",
        "good",   "had",   "has",   "have",  "he",    "her",   "here",  "him",   "his",  "how",
        "i",      "if",    "in",    "into",  "is",    "it",    "its",   "just",  "know", "like",
        "look",   "make",  "me",    "more",  "most",  "my",    "new",   "no",    "not",  "now",
        "of",     "on",    "one",   "only",  "or",    "other", "our",   "out",   "over", "people",
        "please", "say",   "see",   "she",   "so",    "some",  "take",  "than",  "that", "the",
        "their",  "them",  "then",  "there", "these", "they",  "thing", "think", "this", "those",
        "time",   "to",    "two",   "up",    "us",    "use",   "want",  "was",   "way",  "we",
        "well",   "were",  "what",  "when",  "which", "who",   "will",  "with",  "work", "would",
        "year",   "you",   "your",  "will",  "would", "ll",    "re",    "ve",    "don",  "t",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(s, words[i]) == 0)
            return true;
    return false;
}

static double str_bits(const char *s)
{
    double b = 0;
    for (const char *p = s; *p; p++)
        b += char_bits((unsigned char)*p);
    return common_word(s) && b > 6.0 ? 6.0 : b;
}

/* How rare a set is: -log2 of the chance that one of its strings begins
 * at a given place in text (the sum of their chances), so a rare variant
 * such as "5h!t" beside "shit" costs next to nothing. */
static double set_bits(const lset *l)
{
    double p = 0;

    if (l->kind == L_ANY || l->n == 0)
        return 0;
    for (unsigned i = 0; i < l->n; i++)
        p += exp2(-str_bits(l->s[i]));
    return -log2(p);
}

static void set_any(lset *l)
{
    l->kind = L_ANY;
    l->n = 0;
}

static void set_one(lset *l, const char *s, size_t n)
{
    l->kind = L_EXACT;
    l->n = 1;
    memcpy(l->s[0], s, n);
    l->s[0][n] = '\0';
}

static bool set_has(const lset *l, const char *s)
{
    for (unsigned i = 0; i < l->n; i++)
        if (strcmp(l->s[i], s) == 0)
            return true;
    return false;
}

/* Add s to l; false if it does not fit. */
static bool set_add(lset *l, const char *s)
{
    if (set_has(l, s))
        return true;
    if (l->n == LSET_MAX || strlen(s) > LSTR_MAX)
        return false;
    strcpy(l->s[l->n++], s);
    return true;
}

/* An exact set as a requirement: the empty string requires nothing; a
 * string that holds another string of the set adds nothing. */
static void to_match(lset *l)
{
    if (l->kind != L_EXACT)
        return;
    for (unsigned i = 0; i < l->n; i++) {
        if (!l->s[i][0]) {
            set_any(l);
            return;
        }
    }
    l->kind = L_MATCH;
    for (unsigned i = 0; i < l->n;) {
        bool redundant = false;
        for (unsigned j = 0; j < l->n && !redundant; j++)
            redundant =
                j != i && strstr(l->s[i], l->s[j]) && (strlen(l->s[j]) < strlen(l->s[i]) || j < i);
        if (redundant)
            memmove(l->s[i], l->s[--l->n], LSTR_MAX + 1);
        else
            i++;
    }
}

/* Cut an exact set down to the last k bytes of its strings (the whole of a
 * shorter one), k as large as leaves at most max strings: what every match
 * so far ends with. It is then no longer the whole of the match, but what
 * follows may still be joined to it ("[._-]?[o0]mp" then "s" gives
 * "omps|0mps"). False if no k does. */
static bool to_endings(lset *l, unsigned max)
{
    size_t longest = 0;

    for (unsigned i = 0; i < l->n; i++)
        if (strlen(l->s[i]) > longest)
            longest = strlen(l->s[i]);
    for (size_t k = longest; k-- > 0;) {
        lset e = {.kind = L_EXACT};
        bool fits = true;
        for (unsigned i = 0; fits && i < l->n; i++) {
            size_t n = strlen(l->s[i]);
            fits = set_add(&e, l->s[i] + (n > k ? n - k : 0)) && e.n <= max;
        }
        if (fits) {
            *l = e;
            return true;
        }
    }
    return false;
}

static void keep_better(lset *best, const lset *cand)
{
    lset c = *cand;
    to_match(&c);
    if (c.kind != L_ANY && (best->kind == L_ANY || set_bits(&c) > set_bits(best)))
        *best = c;
}

static void walk_alt(walker *w, lset *out);

/* One character of a class or of the pattern, escapes resolved; false for
 * an escape that stands for more than one byte (\s, \w, ...) or is unknown. */
static bool walk_char(walker *w, unsigned char *c)
{
    if (*w->p != '\\') {
        *c = (unsigned char)*w->p++;
        return *c != '\0';
    }
    w->p++;
    unsigned char e = (unsigned char)*w->p;
    if (!e)
        return false;
    w->p++;
    switch (e) {
    case 'n':
        *c = '\n';
        return true;
    case 't':
        *c = '\t';
        return true;
    case 'r':
        *c = '\r';
        return true;
    default:
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
            return false; /* a class (\s \w \d), \x.., \Q, a back reference */
        *c = e;
        return true;
    }
}

/* [...]: an exact set of its characters when there are few. */
static void walk_class(walker *w, lset *out)
{
    bool negated = false, bad = false;
    char seen[256] = {0};
    unsigned n = 0;

    w->p++; /* '[' */
    if (*w->p == '^') {
        negated = true;
        w->p++;
    }
    if (*w->p == ']') {
        seen[']'] = 1;
        w->p++;
    }
    while (*w->p && *w->p != ']') {
        unsigned char c, hi;
        if (w->p[0] == '[' && w->p[1] == ':') { /* [:alpha:] */
            const char *e = strstr(w->p, ":]");
            w->p = e ? e + 2 : w->p + strlen(w->p);
            bad = true;
            continue;
        }
        if (!walk_char(w, &c)) {
            bad = true;
            continue;
        }
        hi = c;
        if (w->p[0] == '-' && w->p[1] && w->p[1] != ']') {
            w->p++;
            if (!walk_char(w, &hi) || hi < c) {
                bad = true;
                continue;
            }
        }
        for (unsigned x = c; x <= hi; x++)
            seen[w->caseless ? (unsigned)ms_lower((int)x) : x] = 1;
    }
    if (*w->p != ']') {
        w->fail = true;
        return;
    }
    w->p++;
    set_any(out);
    if (bad || negated)
        return;
    out->kind = L_EXACT;
    for (unsigned x = 0; x < 256; x++) {
        if (!seen[x])
            continue;
        if (++n > 8) {
            set_any(out);
            return;
        }
        char s[2] = {(char)x, '\0'};
        set_add(out, s);
    }
}

static void walk_atom(walker *w, lset *out)
{
    unsigned char c;

    switch (*w->p) {
    case '(': {
        bool was = w->caseless;
        w->p++;
        if (*w->p == '?') {
            /* (?i:...) and (?-i:...): literals inside are taken caseless
             * (a case-sensitive part then has more anchors than it needs,
             * never fewer); other inline flags, lookarounds and named
             * groups are not read */
            if (strncmp(w->p, "?i:", 3) == 0) {
                w->caseless = w->any_caseless = true;
                w->p += 3;
            } else if (strncmp(w->p, "?-i:", 4) == 0) {
                w->p += 4;
            } else if (w->p[1] == ':') {
                w->p += 2;
            } else {
                w->fail = true;
                return;
            }
        }
        walk_alt(w, out);
        w->caseless = was;
        if (*w->p != ')') {
            w->fail = true;
            return;
        }
        w->p++;
        return;
    }
    case '[':
        walk_class(w, out);
        return;
    case '.':
        w->p++;
        set_any(out);
        return;
    case '^':
    case '$':
        w->p++;
        set_one(out, "", 0);
        return;
    case '\\':
        if (w->p[1] == 'b' || w->p[1] == 'B' || w->p[1] == 'A' || w->p[1] == 'z' ||
            w->p[1] == 'Z') {
            w->p += 2;
            set_one(out, "", 0);
            return;
        }
        if (w->p[1] == 's' || w->p[1] == 'S' || w->p[1] == 'w' || w->p[1] == 'W' ||
            w->p[1] == 'd' || w->p[1] == 'D') {
            w->p += 2;
            set_any(out);
            return;
        }
        if (!walk_char(w, &c)) {
            w->fail = true;
            return;
        }
        break;
    default:
        if (!walk_char(w, &c)) {
            w->fail = true;
            return;
        }
        break;
    }
    if (w->caseless)
        c = (unsigned char)ms_lower(c);
    char s[2] = {(char)c, '\0'};
    set_one(out, s, 1);
}

/* A quantifier after an atom: its bounds, or false if there is none. */
static bool walk_quant(walker *w, unsigned *min, unsigned *max)
{
    unsigned a = 0, b = 0;
    int used = 0;

    switch (*w->p) {
    case '?':
        *min = 0, *max = 1;
        break;
    case '*':
        *min = 0, *max = ~0u;
        break;
    case '+':
        *min = 1, *max = ~0u;
        break;
    case '{':
        if (sscanf(w->p, "{%u,%u}%n", &a, &b, &used) == 2 && used) {
            *min = a, *max = b;
        } else if ((used = 0, sscanf(w->p, "{%u,}%n", &a, &used)) == 1 && used) {
            *min = a, *max = ~0u;
        } else if ((used = 0, sscanf(w->p, "{%u}%n", &a, &used)) == 1 && used) {
            *min = *max = a;
        } else {
            return false; /* a literal '{' */
        }
        w->p += used;
        if (*w->p == '?' || *w->p == '+')
            w->p++;
        return true;
    default:
        return false;
    }
    w->p++;
    if (*w->p == '?' || *w->p == '+')
        w->p++;
    return true;
}

static void walk_concat(walker *w, lset *out)
{
    lset cur, best, part;
    bool exact = true;

    set_one(&cur, "", 0);
    set_any(&best);
    while (!w->fail && *w->p && *w->p != '|' && *w->p != ')') {
        unsigned min, max;
        bool run = false; /* part is x{m,n}, n > m: exactly x^m on either side */
        walk_atom(w, &part);
        if (w->fail)
            return;
        if (walk_quant(w, &min, &max)) {
            if (min == 0 && max == 1 && part.kind == L_EXACT) {
                if (!set_add(&part, ""))
                    set_any(&part);
            } else if (min == 0) {
                set_any(&part);
            } else if (min <= LSTR_MAX && part.kind == L_EXACT) {
                run = max != min;
                lset one = part; /* x{2}: xx, exactly */
                for (unsigned k = 1; k < min && part.kind == L_EXACT; k++) {
                    lset next = {.kind = L_EXACT};
                    for (unsigned i = 0; i < part.n && next.kind == L_EXACT; i++)
                        for (unsigned j = 0; j < one.n && next.kind == L_EXACT; j++) {
                            char s[2 * LSTR_MAX + 2];
                            snprintf(s, sizeof s, "%s%s", part.s[i], one.s[j]);
                            if (!set_add(&next, s))
                                set_any(&next);
                        }
                    if (next.kind == L_EXACT)
                        part = next;
                    else
                        to_match(&part);
                }
            } else if (max != 1) {
                to_match(&part);
            }
        }
        bool joined = false;
        if (cur.kind == L_EXACT && part.kind == L_EXACT && cur.n * part.n > LSET_MAX) {
            /* too many to join: keep only the endings, "[._-]?[o0]mp" then
             * "s" gives "omps|0mps", not a fresh start at "s" */
            lset ends = cur;
            if (to_endings(&ends, LSET_MAX / part.n)) {
                keep_better(&best, &cur);
                cur = ends;
                exact = false;
            }
        }
        if (cur.kind == L_EXACT && part.kind == L_EXACT && cur.n * part.n <= LSET_MAX) {
            lset next = {.kind = L_EXACT};
            bool fits = true;
            for (unsigned i = 0; fits && i < cur.n; i++)
                for (unsigned j = 0; fits && j < part.n; j++) {
                    char s[2 * LSTR_MAX + 2];
                    snprintf(s, sizeof s, "%s%s", cur.s[i], part.s[j]);
                    fits = set_add(&next, s);
                }
            if (fits) {
                cur = next;
                joined = true;
            }
        }
        if (!joined) {
            exact = false;
            keep_better(&best, &cur);
            if (part.kind == L_EXACT) {
                cur = part;
            } else {
                keep_better(&best, &part);
                set_one(&cur, "", 0);
            }
        }
        if (run && part.kind == L_EXACT) {
            /* a x{1,8} b holds "ax" and "xb": what came before ends with the
             * first copies, what follows begins after the last ones */
            exact = false;
            keep_better(&best, &cur);
            cur = part;
        }
    }
    if (exact) {
        *out = cur;
        return;
    }
    keep_better(&best, &cur);
    *out = best;
}

static void walk_alt(walker *w, lset *out)
{
    lset branch;

    walk_concat(w, out);
    while (!w->fail && *w->p == '|') {
        w->p++;
        walk_concat(w, &branch);
        if (w->fail)
            return;
        if (out->kind != L_EXACT || branch.kind != L_EXACT) {
            to_match(out);
            to_match(&branch);
        }
        if (out->kind == L_ANY || branch.kind == L_ANY) {
            set_any(out);
            continue;
        }
        for (unsigned i = 0; i < branch.n; i++) {
            if (!set_add(out, branch.s[i])) {
                set_any(out);
                break;
            }
        }
    }
}

char *ms_anchor_derive(const char *re, bool caseless, double min_bits)
{
    walker w = {re, caseless, false, false};
    lset l;
    size_t len = 1;

    walk_alt(&w, &l);
    if (w.fail || *w.p)
        return NULL;
    to_match(&l);
    if (l.kind != L_MATCH || set_bits(&l) < min_bits)
        return NULL;
    bool wrap = w.any_caseless && !caseless; /* (?i:...) in a case-sensitive rule */
    for (unsigned i = 0; i < l.n; i++)
        len += 4 * strlen(l.s[i]) + 1;
    char *out = ms_malloc(len + 6), *o = out;
    if (!out)
        return NULL;
    if (wrap)
        o += sprintf(o, "(?i:");
    for (unsigned i = 0; i < l.n; i++) {
        if (i)
            *o++ = '|';
        for (const char *s = l.s[i]; *s; s++) {
            unsigned char c = (unsigned char)*s;
            if (c == '\n' || c == '\t' || c == '\r') {
                o += sprintf(o, "\\x%02x", c);
                continue;
            }
            if (strchr("\\^$.|?*+()[]{}/#- ", c))
                *o++ = '\\';
            *o++ = (char)c;
        }
    }
    if (wrap)
        *o++ = ')';
    *o = '\0';
    return out;
}
