/*
 * milter.c - `mailsift milter`: the daemon Postfix and Sendmail talk to
 *
 *   mailsift milter [--config FILE] [--rules DIR] [--foreground]
 *
 * The daemon around the filter (milter_filter.c, the callbacks): it builds
 * the engine, listens, drops privileges, writes the pid file and handles
 * signals. SIGHUP builds a new engine and swaps it in; messages in flight
 * finish on the old one. A bad config or rule is logged with file:line and
 * the old engine stays. Compiled rules are cached (cache_dir() says where),
 * so a start or reload with rules compiled before skips the compile.
 *
 * SIGTERM (or SIGINT): a new message gets 421 4.3.2, messages in flight
 * finish (up to a minute) and the daemon exits; with none in flight, at
 * once. smfi_stop() is not called: libmilter's worker pool stops serving
 * its connections when it is (a message in flight would hang), and its
 * listener looks at the stop flag only every five seconds. The exit
 * closes the sockets.
 *
 * Signals: libmilter's own signal thread would stop the daemon on SIGHUP.
 * The main thread therefore waits for SIGHUP/SIGTERM/SIGINT (sigtimedwait,
 * waking each second to return memory)
 * while smfi_main() runs in another thread: Linux hands a signal sent to
 * the process to its main thread first when that thread is waiting for it.
 *
 * Postfix's milter_default_action = tempfail covers a milter that is not
 * there at all.
 */
#include "milter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_SECONDS 60 /* SIGTERM: wait this long for messages in flight */

static const char *config_path, *rules_dir;

static void log_error(void *ctx, const ms_error *err)
{
    char buf[600];
    (void)ctx;
    ms_milter_log(LOG_ERR, "%s", ms_error_format(err, buf, sizeof buf));
}

/*
 * cache_dir - where compiled rule databases are kept between starts, so a
 * start or a reload with rules compiled before takes milliseconds instead
 * of a compile: $MAILSIFT_CACHE_DIR (empty: no cache), else systemd's
 * $CACHE_DIRECTORY (CacheDirectory=), else /var/cache/mailsift when started
 * as root, else $XDG_CACHE_HOME/mailsift or ~/.cache/mailsift as for
 * `mailsift scan`. A database read from it is trusted, so the directory is
 * used only if it is owned by root or by this user and writable by no one
 * else; one missing is created (mode 0755: after privileges are dropped a
 * reload still reads what root wrote, but cannot write). NULL: no cache.
 */
static const char *cache_dir(char *buf, size_t size)
{
    const char *env = getenv("MAILSIFT_CACHE_DIR");
    struct stat st;

    if (env)
        snprintf(buf, size, "%s", env);
    else if ((env = getenv("CACHE_DIRECTORY")) && env[0] == '/')
        snprintf(buf, size, "%.*s", (int)strcspn(env, ":"), env); /* the first of a list */
    else if (geteuid() == 0)
        snprintf(buf, size, "/var/cache/mailsift");
    else if ((env = getenv("XDG_CACHE_HOME")) && env[0] == '/')
        snprintf(buf, size, "%s/mailsift", env);
    else if ((env = getenv("HOME")) && env[0] == '/')
        snprintf(buf, size, "%s/.cache/mailsift", env);
    else
        return NULL;
    if (!buf[0])
        return NULL;
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
        ms_milter_log(LOG_WARNING, "cache directory %s: %m; compiling the rules", buf);
        return NULL;
    }
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
        (st.st_mode & 022)) {
        ms_milter_log(LOG_WARNING,
                      "cache directory %s: not a directory only root or this user may write; "
                      "compiling the rules",
                      buf);
        return NULL;
    }
    return buf;
}

static int build_engine(ms_engine **out)
{
    char dir[4096];
    ms_engine_opts opts = {.rules_dir = rules_dir,
                           .config_path = config_path,
                           .on_error = log_error,
                           .cache_dir = cache_dir(dir, sizeof dir)};
    ms_engine_info info;
    ms_error err = {0};

    int rc = ms_engine_create(&opts, out, &err);
    if (rc == MS_OK) {
        ms_engine_get_info(*out, &info);
        ms_milter_log(LOG_INFO, "%u rules %s in %.0f ms; %u YARA rules %s", info.rules,
                      info.from_cache ? "loaded from the cache" : "compiled", info.compile_ms,
                      info.yara_rules, info.yara_from_cache ? "loaded from the cache" : "compiled");
    }
    return rc;
}

static void reload(void)
{
    ms_engine *eng;
    ms_milter_conf mc;

    ms_milter_log(LOG_INFO, "reloading %s and the rules in %s", config_path ? config_path : "",
                  rules_dir);
    if (build_engine(&eng) != MS_OK) {
        ms_milter_log(LOG_WARNING, "reload failed; still running the previous rules and config");
        return;
    }
    ms_engine_destroy(ms_milter_engine_swap(eng)); /* freed when its last scan is */
    ms_policy_milter_conf(eng, &mc);
    int e = ms_audit_open(mc.audit_log);
    if (e < 0)
        ms_milter_log(LOG_WARNING, "cannot open audit log %s: %s", mc.audit_log, strerror(-e));
    ms_milter_log(LOG_INFO, "reloaded");
}

static int drop_privileges(const ms_milter_conf *mc)
{
    struct passwd *pw;

    if (!mc->user[0] || getuid() != 0)
        return 0;
    if (!(pw = getpwnam(mc->user))) {
        ms_milter_log(LOG_ERR, "milter.user: no user \"%s\"", mc->user);
        return -1;
    }
    if (strncmp(mc->listen, "unix:", 5) == 0 || strncmp(mc->listen, "local:", 6) == 0) {
        const char *path = strchr(mc->listen, ':') + 1;
        /* the MTA connects as its own user: owner and group may */
        if (chown(path, pw->pw_uid, pw->pw_gid) != 0 || chmod(path, 0660) != 0)
            ms_milter_log(LOG_WARNING, "cannot hand socket %s to %s: %m", path, mc->user);
    }
    /* so that a reload (after log rotation) can reopen it */
    if (mc->audit_log[0] && chown(mc->audit_log, pw->pw_uid, pw->pw_gid) != 0)
        ms_milter_log(LOG_WARNING, "cannot hand audit log %s to %s: %m", mc->audit_log, mc->user);
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        ms_milter_log(LOG_ERR, "cannot drop privileges to %s: %m", mc->user);
        return -1;
    }
    return 0;
}

static int write_pidfile(const char *path)
{
    char tmp[600], buf[32];
    int fd, n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

    if (!path[0])
        return 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, buf, (size_t)n) != n || close(fd) != 0 || rename(tmp, path) != 0) {
        ms_milter_log(LOG_ERR, "cannot write pid file %s: %m", path);
        return -1;
    }
    return 0;
}

static void *run_milter(void *arg)
{
    (void)arg;
    if (smfi_main() != MI_SUCCESS)
        ms_milter_log(LOG_ERR, "the milter library stopped with an error");
    kill(getpid(), SIGTERM); /* wake the main thread if it was not a signal */
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: mailsift milter [--config FILE] [--rules DIR] [--foreground]\n");
    return 2;
}

/*
 * listen_nodelay - set TCP_NODELAY on libmilter's listening socket; every
 * connection accepted from it inherits the option (Linux copies a
 * listener's TCP options into the sockets accept() returns). At end of
 * message the milter writes several replies in a row (add header,
 * quarantine, replace body, accept) and Postfix reads them all before it
 * acknowledges any: with Nagle, the second reply waited in our send buffer
 * for the ACK of the first, which Postfix's kernel delays by 40 ms. Every
 * tagged, quarantined or disclaimed message took 45 ms more than the rest.
 *
 * libmilter creates the socket and has no call that returns it, nor one
 * that takes a socket made here (smfi_setconn takes an address only). It
 * is therefore found among this process's descriptors, between
 * smfi_opensocket() and smfi_main(): the listening TCP sockets
 * (SO_ACCEPTCONN, SO_PROTOCOL), of which libmilter's is the only one. Less
 * fragile than wrapping accept() or reading libmilter's private context,
 * and done once. A unix: socket has no Nagle and needs nothing.
 */
static void listen_nodelay(const char *listen)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    while (d && (e = readdir(d))) {
        int fd = atoi(e->d_name), on = 1, v = 0;
        socklen_t len = sizeof v;
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d))
            continue;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) != 0 || !v)
            continue;
        len = sizeof v;
        if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) != 0 || v != IPPROTO_TCP)
            continue;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0)
            n++;
    }
    if (d)
        closedir(d);
    if (n == 0 && strncmp(listen, "inet", 4) == 0)
        ms_milter_log(LOG_WARNING,
                      "cannot set TCP_NODELAY on %s: changed messages wait 40 ms for the MTA",
                      listen);
}

/* Set up listening, privileges, the pid file and the rate limiter (*rl);
 * 0 or an exit status. */
static int start(const ms_engine *eng, const ms_milter_conf *mc, bool foreground, ms_ratelimit **rl)
{
    if (smfi_register(ms_milter_filter) != MI_SUCCESS ||
        smfi_setconn((char *)mc->listen) != MI_SUCCESS ||
        smfi_settimeout((int)mc->timeout) != MI_SUCCESS || smfi_opensocket(true) != MI_SUCCESS) {
        ms_milter_log(LOG_ERR, "cannot listen on %s", mc->listen);
        return 1;
    }
    listen_nodelay(mc->listen);
    if (!foreground && daemon(0, 0) != 0) {
        ms_milter_log(LOG_ERR, "cannot become a daemon: %m");
        return 1;
    }
    int e = ms_audit_open(mc->audit_log);
    if (e < 0) {
        ms_milter_log(LOG_ERR, "cannot open audit log %s: %s", mc->audit_log, strerror(-e));
        return 1;
    }
    if (write_pidfile(mc->pidfile) != 0 || drop_privileges(mc) != 0)
        return 1;
    ms_error err = {0};
    if (ms_ratelimit_create(eng, rl, &err) != MS_OK) {
        ms_milter_log(LOG_ERR, "rate-limit state: %s", err.msg);
        return 1;
    }
    return 0;
}

/*
 * return_memory - called every second: once the sessions open have fallen
 * to half their peak, give the heap memory their scans left free back to
 * the system. glibc keeps freed memory in its arenas (and raises its mmap
 * threshold after large frees, so later buffers come from the heap too):
 * 2,000 sessions closed used to leave 500 MiB resident.
 */
static void return_memory(void)
{
    static unsigned peak;
    unsigned n = ms_milter_sessions();

    if (n > peak)
        peak = n;
    else if (peak >= 8 && n <= peak / 2) {
        malloc_trim(0);
        peak = n;
    }
}

/* Wait for signals until told to stop; then drain and clean up. */
static void serve(const sigset_t *sigs, const ms_milter_conf *mc)
{
    pthread_t tid;
    int sig = 0;

    if (pthread_create(&tid, NULL, run_milter, NULL) != 0) {
        ms_milter_log(LOG_ERR, "cannot start the milter thread");
        return;
    }
    ms_milter_log(LOG_INFO, "mailsift %s listening on %s", MS_VERSION, mc->listen);
    mc = NULL; /* it points into the first engine, which a reload frees */
    for (;;) {
        struct timespec tick = {1, 0};
        if ((sig = sigtimedwait(sigs, NULL, &tick)) < 0) {
            return_memory();
            continue;
        }
        if (sig == SIGHUP) {
            reload();
            continue;
        }
        break;
    }
    ms_milter_log(LOG_INFO, "signal %d: finishing %d message(s) in flight", sig,
                  ms_milter_in_flight());
    ms_milter_stop();
    for (int i = 0; i < DRAIN_SECONDS * 10 && ms_milter_in_flight() > 0; i++)
        usleep(100000);
    if (ms_milter_in_flight() > 0)
        ms_milter_log(LOG_WARNING, "%d message(s) still in flight at exit; the MTA retries them",
                      ms_milter_in_flight());
}

int ms_cli_milter(int argc, char **argv)
{
    bool foreground = false;
    ms_milter_conf mc;
    ms_engine *eng;
    ms_ratelimit *rl = NULL;
    sigset_t sigs;

    rules_dir = MS_DEFAULT_RULES_DIR;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config_path = argv[++i];
        else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            rules_dir = argv[++i];
        else if (strcmp(argv[i], "--foreground") == 0)
            foreground = true;
        else
            return usage();
    }
    ms_milter_log_open(true); /* the config decides once it is read */
    if (build_engine(&eng) != MS_OK) {
        ms_milter_log(LOG_ERR, "cannot start: the configuration or rules have errors");
        return 1;
    }
    ms_milter_engine_swap(eng);
    ms_policy_milter_conf(eng, &mc);
    if (strcmp(mc.log, "syslog") == 0)
        ms_milter_log_open(false);
    /* before any thread exists, so every thread inherits the mask */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    char pidfile[512]; /* mc points into an engine a reload may free */
    snprintf(pidfile, sizeof pidfile, "%s", mc.pidfile);
    int rc = start(eng, &mc, foreground, &rl);
    ms_milter_set_ratelimit(rl);
    if (rc == 0)
        serve(&sigs, &mc);
    ms_ratelimit_destroy(rl);
    ms_milter_pool_drain();
    ms_audit_close();
    if (pidfile[0])
        unlink(pidfile);
    ms_milter_log(LOG_INFO, "stopped");
    /* the engine is left to exit: connection threads may still hold it */
    return rc;
}
