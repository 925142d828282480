/*
 * fuzz_b64run.c - libFuzzer harness for engine/b64run.c
 *
 * The first byte picks the chunk size (0: the whole input at once); the rest
 * is the text. The cap is small (1 KiB) so it is hit often. Checks: every
 * run lies inside the decoded bytes and is not empty, the decoded bytes stay
 * within the cap, no more than MS_B64RUN_BLOCKS runs, and the chunked run
 * finds the same runs with the same bytes as the whole input.
 */
#include "b64run.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CAP 1024

static void run(ms_b64run *r, const char *in, size_t len, size_t step)
{
    ms_b64run_reset(r);
    for (size_t i = 0; i < len; i += step)
        ms_b64run_feed(r, in + i, len - i < step ? len - i : step);
    ms_b64run_finish(r);
    if (r->nblocks > MS_B64RUN_BLOCKS || r->buf.len > CAP)
        abort();
    for (unsigned i = 0; i < r->nblocks; i++) {
        const ms_b64run_block *b = &r->blocks[i];
        if (b->off + b->len > r->buf.len || b->len == 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ms_b64run whole, chunked;
    static int ready;

    if (size < 1)
        return 0;
    if (!ready) {
        ms_b64run_init(&whole, CAP);
        ms_b64run_init(&chunked, CAP);
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
        const ms_b64run_block *a = &whole.blocks[i], *b = &chunked.blocks[i];
        if (a->off != b->off || a->len != b->len || a->truncated != b->truncated)
            abort();
    }
    return 0;
}
