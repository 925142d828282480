/*
 * pan.c - payment card numbers: brand, length, Luhn, how they are written
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
 * table, Discover's IIN table for Diners Club and JCB's older ranges), and
 * checked against the test numbers payment gateways publish (Stripe, Adyen,
 * Braintree, Authorize.Net, Cybersource):
 *
 *   brand       prefixes                             lengths  alone
 *   Visa        4                                    13,16,19 16
 *   Mastercard  51-55, 2221-2720                     16       16
 *   Mir         2200-2204                            16-19    16
 *   Amex        34, 37                               15       15
 *   Discover    6011, 644-649, 65, 622126-622925     16-19    16
 *   JCB         3528-3589                            16-19    16
 *   JCB (older) 3088, 3096, 3112, 3158, 3337         16       16
 *   Diners      300-305, 3095, 36, 38-39             14-19    14, 16
 *   UnionPay    62, 8100-8171                        16-19    16
 *   RuPay       508                                  16       16
 *   Troy        9792                                 16       16
 *   UATP        1                                    15       -
 *   Maestro     50, 56-69                            12-19    16
 *
 * The first row whose prefix and length both fit names the brand, so the
 * narrow ranges come before the wide ones that cover them (Discover's
 * 622126-622925 before UnionPay's 62, both before Maestro's 6). Schemes
 * inside those rows need none of their own: Elo (4011, 4312, 4389, 4514,
 * 4576, 5041, 5066-5067, 509, 6277, 6362-6363, 650, 6516, 6550), Hipercard
 * (606282, 3841), Dankort (5019, 4571), Verve (506099-506198,
 * 507865-507964, 650002-650027), InterPayment (636), InstaPayment
 * (637-639), RuPay's 60, 65, 353 and 356, Troy's 65, Visa Electron, Laser,
 * Solo and Switch. Left out on purpose: domestic schemes with no gateway
 * test numbers whose prefixes other numbers use, UzCard 8600 and Humo 9860
 * (86 and 98 start many IMEIs), GPN's 1946 and BORICA's 2205, China
 * T-Union's 31 (a transit card, 19 digits), and RuPay's 81 and 82 past
 * UnionPay's 8100-8171: MII 8 is telecommunications and other industries,
 * no gateway lists a RuPay test number there, and on the dev set a clean
 * message's 16-digit number in it was the only new false alarm.
 *
 * "alone" is what ms_pan_standing_of lets stand on its own: the length
 * most of the brand's cards have, written as they are printed (see pan.h).
 * The other lengths it issues are cards unless words naming another kind
 * of number are near them and card words are not; 15 digits outside Amex
 * (an IMEI's length), 17, a UATP and a SIRET's shape need card words or
 * an expiry date (scan.c decides at the end of the part, or the message).
 * A stricter rule, card words for every length but the printed ones, was
 * measured: the dev set holds bare 12, 13, 14, 18 and 19-digit cards (in
 * the Subject and body, some with no word of any kind) and its recall fell
 * to 0.902. What tells 13-digit ID, 14-digit company, IMEI and parcel
 * numbers from cards is then their labels, the words near them and their
 * own structure (ms_pan_other_kind).
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
 * Maestro's 50 and 56-69 and Visa's 4 are wide: any Luhn-valid 16-digit
 * number starting with 4, 5 or 6 and printed 4-4-4-4 or whole is taken for
 * a card. An IBAN's digits after its bank code (GB, IE: 14 digits) are
 * found like any run. Only ASCII letters and digits glue a run to its
 * neighbours: a run touching a non-ASCII letter or digit (Arabic-Indic,
 * fullwidth) is still a candidate. Labels of other numbers are English,
 * French and German only.
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

/* Lengths few cards of any brand have: a number of one of them counts only
 * with card words near it (MS_PAN_NEEDS_CONTEXT). Fifteen digits outside
 * Amex are an IMEI's length; no gateway lists a 17-digit test number. */
#define RARE (LEN(15) | LEN(17))

static const struct iin_range {
    unsigned digits; /* prefix length */
    uint32_t lo, hi; /* inclusive range of the first `digits` digits */
    uint32_t lengths;
    uint32_t common; /* of those, lengths that need no card words */
    uint32_t alone;  /* ... nor anything else, when printed as cards are */
    ms_pan_brand brand;
} iin_ranges[] = {
    {1, 4, 4, LEN(13) | LEN(16) | LEN(19), LEN(13) | LEN(16) | LEN(19), LEN(16), MS_PAN_VISA},
    {2, 51, 55, LEN(16), LEN(16), LEN(16), MS_PAN_MASTERCARD},
    {4, 2221, 2720, LEN(16), LEN(16), LEN(16), MS_PAN_MASTERCARD},
    {4, 2200, 2204, LENS(16, 19), LENS(16, 19) & ~RARE, LEN(16), MS_PAN_MIR},
    {2, 34, 34, LEN(15), LEN(15), LEN(15), MS_PAN_AMEX},
    {2, 37, 37, LEN(15), LEN(15), LEN(15), MS_PAN_AMEX},
    {4, 6011, 6011, LENS(16, 19), LENS(16, 19) & ~RARE, LEN(16), MS_PAN_DISCOVER},
    {3, 644, 649, LENS(16, 19), LENS(16, 19) & ~RARE, LEN(16), MS_PAN_DISCOVER},
    {2, 65, 65, LENS(16, 19), LENS(16, 19) & ~RARE, LEN(16), MS_PAN_DISCOVER},
    {6, 622126, 622925, LENS(16, 19), LENS(16, 19) & ~RARE, LEN(16), MS_PAN_DISCOVER},
    {4, 3528, 3589, LENS(16, 19), LENS(16, 19) & ~RARE, LEN(16), MS_PAN_JCB},
    {4, 3088, 3088, LEN(16), LEN(16), LEN(16), MS_PAN_JCB},
    {4, 3096, 3096, LEN(16), LEN(16), LEN(16), MS_PAN_JCB},
    {4, 3112, 3112, LEN(16), LEN(16), LEN(16), MS_PAN_JCB},
    {4, 3158, 3158, LEN(16), LEN(16), LEN(16), MS_PAN_JCB},
    {4, 3337, 3337, LEN(16), LEN(16), LEN(16), MS_PAN_JCB},
    {3, 300, 305, LENS(14, 19), LENS(14, 19) & ~RARE, LEN(14) | LEN(16), MS_PAN_DINERS},
    {4, 3095, 3095, LENS(14, 19), LENS(14, 19) & ~RARE, LEN(14) | LEN(16), MS_PAN_DINERS},
    {2, 36, 36, LENS(14, 19), LENS(14, 19) & ~RARE, LEN(14) | LEN(16), MS_PAN_DINERS},
    {2, 38, 39, LENS(14, 19), LENS(14, 19) & ~RARE, LEN(14) | LEN(16), MS_PAN_DINERS},
    {2, 62, 62, LENS(16, 19), LENS(16, 19) & ~RARE, LEN(16), MS_PAN_UNIONPAY},
    {4, 8100, 8171, LENS(16, 19), LENS(16, 19) & ~RARE, LEN(16), MS_PAN_UNIONPAY},
    {3, 508, 508, LEN(16), LEN(16), LEN(16), MS_PAN_RUPAY},
    {4, 9792, 9792, LEN(16), LEN(16), LEN(16), MS_PAN_TROY},
    {1, 1, 1, LEN(15), 0, 0, MS_PAN_UATP},
    {2, 50, 50, LENS(12, 19), LENS(12, 19) & ~RARE, LEN(16), MS_PAN_MAESTRO},
    {2, 56, 69, LENS(12, 19), LENS(12, 19) & ~RARE, LEN(16), MS_PAN_MAESTRO},
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
    case MS_PAN_MIR:
        return "mir";
    case MS_PAN_RUPAY:
        return "rupay";
    case MS_PAN_TROY:
        return "troy";
    case MS_PAN_UATP:
        return "uatp";
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

/* match_range - the first row (table order) whose prefix range and
 * lengths admit these n digits, or NULL */
static const struct iin_range *match_range(const char *digits, size_t n)
{
    if (n < MS_PAN_MIN || n > MS_PAN_MAX)
        return NULL;
    for (size_t i = 0; i < sizeof iin_ranges / sizeof iin_ranges[0]; i++) {
        const struct iin_range *r = &iin_ranges[i];
        uint32_t prefix = 0;
        if (!(r->lengths & LEN(n)))
            continue;
        for (unsigned k = 0; k < r->digits; k++) {
            if (!is_digit(digits[k]))
                return NULL;
            prefix = prefix * 10 + (uint32_t)(digits[k] - '0');
        }
        if (prefix >= r->lo && prefix <= r->hi)
            return r;
    }
    return NULL;
}

/* ms_pan_brand_of - the brand of the first row that admits these n digits,
 * or MS_PAN_NONE */
ms_pan_brand ms_pan_brand_of(const char *digits, size_t n)
{
    const struct iin_range *r = match_range(digits, n);
    return r ? r->brand : MS_PAN_NONE;
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

/* read_groups - the digit groups of the run at text[0..len) between single
 * separators, up to the first byte that does not continue it; false if it
 * mixes separator kinds ("412-5422 2024") or has more than MS_PAN_MAX
 * groups */
static bool read_groups(const char *text, size_t len, unsigned groups[MS_PAN_MAX], unsigned *ng)
{
    unsigned cur = 0;
    char sep = 0;

    *ng = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_digit(text[i])) {
            cur++;
            continue;
        }
        if (!is_sep(text[i]) || i + 1 >= len || !is_digit(text[i + 1]))
            break;
        if ((sep && text[i] != sep) || *ng == MS_PAN_MAX - 1)
            return false;
        sep = text[i];
        groups[(*ng)++] = cur;
        cur = 0;
    }
    groups[(*ng)++] = cur;
    return true;
}

/* ms_pan_grouping_ok - card numbers are written whole or in their
 * brand's groups; other digit runs that happen to pass Luhn are not */
bool ms_pan_grouping_ok(const char *text, size_t len)
{
    unsigned groups[MS_PAN_MAX], ng;

    if (!read_groups(text, len, groups, &ng))
        return false;
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

/* printed_layout - are these n digits, grouped as groups[0..ng), laid out
 * as cards of that length are printed? */
static bool printed_layout(size_t n, const unsigned *groups, unsigned ng)
{
    bool g46x = ng == 3 && groups[0] == 4 && groups[1] == 6;

    switch (n) {
    case 16:
        return ng == 1 || (ng == 4 && groups[0] == 4 && groups[1] == 4 && groups[2] == 4);
    case 15: /* Amex: 4-6-5 embossed, 4-4-4-3 as forms and gateways write it */
        return ng == 1 || g46x || (ng == 4 && groups[0] == 4 && groups[1] == 4 && groups[2] == 4);
    case 14: /* Diners 4-6-4: whole, fourteen digits are a company number as often */
        return g46x;
    default:
        return false;
    }
}

/* ms_pan_standing_of - see pan.h */
ms_pan_standing ms_pan_standing_of(const char *digits, size_t n, const char *text, size_t len)
{
    unsigned groups[MS_PAN_MAX], ng;
    const struct iin_range *r = match_range(digits, n);

    if (!r || !(r->common & LEN(n)) || (n == 14 && ms_pan_luhn(digits, 9)))
        return MS_PAN_NEEDS_CONTEXT; /* ... or a French SIRET: its first 9 digits pass Luhn too */
    if ((r->alone & LEN(n)) && read_groups(text, len, groups, &ng) && printed_layout(n, groups, ng))
        return MS_PAN_ALONE;
    return MS_PAN_UNLESS_OTHER;
}

/* Words that name another kind of number when they stand right before one
 * (lower case): device, company, book, bank-account, parcel, identity and
 * tax numbers. Not phone: "over the phone: <card>" is a card. */
/* clang-format off */
static const char *const other_labels[] = {
    /* devices */
    "imei", "imeisv", "meid", "esn", "iccid", "imsi", "serial",
    /* companies, tax */
    "company", "siret", "siren", "rcs", "cnpj", "ogrn", "registration", "handelsregister",
    "vat", "tva", "ust", "steuernummer",
    /* books, goods */
    "isbn", "issn", "ismn", "ean", "gtin", "upc",
    /* bank accounts */
    "iban", "bban",
    /* parcels and their carriers */
    "tracking", "waybill", "consignment", "parcel", "shipment", "awb", "sendungsnummer",
    "suivi", "fedex", "ups", "usps", "dhl", "dpd", "gls", "hermes", "evri", "tnt",
    "parcelforce", "colissimo", "chronopost", "postnl",
    /* identity */
    "id", "identity", "identification", "passport", "ssn", "personnummer",
};
/* clang-format on */

/* Words allowed between such a label and its number ("IMEI number is"). */
static const char *const connectors[] = {"number", "no", "nr", "num", "n", "is", "code", "de"};

/* A label after one of these names the card's own number ("card ID"). */
static const char *const card_words[] = {"card", "karte", "carte", "tarjeta", "carta"};

static bool is_letter(char c)
{
    return is_alnum(c) && !is_digit(c);
}

static bool in_list(const char *w, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(list[i]) == n && strncmp(list[i], w, n) == 0)
            return true;
    return false;
}

#define IN_LIST(w, n, list) in_list(w, n, list, sizeof list / sizeof list[0])

/* word_before - the word of ASCII letters ending before text[*i], after at
 * most six other bytes on the same line, lower-cased into w (which holds
 * 16); moves *i to its first letter. 0 if there is none, or it is longer
 * or reaches back past `limit`. */
static size_t word_before(const char *text, size_t *i, size_t limit, char w[16])
{
    size_t j = *i, n = 0;

    for (unsigned gap = 0; j > limit && !is_letter(text[j - 1]) && gap < 6; gap++) {
        if (text[j - 1] == '\n')
            return 0;
        j--;
    }
    while (j > limit && is_letter(text[j - 1]) && n < 16) {
        n++;
        j--;
    }
    if (n == 0 || (j > 0 && is_letter(text[j - 1])))
        return 0;
    for (size_t k = 0; k < n; k++)
        w[k] = (char)(text[j + k] | 0x20);
    *i = j;
    return n;
}

/* iban_tail - does the run at text[start] follow an IBAN's country code,
 * check digits and a bank code with letters ("GB29 NWBK 6016 1331 9268
 * 19")? Its digits are an account number, not a card's. */
static bool iban_tail(const char *text, size_t start)
{
    if (start < 10 || text[start - 1] != ' ' || text[start - 6] != ' ')
        return false;
    const char *bank = text + start - 5, *cc = text + start - 10;
    bool letter = false;
    for (unsigned k = 0; k < 4; k++) {
        if (!is_alnum(bank[k]))
            return false;
        letter |= is_letter(bank[k]);
    }
    return letter && is_letter(cc[0]) && is_letter(cc[1]) && is_digit(cc[2]) && is_digit(cc[3]) &&
           (start == 10 || !is_alnum(text[start - 11]));
}

/* labelled - is the number at text[start] labelled as another kind? */
static bool labelled(const char *text, size_t start)
{
    size_t i = start, limit = start > MS_PAN_LABEL_REACH ? start - MS_PAN_LABEL_REACH : 0;
    char w[16];

    for (unsigned words = 0; words < 3; words++) {
        size_t n = word_before(text, &i, limit, w);
        if (n == 0)
            return false;
        if (IN_LIST(w, n, other_labels)) {
            n = word_before(text, &i, limit, w);
            return n == 0 || !IN_LIST(w, n, card_words);
        }
        if (!IN_LIST(w, n, connectors))
            return false;
    }
    return false;
}

/* num - the number written by digits d[0..k) */
static unsigned num(const char *d, unsigned k)
{
    unsigned v = 0;
    for (unsigned i = 0; i < k; i++)
        v = v * 10 + (unsigned)(d[i] - '0');
    return v;
}

/* valid_date - month mm and day dd of a birth date (any year) */
static bool valid_date(unsigned mm, unsigned dd)
{
    static const unsigned char days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return mm >= 1 && mm <= 12 && dd >= 1 && dd <= days[mm - 1];
}

/* id_number - the structure of a national ID number that passes Luhn or
 * shares a card's length: South Africa's 13 digits YYMMDDSSSSCAZ (C
 * citizenship 0-2, A 8 or 9, Z Luhn), China's 18 digits of six for the
 * region, a birth date YYYYMMDD and three more, then an ISO 7064 MOD 11-2
 * check digit (a check digit of 10 is written X, which glues the run to a
 * letter, so it is not here). A 13-digit card matches the first by chance
 * about once in 450, an 18-digit one the second about once in 15,000. */
static bool id_number(const char *d, size_t n)
{
    if (n == 13)
        return valid_date(num(d + 2, 2), num(d + 4, 2)) && d[10] <= '2' &&
               (d[11] == '8' || d[11] == '9');
    if (n == 18) {
        static const unsigned char weight[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                 3, 7, 9,  10, 5, 8, 4, 2};
        unsigned year = num(d + 6, 4), sum = 0;
        for (unsigned i = 0; i < 17; i++)
            sum += weight[i] * (unsigned)(d[i] - '0');
        unsigned check = (12 - sum % 11) % 11;
        return year >= 1900 && year <= 2099 && valid_date(num(d + 10, 2), num(d + 12, 2)) &&
               check == (unsigned)(d[17] - '0');
    }
    return false;
}

/* ms_pan_other_kind - see pan.h */
bool ms_pan_other_kind(const char *digits, size_t n, const char *text, size_t start)
{
    return iban_tail(text, start) || labelled(text, start) || id_number(digits, n);
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
