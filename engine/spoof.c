/*
 * spoof.c - which header addresses an authenticated login may use
 *
 * The map has the source form of Postfix's smtpd_sender_login_maps
 * (postconf(5)): one entry a line, a key and the logins that own it,
 *
 *     alice@example.org        alice, alice@example.org
 *     @sales.example.org       bob
 *     # comment lines and blank lines are ignored
 *
 * A key is an address, or "@domain" for every address of a domain (as
 * Postfix looks up user@domain, then @domain). Logins are separated by
 * commas and/or white space. Comparisons ignore case.
 *
 * Besides the map, a login may always use itself when it is an address,
 * and with milter.same_domain any address of its own domain.
 *
 * BUGS: no postmap(1) database formats, only the text source; no
 * "user" key without a domain (Postfix's localpart lookup).
 */
#include "spoof.h"
#include "engine.h"
#include "policy.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)ms_lower((unsigned char)*s);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const ms_login_entry *)a)->key, ((const ms_login_entry *)b)->key);
}

/* Parse one non-comment line into e: MS_OK, MS_ERR_CONFIG for a line
 * without logins, MS_ERR_NOMEM. */
static int parse_line(char *line, ms_login_entry *e)
{
    char *key = line + strspn(line, " \t");
    size_t kl = strcspn(key, " \t");
    char *rest = key + kl;

    if (*rest == '\0')
        return MS_ERR_CONFIG;
    *rest++ = '\0';
    rest += strspn(rest, " \t");
    /* logins: commas and blanks both separate; store ",a,b," for lookups */
    size_t cap = strlen(rest) + 3, n = 0;
    char *logins = ms_malloc(cap);
    if (!logins)
        return MS_ERR_NOMEM;
    logins[n++] = ',';
    for (char *tok = strtok(rest, ", \t"); tok; tok = strtok(NULL, ", \t")) {
        size_t tl = strlen(tok);
        memcpy(logins + n, tok, tl);
        n += tl;
        logins[n++] = ',';
    }
    logins[n] = '\0';
    if (n == 1) {
        free(logins);
        return MS_ERR_CONFIG;
    }
    e->key = ms_strdup(key);
    e->logins = logins;
    if (!e->key) {
        free(logins);
        return MS_ERR_NOMEM;
    }
    lower(e->key);
    lower(e->logins);
    return MS_OK;
}

bool ms_spoof_load_map(ms_policy_conf *p, const char *path, ms_error *err)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    unsigned lineno = 0, cap = 0;

    if (!f) {
        ms_error_set(err, MS_ERR_IO, path, 0, "cannot open the login map: %m");
        return false;
    }
    ms_policy_conf_free(p);
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *s = line + strspn(line, " \t");
        if (*s == '\0' || *s == '#')
            continue;
        if (p->nlogins == cap) {
            unsigned ncap = cap ? 2 * cap : 64;
            ms_login_entry *ne = ms_realloc(p->logins, ncap * sizeof *ne);
            if (!ne)
                goto nomem;
            p->logins = ne;
            cap = ncap;
        }
        int rc = parse_line(s, &p->logins[p->nlogins]);
        if (rc == MS_ERR_NOMEM)
            goto nomem;
        if (rc != MS_OK) {
            ms_error_set(err, MS_ERR_CONFIG, path, lineno,
                         "expected \"address login[, login...]\"");
            fclose(f);
            ms_policy_conf_free(p);
            return false;
        }
        p->nlogins++;
    }
    fclose(f);
    qsort(p->logins, p->nlogins, sizeof *p->logins, cmp_entry);
    return true;
nomem:
    fclose(f);
    ms_policy_conf_free(p);
    ms_error_set(err, MS_ERR_NOMEM, path, lineno, "out of memory reading the login map");
    return false;
}

static const ms_login_entry *lookup(const ms_policy_conf *p, const char *key)
{
    ms_login_entry k = {.key = (char *)key};
    return p->nlogins ? bsearch(&k, p->logins, p->nlogins, sizeof *p->logins, cmp_entry) : NULL;
}

static bool lists_login(const ms_login_entry *e, const char *login)
{
    size_t n = strlen(login);
    for (const char *s = e->logins; (s = strstr(s, login)); s++)
        if (s[-1] == ',' && s[n] == ',')
            return true;
    return false;
}

bool ms_spoof_allowed(const ms_policy_conf *p, const char *login_in, const char *address)
{
    char login[256], addr[512];
    const ms_login_entry *e;

    snprintf(login, sizeof login, "%s", login_in);
    snprintf(addr, sizeof addr, "%s", address);
    lower(login);
    lower(addr);
    if (!login[0] || strchr(login, ','))
        return false;
    if (strcmp(login, addr) == 0)
        return true;
    const char *at = strrchr(addr, '@');
    if ((e = lookup(p, addr)) && lists_login(e, login))
        return true;
    if (at && (e = lookup(p, at)) && lists_login(e, login))
        return true;
    const char *lat = strrchr(login, '@');
    return p->same_domain && at && lat && strcmp(at, lat) == 0;
}
