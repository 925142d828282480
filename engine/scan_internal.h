/*
 * scan_internal.h - hooks into a scan for the benchmark harness and tests
 */
#ifndef MS_SCAN_INTERNAL_H
#define MS_SCAN_INTERNAL_H

#include <mailsift/mailsift.h>

#include <stdbool.h>

/* With matching off, a scan decodes every part to text as usual but does
 * not run Hyperscan: the benchmark's "MIME decoding alone" stage. */
void ms_scan_set_matching(ms_scan *s, bool on);

/* Benchmark: run text as the rules see it (already normalised) through the
 * text matcher alone, both stages, as one stream; findings as a scan's.
 * Call ms_scan_reset() between messages. */
void ms_scan_match_text(ms_scan *s, const char *text, size_t len);

/*
 * What the attachment layer's sink (attach.h, ms_attach_sink) is made of
 * in scan.c; tests and the benchmark call them too. Called between parts
 * or from a non-text part's end, never while a text part's stream is open.
 *
 * ms_scan_text_begin/feed/end run UTF-8 text through normalisation and the
 * text rules as one stream, reported as part `part` ("2", "2/inner.csv")
 * with the given content type and file name (copied; "" for none).
 */
void ms_scan_text_begin(ms_scan *s, const char *part, const char *content_type,
                        const char *filename);
void ms_scan_text_feed(ms_scan *s, const char *utf8, size_t len);
void ms_scan_text_end(ms_scan *s);

/* A finding of the module's own (a true type, a YARA rule, a limit). The
 * category must exist (else MS_ERR_MISUSE); a category with threshold 0
 * fires on it. rule and description must live as long as the engine; part,
 * content_type, filename and excerpt are copied (excerpt masked for digit
 * runs like any excerpt). */
int ms_scan_add_finding(ms_scan *s, const char *category, const char *rule, const char *description,
                        const char *part, const char *content_type, const char *filename,
                        const char *excerpt);

/* Something could not be read for want of memory: the scan ends in
 * MS_ERR_NOMEM (from every later ms_scan_feed() and from ms_scan_finish()),
 * so the message is never taken as scanned; the rest of it is parsed but
 * no longer matched. Code is the MS_ERR_* to return; the first one stays. */
void ms_scan_fail(ms_scan *s, int code);

/*
 * A whole message found inside a part (a forwarded .eml attached as a
 * file, a base64-encoded message/rfc822): scanned by a scan of its own
 * (created at first use, then kept), its findings, anomalies and card
 * numbers added to this scan's, its part names put below `part` ("2"
 * gives "2.header", "2.1"; an archive member "2/a.zip/x.eml" gives
 * "2/a.zip/x.eml/1"). `depth` counts the archives around it. Returns
 * MS_ERR_LIMIT when messages and archives are nested deeper than the
 * attachments' depth limit (nothing is scanned then), MS_ERR_NOMEM, or the
 * nested scan's error; the last two also become this scan's error, so the
 * message is not accepted as scanned.
 */
int ms_scan_nested(ms_scan *s, const char *part, unsigned depth, const void *msg, size_t len);

/* How many messages this scan's message is nested in (0 for the outer). */
unsigned ms_scan_nesting(const ms_scan *s);

#endif
