/*
 * allocs.c - count the allocations the process makes
 *
 * The bench executable defines malloc, calloc, realloc, free and the
 * aligned allocators itself; the dynamic linker binds every call in the
 * process to these (the engine, iconv, Hyperscan, glibc's own internal
 * calls), and they count and forward to glibc's allocator (__libc_malloc
 * and friends). The engine promises no allocation per message in steady
 * state (docs/ARCHITECTURE.md); the end-to-end stage checks it with these counts.
 *
 * In a sanitizer build (MS_BENCH_NO_ALLOC_COUNT) the sanitizer owns malloc
 * and nothing is counted: bench_allocs_counted() says so.
 *
 * BUGS: single-threaded counters (the harness runs one thread); valloc and
 * pvalloc are not interposed (nothing here uses them).
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>

#ifdef MS_BENCH_NO_ALLOC_COUNT

uint64_t bench_allocs(void)
{
    return 0;
}

bool bench_allocs_counted(void)
{
    return false;
}

#else

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

static uint64_t n_allocs;

uint64_t bench_allocs(void)
{
    return n_allocs;
}

bool bench_allocs_counted(void)
{
    return true;
}

void *malloc(size_t n)
{
    n_allocs++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    n_allocs++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    n_allocs++;
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}

void *memalign(size_t align, size_t n)
{
    n_allocs++;
    return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    n_allocs++;
    return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    n_allocs++;
    void *p = __libc_memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

#endif
