/*
 * datauri.h - files carried in HTML as data: URIs (RFC 2397), found for
 * the attachment layer (engine/datauri.c)
 */
#ifndef MS_DATAURI_H
#define MS_DATAURI_H

#include <stdbool.h>
#include <stddef.h>

/* One base64 data: URI in a link, source or style of an HTML document. */
typedef struct ms_datauri {
    size_t start, len; /* the base64 text in the input */
    char type[64];     /* media type as written ("application/x-msdownload"), "" if none */
    char name[128];    /* the tag's download="..." file name, "" if none */
} ms_datauri;

/* Find the next base64 data: URI in html[0..n) at or after *pos: true,
 * *out filled and *pos past it; false when there is none. Never reads
 * outside html[0..n); any bytes. */
bool ms_datauri_next(const char *html, size_t n, size_t *pos, ms_datauri *out);

#endif
