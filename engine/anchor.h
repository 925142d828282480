/*
 * anchor.h - the anchor of a word-list entry, derived from its regex
 */
#ifndef MS_ANCHOR_H
#define MS_ANCHOR_H

#include <stdbool.h>

/* Rarity (in bits, estimated from English letter frequencies) below which a
 * derived anchor is not worth having: the entry is then its own anchor. */
#define MS_ANCHOR_MIN_BITS 12.0

/* The same for a whole pattern rule that names no anchors (rules.c). A
 * rule stays direct below it: letter frequencies overrate common words
 * ("next", "send", "://" in mail full of links), and on real mail windows
 * around such anchors cost more than the pattern in the stream. */
#define MS_ANCHOR_RULE_MIN_BITS 20.0

/*
 * A Hyperscan expression for literals of which one occurs in every match of
 * the regex re (literals joined by '|', metacharacters escaped, lower case
 * when caseless), chosen to be as rare as possible; NULL when none is
 * rarer than min_bits, when re holds what the derivation does not know, or
 * out of memory. Matched with the caseless flag when caseless, anywhere.
 */
char *ms_anchor_derive(const char *re, bool caseless, double min_bits);

#endif
