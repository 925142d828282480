/*
 * prose.c - deterministic English-like prose for the benchmark corpus
 *
 * Text that looks like office mail to a matcher: the word lengths, letter
 * and space mix of English (about half the words are the short function
 * words that make up half of real English), sentence punctuation, commas,
 * and now and then a number (dates, times, amounts, phone and room
 * numbers), because real mail has digits and a card-number rule's
 * prefilter must deal with them. With PROSE_UTF8 about one word in a
 * hundred is accented or carries typographic quotes or a euro sign.
 *
 * BUGS: it is word salad; grammar is not attempted. No word list of a real
 * frequency corpus is used, so letter statistics are close, not exact.
 */
#include "prose.h"

#include <stdio.h>
#include <string.h>

static const char *const function_words[] = {
    "the",    "the",  "the",   "the",    "of",    "of",    "of",   "and",  "and",   "and",
    "to",     "to",   "to",    "a",      "a",     "in",    "in",   "that", "is",    "for",
    "it",     "with", "as",    "on",     "be",    "at",    "by",   "this", "we",    "you",
    "are",    "have", "from",  "or",     "will",  "not",   "our",  "can",  "all",   "your",
    "they",   "if",   "would", "which",  "there", "been",  "more", "has",  "about", "an",
    "so",     "but",  "was",   "also",   "their", "these", "some", "any",  "into",  "than",
    "when",   "what", "who",   "should", "could", "may",   "just", "only", "other", "after",
    "before", "over", "then",  "them",   "its",   "very",  "each", "both", "well",  "most",
    "much",   "I",    "my",    "me",     "us",    "do",    "does", "did",  "had",   "were",
};

static const char *const content_words[] = {
    "meeting",       "report",      "budget",     "project",      "team",
    "review",        "schedule",    "department", "students",     "course",
    "office",        "policy",      "request",    "attached",     "document",
    "update",        "week",        "month",      "year",         "quarter",
    "deadline",      "draft",       "proposal",   "committee",    "minutes",
    "agenda",        "invoice",     "payment",    "contract",     "vendor",
    "approval",      "feedback",    "question",   "answer",       "information",
    "data",          "system",      "access",     "account",      "server",
    "network",       "service",     "support",    "issue",        "problem",
    "solution",      "change",      "plan",       "staff",        "faculty",
    "patient",       "clinic",      "hospital",   "research",     "grant",
    "funding",       "travel",      "conference", "presentation", "slides",
    "spreadsheet",   "figures",     "results",    "analysis",     "summary",
    "note",          "comments",    "changes",    "version",      "files",
    "folder",        "link",        "calendar",   "room",         "building",
    "campus",        "library",     "lecture",    "exam",         "grades",
    "semester",      "application", "form",       "signature",    "records",
    "registration",  "training",    "session",    "workshop",     "event",
    "lunch",         "coffee",      "morning",    "afternoon",    "evening",
    "tomorrow",      "today",       "yesterday",  "Monday",       "Tuesday",
    "Wednesday",     "Thursday",    "Friday",     "January",      "March",
    "April",         "June",        "September",  "October",      "November",
    "December",      "send",        "sent",       "check",        "confirm",
    "discuss",       "share",       "prepare",    "submit",       "approve",
    "attach",        "reply",       "call",       "meet",         "finish",
    "start",         "continue",    "follow",     "include",      "provide",
    "need",          "want",        "think",      "know",         "let",
    "make",          "take",        "see",        "look",         "find",
    "give",          "use",         "work",       "help",         "ask",
    "keep",          "hold",        "move",       "expect",       "agree",
    "suggest",       "remind",      "receive",    "complete",     "arrange",
    "organise",      "cancel",      "postpone",   "book",         "order",
    "deliver",       "process",     "handle",     "resolve",      "invite",
    "join",          "attend",      "present",    "explain",      "clarify",
    "mention",       "appreciate",  "thank",      "new",          "final",
    "next",          "last",        "first",      "second",       "current",
    "previous",      "annual",      "monthly",    "weekly",       "quick",
    "short",         "brief",       "detailed",   "important",    "urgent",
    "available",     "possible",    "necessary",  "additional",   "revised",
    "updated",       "shared",      "internal",   "external",     "public",
    "general",       "specific",    "clear",      "good",         "great",
    "happy",         "sure",        "ready",      "late",         "early",
    "busy",          "free",        "full",       "open",         "closed",
    "small",         "large",       "local",      "regional",     "national",
    "financial",     "technical",   "academic",   "clinical",     "administrative",
    "please",        "thanks",      "kindly",     "already",      "again",
    "still",         "soon",        "later",      "probably",     "certainly",
    "unfortunately", "however",     "therefore",  "perhaps",      "together",
    "instead",       "Maria",       "John",       "Priya",        "Chen",
    "Ahmed",         "Sofia",       "David",      "Laura",        "Michael",
    "Anna",          "London",      "Boston",     "Berlin",       "Toronto",
    "Chicago",       "Sydney",      "Oxford",
};

/* UTF-8; iso-8859-1 holds all but the quotes, dash and euro sign. */
static const char *const accented_words[] = {
    "caf\xc3\xa9",
    "r\xc3\xa9sum\xc3\xa9",
    "na\xc3\xafve",
    "Z\xc3\xbcrich",
    "M\xc3\xa1laga",
    "fa\xc3\xa7"
    "ade",
    "M\xc3\xbcller",
    "Jos\xc3\xa9",
    "\xc3\x85ngstr\xc3\xb6m",
    "Fran\xc3\xa7ois",
    "it\xe2\x80\x99s",
    "we\xe2\x80\x99ll",
    "\xe2\x80\x9c"
    "draft\xe2\x80\x9d",
    "\xe2\x82\xac"
    "480",
    "2024\xe2\x80\x93"
    "25",
    "G\xc3\xb6teborg",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void prose_seed(prose_rng *r, uint64_t seed, uint64_t stream)
{
    r->s = seed ^ (stream * 0xD1B54A32D192ED03ULL) ^ 0x8BB84B93962EACC9ULL;
    (void)prose_next(r);
}

uint64_t prose_next(prose_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

unsigned prose_below(prose_rng *r, unsigned n)
{
    return (unsigned)(((prose_next(r) >> 32) * n) >> 32);
}

bool prose_chance(prose_rng *r, unsigned percent)
{
    return prose_below(r, 100) < percent;
}

/* A number as office mail writes them; tmp needs 32 bytes. */
static const char *number_word(prose_rng *r, char *tmp, unsigned flags)
{
    switch (prose_below(r, 9)) {
    case 0:
        snprintf(tmp, 32, "%u", 2019 + prose_below(r, 8));
        break;
    case 1:
        snprintf(tmp, 32, "%u", 2 + prose_below(r, 40));
        break;
    case 2:
        snprintf(tmp, 32, "$%u,%03u.%02u", 1 + prose_below(r, 9), prose_below(r, 1000),
                 prose_below(r, 100));
        break;
    case 3:
        snprintf(tmp, 32, "%u:%02u", 8 + prose_below(r, 10), 15 * prose_below(r, 4));
        break;
    case 4:
        snprintf(tmp, 32, "%u.%u%%", prose_below(r, 60), prose_below(r, 10));
        break;
    case 5:
        snprintf(tmp, 32, "(555) %03u-%04u", prose_below(r, 1000), prose_below(r, 10000));
        break;
    case 6:
        snprintf(tmp, 32, "%c-%u", 'A' + prose_below(r, 6), 100 + prose_below(r, 400));
        break;
    case 7:
        snprintf(tmp, 32, "#%u", 10000 + prose_below(r, 90000));
        break;
    default:
        snprintf(tmp, 32, "%u/%02u/%u", 1 + prose_below(r, 28), 1 + prose_below(r, 12),
                 flags & PROSE_UTF8 ? 2025u : 2024u);
        break;
    }
    return tmp;
}

static const char *pick_word(prose_rng *r, char *tmp, unsigned flags)
{
    unsigned roll = prose_below(r, 1000);

    if (roll < 18)
        return number_word(r, tmp, flags);
    if (roll < 28 && (flags & PROSE_UTF8))
        return accented_words[prose_below(r, NELEM(accented_words))];
    if (roll < 480)
        return function_words[prose_below(r, NELEM(function_words))];
    return content_words[prose_below(r, NELEM(content_words))];
}

/* Append n bytes to out[*len], never past cap - 1 (room for the NUL). */
static void put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + 1 >= cap)
        return;
    if (n > cap - 1 - *len)
        n = cap - 1 - *len;
    memcpy(out + *len, s, n);
    *len += n;
}

size_t prose_sentence(prose_rng *r, char *out, size_t cap, unsigned flags)
{
    static const char ends[] = "..?....?..!..";
    unsigned nwords = 5 + prose_below(r, 18);
    size_t len = 0, first;
    char tmp[32];

    if (cap == 0)
        return 0;
    for (unsigned i = 0; i < nwords; i++) {
        const char *w = pick_word(r, tmp, flags);
        if (i)
            put(out, cap, &len, " ", 1);
        first = len;
        put(out, cap, &len, w, strlen(w));
        if (i == 0 && len > first && out[first] >= 'a' && out[first] <= 'z')
            out[first] = (char)(out[first] - 'a' + 'A');
        if (i + 1 < nwords && prose_chance(r, 7))
            put(out, cap, &len, ",", 1);
    }
    put(out, cap, &len, &ends[prose_below(r, sizeof ends - 1)], 1);
    out[len] = '\0';
    return len;
}

size_t prose_paragraph(prose_rng *r, char *out, size_t cap, unsigned flags)
{
    unsigned n = 2 + prose_below(r, 5);
    size_t len = 0;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    for (unsigned i = 0; i < n && len + 2 < cap; i++) {
        if (i)
            out[len++] = ' ';
        len += prose_sentence(r, out + len, cap - len, flags);
    }
    out[len] = '\0';
    return len;
}

size_t prose_wrap(const char *in, size_t n, char *out, size_t cap, unsigned width, const char *eol)
{
    size_t elen = strlen(eol), len = 0, i = 0;

    while (i < n) {
        size_t end = n - i <= width ? n : i + width;
        if (end < n) {
            size_t sp = end;
            while (sp > i && in[sp] != ' ')
                sp--;
            if (sp == i) /* one word longer than the line: break at the next space */
                for (sp = end; sp < n && in[sp] != ' '; sp++)
                    ;
            end = sp;
        }
        if (end - i + elen > cap - len)
            break;
        memcpy(out + len, in + i, end - i);
        memcpy(out + len + (end - i), eol, elen);
        len += end - i + elen;
        i = end < n ? end + 1 : end;
    }
    return len;
}

size_t prose_fill(prose_rng *r, char *out, size_t cap, unsigned flags, const char *eol)
{
    char para[PROSE_PARAGRAPH_MAX];
    size_t len = 0, elen = strlen(eol);

    while (cap - len >= PROSE_FILL_SLACK) {
        size_t n = prose_paragraph(r, para, sizeof para, flags);
        len += prose_wrap(para, n, out + len, cap - len, 72, eol);
        if (elen > cap - len)
            break;
        memcpy(out + len, eol, elen);
        len += elen;
    }
    return len;
}
