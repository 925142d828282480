/*
 * html.h - streaming HTML-to-text filter
 */
#ifndef MS_HTML_H
#define MS_HTML_H

#include <stddef.h>
#include <stdint.h>

#define MS_HTML_HOLD 40 /* longest construct held across chunks (tag name, entity) */

typedef struct ms_html {
    int state;               /* html.c: text, tag, comment, raw text, reference states */
    int skip;                /* inside <script> or <style>: which (0 if neither) */
    unsigned char quote;     /* attribute quote in force */
    unsigned char endtag;    /* the tag being read is an end tag */
    uint32_t code;           /* numeric character reference value so far */
    size_t hlen;             /* bytes held in hold[] (or matched of a raw end tag) */
    char hold[MS_HTML_HOLD]; /* partial tag name / entity */
    uint32_t anomalies;      /* MS_ANOM_HTML_* bits */
    unsigned char ws;        /* white space read and not yet written (html.c: WS_*) */
    unsigned char attr_text; /* the attribute value being read is shown as text */
} ms_html;

void ms_html_init(ms_html *h);

/* Convert len bytes of UTF-8 HTML to text; out needs room for
 * len + MS_HTML_SLACK bytes. Returns bytes written. */
#define MS_HTML_SLACK (2 * MS_HTML_HOLD + 8)
size_t ms_html_feed(ms_html *h, const char *in, size_t len, char *out);

/* End of data: flush what is held (room for MS_HTML_SLACK bytes). Leaves h
 * ready for a new document with its anomalies kept. */
size_t ms_html_finish(ms_html *h, char *out);

#endif
