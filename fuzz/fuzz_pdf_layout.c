/*
 * fuzz_pdf_layout.c - libFuzzer harness for the off-page text check
 * (engine/pdf_layout.cc: qpdf opens the PDF, we follow its content streams)
 *
 * The input is a whole PDF; its first 8 pages are checked. Checks: the
 * answer is one of the codes, and a glyph found off its page is on one of
 * the pages checked. qpdf's exceptions must not escape the C function.
 */
#include "pdf_layout.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ms_pdf_layout where = {0, 0, 0, 0};

    int rc = ms_pdf_layout_check(data, size, 8, &where);
    switch (rc) {
    case MS_PDF_LAYOUT_OUTSIDE:
    case MS_PDF_LAYOUT_HUGE:
        if (where.page < 1 || where.page > 8)
            abort();
        break;
    case MS_PDF_LAYOUT_OK:
    case MS_PDF_LAYOUT_COMPLEX:
    case MS_PDF_LAYOUT_UNREAD:
        break;
    default:
        abort();
    }
    return 0;
}
