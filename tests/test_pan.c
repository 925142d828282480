/*
 * test_pan.c - pins engine/pan.c: card brands, Luhn, extraction, masking
 *
 * The numbers below are test numbers the card schemes and payment
 * processors publish, or were generated for these tests (a brand's prefix,
 * random digits, the Luhn check digit). None is a real account. Failure
 * messages show them masked, as the library does.
 */
#include "pan.h"

#include <mailsift/mailsift.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* masked - a number as failure messages may show it: ms_pan_mask's form,
 * or all stars for what is not digits. One of four buffers, so a message
 * may show four. */
static const char *masked(const char *digits)
{
    static char buf[4][64];
    static unsigned next;
    char *out = buf[next++ % 4];
    size_t n = strlen(digits);

    if (n >= sizeof buf[0] || strspn(digits, "0123456789") != n) {
        snprintf(out, sizeof buf[0], "%.*s", (int)(n < 6 ? n : 6), digits);
        return out;
    }
    ms_pan_mask(digits, n, out);
    return out;
}

static const struct brand_case {
    const char *name, *digits;
    ms_pan_brand brand;
} valid_cases[] = {
    {"visa test number", "4111111111111111", MS_PAN_VISA},
    {"visa with 13 digits", "4222222222222", MS_PAN_VISA},
    {"visa with 19 digits", "4526018159083016612", MS_PAN_VISA},
    {"mastercard 55", "5555555555554444", MS_PAN_MASTERCARD},
    {"mastercard 51", "5181909378657979", MS_PAN_MASTERCARD},
    {"mastercard 2-series test number", "2223003122003222", MS_PAN_MASTERCARD},
    {"mastercard 2221, the first 2-series prefix", "2221194821993516", MS_PAN_MASTERCARD},
    {"mastercard 2720, the last 2-series prefix", "2720960308246289", MS_PAN_MASTERCARD},
    {"amex 37", "378282246310005", MS_PAN_AMEX},
    {"amex 34", "349118625276019", MS_PAN_AMEX},
    {"discover 6011", "6011111111111117", MS_PAN_DISCOVER},
    {"discover 6011 with 19 digits", "6011895559797114711", MS_PAN_DISCOVER},
    {"discover 644", "6440497465075292", MS_PAN_DISCOVER},
    {"discover 649", "6491703423667122", MS_PAN_DISCOVER},
    {"discover 65", "6576842684656321", MS_PAN_DISCOVER},
    {"discover 622126, the first co-branded prefix", "6221261223307925", MS_PAN_DISCOVER},
    {"discover 622925, the last co-branded prefix", "6229254402685995284", MS_PAN_DISCOVER},
    {"jcb test number", "3530111333300000", MS_PAN_JCB},
    {"jcb 3528", "3528907866661765", MS_PAN_JCB},
    {"jcb 3589 with 19 digits", "3589031372159010920", MS_PAN_JCB},
    {"diners 36 test number", "36227206271667", MS_PAN_DINERS},
    {"diners 36", "36004743957557", MS_PAN_DINERS},
    {"diners 300", "30081590139626", MS_PAN_DINERS},
    {"diners 305 with 16 digits", "3054595711777746", MS_PAN_DINERS},
    {"diners 3095", "30951215472802", MS_PAN_DINERS},
    {"diners 38", "3838528084148529", MS_PAN_DINERS},
    {"diners 39 with 19 digits", "3953888539336338752", MS_PAN_DINERS},
    {"unionpay test number", "6200000000000005", MS_PAN_UNIONPAY},
    {"unionpay with 19 digits", "6213137353799075116", MS_PAN_UNIONPAY},
    {"unionpay 622125, just below discover's range", "6221256372651677", MS_PAN_UNIONPAY},
    {"unionpay 622926, just above discover's range", "6229266122202970", MS_PAN_UNIONPAY},
    {"maestro 6759 test number", "6759649826438453", MS_PAN_MAESTRO},
    {"maestro 50 with 12 digits", "502997528828", MS_PAN_MAESTRO},
    {"maestro 56 with 13 digits", "5600182633042", MS_PAN_MAESTRO},
    {"maestro 58", "5834839548620576", MS_PAN_MAESTRO},
    {"maestro 59 (5893 is a maestro range)", "5998682828807295", MS_PAN_MAESTRO},
    {"maestro 6304", "6304022279180586", MS_PAN_MAESTRO},
    {"maestro 67 with 18 digits", "678871803340187802", MS_PAN_MAESTRO},
    {"maestro 60 with 12 digits", "604777183418", MS_PAN_MAESTRO},
    {"unionpay prefix with 13 digits falls back to maestro", "6200000000000", MS_PAN_MAESTRO},
    /* payment gateways' test numbers of further networks, and new ranges */
    {"unionpay 81 test number (16 digits)", "8171999927660000", MS_PAN_UNIONPAY},
    {"unionpay 81 test number (19 digits)", "8171999900000000021", MS_PAN_UNIONPAY},
    {"unionpay 62 test number with 19 digits", "6205500000000000004", MS_PAN_UNIONPAY},
    {"unionpay securepay test number", "6250946000000016", MS_PAN_UNIONPAY},
    {"jcb's older 3088 range (a gateway's test number)", "3088000000000017", MS_PAN_JCB},
    {"diners 14-digit test number written 4-4-4-2 by its gateway", "36006666333344", MS_PAN_DINERS},
    {"diners 3056 test number with 16 digits", "3056930009020004", MS_PAN_DINERS},
    {"diners 38 test number", "38520000023237", MS_PAN_DINERS},
    {"maestro 6771 test number", "6771798021000008", MS_PAN_MAESTRO},
    {"bancontact maestro test number", "6703444444444449", MS_PAN_MAESTRO},
    {"elo test number (inside maestro's 50)", "5066991111111118", MS_PAN_MAESTRO},
    {"hipercard test number (inside maestro's 6)", "6062828888666688", MS_PAN_MAESTRO},
    {"dankort test number (inside maestro's 50)", "5019555544445555", MS_PAN_MAESTRO},
    {"cartes bancaires test number (a visa)", "4035501000000008", MS_PAN_VISA},
    {"amex test number written 4-4-4-3 by its gateway", "370000000000002", MS_PAN_AMEX},
    {"uatp test number", "135410014004955", MS_PAN_UATP},
    {"mir 2200", "2200945807302153", MS_PAN_MIR},
    {"mir 2204 with 19 digits", "2204736819303642623", MS_PAN_MIR},
    {"rupay 508", "5082245383236404", MS_PAN_RUPAY},
    {"troy 9792", "9792129972200331", MS_PAN_TROY},
};

/* Numbers ms_pan_check must reject, each for the reason its name gives. */
static const struct miss_case {
    const char *name, *digits;
} miss_cases[] = {
    {"visa failing luhn", "4111111111111112"},
    {"mastercard failing luhn", "5555555555554445"},
    {"amex failing luhn", "378282246310006"},
    {"luhn-valid with no brand prefix (7)", "7264628897514026"},
    {"luhn-valid with no brand prefix (1)", "1614014193141709"},
    {"luhn-valid with no brand prefix (9)", "9586492083124026"},
    {"luhn-valid with no brand prefix (8)", "8344834782450407"},
    {"luhn-valid with no brand prefix (0)", "0008838737167861"},
    {"mastercard 2220, below the 2-series", "2220175989834783"},
    {"mastercard 2721, above the 2-series", "2721878384837269"},
    {"jcb 3527, below jcb's range", "3527167513613419"},
    {"jcb 3590, above jcb's range", "3590252427316721"},
    {"diners 306, between diners ranges", "30632686563556"},
    {"33 is no brand", "331505877065894"},
    {"visa with 14 digits", "48433532650204"},
    {"visa with 15 digits", "414620168493406"},
    {"visa with 17 digits", "47224704558530430"},
    {"mastercard with 15 digits", "515205617483386"},
    {"mastercard with 17 digits", "51014126906044318"},
    {"mastercard prefix with 13 digits", "5319254499204"},
    {"mastercard prefix with 12 digits", "527074137482"},
    {"amex with 16 digits", "3498296572492087"},
    {"amex 37 with 14 digits", "37682889093102"},
    {"jcb with 15 digits", "352802516780080"},
    {"35 outside jcb with 15 digits", "354811311440244"},
    {"diners with 13 digits", "3637407188180"},
    {"one digit repeated, luhn-valid, maestro prefix", "6666666666666"},
    {"one digit repeated, luhn-valid, no prefix", "0000000000000000"},
    {"one digit repeated, luhn-failing", "4444444444444444"},
    {"11 digits are too few", "79927398713"},
    {"20 digits are too many", "41111111111111111113"},
    {"a separator is not a digit", "4111 1111 1111 1111"},
    {"82 is not a card range here (rupay's 81-82 are left out)", "8256224154990956"},
    {"8172 is past unionpay's 81 range", "8172145475277206"},
    {"uatp with 16 digits", "1405608656907028"},
    {"9793 is past troy", "9793931375858477"},
    {"mir with 15 digits", "220094580730215"},
};

static void test_valid_numbers_of_every_brand(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        const struct brand_case *c = &valid_cases[i];
        ms_pan_brand b = MS_PAN_NONE;
        if (!ms_pan_check(c->digits, strlen(c->digits), &b) || b != c->brand)
            fail_msg("%s: %s gives %s, want %s", c->name, masked(c->digits), ms_pan_brand_name(b),
                     ms_pan_brand_name(c->brand));
        assert_true(ms_pan_check(c->digits, strlen(c->digits), NULL));
    }
}

static void test_near_misses_are_rejected(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof miss_cases / sizeof miss_cases[0]; i++) {
        const struct miss_case *c = &miss_cases[i];
        ms_pan_brand b = MS_PAN_VISA;
        if (ms_pan_check(c->digits, strlen(c->digits), &b) || b != MS_PAN_NONE)
            fail_msg("%s: %s accepted as %s", c->name, masked(c->digits), ms_pan_brand_name(b));
    }
}

static void test_luhn(void **state)
{
    static const struct {
        const char *name, *digits;
        bool want;
    } cases[] = {
        {"the classic example", "79927398713", true},
        {"one digit changed", "79927398710", false},
        {"two adjacent digits swapped", "79927398731", false},
        {"a single zero", "0", true},
        {"a single non-zero digit", "5", false},
        {"doubling 9 gives 9", "91", true},
        {"no digits is not valid", "", false},
        {"a non-digit is not valid", "7992739871x", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (ms_pan_luhn(cases[i].digits, strlen(cases[i].digits)) != cases[i].want)
            fail_msg("%s: %s", cases[i].name, cases[i].digits);
}

static void test_brand_names(void **state)
{
    static const struct {
        ms_pan_brand b;
        const char *want;
    } cases[] = {
        {MS_PAN_NONE, "none"},     {MS_PAN_VISA, "visa"},         {MS_PAN_MASTERCARD, "mastercard"},
        {MS_PAN_AMEX, "amex"},     {MS_PAN_DISCOVER, "discover"}, {MS_PAN_JCB, "jcb"},
        {MS_PAN_DINERS, "diners"}, {MS_PAN_UNIONPAY, "unionpay"}, {MS_PAN_MAESTRO, "maestro"},
        {MS_PAN_MIR, "mir"},       {MS_PAN_RUPAY, "rupay"},       {MS_PAN_TROY, "troy"},
        {MS_PAN_UATP, "uatp"},     {(ms_pan_brand)99, "none"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(ms_pan_brand_name(cases[i].b), cases[i].want);
}

/* Extraction: the run ending at or just before text[end - 1]. */
static const struct extract_case {
    const char *name, *text;
    size_t end;         /* 0: strlen(text) */
    const char *digits; /* "": rejected */
    size_t start;
    bool at_edge;
} extract_cases[] = {
    {"a bare run after a word", "card 4111111111111111", 0, "4111111111111111", 5, false},
    {"groups of four split by spaces", "card 4111 1111 1111 1111.", 0, "4111111111111111", 5,
     false},
    {"groups split by dashes", "card 4111-1111-1111-1111.", 0, "4111111111111111", 5, false},
    {"amex grouping with mixed separators", "x: 3782 822463-10005\n", 0, "378282246310005", 3,
     false},
    {"one trailing punctuation byte", "(4111111111111111)", 0, "4111111111111111", 1, false},
    {"two trailing bytes", "(4111111111111111).", 0, "4111111111111111", 1, false},
    {"a separator then a letter after the run", "4111111111111111 x", 0, "4111111111111111", 0,
     true},
    {"a trailing separator is not part of the run", "4111 1111 1111 1111- ", 0, "4111111111111111",
     0, true},
    {"three trailing bytes are too many", "4111111111111111...", 0, "", 0, false},
    {"a letter glued after the run", "4111111111111111x", 0, "", 0, false},
    {"a letter glued after the run, end past it", "4111111111111111x ", 0, "", 0, false},
    {"a letter glued before the run", "x4111111111111111 ", 0, "", 1, false},
    {"a dash before the run is not glue", "ref-4111111111111111 ", 0, "4111111111111111", 4, false},
    {"a dot before the run is not glue", "1.4111111111111111 ", 0, "4111111111111111", 2, false},
    {"a double space splits the run", "4111  1111 1111 1111 ", 0, "111111111111", 6, false},
    {"a double dash splits the run", "4111--1111 1111 1111 ", 0, "111111111111", 6, false},
    {"19 digits are the most", "x 4111111111111111110.", 0, "4111111111111111110", 2, false},
    {"20 digits are too many", "x 41111111111111111110.", 0, "", 0, false},
    {"20 digits with separators are too many", "x 4111 1111 1111 1111 1111.", 0, "", 0, false},
    {"12 digits are enough", "x 123456789012.", 0, "123456789012", 2, false},
    {"11 digits are too few", "x 12345678901.", 0, "", 2, false},
    {"separators do not count as digits", "x 4111 1111 1111 111.", 0, "411111111111111", 2, false},
    {"end before the end of the text", "4111111111111111 and more", 17, "4111111111111111", 0,
     true},
    {"no digit before the end", "no digits here.", 0, "", 0, false},
    {"a run at text[0] is at the edge", "4111111111111111.", 0, "4111111111111111", 0, true},
    {"a separator at text[0] is at the edge", "-4111111111111111.", 0, "4111111111111111", 1, true},
    {"a space then a run at text[1] is at the edge", " 4111111111111111.", 0, "4111111111111111", 1,
     true},
    {"a letter at text[0] decides: not at the edge", "x 4111111111111111.", 0, "4111111111111111",
     2, false},
    {"a short run at text[0] is at the edge", "1111 1111.", 0, "", 0, true},
    {"the trailing walk reaching text[0] is at the edge", " .", 0, "", 0, true},
    {"empty text is at the edge", "", 0, "", 0, true},
    {"a uuid fragment is glued to a letter", "123e4567-e89b-12d3-a456-426614174000 ", 0, "", 0,
     false},
    {"an iban without spaces is glued and too long", "DE89370400440532013000 ", 0, "", 0, false},
    {"a ups tracking number is glued", "1Z999AA10123456784 ", 0, "", 0, false},
};

static void test_extract(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof extract_cases / sizeof extract_cases[0]; i++) {
        const struct extract_case *c = &extract_cases[i];
        size_t end = c->end ? c->end : strlen(c->text), start = 999;
        char digits[MS_PAN_MAX + 1];
        bool edge = !c->at_edge;
        size_t n = ms_pan_extract(c->text, end, digits, &start, &edge);
        if (n != strlen(c->digits) || (n && strcmp(digits, c->digits) != 0))
            fail_msg("%s: got %zu digits \"%s\", want \"%s\"", c->name, n, masked(digits),
                     masked(c->digits));
        if (edge != c->at_edge)
            fail_msg("%s: at_edge %d, want %d", c->name, edge, c->at_edge);
        if (n && start != c->start)
            fail_msg("%s: start %zu, want %zu", c->name, start, c->start);
    }
}

/* found - extract at the end of text, then check: what the pci rule does */
static bool found(const char *text)
{
    char digits[MS_PAN_MAX + 1];
    size_t start;
    bool edge;
    size_t n = ms_pan_extract(text, strlen(text), digits, &start, &edge);
    return n > 0 && ms_pan_check(digits, n, NULL);
}

static void test_numbers_in_text(void **state)
{
    static const struct {
        const char *name, *text;
        bool want;
    } cases[] = {
        {"visa in a sentence", "my card is 4111 1111 1111 1111.", true},
        {"amex grouped 4-6-5", "Amex: 3782 822463 10005\r", true},
        {"card number after a colon", "PAN:5555555555554444\n", true},
        {"card number in parentheses", "(6011-1111-1111-1117)", true},
        {"us phone number", "Call +1 415 555 2671.", false},
        {"uk phone number with 00 prefix", "Tel 0044 20 7946 0958.", false},
        {"isbn-13 with dashes", "ISBN 978-0-306-40615-7.", false},
        {"iban with spaces", "IBAN GB82 WEST 1234 5698 7654 32.", false},
        {"iban without spaces", "IBAN DE89370400440532013000.", false},
        {"uuid", "id 123e4567-e89b-12d3-a456-426614174000.", false},
        {"timestamp yyyymmddhhmmss", "at 20251130190152.", false},
        {"unix time in milliseconds", "ts=1732994512345;", false},
        {"order number", "Order #100234567891.", false},
        {"luhn-valid number with no brand prefix", "ref 7264628897514026.", false},
        {"one digit repeated", "x 6666666666666.", false},
        {"luhn-failing visa", "card 4111 1111 1111 1112.", false},
        {"card number glued to a word", "abc4111111111111111 ", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (found(cases[i].text) != cases[i].want)
            fail_msg("%s: %s", cases[i].name, cases[i].want ? "not found" : "found");
}

/* ms_pan_find: the whole run, or the run less a short neighbour; each text
 * ends where the pci pattern's match ends, a byte or two past the run */
static void test_find(void **state)
{
    static const struct {
        const char *name, *text, *digits;
        size_t start, len;
    } cases[] = {
        {"a whole number", "card 4111 1111 1111 1111.", "4111111111111111", 5, 19},
        {"an expiry month after it", "x 5449166218090949 05/", "5449166218090949", 2, 16},
        {"a cvv after a grouped number", "x 4111 1111 1111 1111 123 o", "4111111111111111", 2, 19},
        {"a row number before it", "1 4961372818678247 07/", "4961372818678247", 2, 16},
        {"an amex cid after it", "x 378282246310005 1234.", "378282246310005", 2, 15},
        {"a number over 19 digits with its neighbours", "x 12 4111 1111 1111 1111 123.",
         "4111111111111111", 5, 19},
        {"four digits after four-digit groups are one more group", "x 5678 9012 3456 7890 1234.",
         "", 0, 0},
        {"a four-digit group before it is not a row number", "x 1234 5678 9012 3456 7.", "", 0, 0},
        {"a neighbour after a dash stays part of the run", "x 5449166218090949-05 ", "", 0, 0},
        {"a luhn-failing number with an expiry", "x 5449166218090948 05/", "", 0, 0},
        {"a neighbour glued to a letter rejects the run", "x 5449166218090949 05a", "", 0, 0},
        {"28 digits are too many", "x 123 4111 1111 1111 1111 123 1111.", "", 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char digits[MS_PAN_MAX + 1];
        size_t start = 999, len = 999;
        const char *t = cases[i].text;
        size_t n = ms_pan_find(t, strlen(t), digits, &start, &len);
        if (n != strlen(cases[i].digits) || (n && strcmp(digits, cases[i].digits) != 0))
            fail_msg("%s: got %zu digits \"%s\", want \"%s\"", cases[i].name, n, masked(digits),
                     masked(cases[i].digits));
        if (n && (start != cases[i].start || len != cases[i].len))
            fail_msg("%s: at %zu+%zu, want %zu+%zu", cases[i].name, start, len, cases[i].start,
                     cases[i].len);
    }
}

static const struct grouping_case {
    const char *name, *run;
    bool ok;
} grouping_cases[] = {
    {"no separators", "4111111111111111", true},
    {"groups of four with spaces", "4111 1111 1111 1111", true},
    {"groups of four with dashes, then text", "4111-1111-1111-1111 exp", true},
    {"19 digits as 4-4-4-4-3", "6011 1111 1111 1111 117", true},
    {"13 digits as 4-4-4-1", "4222 2222 2222 2", true},
    {"13-digit Maestro as 4-4-5", "6763-7119-62818", true},
    {"Amex 4-6-5", "3782 822463 10005", true},
    {"Diners 4-6-4", "3622 720627 1667", true},
    {"mixed separators (phone next to a year range)", "412-5422 2024-25", false},
    {"hash and file mode", "6813737 100644", false},
    {"two groups", "41111111 11111111", false},
    {"groups of three", "411 111 111 111 111 1", false},
    {"first group of five", "41111 1111 1111 111", false},
};

static void test_grouping(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof grouping_cases / sizeof grouping_cases[0]; i++) {
        const struct grouping_case *c = &grouping_cases[i];
        if (ms_pan_grouping_ok(c->run, strlen(c->run)) != c->ok)
            fail_msg("%s: should %sbe card grouping", c->name, c->ok ? "" : "not ");
    }
}

/* ms_pan_standing_of: which card numbers stand alone, which are cards
 * unless words near them name another kind of number, which need card
 * words. The text is the number as written. */
static void test_standing(void **state)
{
    static const struct {
        const char *name, *text;
        ms_pan_standing want;
    } cases[] = {
        {"16 digits whole stand alone", "4242424242424242", MS_PAN_ALONE},
        {"16 digits 4-4-4-4 stand alone", "5555 5555 5555 4444", MS_PAN_ALONE},
        {"16 digits with dashes stand alone", "6011-1111-1111-1117", MS_PAN_ALONE},
        {"unionpay 81 at 16 digits stands alone", "8171 9999 2766 0000", MS_PAN_ALONE},
        {"amex 4-6-5 stands alone", "3782 822463 10005", MS_PAN_ALONE},
        {"amex whole stands alone", "371449635398431", MS_PAN_ALONE},
        {"amex 4-4-4-3 stands alone", "3700 0000 0000 002", MS_PAN_ALONE},
        {"diners 14 as 4-6-4 stands alone", "3622 720627 1667", MS_PAN_ALONE},
        {"diners 14 whole is a card unless named otherwise", "36070762008895", MS_PAN_UNLESS_OTHER},
        {"diners 14 as 4-4-4-2 is a card unless named otherwise", "3600 6666 3333 44",
         MS_PAN_UNLESS_OTHER},
        {"visa 13 is a card unless named otherwise", "4222222222222", MS_PAN_UNLESS_OTHER},
        {"visa 19 as 4-4-4-4-3 is a card unless named otherwise", "4265 2064 2792 8775 743",
         MS_PAN_UNLESS_OTHER},
        {"unionpay 81 at 19 digits is a card unless named otherwise", "8171999900000000021",
         MS_PAN_UNLESS_OTHER},
        {"maestro 12 as 4-4-4 is a card unless named otherwise", "6759 1234 5674",
         MS_PAN_UNLESS_OTHER},
        {"16 digits in another layout are a card unless named otherwise", "4242 4242 4242 42 42",
         MS_PAN_UNLESS_OTHER},
        {"a 15-digit maestro (an IMEI's length) needs card words", "501234567890123",
         MS_PAN_NEEDS_CONTEXT},
        {"a 15-digit diners needs card words", "362548145421244", MS_PAN_NEEDS_CONTEXT},
        {"a 17-digit discover needs card words", "60111234567890129", MS_PAN_NEEDS_CONTEXT},
        {"a uatp needs card words", "1354 1001 4004 955", MS_PAN_NEEDS_CONTEXT},
        {"14 digits shaped as a SIRET need card words", "36948075159200", MS_PAN_NEEDS_CONTEXT},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *t = cases[i].text;
        char digits[MS_PAN_MAX + 1];
        size_t n = 0;
        for (const char *p = t; *p; p++)
            if (*p >= '0' && *p <= '9')
                digits[n++] = *p;
        digits[n] = '\0';
        if (!ms_pan_check(digits, n, NULL))
            fail_msg("%s: %s is no card number", cases[i].name, masked(digits));
        ms_pan_standing got = ms_pan_standing_of(digits, n, t, strlen(t));
        if (got != cases[i].want)
            fail_msg("%s: %s is %d, want %d", cases[i].name, masked(digits), got, cases[i].want);
    }
}

/* ms_pan_other_kind: a label before the number, an IBAN's bank code, or
 * the structure of an ID number. Each text ends with the number. */
static void test_other_kind(void **state)
{
    static const struct {
        const char *name, *text;
        bool want;
    } cases[] = {
        {"IMEI: before it", "IMEI: 501234567890123", true},
        {"IMEI number is before it", "the IMEI number is 501234567890123", true},
        {"SIRET n° before it", "SIRET n\xc2\xb0 36948075159200", true},
        {"ISBN-13: before it", "ISBN-13: 4222222222222", true},
        {"tracking number before it", "Tracking number: 4222222222222", true},
        {"a carrier's name before it", "FedEx 6759 1234 5674", true},
        {"ID no. before it", "ID no. 4222222222222", true},
        {"company registration number before it", "company registration number 36070762008895",
         true},
        {"an IBAN's country and bank code before it", "IBAN GB29 NWBK 6016 1331 9268 13", true},
        {"a South African ID number", "her number 4501015009080", true},
        {"a Chinese resident ID number", "resident 620102198005182393", true},
        {"a card number after card words", "card number: 4222222222222", false},
        {"card ID names the card's own number", "Card ID: 4222222222222", false},
        {"over the phone is no label", "I read it over the phone: 4242424242424242", false},
        {"a label on the line before does not count", "IMEI\n4242424242424242", false},
        {"a label too far back does not count",
         "IMEI was mentioned, and then a long sentence: 4242424242424242", false},
        {"a number at the start of the text", "4242424242424242", false},
        {"a 13-digit card is no South African ID (month 13)", "x 4213015009080", false},
        {"18 digits without a Chinese ID's check digit", "x 620102198005182390", false},
        {"an IBAN's digits need its bank code with letters", "GB29 1234 6016 1331 9268 13", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *t = cases[i].text;
        size_t len = strlen(t), start = len;
        char digits[MS_PAN_MAX + 1];
        size_t n = 0, seen = 0;
        /* Walk back over the trailing run of digits and single spaces, at most MS_PAN_MAX digits.
         */
        while (start > 0) {
            char c = t[start - 1];
            if (c >= '0' && c <= '9' && seen < MS_PAN_MAX)
                seen++;
            else if (!(c == ' ' && start > 1 && t[start - 2] >= '0' && t[start - 2] <= '9' &&
                       seen < MS_PAN_MAX))
                break;
            start--;
        }
        for (size_t k = start; k < len; k++)
            if (t[k] >= '0' && t[k] <= '9')
                digits[n++] = t[k];
        digits[n] = '\0';
        if (ms_pan_other_kind(digits, n, t, start) != cases[i].want)
            fail_msg("%s: %s should %sbe another kind of number", cases[i].name, masked(digits),
                     cases[i].want ? "" : "not ");
    }
}

static void test_mask(void **state)
{
    static const struct {
        const char *name, *digits, *want;
    } cases[] = {
        {"16 digits show the first 6 and last 4", "4111111111111111", "411111******1111"},
        {"15 digits (amex)", "378282246310005", "378282*****0005"},
        {"19 digits", "6011895559797114711", "601189*********4711"},
        {"12 digits leave two masked", "502997528828", "502997**8828"},
        {"fewer than 12 digits are masked whole", "79927398713", "***********"},
        {"no digits give an empty string", "", ""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[MS_PAN_MAX + 2];
        memset(out, 'Z', sizeof out);
        ms_pan_mask(cases[i].digits, strlen(cases[i].digits), out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name, out, cases[i].want);
    }
}

/* ms_mask_pans: the mask every string leaving the library or a front end
 * goes through (file names, part names, envelope addresses). */
static void test_mask_strings(void **state)
{
    static const struct {
        const char *name, *in;
        bool truncated;
        const char *want;
    } cases[] = {
        {"a file name", "4111111111111111.txt", false, "411111******1111.txt"},
        {"grouped with spaces", "card 5555 5555 5555 4444.csv", false,
         "card 5555 55** **** 4444.csv"},
        {"grouped with dashes", "visa-4012-8888-8888-1881", false, "visa-4012-88**-****-1881"},
        {"grouped with dots and underscores", "x4111.1111_1111.1111y", false,
         "x4111.11**_****.1111y"},
        {"an address", "4111111111111111@example.com", false, "411111******1111@example.com"},
        {"eleven digits are no card number", "tel 12345678901", false, "tel 12345678901"},
        {"a date is left alone", "report 2026-12-05.pdf", false, "report 2026-12-05.pdf"},
        {"twenty digits: the middle masked", "12345678901234567890", false, "123456**********7890"},
        {"a doubled separator ends a run", "4111 1111  1111 1111", false, "4111 1111  1111 1111"},
        {"masked twice is masked once", "411111******1111", false, "411111******1111"},
        {"a cut run keeps six digits", "name 411111111111", true, "name 411111******"},
        {"a cut short run keeps six digits", "name 4111111", true, "name 411111*"},
        {"a run that is not at the cut keeps its tail", "4111111111111111 x", true,
         "411111******1111 x"},
        {"no digits", "notes.txt", false, "notes.txt"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        ms_mask_pans(buf, cases[i].truncated);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%s: \"%s\" became \"%s\", want \"%s\"", cases[i].name, cases[i].in, buf,
                     cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_numbers_of_every_brand),
        cmocka_unit_test(test_near_misses_are_rejected),
        cmocka_unit_test(test_luhn),
        cmocka_unit_test(test_brand_names),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_numbers_in_text),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_standing),
        cmocka_unit_test(test_other_kind),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_mask_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
