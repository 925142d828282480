/*
 * test_golden.c - `mailsift scan` over tests/data/
 *
 * Each tests/data/NAME.eml (and each mbox file NAME.mbox and Maildir tree
 * NAME.maildir) is scanned by the real command with the shipped rulesets;
 * its NDJSON output must equal NAME.want.ndjson byte for byte and the exit
 * status must be 1 when some verdict is not accept, else 0. The
 * `-luhn-fail` twins carry the same numbers with a wrong check digit and
 * must stay clean. Where NAME.want.txt exists, `--format text` (the words a
 * compliance officer reads) must equal it too. An unreadable path is
 * reported and the scan goes on.
 */
#include "helpers.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#define DATA MS_SOURCE_DIR "/tests/data"

static char *run_scan(const char *name, int *status)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/mailsift' scan --rules '%s/rulesets' %s", DATA,
             MS_BINARY_DIR, MS_SOURCE_DIR, name);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 65536, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

static int is_input(const struct dirent *d)
{
    return ends_with(d->d_name, ".eml") || ends_with(d->d_name, ".mbox") ||
           ends_with(d->d_name, ".maildir");
}

static void test_golden(void **state)
{
    struct dirent **names;
    int n = scandir(DATA, &names, is_input, by_name);
    unsigned checked = 0, positive = 0, texts = 0;
    (void)state;
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char want_path[1024];
        size_t wlen;
        int status;
        size_t stem = strlen(name) - (ends_with(name, ".eml") ? 4 : 0);
        snprintf(want_path, sizeof want_path, "%s/%.*s.want.ndjson", DATA, (int)stem, name);
        char *want = ms_test_read_file(want_path, &wlen);
        if (!want)
            fail_msg("%s: no %s", name, want_path);
        char *got = run_scan(name, &status);
        if (strcmp(got, want) != 0)
            fail_msg("%s:\n got: %s\nwant: %s", name, got, want);
        snprintf(want_path, sizeof want_path, "%s/%.*s.want.txt", DATA, (int)stem, name);
        char *want_txt = ms_test_read_file(want_path, &wlen);
        if (want_txt) {
            char args[600];
            snprintf(args, sizeof args, "--format text %s", name);
            char *txt = run_scan(args, &status);
            if (strcmp(txt, want_txt) != 0)
                fail_msg("%s (text):\n got: %s\nwant: %s", name, txt, want_txt);
            free(txt);
            free(want_txt);
            texts++;
        }
        bool flagged = false; /* some message's verdict is not accept */
        for (const char *v = want; (v = strstr(v, "\"verdict\":\"")); v += 11)
            flagged |= strncmp(v + 11, "accept\"", 7) != 0;
        assert_int_equal(status, flagged ? 1 : 0);
        if (strstr(name, "-luhn-fail"))
            assert_false(flagged);
        positive += flagged;
        checked++;
        free(got);
        free(want);
        free(names[i]);
    }
    free(names);
    print_message("%u golden messages, %u flagged, %u also as text\n", checked, positive, texts);
}

/* A path that cannot be read: reported on stderr and as an error line,
 * the other paths still scanned, exit status 2. */
static void test_unreadable_path(void **state)
{
    int status;
    (void)state;
    char *got = run_scan("no-such-file.eml plain.eml 2>/dev/null", &status);
    assert_int_equal(status, 2);
    assert_non_null(strstr(got, "{\"source\":\"no-such-file.eml\",\"error\":"));
    assert_non_null(strstr(got, "{\"source\":\"plain.eml\",\"verdict\":\"reject\""));
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_unreadable_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
