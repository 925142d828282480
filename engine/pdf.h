/*
 * pdf.h - text of PDF documents through the text rules (engine/pdf.c)
 */
#ifndef MS_PDF_H
#define MS_PDF_H

#include "attach.h"

#include <stdbool.h>
#include <stddef.h>

/* Extract the text of the PDF o (in a child process bounded by the time
 * limit) and run it through the text rules as o's part; encryption, page
 * and time limits and damage become findings. */
void ms_pdf_scan(ms_attach *a, const ms_attach_obj *o);

#endif
