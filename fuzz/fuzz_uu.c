/*
 * fuzz_uu.c - libFuzzer harness for engine/uu.c
 *
 * The first byte picks the chunk size (0: the whole input at once); the rest
 * is the text. The cap is small (1 KiB) so it is hit often. Checks: every
 * file lies inside the decoded bytes, the decoded bytes stay within the cap,
 * no more than MS_UU_BLOCKS files, names are NUL-terminated, and the chunked
 * run finds the same files with the same bytes as the whole input.
 */
#include "uu.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CAP 1024

static void run(ms_uu *u, const char *in, size_t len, size_t step)
{
    ms_uu_reset(u);
    for (size_t i = 0; i < len; i += step)
        ms_uu_feed(u, in + i, len - i < step ? len - i : step);
    ms_uu_finish(u);
    if (u->nblocks > MS_UU_BLOCKS || u->buf.len > CAP)
        abort();
    for (unsigned i = 0; i < u->nblocks; i++) {
        const ms_uu_block *b = &u->blocks[i];
        if (b->off + b->len > u->buf.len || b->len == 0 || !memchr(b->name, 0, sizeof b->name))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ms_uu whole, chunked;
    static int ready;

    if (size < 1)
        return 0;
    if (!ready) {
        ms_uu_init(&whole, CAP);
        ms_uu_init(&chunked, CAP);
        ready = 1;
    }
    size_t step = data[0] ? data[0] : size;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;

    run(&whole, in, len, len ? len : 1);
    run(&chunked, in, len, step);
    if (whole.nblocks != chunked.nblocks || whole.buf.len != chunked.buf.len ||
        (whole.buf.len && memcmp(whole.buf.p, chunked.buf.p, whole.buf.len) != 0))
        abort();
    for (unsigned i = 0; i < whole.nblocks; i++) {
        const ms_uu_block *a = &whole.blocks[i], *b = &chunked.blocks[i];
        if (a->off != b->off || a->len != b->len || a->truncated != b->truncated ||
            a->unended != b->unended || strcmp(a->name, b->name) != 0)
            abort();
    }
    return 0;
}
