/*
 * fuzz_norm.c - libFuzzer harness for text normalisation: the first byte
 * picks a chunk size; output per call stays within len + 4 bytes, and
 * chunked output equals whole output.
 */
#include "norm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t run(const uint8_t *data, size_t size, size_t chunk, char *out)
{
    ms_norm n;
    size_t o = 0;
    ms_norm_init(&n);
    for (size_t off = 0; off < size; off += chunk) {
        size_t k = size - off < chunk ? size - off : chunk;
        size_t w = ms_norm_feed(&n, (const char *)data + off, k, out + o);
        if (w > k + 4)
            abort();
        o += w;
    }
    o += ms_norm_finish(&n, out + o);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] % 16 + 1;
    data++;
    size--;
    char *a = malloc(size * 2 + 64), *b = malloc(size * 2 + 64);
    size_t na = run(data, size, size ? size : 1, a);
    size_t nb = run(data, size, chunk, b);
    if (na != nb || memcmp(a, b, na) != 0 || na > size)
        abort();
    free(a);
    free(b);
    return 0;
}
