/*
 * replay_main.c - run a libFuzzer harness without libFuzzer
 *
 * Each fuzz/fuzz_<name>.c is also linked with this main() and run by ctest
 * over the inputs that once crashed it (fuzz/crashers/fuzz_<name>/) and a
 * sample of corpus messages, so fixed bugs stay fixed in every build
 * (gcc, AddressSanitizer) and not only in the clang fuzzing job. A harness
 * signals a failure by crashing or aborting, as under libFuzzer.
 *
 * usage: replay_<name> FILE_OR_DIR...
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        exit(2);
    }
    size_t cap = 1 << 16, n = 0, r;
    uint8_t *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
        exit(2);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 1;
}

static unsigned run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0; /* an optional directory that does not exist */
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    DIR *d = opendir(path);
    struct dirent *de;
    unsigned n = 0;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, de->d_name);
        n += run_path(child);
    }
    if (d)
        closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    unsigned n = 0;
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++)
        n += run_path(argv[i]);
    printf("replayed %u inputs\n", n);
    return 0;
}
