/*
 * pdf_layout.h - text drawn outside the page of a PDF (engine/pdf_layout.cc)
 */
#ifndef MS_PDF_LAYOUT_H
#define MS_PDF_LAYOUT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What ms_pdf_layout_check() found. */
enum {
    MS_PDF_LAYOUT_OK = 0,      /* all text starts on its page */
    MS_PDF_LAYOUT_OUTSIDE = 1, /* a glyph starts outside the page */
    MS_PDF_LAYOUT_HUGE = 2,    /* a glyph larger than the page */
    MS_PDF_LAYOUT_COMPLEX = 3, /* more drawing than MS_PDF_LAYOUT_WORK: unchecked */
    MS_PDF_LAYOUT_UNREAD = -1, /* qpdf could not open the document */
};

typedef struct ms_pdf_layout {
    unsigned page; /* 1-based page of the first glyph found */
    double x, y;   /* where it starts, in the page's default user space */
    double size;   /* its size in points (font size through every matrix) */
} ms_pdf_layout;

/* Look for a glyph that starts more than MS_PDF_LAYOUT_MARGIN outside the
 * crop box of its page (or is larger than the page) in the first max_pages
 * pages of the PDF data..len; return one of the codes above and, for
 * OUTSIDE and HUGE, where in *out. Never throws; may allocate as much as
 * the document's content streams decode to (run it in the child). */
int ms_pdf_layout_check(const void *data, size_t len, unsigned max_pages, ms_pdf_layout *out);

#ifdef __cplusplus
}
#endif

#endif
