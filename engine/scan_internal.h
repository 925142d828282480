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

/*
 * For modules that look inside parts (attachments, documents, archives):
 * called between parts or from a non-text part's end, never while a text
 * part's stream is open.
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

#endif
