/*
 * fuzz_datauri.c - libFuzzer harness for data: URIs in HTML
 * (engine/datauri.c)
 *
 * The input is an HTML document. Checks: every URI found lies inside the
 * input and after the previous one, its media type and file name are
 * terminated strings, the search always moves forward and ends.
 */
#include "datauri.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *h = (const char *)data;
    size_t pos = 0, last = 0;
    ms_datauri u;

    while (ms_datauri_next(h, size, &pos, &u)) {
        if (u.start < last || u.start > size || u.len > size - u.start || pos < u.start + u.len ||
            pos > size || !memchr(u.type, '\0', sizeof u.type) ||
            !memchr(u.name, '\0', sizeof u.name))
            abort();
        last = u.start + u.len;
    }
    if (pos != size)
        abort();
    return 0;
}
