/*
 * fuzz_rfc2047.c - libFuzzer harness for engine/rfc2047.c and engine/hdr.c
 *
 * Input: the first byte picks the output capacity (1 to 255 bytes, or 64
 * KiB for 0xff), the rest is an unfolded header value. It is decoded as
 * RFC 2047 text, searched for the parameters the MIME parser asks for and
 * its type token read. Checks: every output is NUL-terminated at the
 * returned length, below the capacity (the buffer is allocated exactly, so
 * ASan catches a byte past it); decoding twice gives the same bytes (the
 * descriptor cache is reset between uses). One ms_charset lives across
 * inputs, as one lives across a scan's messages.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "hdr.h"
#include "rfc2047.h"

static ms_charset charset;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ms_charset_init(&charset);
    return 0;
}

static void check_terminated(const char *out, size_t n, size_t outcap)
{
    if (n >= outcap || out[n] != '\0')
        abort();
}

static void fuzz_params(const char *in, size_t len, char *out, size_t outcap)
{
    static const char *const names[] = {"name", "filename", "boundary", "charset", "x"};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        bool found = ms_hdr_param(&charset, in, len, names[i], out, outcap);
        size_t n = strnlen(out, outcap);
        if (n == outcap || (!found && n != 0))
            abort();
    }
    check_terminated(out, ms_hdr_token(in, len, out, outcap), outcap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t outcap = data[0] == 0xff ? 64 * 1024 : (size_t)data[0] + 1;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    char *out = malloc(outcap), *again = malloc(outcap);
    uint32_t anom = 0, anom2 = 0;

    if (!out || !again)
        abort();
    size_t n = ms_rfc2047_decode(&charset, in, len, out, outcap, &anom);
    check_terminated(out, n, outcap);
    size_t n2 = ms_rfc2047_decode(&charset, in, len, again, outcap, &anom2);
    if (n2 != n || memcmp(out, again, n) != 0 || anom2 != anom)
        abort();
    fuzz_params(in, len, out, outcap);
    free(out);
    free(again);
    return 0;
}
