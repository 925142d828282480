/*
 * fuzz_pan.c - libFuzzer harness for engine/pan.c
 *
 * The first byte picks a cut: the text is also seen from that offset on,
 * as the scanner sees it when older text has left its history. The rest is
 * the text. For every end offset ms_pan_extract is called on a buffer of
 * exactly the text's size (ASan sees a read past it, and a read before
 * the window lands in memory the harness poisons by copying the window
 * alone). Checks:
 *  - the count is 0 or MS_PAN_MIN..MS_PAN_MAX, the digits are the digits of
 *    text[start..end) read over single separators, NUL-terminated, and the
 *    run is glued to no ASCII letter or digit;
 *  - on the window, an answer given without *at_edge equals the answer on
 *    the whole text: more text before the window cannot change it;
 *  - a run ms_pan_check accepts has a brand, passes an independent Luhn
 *    check and is not one digit repeated, and its mask shows no more than
 *    the first 6 and last 4 digits;
 *  - a number ms_pan_find gives is text[start..start+len) read over single
 *    separators, passes ms_pan_check and ms_pan_grouping_ok, and lies
 *    inside the bytes before end.
 */
#include "pan.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool alnum(char c)
{
    return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* luhn - the check written the textbook way, to compare against */
static bool luhn(const char *d, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(d[n - 1 - i] - '0');
        if (i % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return n > 0 && sum % 10 == 0;
}

typedef struct answer {
    size_t n, start;
    bool edge;
    char digits[MS_PAN_MAX + 1];
} answer;

/* check_run - the invariants of one accepted run in text[0..end) */
static void check_run(const char *text, size_t end, const answer *a)
{
    if (a->n < MS_PAN_MIN || a->n > MS_PAN_MAX || a->digits[a->n] != '\0' || a->start >= end ||
        !digit(text[a->start]) || (a->start > 0 && alnum(text[a->start - 1])))
        abort();
    size_t k = 0, i = a->start;
    for (; k < a->n; i++) {
        if (i >= end)
            abort();
        if (digit(text[i])) {
            if (text[i] != a->digits[k++])
                abort();
        } else if (!(text[i] == ' ' || text[i] == '-') || !digit(text[i - 1]) || i + 1 >= end ||
                   !digit(text[i + 1])) {
            abort();
        }
    }
    if (i < end && alnum(text[i]))
        abort();

    ms_pan_brand b;
    char mask[MS_PAN_MAX + 1];
    if (!ms_pan_check(a->digits, a->n, &b))
        return;
    if (b == MS_PAN_NONE || b != ms_pan_brand_of(a->digits, a->n) || !luhn(a->digits, a->n) ||
        strspn(a->digits, (char[]){a->digits[0], '\0'}) == a->n)
        abort();
    ms_pan_mask(a->digits, a->n, mask);
    if (strlen(mask) != a->n || memcmp(mask, a->digits, 6) != 0 ||
        memcmp(mask + a->n - 4, a->digits + a->n - 4, 4) != 0 || strspn(mask + 6, "*") != a->n - 10)
        abort();
}

/* check_find - the invariants of what ms_pan_find gives in text[0..end) */
static void check_find(const char *text, size_t end)
{
    char digits[MS_PAN_MAX + 1];
    size_t start = 0, len = 0, k = 0;
    size_t n = ms_pan_find(text, end, digits, &start, &len);

    if (n == 0)
        return;
    if (n < MS_PAN_MIN || n > MS_PAN_MAX || digits[n] != '\0' || start + len > end ||
        !ms_pan_check(digits, n, NULL) || !ms_pan_grouping_ok(text + start, len))
        abort();
    for (size_t i = start; i < start + len; i++)
        if (digit(text[i]) && (k >= n || text[i] != digits[k++]))
            abort();
    if (k != n)
        abort();
    /* what scan.c asks next reads no further than the run and its label */
    ms_pan_standing st = ms_pan_standing_of(digits, n, text + start, len);
    if (st != MS_PAN_ALONE && st != MS_PAN_UNLESS_OTHER && st != MS_PAN_NEEDS_CONTEXT)
        abort();
    (void)ms_pan_other_kind(digits, n, text, start);
}

static answer extract(const char *text, size_t end)
{
    answer a;
    a.n = ms_pan_extract(text, end, a.digits, &a.start, &a.edge);
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1, cut = len ? data[0] % (len + 1) : 0;
    char *text = malloc(len ? len : 1);
    char *window = malloc(len - cut ? len - cut : 1);
    if (!text || !window)
        abort();
    memcpy(text, data + 1, len);
    memcpy(window, data + 1 + cut, len - cut);

    for (size_t end = 0; end <= len; end++) {
        answer a = extract(text, end);
        if (a.n)
            check_run(text, end, &a);
        check_find(text, end);
        if (end < cut)
            continue;
        answer w = extract(window, end - cut);
        if (w.n)
            check_run(window, end - cut, &w);
        if (!w.edge &&
            (w.n != a.n || (w.n && (w.start + cut != a.start || strcmp(w.digits, a.digits) != 0))))
            abort();
    }

    /* The raw bytes as digits: only all-digit runs may pass. */
    size_t n = len < MS_PAN_MAX ? len : MS_PAN_MAX;
    if (ms_pan_check(text, n, NULL))
        for (size_t i = 0; i < n; i++)
            if (!digit(text[i]))
                abort();
    free(text);
    free(window);
    return 0;
}
