/*
 * limits.h - every limit mailsift enforces, with its default and why
 *
 * One home, as SQLite's sqliteLimit.h: a limit bounds what hostile input
 * (a message, an attachment, a config or ruleset file, a flood of mail) can
 * make mailsift spend in memory, time or disk. Each says why its number is
 * what it is. Those settable from mailsift.yaml name their key in brackets
 * with the section (`limits:`, `attachments:`, `milter:`); the others are
 * fixed because no site has a reason to move them.
 *
 * Hitting a limit never crashes or grows memory without bound: the reader
 * stops, records an anomaly, and where content goes unread the message
 * gets a finding of the category `unscannable` (`limit.depth`,
 * `limit.archive_members`, ...) so the policy decides what happens to
 * content nobody looked at. Each limit is tested at and one past it.
 */
#ifndef MS_LIMITS_H
#define MS_LIMITS_H

#include <stddef.h>
#include <stdint.h>

/* ---- message structure (limits:) -------------------------------------- */

/* [limits.line_length] Longest physical line kept whole. RFC 5322 2.1.1
 * allows 998 bytes; real mail breaks that (HTML on one line), so body
 * lines longer than this are passed on in pieces and only flagged. Header
 * lines are cut. */
#define MS_LIMIT_LINE_LENGTH_DEFAULT (64 * 1024)

/* [limits.header_bytes] Header section of one entity (after unfolding). A
 * header block of megabytes is an attack on the parser, not mail. */
#define MS_LIMIT_HEADER_BYTES_DEFAULT (1024 * 1024)

/* [limits.header_value] One unfolded header value kept for decoding and
 * scanning; longer values are cut (Subject lines are short; a 64 KiB value
 * is not). */
#define MS_LIMIT_HEADER_VALUE_DEFAULT (64 * 1024)

/* [limits.parts] MIME parts per message; Outlook digests reach hundreds,
 * ten thousand is a bomb. */
#define MS_LIMIT_PARTS_DEFAULT 10000

/* [limits.depth] Nesting of multiparts and message/rfc822; real mail nests
 * below 10, the parser stack is sized from this. */
#define MS_LIMIT_DEPTH_DEFAULT 32
#define MS_LIMIT_DEPTH_MAX     256

/* [limits.findings] Findings kept per message; more are counted, not
 * stored (the result is a fixed array). */
#define MS_LIMIT_FINDINGS_DEFAULT 256
#define MS_LIMIT_FINDINGS_MAX     65536

/* Longest boundary. RFC 2046 5.1.1 says 70, but senders exceed it (GMime
 * parses an 800-byte one), so we take any that fits a 998-byte line. A
 * longer boundary parameter makes the multipart unreadable as such: it is
 * then scanned whole as text, and flagged. */
#define MS_BOUNDARY_MAX 994

/* RFC 2231 sections of one parameter joined at most: a file name needs a
 * handful; the cap keeps the section table a small array on the stack. */
#define MS_HDR_SECTIONS 64

/* Bytes of one parameter value gathered before decoding (file names are
 * at most 255 bytes on every file system). */
#define MS_HDR_PARAM_MAX 2048

/* Decoded bytes of one run of RFC 2047 encoded words converted at a time;
 * far above any real Subject (RFC 2047 2: 75 bytes a word) and still a
 * small stack frame. */
#define MS_RFC2047_RUN_MAX 4096

/* ---- files encoded into text (uuencode, pasted base64) ---------------- */

/* A uuencode line is 61 bytes; a line longer than this is not one. */
#define MS_UU_LINE_MAX 512
/* uuencoded files kept per part; more set limit.embedded. */
#define MS_UU_BLOCKS 16
/* Bytes of a uuencoded file's name kept. */
#define MS_UU_NAME_MAX 128

/* Longest line of a run of base64 lines (encoders wrap at 64 or 76). */
#define MS_B64RUN_LINE_MAX 1024
/* Base64 pieces decoded per part; more set limit.embedded. A part with
 * hundreds of pasted files is an attempt to get past the reader. */
#define MS_B64RUN_BLOCKS 64

/* ---- what one scan remembers ------------------------------------------ */

/* Distinct card numbers remembered per part, to count a repeat once. */
#define MS_SCAN_PAN_SEEN 64
/* Card-context matches (card words, expiry dates) remembered per part; past
 * this the part is dense with context and every number in it is high. */
#define MS_SCAN_CONTEXT 64
/* Distinct card numbers counted per message for the bulk level; the bulk
 * limit a site sets is far below. */
#define MS_SCAN_MSG_PANS 1024

/* ---- attachments (attachments:) --------------------------------------- */

/* [attachments.max_bytes] Bytes of one part or archive member kept for
 * libmagic, YARA and document text; also the most text and properties read
 * out of one Office file. Office files and PDFs sent by mail are rarely
 * over a few MiB; 32 MiB holds nearly all while bounding a scan's memory. */
#define MS_ATTACH_MAX_BYTES_DEFAULT (32u * 1024 * 1024)
#define MS_ATTACH_MAX_BYTES_MAX     (1024u * 1024 * 1024)

/* [attachments.archive_members] Entries read per archive (an Office package
 * counts its parts). Real archives sent by mail hold tens to hundreds;
 * 10,000 bounds the time a zip of empty entries can cost. */
#define MS_ATTACH_MEMBERS_DEFAULT 10000

/* [attachments.archive_bytes] Uncompressed bytes read out of one
 * attachment, nested archives included: a bomb's real size is never
 * reached. */
#define MS_ATTACH_ARCHIVE_BYTES_DEFAULT (256ull * 1024 * 1024)

/* [attachments.archive_ratio] Uncompressed bytes per compressed byte of an
 * attachment. Text and office files deflate 3-20x; 42.zip-style bombs
 * reach millions. Only checked past MS_ATTACH_RATIO_FLOOR bytes, where a
 * bomb starts to cost something: a 40-byte zip of 2 KiB of spaces is no
 * bomb. */
#define MS_ATTACH_RATIO_DEFAULT 100
#define MS_ATTACH_RATIO_FLOOR   (1024u * 1024)

/* [attachments.archive_depth] Archives and attached messages inside each
 * other. Legitimate mail nests one or two deep (a zip of docx files: depth
 * 2); 42.zip nests six. */
#define MS_ATTACH_DEPTH_DEFAULT 8
#define MS_ATTACH_DEPTH_MAX     32

/* [attachments.time_ms] Time spent on the attachments of one message.
 * Document parsers (PDF especially) can be driven into slow paths; PDF text
 * extraction is stopped even in the middle of a page. */
#define MS_ATTACH_TIME_MS_DEFAULT 20000

/* [attachments.pdf_pages] Pages of one PDF whose text is extracted. */
#define MS_ATTACH_PDF_PAGES_DEFAULT 2000

/* Address space a PDF's text extraction may add to the process. poppler
 * has no limits of its own and no way to stop it part way through a page:
 * a few KB of nested form XObjects keep it busy for minutes and grow it
 * past a GiB. So it runs in a child process that is killed when the time
 * limit is spent, and that may not grow by more than this: a 32 MiB PDF of
 * 2,000 pages needs under 200 MiB. */
#define MS_ATTACH_PDF_MEMORY (512ull * 1024 * 1024)

/* Bytes libmagic reads to type an attachment (a tuning of the library).
 * Magic entries look at the first few KiB; OOXML and ODF are told by
 * member names near the start of the zip. */
#define MS_ATTACH_MAGIC_BYTES (256 * 1024)

/* Files carried in data: URIs read from one HTML attachment (datauri.c):
 * a page that smuggles a file carries one or a few; 64 more than any
 * real page, few enough that a page of a thousand inline icons costs no
 * more than 64 libmagic calls. */
#define MS_ATTACH_DATAURI_MAX 64

/* ---- configuration, rules and their files ------------------------------ */

/* Lists and mappings inside one another in a YAML file. Our files need 4
 * (a ruleset's levels: inside a category inside a list inside the file);
 * libyaml's scanner looks at a slot per open flow level at every token, so
 * a file of 100,000 '[' took 23 s to be refused. A file past this is
 * refused at the first collection too deep, after reading only that far. */
#define MS_YAML_DEPTH_MAX 64

/* A config or ruleset file is read whole first: bound what a wrong path (a
 * log, /dev/zero) can make us hold. Ours are under 10 KiB. */
#define MS_YAML_BYTES_MAX (16 << 20)

/* Longest line of a word list; a longer one is an error, not cut short. */
#define MS_WORDS_LINE 1024

/* A cached compiled database larger than this is not one of ours (the
 * shipped rules compile to about 2 MiB). */
#define MS_MATCH_CACHE_MAX (512u * 1024 * 1024)

/* The longest match a two-stage rule (`anchors:`) may have: its window of
 * text, twice this around an anchor, is kept as history by every scan.
 * The shipped phrase rules reach at most a few hundred bytes. */
#define MS_RULE_REACH_MAX 2048

/* Expressions whose widths are remembered in the cache directory
 * (exprinfo.c), at 24 bytes each. */
#define MS_EXPRINFO_MAX (1u << 20)

/* A word list's alternation longer than this is compiled as several
 * Hyperscan expressions of the rule (Hyperscan refuses an expression of
 * about 16,000 bytes). */
#define MS_RULE_PART_BYTES 8000

/* Stream bytes a scan keeps before each batch at least: a card number's
 * run (a validator re-reads it); more when a two-stage rule reaches
 * further. */
#define MS_SCAN_HISTORY_MIN 64

/* ---- the milter (milter:) --------------------------------------------- */

/* [milter.recipient_limit] Recipients of one message; the one over it gets
 * 452 4.5.3 and the client sends the rest in another message. */
#define MS_LIMIT_RECIPIENTS_DEFAULT 500

/* [milter.size_limit] Bytes of one message, refused at MAIL FROM when SIZE=
 * says so and at end of data when it is so (552 5.3.4). */
#define MS_LIMIT_SIZE_DEFAULT (150ULL * 1024 * 1024)

/* [milter.rate_limit] Messages per sender in a sliding window (messages,
 * window seconds): mass mailing from a stolen account. */
#define MS_LIMIT_RATE_MESSAGES_DEFAULT 700
#define MS_LIMIT_RATE_WINDOW_DEFAULT   60

/* [milter.timeout] Seconds the MTA may stay silent before a message is
 * given up (the failure mode answers). */
#define MS_LIMIT_MILTER_TIMEOUT_DEFAULT 300

/* [milter.max_sessions] MTA connections with a message begun at once; the
 * next MAIL FROM gets 421 4.3.2. Each holds a scan (about 230 KiB): 500
 * is 115 MiB, more than a Postfix with its default 100 smtpd processes
 * sends, and 2,000 held open by a hostile client no longer take 600 MiB. */
#define MS_LIMIT_MILTER_SESSIONS_DEFAULT 500

/* Bytes of a rewritten body (the disclaimer) kept in memory; beyond it a
 * temporary file. Most mail is smaller, and a thread per connection must
 * not hold a 150 MB message in RAM. */
#define MS_DISCLAIMER_MEM (1u << 20)

typedef struct ms_limits {
    size_t line_length;
    size_t header_bytes;
    size_t header_value;
    unsigned parts;
    unsigned depth;
    unsigned findings;
} ms_limits;

void ms_limits_default(ms_limits *l);

typedef struct ms_attach_limits {
    size_t max_bytes;
    unsigned members;
    uint64_t archive_bytes;
    unsigned ratio;
    unsigned depth;
    unsigned time_ms;
    unsigned pdf_pages;
} ms_attach_limits;

#endif
