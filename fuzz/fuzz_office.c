/*
 * fuzz_office.c - libFuzzer harness for Office text extraction
 * (engine/office.c: XML to text, property labels, OOXML/ODF part names)
 *
 * The first byte picks the mode (bit 0: properties, bit 1: ODF names); the
 * rest is the XML of one part. Checks: the text is never longer than the
 * XML (the emit contract), comes in pieces of at most 4 KiB, and the part
 * name classifier accepts any name.
 */
#include "attach.h"
#include "office.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct total {
    size_t n;
} total;

static void count(void *ctx, const char *text, size_t len)
{
    total *t = ctx;
    if (len == 0 || len > 4096 || !text)
        abort();
    t->n += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    total t = {0};
    char name[64];

    if (size == 0)
        return 0;
    const char *x = (const char *)data + 1;
    size_t n = size - 1;
    ms_office_xml_text(x, n, data[0] & 1, count, &t);
    if (t.n > n)
        abort();
    size_t k = n < sizeof name - 1 ? n : sizeof name - 1;
    memcpy(name, x, k);
    name[k] = '\0';
    (void)ms_office_classify(data[0] & 2 ? MS_PKG_ODF : MS_PKG_OOXML, name);
    return 0;
}
