/*
 * helpers.h - shared test helpers
 */
#ifndef MS_TEST_HELPERS_H
#define MS_TEST_HELPERS_H

#include <stddef.h>

/* A streaming decoder seen generically: state is a caller-sized blob. */
typedef struct ms_test_decoder {
    size_t state_size;
    void (*init)(void *state);
    size_t (*feed)(void *state, const char *in, size_t len, char *out);
    size_t (*finish)(void *state, char *out);
    size_t (*out_room)(size_t len); /* room feed() needs for len bytes */
    void (*fini)(void *state);      /* may be NULL */
} ms_test_decoder;

/*
 * Decode in[0..len) whole, at every two-piece split (every split for inputs
 * up to 4 KiB, 64 evenly spaced otherwise) and byte by byte; fail the test
 * (cmocka) naming `name` and the chunking if any output differs from
 * want[0..wantlen). Pass want NULL to only demand the chunkings agree with
 * the whole-input output. Returns nothing; asserts.
 */
void ms_test_chunked(const char *name, const ms_test_decoder *dec, const char *in, size_t len,
                     const char *want, size_t wantlen);

/* Read a whole file into a malloc'd buffer (NUL-terminated); NULL on error. */
char *ms_test_read_file(const char *path, size_t *len);

#endif
