/*
 * test_golden.c - `mailsift scan` over tests/data/
 *
 * Each tests/data/NAME.eml is scanned by the real command with the shipped
 * rulesets; its NDJSON line must equal NAME.want.ndjson byte for byte and
 * the exit status must be 1 when the verdict is not accept, else 0. The
 * `-luhn-fail` twins carry the same numbers with a wrong check digit and
 * must stay clean.
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
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/mailsift' scan --rules '%s/rulesets' '%s'", DATA,
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

static int is_eml(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 4 && strcmp(d->d_name + n - 4, ".eml") == 0;
}

static void test_golden(void **state)
{
    struct dirent **names;
    int n = scandir(DATA, &names, is_eml, by_name);
    unsigned checked = 0, positive = 0;
    (void)state;
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char want_path[1024];
        size_t wlen;
        int status;
        snprintf(want_path, sizeof want_path, "%s/%.*s.want.ndjson", DATA, (int)(strlen(name) - 4),
                 name);
        char *want = ms_test_read_file(want_path, &wlen);
        if (!want)
            fail_msg("%s: no %s", name, want_path);
        char *got = run_scan(name, &status);
        if (strcmp(got, want) != 0)
            fail_msg("%s:\n got: %s\nwant: %s", name, got, want);
        bool flagged = strstr(want, "\"verdict\":\"accept\"") == NULL;
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
    print_message("%u golden messages, %u flagged\n", checked, positive);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
