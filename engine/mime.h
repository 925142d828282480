/*
 * mime.h - streaming MIME structure parser (RFC 5322, RFC 2045, RFC 2046)
 */
#ifndef MS_MIME_H
#define MS_MIME_H

#include "charset.h"
#include "limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ms_cte {
    MS_CTE_7BIT = 0, /* also 8bit, binary, absent: bytes as they are */
    MS_CTE_BASE64,
    MS_CTE_QP,
    MS_CTE_UNKNOWN, /* x-uuencode, x-gzip64, ...: passed on as they are */
} ms_cte;

/* One entity: the message itself, a MIME part, or an encapsulated message. */
typedef struct ms_mime_entity {
    char id[64];     /* IMAP part number of the body: "1", "2.1" */
    char prefix[64]; /* message entities: prefix of their parts ("" at top) */
    unsigned depth;  /* 0 for the message itself */
    bool is_message; /* a message header block (top or message/rfc822) */
    char type[256];  /* lower-case "type/subtype"; text/plain if absent */
    char charset[MS_CHARSET_NAME_MAX];
    char boundary[MS_BOUNDARY_MAX + 2]; /* + 1 byte to tell a longer one */
    char filename[256];                 /* UTF-8, from Content-Disposition or Content-Type name */
    char encoding[32];                  /* lower-case Content-Transfer-Encoding, "" if none */
    ms_cte cte;
    bool attachment; /* Content-Disposition: attachment */
    bool extra;      /* text outside the parts: id "PREFIX.preamble" / ".epilogue" */
    bool in_message; /* inside an encapsulated message (message/rfc822), or its header */
    bool sealed;     /* inside a multipart/signed or multipart/encrypted */
} ms_mime_entity;

/* What a raw piece of the message was read as (see ms_mime_sink.raw). */
typedef enum ms_mime_raw {
    MS_MIME_RAW_HEADER,    /* a line of ent's header block, the blank line ending it too */
    MS_MIME_RAW_BODY,      /* bytes of ent's body (a leaf, a preamble or epilogue), or
                              bytes past a limit that are not parsed (ent is the last) */
    MS_MIME_RAW_DELIMITER, /* a boundary line; the part it closes has had part_end */
} ms_mime_raw;

/* Where the parser sends what it finds. Pointers are valid during the call. */
typedef struct ms_mime_sink {
    void *ctx;
    /* An unfolded header field (name without ':', value without leading
     * blanks or line break) of a message header block or a MIME part. A
     * line in a header section that is no field comes with nlen 0 and the
     * line as value: it is text a reader may see, so it is scanned. */
    void (*header)(void *ctx, const ms_mime_entity *ent, const char *name, size_t nlen,
                   const char *value, size_t vlen);
    /* The header block of an entity (message or part) ended. */
    void (*header_end)(void *ctx, const ms_mime_entity *ent);
    /* A leaf body starts; its raw (transfer-encoded) bytes follow. */
    void (*part_begin)(void *ctx, const ms_mime_entity *ent);
    void (*part_data)(void *ctx, const char *data, size_t len);
    void (*part_end)(void *ctx);
    /* Optional (NULL: not called): for a consumer that rewrites the message
     * (disclaimer.c), as Postfix's mime_state hands every record on. Every
     * byte fed comes here once, in order and unchanged, with what it was
     * read as, except header bytes past the line limit, which are dropped:
     * a consumer that must reproduce the message counts the bytes. A body
     * line arrives whole with its line break, or in pieces when it is long. */
    void (*raw)(void *ctx, ms_mime_raw kind, const ms_mime_entity *ent, const char *data,
                size_t len);
} ms_mime_sink;

typedef struct ms_mime ms_mime;

/* Allocate a parser with the given limits (copied). cs is the charset
 * converter used for RFC 2231/2047 parameters; it must outlive the parser.
 * Returns NULL on out-of-memory. */
ms_mime *ms_mime_create(const ms_limits *lim, ms_charset *cs, const ms_mime_sink *sink);
void ms_mime_destroy(ms_mime *m);

/* Feed raw message bytes, any chunking. */
void ms_mime_feed(ms_mime *m, const char *buf, size_t len);

/* End of message: flush the last line and close open parts. */
void ms_mime_finish(ms_mime *m);

/* Ready for the next message; buffers kept. */
void ms_mime_reset(ms_mime *m);

/* MS_ANOM_* bits seen so far, and counts. */
uint32_t ms_mime_anomalies(const ms_mime *m);
unsigned ms_mime_parts(const ms_mime *m);

#endif
