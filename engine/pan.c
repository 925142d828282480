/*
 * pan.c - payment card numbers: brand, length, Luhn
 *
 * The `pan` validator behind the pci rule. The pattern only finds runs of
 * 12 to 19 digits; this file re-reads the run from the decoded text
 * (ms_pan_extract) and keeps it only if it could be a card number
 * (ms_pan_check): a brand issues numbers with that prefix and that length,
 * the Luhn check digit is right, and it is not one digit repeated. Phone,
 * order and tracking numbers, ISBNs, IBANs and timestamps fail one of
 * those. ms_pan_mask gives the only form a number may leave the library in.
 *
 * Standard: ISO/IEC 7812-1 (issuer identification number, Luhn check
 * digit in Annex B). Brand ranges and lengths as the card schemes publish
 * them (Wikipedia "Payment card number", Braintree's credit-card-type
 * table, Discover's IIN table for Diners Club):
 *
 *   Visa        4                                    13, 16, 19
 *   Mastercard  51-55, 2221-2720                     16
 *   Amex        34, 37                               15
 *   Discover    6011, 644-649, 65, 622126-622925     16-19
 *   JCB         3528-3589                            16-19
 *   Diners      300-305, 3095, 36, 38-39             14-19
 *   UnionPay    62                                   16-19
 *   Maestro     50, 56-59, 6                         12-19
 *
 * The first row whose prefix and length both fit names the brand, so the
 * narrow ranges come before the wide ones that cover them (Discover's
 * 622126-622925 before UnionPay's 62, both before Maestro's 6).
 *
 * Tolerated on purpose: digits grouped by single spaces or dashes in any
 * pattern ("4111 1111-1111 1111", "3782 822463 10005"), because senders
 * group them every way; up to two bytes after the run, which is what
 * the pci pattern's end condition adds to a match; and (ms_pan_find) a
 * short number written one space away on either side, which joins the run
 * but is not part of the card number: an expiry or CVV after it, a row
 * number before it ("5449166218090949 05/30", "1 4111111111111111"), as a
 * table reads once its tabs or cells are one space.
 *
 * BUGS
 * Brands outside the enum (Mir 2200-2204, RuPay, Verve, Troy, Elo's own
 * ranges) are not known; Mir numbers are missed, the others are found only
 * where they share a range listed above. Maestro's 6 and Visa's 4 are wide:
 * any Luhn-valid 12-19 digit number starting with 6, or 13, 16 or 19
 * digits starting with 4, is taken for a card. Only ASCII letters and
 * digits glue a run to its neighbours: a run touching a non-ASCII letter or
 * digit (Arabic-Indic, fullwidth) is still a candidate.
 */
#include "pan.h"

#include <mailsift/mailsift.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bit set of allowed lengths: LEN(16) | LENS(12, 19). */
#define LEN(n)       (1u << (n))
#define LENS(lo, hi) ((2u << (hi)) - (1u << (lo)))

static const struct iin_range {
    unsigned digits; /* prefix length */
    uint32_t lo, hi; /* inclusive range of the first `digits` digits */
    uint32_t lengths;
    ms_pan_brand brand;
} iin_ranges[] = {
    {1, 4, 4, LEN(13) | LEN(16) | LEN(19), MS_PAN_VISA},
    {2, 51, 55, LEN(16), MS_PAN_MASTERCARD},
    {4, 2221, 2720, LEN(16), MS_PAN_MASTERCARD},
    {2, 34, 34, LEN(15), MS_PAN_AMEX},
    {2, 37, 37, LEN(15), MS_PAN_AMEX},
    {4, 6011, 6011, LENS(16, 19), MS_PAN_DISCOVER},
    {3, 644, 649, LENS(16, 19), MS_PAN_DISCOVER},
    {2, 65, 65, LENS(16, 19), MS_PAN_DISCOVER},
    {6, 622126, 622925, LENS(16, 19), MS_PAN_DISCOVER},
    {4, 3528, 3589, LENS(16, 19), MS_PAN_JCB},
    {3, 300, 305, LENS(14, 19), MS_PAN_DINERS},
    {4, 3095, 3095, LENS(14, 19), MS_PAN_DINERS},
    {2, 36, 36, LENS(14, 19), MS_PAN_DINERS},
    {2, 38, 39, LENS(14, 19), MS_PAN_DINERS},
    {2, 62, 62, LENS(16, 19), MS_PAN_UNIONPAY},
    {2, 50, 50, LENS(12, 19), MS_PAN_MAESTRO},
    {2, 56, 59, LENS(12, 19), MS_PAN_MAESTRO},
    {1, 6, 6, LENS(12, 19), MS_PAN_MAESTRO},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_sep(char c)
{
    return c == ' ' || c == '-';
}

/* is_alnum - ASCII letter or digit, whatever the locale */
static bool is_alnum(char c)
{
    unsigned char l = (unsigned char)c | 0x20;
    return is_digit(c) || (l >= 'a' && l <= 'z');
}

/* ms_pan_brand_name - lower-case brand name; never NULL */
const char *ms_pan_brand_name(ms_pan_brand b)
{
    switch (b) {
    case MS_PAN_VISA:
        return "visa";
    case MS_PAN_MASTERCARD:
        return "mastercard";
    case MS_PAN_AMEX:
        return "amex";
    case MS_PAN_DISCOVER:
        return "discover";
    case MS_PAN_JCB:
        return "jcb";
    case MS_PAN_DINERS:
        return "diners";
    case MS_PAN_UNIONPAY:
        return "unionpay";
    case MS_PAN_MAESTRO:
        return "maestro";
    case MS_PAN_NONE:
        break;
    }
    return "none";
}

/* ms_pan_luhn - true if the last of n ASCII digits is their Luhn check
 * digit; false for n == 0 or any byte that is not a digit */
bool ms_pan_luhn(const char *digits, size_t n)
{
    static const unsigned char doubled[10] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};
    unsigned sum = 0;

    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = digits[n - 1 - i];
        if (!is_digit(c))
            return false;
        sum += i % 2 ? doubled[c - '0'] : (unsigned)(c - '0');
    }
    return sum % 10 == 0;
}

/* ms_pan_brand_of - first brand (table order) whose prefix range and
 * lengths admit these n digits, or MS_PAN_NONE */
ms_pan_brand ms_pan_brand_of(const char *digits, size_t n)
{
    if (n < MS_PAN_MIN || n > MS_PAN_MAX)
        return MS_PAN_NONE;
    for (size_t i = 0; i < sizeof iin_ranges / sizeof iin_ranges[0]; i++) {
        const struct iin_range *r = &iin_ranges[i];
        uint32_t prefix = 0;
        if (!(r->lengths & LEN(n)))
            continue;
        for (unsigned k = 0; k < r->digits; k++) {
            if (!is_digit(digits[k]))
                return MS_PAN_NONE;
            prefix = prefix * 10 + (uint32_t)(digits[k] - '0');
        }
        if (prefix >= r->lo && prefix <= r->hi)
            return r->brand;
    }
    return MS_PAN_NONE;
}

/* ms_pan_check - a card number: 12..19 digits, a brand's prefix and
 * length, Luhn-valid, not one digit repeated ("6666666666666" passes the
 * other three). brand (may be NULL) gets the brand, MS_PAN_NONE if false. */
bool ms_pan_check(const char *digits, size_t n, ms_pan_brand *brand)
{
    ms_pan_brand b = ms_pan_brand_of(digits, n);
    bool repeated = true;

    for (size_t i = 1; i < n && repeated; i++)
        repeated = digits[i] == digits[0];
    if (b == MS_PAN_NONE || repeated || !ms_pan_luhn(digits, n))
        b = MS_PAN_NONE;
    if (brand)
        *brand = b;
    return b != MS_PAN_NONE;
}

/* A digit run as walk_run() finds it: its groups (digits between single
 * separators), first to last, as [from, to) indexes into the text. */
typedef struct pan_run {
    size_t from[MS_PAN_RUN_MAX], to[MS_PAN_RUN_MAX];
    unsigned ngroups;
    size_t ndigits;
} pan_run;

/*
 * walk_run - the digit run that ends at or just before text[end - 1], read
 * backwards as ms_pan_extract (pan.h) describes, of at most max digits.
 * Returns false if there is none or it is glued to a letter or digit, too
 * long, or too short. *at_edge as for ms_pan_extract: it is set whenever
 * the walk wanted a byte before text[0] (the trailing walk ran into it,
 * the run starts at text[0], or text[0] is a separator that a digit before
 * it would join to the run); whenever it is false, more text before
 * text[0] could not change the answer.
 */
static bool walk_run(const char *text, size_t end, size_t max, pan_run *r, bool *at_edge)
{
    size_t i = end, trail = 0, group_end;
    unsigned g = MS_PAN_RUN_MAX; /* groups fill from[] and to[] from the back */

    *at_edge = false;
    r->ngroups = 0;
    r->ndigits = 0;
    while (i > 0 && trail < 2 && !is_digit(text[i - 1])) {
        i--;
        trail++;
    }
    if (i == 0 || !is_digit(text[i - 1])) {
        *at_edge = i == 0;
        return false;
    }
    if (i < end && is_alnum(text[i]))
        return false;
    group_end = i;
    for (;;) { /* text[i - 1] is a digit of the run */
        i--;
        if (++r->ndigits > max)
            return false;
        if (i > 0 && is_digit(text[i - 1]))
            continue;
        g--; /* a group has at least one digit, so g stays >= 0 */
        r->from[g] = i;
        r->to[g] = group_end;
        if (i > 1 && is_sep(text[i - 1]) && is_digit(text[i - 2])) {
            group_end = --i;
            continue;
        }
        break;
    }
    *at_edge = i == 0 || (i == 1 && is_sep(text[0]));
    if ((i > 0 && is_alnum(text[i - 1])) || r->ndigits < MS_PAN_MIN)
        return false;
    r->ngroups = MS_PAN_RUN_MAX - g;
    memmove(r->from, r->from + g, r->ngroups * sizeof r->from[0]);
    memmove(r->to, r->to + g, r->ngroups * sizeof r->to[0]);
    return true;
}

/* copy_digits - the digits of groups [a, b) of r to digits[], NUL-ended;
 * returns how many (0 if more than MS_PAN_MAX) */
static size_t copy_digits(const char *text, const pan_run *r, unsigned a, unsigned b,
                          char digits[MS_PAN_MAX + 1])
{
    size_t n = 0;

    for (unsigned g = a; g < b; g++)
        n += r->to[g] - r->from[g];
    if (n > MS_PAN_MAX)
        return 0;
    n = 0;
    for (unsigned g = a; g < b; g++)
        for (size_t i = r->from[g]; i < r->to[g]; i++)
            digits[n++] = text[i];
    digits[n] = '\0';
    return n;
}

/* ms_pan_extract - see pan.h */
size_t ms_pan_extract(const char *text, size_t end, char digits[MS_PAN_MAX + 1], size_t *start,
                      bool *at_edge)
{
    pan_run r;

    *start = end;
    digits[0] = '\0';
    if (!walk_run(text, end, MS_PAN_MAX, &r, at_edge))
        return 0;
    *start = r.from[0];
    return copy_digits(text, &r, 0, r.ngroups, digits);
}

/* droppable - may group g of r (its first or its last) be a short number
 * written next to the card number, not part of it: an expiry month, a CVV,
 * a row number? One to three digits set off by a space; four only after a
 * number written without separators (an Amex CID): after four-digit groups
 * a fourth digit would be read as one more group of the number. */
static bool droppable(const char *text, const pan_run *r, unsigned g)
{
    size_t n = r->to[g] - r->from[g];
    size_t sep = g == 0 ? r->to[0] : r->from[g] - 1;

    if (r->ngroups < 2 || text[sep] != ' ')
        return false;
    return n <= 3 || (n == 4 && g > 0 && g == r->ngroups - 1 && r->ngroups == 2);
}

/* ms_pan_find - see pan.h */
size_t ms_pan_find(const char *text, size_t end, char digits[MS_PAN_MAX + 1], size_t *start,
                   size_t *len)
{
    pan_run r;
    bool at_edge;

    digits[0] = '\0';
    if (!walk_run(text, end, MS_PAN_RUN_MAX, &r, &at_edge))
        return 0;
    unsigned last = r.ngroups - 1;
    bool head = droppable(text, &r, 0), tail = droppable(text, &r, last);
    /* the whole run first, then without a short group after, before, or both */
    const unsigned spans[4][2] = {{0, r.ngroups}, {0, last}, {1, r.ngroups}, {1, last}};
    const bool usable[4] = {true, tail, head, head && tail && last > 1};

    for (unsigned k = 0; k < 4; k++) {
        unsigned a = spans[k][0], b = spans[k][1];
        if (!usable[k])
            continue;
        size_t n = copy_digits(text, &r, a, b, digits);
        if (n >= MS_PAN_MIN && ms_pan_check(digits, n, NULL) &&
            ms_pan_grouping_ok(text + r.from[a], r.to[b - 1] - r.from[a])) {
            *start = r.from[a];
            *len = r.to[b - 1] - r.from[a];
            return n;
        }
    }
    explicit_bzero(digits, MS_PAN_MAX + 1);
    digits[0] = '\0';
    return 0;
}

/* ms_pan_grouping_ok - card numbers are written whole or in their
 * brand's groups; other digit runs that happen to pass Luhn are not */
bool ms_pan_grouping_ok(const char *text, size_t len)
{
    unsigned groups[MS_PAN_MAX + 1], ng = 0, cur = 0;
    char sep = 0;

    for (size_t i = 0; i < len; i++) {
        if (is_digit(text[i])) {
            cur++;
            continue;
        }
        if (!is_sep(text[i]) || i + 1 >= len || !is_digit(text[i + 1]))
            break;
        if (sep && text[i] != sep)
            return false; /* "412-5422 2024" */
        sep = text[i];
        groups[ng++] = cur;
        cur = 0;
        if (ng > MS_PAN_MAX - 1)
            return false;
    }
    groups[ng++] = cur;
    if (ng == 1)
        return true;
    if (ng == 3 && groups[0] == 4 && groups[1] == 6 && (groups[2] == 5 || groups[2] == 4))
        return true; /* Amex 4-6-5, Diners 4-6-4 */
    if (ng < 3)
        return false;
    for (unsigned g = 0; g + 1 < ng; g++)
        if (groups[g] != 4)
            return false;
    return groups[ng - 1] >= 1 && groups[ng - 1] <= 5; /* 13-digit Maestro: 4-4-5 */
}

/* ms_pan_mask - first 6 and last 4 digits, '*' between, NUL-terminated.
 * Fewer than MS_PAN_MIN digits are not a card number and would show
 * (nearly) all of it: they are masked whole. */
void ms_pan_mask(const char *digits, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = n >= MS_PAN_MIN && (i < 6 || i >= n - 4) ? digits[i] : '*';
    out[n] = '\0';
}

static bool mask_sep(char c)
{
    return c == ' ' || c == '-' || c == '.' || c == '_';
}

/* ms_mask_pans - see mailsift.h. Runs are found with the separators the
 * card-number finder accepts and those file names use; a run of twelve or
 * more digits is masked whether or not it passes Luhn, since a finding's
 * name is no place to tell a card number from an order number. */
char *ms_mask_pans(char *s, bool truncated)
{
    size_t i = 0;

    while (s[i]) {
        if (s[i] < '0' || s[i] > '9') {
            i++;
            continue;
        }
        size_t j = i, ndig = 0;
        while (s[j] && ((s[j] >= '0' && s[j] <= '9') ||
                        (mask_sep(s[j]) && s[j + 1] >= '0' && s[j + 1] <= '9'))) {
            ndig += s[j] >= '0' && s[j] <= '9';
            j++;
        }
        bool at_cut = truncated && s[j] == '\0';
        size_t keep_tail = at_cut ? 0 : 4;
        if (ndig >= MS_MASK_MIN_DIGITS || (at_cut && ndig > 6)) {
            size_t d = 0;
            for (size_t k = i; k < j; k++) {
                if (s[k] < '0' || s[k] > '9')
                    continue;
                if (d >= 6 && d < ndig - keep_tail)
                    s[k] = '*';
                d++;
            }
        }
        i = j;
    }
    return s;
}
