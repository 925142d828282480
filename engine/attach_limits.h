/*
 * attach_limits.h - limits of the attachment layer, with their defaults and why
 *
 * Settable from mailsift.yaml, section `attachments:` (key in brackets).
 * Hitting one never crashes or grows memory without bound: what is past the
 * limit is left unread and the message gets an `attachment` finding whose
 * rule names the limit (`limit.archive_members`, ...), so the policy
 * decides what happens to content nobody looked at.
 */
#ifndef MS_ATTACH_LIMITS_H
#define MS_ATTACH_LIMITS_H

#include <stddef.h>
#include <stdint.h>

/* [max_bytes] Bytes of one part or archive member kept for libmagic, YARA
 * and document text. Office files and PDFs sent by mail are rarely over a
 * few MiB; 32 MiB holds nearly all while bounding a scan's memory. */
#define MS_ATTACH_MAX_BYTES_DEFAULT (32u * 1024 * 1024)
#define MS_ATTACH_MAX_BYTES_MAX     (1024u * 1024 * 1024)

/* [archive_members] Entries read per archive (an Office package counts its
 * parts). Real archives sent by mail hold tens to hundreds; 10,000 bounds
 * the time a zip of empty entries can cost. */
#define MS_ATTACH_MEMBERS_DEFAULT 10000

/* [archive_bytes] Uncompressed bytes read out of one attachment, nested
 * archives included: a bomb's real size is never reached. */
#define MS_ATTACH_ARCHIVE_BYTES_DEFAULT (256ull * 1024 * 1024)

/* [archive_ratio] Uncompressed bytes per compressed byte of an attachment.
 * Text and office files deflate 3-20x; 42.zip-style bombs reach millions.
 * Only checked past MS_ATTACH_RATIO_FLOOR bytes, where a bomb starts to
 * cost something: a 40-byte zip of 2 KiB of spaces is no bomb. */
#define MS_ATTACH_RATIO_DEFAULT 100
#define MS_ATTACH_RATIO_FLOOR   (1024u * 1024)

/* [archive_depth] Archives inside archives. Legitimate mail nests one or
 * two deep (a zip of docx files: depth 2); 42.zip nests six. */
#define MS_ATTACH_DEPTH_DEFAULT 8
#define MS_ATTACH_DEPTH_MAX     32

/* [time_ms] Wall time spent on the attachments of one message. Document
 * parsers (PDF especially) can be driven into slow paths. */
#define MS_ATTACH_TIME_MS_DEFAULT 20000

/* [pdf_pages] Pages of one PDF whose text is extracted. */
#define MS_ATTACH_PDF_PAGES_DEFAULT 2000

/* Address space a PDF's text extraction may add to the process (not
 * settable). poppler has no limits of its own and no way to stop it part
 * way through a page: a few KB of nested form XObjects keep it busy for
 * minutes and grow it past a GiB. So it runs in a child process that is
 * killed when the time limit is spent, and that may not grow by more than
 * this: a 32 MiB PDF of 2,000 pages needs under 200 MiB. */
#define MS_ATTACH_PDF_MEMORY (512ull * 1024 * 1024)

/* Bytes libmagic reads to type an attachment (not settable: a tuning of
 * the library). Magic entries look at the first few KiB; OOXML and ODF
 * are told by member names near the start of the zip. */
#define MS_ATTACH_MAGIC_BYTES (256 * 1024)

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
