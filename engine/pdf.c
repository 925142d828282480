/*
 * pdf.c - text of PDF documents through the text rules (poppler-glib)
 *
 * The document is opened from the part's bytes in memory; the text of each
 * page (poppler's reading order, lines as line breaks; also text placed
 * outside the visible page) is fed to one text
 * stream named like the part, pages separated by a line break, up to
 * pdf_pages pages and within the time limit.
 *
 * A PDF that asks for a password is reported as encrypted (the policy's
 * encryption exemption and a site that forbids unscannable content look at
 * that). One encrypted with an empty user password opens, is read and is
 * not reported: anyone can read it, so it protects nothing.
 *
 * poppler reports syntax errors through glib's log under the "Poppler"
 * domain; the library must never print, so the domain's messages are
 * dropped (a broken PDF is read as far as poppler gets).
 *
 * BUGS: no OCR (a scanned PDF has no text); text in annotations and form
 * fields is not read; JavaScript and launch actions are left to the YARA
 * rules (rulesets/documents.yar).
 */
#include "attach.h"
#include "engine.h"
#include "scan_internal.h"

#include <poppler.h>
#include <string.h>

static void drop_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain, (void)level, (void)msg, (void)data;
}

static void quiet_poppler(void)
{
    static gsize once = 0;
    if (g_once_init_enter(&once)) {
        g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                          drop_log, NULL);
        g_once_init_leave(&once, 1);
    }
}

void ms_pdf_scan(ms_attach *a, const ms_attach_obj *o)
{
    const ms_attach_limits *l = ms_attach_get_limits(a);
    GError *err = NULL;

    quiet_poppler();
    GBytes *bytes = g_bytes_new_static(o->data, o->len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &err);
    if (!doc) {
        if (err && g_error_matches(err, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
            ms_attach_encrypted(a, o, "encrypted PDF");
        else
            ms_attach_finding(a, MS_CATEGORY_UNSCANNABLE, "attachment.unreadable",
                              "A PDF that could not be opened", o, err ? err->message : NULL);
        if (err)
            g_error_free(err);
        g_bytes_unref(bytes);
        return;
    }
    int pages = poppler_document_get_n_pages(doc);
    if (pages > 0 && (unsigned)pages > l->pdf_pages) {
        ms_attach_finding(a, NULL, "limit.pdf_pages",
                          "A PDF with more pages than the page limit; the rest is unread", o, NULL);
        pages = (int)l->pdf_pages;
    }
    ms_scan *s = ms_attach_scan(a);
    ms_scan_text_begin(s, o->part, o->declared[0] ? o->declared : "application/pdf", o->name);
    for (int i = 0; i < pages && ms_attach_time_ok(a, o); i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        /* all text, also what lies outside the page's box: poppler_page_get_text()
         * crops, and text placed off the page is still sent */
        PopplerRectangle all = {-1e6, -1e6, 1e6, 1e6};
        char *text = poppler_page_get_text_for_area(page, &all);
        if (text) {
            ms_scan_text_feed(s, text, strlen(text));
            g_free(text);
        }
        ms_scan_text_feed(s, "\n", 1);
        g_object_unref(page);
    }
    ms_scan_text_end(s);
    g_object_unref(doc);
    g_bytes_unref(bytes);
}
