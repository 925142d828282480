/*
 * hdr.h - structured header fields: Content-Type, Content-Disposition and
 * their parameters (RFC 2045 5.1, RFC 2183, RFC 2231)
 */
#ifndef MS_HDR_H
#define MS_HDR_H

#include "charset.h"
#include <stdbool.h>
#include <stddef.h>

/* Copy the leading token of a value ("Text/HTML; charset=x" -> "text/html"),
 * lower-cased, comments skipped, into out (NUL-terminated, cut). Returns
 * its length, 0 if there is none. */
size_t ms_hdr_token(const char *value, size_t len, char *out, size_t outcap);

/* Find parameter name (case-insensitive) in a Content-Type or
 * Content-Disposition value and decode it into out as UTF-8
 * (NUL-terminated, cut at outcap - 1): quoted strings unquoted, RFC 2231
 * continuations (name*0, name*1*, ...) joined in order and
 * charset'lang'%XX values converted; RFC 2047 words in quoted values (a
 * common violation) decoded. Returns true when the parameter is present. */
bool ms_hdr_param(ms_charset *cs, const char *value, size_t len, const char *name, char *out,
                  size_t outcap);

#endif
