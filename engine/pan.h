/*
 * pan.h - payment card numbers (primary account numbers): brand, length,
 * Luhn (ISO/IEC 7812), and whether one is written as cards are printed
 */
#ifndef MS_PAN_H
#define MS_PAN_H

#include <stdbool.h>
#include <stddef.h>

#define MS_PAN_MIN 12
#define MS_PAN_MAX 19
/* Longest digit run ms_pan_find reads: a card number and a short group of
 * up to four digits on each side. With its single separators, two bytes
 * after it and one before, it spans at most MS_PAN_RUN_BYTES bytes. */
#define MS_PAN_RUN_MAX   (MS_PAN_MAX + 8)
#define MS_PAN_RUN_BYTES (2 * MS_PAN_RUN_MAX + 2)

typedef enum ms_pan_brand {
    MS_PAN_NONE = 0,
    MS_PAN_VISA,
    MS_PAN_MASTERCARD,
    MS_PAN_AMEX,
    MS_PAN_DISCOVER,
    MS_PAN_JCB,
    MS_PAN_DINERS,
    MS_PAN_UNIONPAY,
    MS_PAN_MAESTRO,
    MS_PAN_MIR,
    MS_PAN_RUPAY,
    MS_PAN_TROY,
    MS_PAN_UATP,
} ms_pan_brand;

/* How a card number found in the text may be reported (ms_pan_standing_of). */
typedef enum ms_pan_standing {
    MS_PAN_ALONE,        /* printed as cards are: reported as it is */
    MS_PAN_UNLESS_OTHER, /* a length or layout fewer cards have: reported unless
                            words near it name another kind of number and none
                            name a card */
    MS_PAN_NEEDS_CONTEXT /* a length few cards have (15 digits outside Amex, 17,
                            a UATP): only with card words or an expiry near it */
} ms_pan_standing;

const char *ms_pan_brand_name(ms_pan_brand b); /* "visa", ... "none" */

/* Luhn check over n ASCII digits. */
bool ms_pan_luhn(const char *digits, size_t n);

/* Brand whose IIN range and lengths admit these n digits, or MS_PAN_NONE. */
ms_pan_brand ms_pan_brand_of(const char *digits, size_t n);

/* A card number: 12..19 digits, a brand's prefix and length, Luhn-valid,
 * not one digit repeated. brand may be NULL. */
bool ms_pan_check(const char *digits, size_t n, ms_pan_brand *brand);

/*
 * Find the digit run that ends at or just before text[end - 1]: walk back
 * over trailing non-digits (at most 2), then over digits separated by single
 * spaces or dashes. Copies the digits (no separators) to digits[] and sets
 * *start to the index in text where the run begins. Returns the number of
 * digits, or 0 if the run is not a candidate: more than MS_PAN_MAX digits,
 * fewer than MS_PAN_MIN, or glued to a letter or digit on either side
 * (text[*start - 1] or the byte after the run is alphanumeric). When the
 * run reaches text[0], *at_edge is set: the caller may hold more text
 * before it.
 */
size_t ms_pan_extract(const char *text, size_t end, char digits[MS_PAN_MAX + 1], size_t *start,
                      bool *at_edge);

/*
 * The card number in the digit run that ends at or just before
 * text[end - 1] (walked as ms_pan_extract walks it, up to MS_PAN_RUN_MAX
 * digits): the whole run if it is a card number (ms_pan_check) grouped like
 * one (ms_pan_grouping_ok); else the run less a group of one to three digits
 * set off by a space after it, before it, or both, or of four digits after
 * an unseparated number ("5449166218090949 05/30", "4111 1111 1111 1111 123",
 * "1 4111111111111111", "378282246310005 1234"). Copies the digits to
 * digits[], sets *start and *len to the number's bytes in text, and returns
 * the number of digits, or 0 if there is no card number.
 */
size_t ms_pan_find(const char *text, size_t end, char digits[MS_PAN_MAX + 1], size_t *start,
                   size_t *len);

/* Is the run at text[0..len) grouped like a card number? A run without
 * separators is; otherwise one separator kind throughout, and groups of
 * four and a last group of one to five (4-4-4-4, 4-4-4-4-3, 4-4-5) or the
 * Amex/Diners layouts 4-6-5 and 4-6-4. A phone number next to a year
 * ("412-5422 2024-25") or a hash and a file mode ("6813737 100644") are
 * not. The run ends at the first byte that does not continue it. */
bool ms_pan_grouping_ok(const char *text, size_t len);

/*
 * ms_pan_standing_of - how may the card number digits[0..n) (from
 * ms_pan_find), written as text[0..len), be reported? MS_PAN_ALONE at the
 * length most cards of its brand have, laid out as they are printed: 16
 * digits whole or 4-4-4-4; an Amex 15 whole, 4-6-5 or 4-4-4-3; a Diners 14
 * as 4-6-4. MS_PAN_NEEDS_CONTEXT at a length few cards of any brand have
 * (15 digits outside Amex, as IMEIs are; 17) and for a UATP (any 15 digits
 * starting with 1). MS_PAN_UNLESS_OTHER for the rest: 12 to 14, 18 and 19
 * digits, or 16 and 14 in another layout, the shapes that national ID,
 * company and parcel numbers share with some cards.
 */
ms_pan_standing ms_pan_standing_of(const char *digits, size_t n, const char *text, size_t len);

/*
 * ms_pan_other_kind - is the card-like number digits[0..n), which starts
 * at text[start], another kind of number by what stands before it or by
 * its own structure? A label right before it ("IMEI: ", "SIRET n° ",
 * "ISBN-13 ", "tracking number ", "ID no. "; read back at most
 * MS_PAN_LABEL_REACH bytes on its line, never before text[0]), an IBAN's
 * country code and bank code ("GB29 NWBK 6016 1331 9268 19"), or the
 * structure of a South African ID number (13 digits: a birth date, a
 * citizenship digit 0-2 and 8 or 9) or a Chinese resident ID number (18
 * digits: a birth date at digit 7 and its ISO 7064 check digit).
 */
#define MS_PAN_LABEL_REACH 40
bool ms_pan_other_kind(const char *digits, size_t n, const char *text, size_t start);

/* Mask n digits: first 6 and last 4 shown, the rest '*'; out needs n + 1. */
void ms_pan_mask(const char *digits, size_t n, char *out);

#endif
