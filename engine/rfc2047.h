/*
 * rfc2047.h - encoded words in header values (RFC 2047, RFC 2231 section 5)
 */
#ifndef MS_RFC2047_H
#define MS_RFC2047_H

#include "charset.h"
#include <stddef.h>
#include <stdint.h>

/* Decode an unfolded header value: every =?charset?B|Q?text?= word becomes
 * UTF-8; whitespace between adjacent encoded words is dropped (6.2), and
 * adjacent words in the same charset are joined before conversion so a
 * multibyte character split across two words survives. Text outside
 * encoded words is copied. out is NUL-terminated, cut at outcap - 1.
 * Returns the length written; words that do not decode are copied as they
 * are and set MS_ANOM_BAD_ENCODED_WORD in *anom. */
size_t ms_rfc2047_decode(ms_charset *cs, const char *in, size_t len, char *out, size_t outcap,
                         uint32_t *anom);

#endif
