/*
 * limits.h - every limit the scanner enforces, with its default and why
 *
 * Each limit is settable from mailsift.yaml (section `limits:`, key in
 * brackets). Hitting a limit never crashes or grows memory: the parser
 * truncates, records an anomaly and, where content goes unscanned, adds an
 * `unscannable` finding so the policy decides what happens to the message.
 */
#ifndef MS_LIMITS_H
#define MS_LIMITS_H

#include <stddef.h>
#include <stdint.h>

/* [line_length] Longest physical line kept whole. RFC 5322 2.1.1 allows 998
 * bytes; real mail breaks that (HTML on one line), so body lines longer than
 * this are passed on in pieces and only flagged. Header lines are cut. */
#define MS_LIMIT_LINE_LENGTH_DEFAULT (64 * 1024)

/* [header_bytes] Header section of one entity (after unfolding). A header
 * block of megabytes is an attack on the parser, not mail. */
#define MS_LIMIT_HEADER_BYTES_DEFAULT (1024 * 1024)

/* [header_value] One unfolded header value kept for decoding and scanning;
 * longer values are cut (Subject lines are short; a 64 KiB value is not). */
#define MS_LIMIT_HEADER_VALUE_DEFAULT (64 * 1024)

/* [parts] MIME parts per message; Outlook digests reach hundreds, ten
 * thousand is a bomb. */
#define MS_LIMIT_PARTS_DEFAULT 10000

/* [depth] Nesting of multiparts and message/rfc822; real mail nests
 * below 10, the parser stack is sized from this. */
#define MS_LIMIT_DEPTH_DEFAULT 32
#define MS_LIMIT_DEPTH_MAX     256

/* [findings] Findings kept per message; more are counted, not stored. */
#define MS_LIMIT_FINDINGS_DEFAULT 256
#define MS_LIMIT_FINDINGS_MAX     65536

/* Longest boundary. RFC 2046 5.1.1 says 70, but senders exceed it (GMime
 * parses an 800-byte one), so we take any that fits a 998-byte line. A
 * longer boundary parameter makes the multipart unreadable as such: it is
 * then scanned whole as text, and flagged. */
#define MS_BOUNDARY_MAX 994

typedef struct ms_limits {
    size_t line_length;
    size_t header_bytes;
    size_t header_value;
    unsigned parts;
    unsigned depth;
    unsigned findings;
} ms_limits;

void ms_limits_default(ms_limits *l);

#endif
