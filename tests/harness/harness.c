/*
 * The test runner: one child process per case, each with a timeout.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <reef/error.h>

#include "core/run.h"
#include "harness/harness.h"

struct th_case {
    const char *name;
    th_plain_fn plain;
    th_reactor_fn reactor;
};

static struct th_case cases[512];
static int case_count;
static const char *backend;

const char *th_backend(void) { return backend; }

static unsigned shards = 1;
void th_set_shards(unsigned n) { shards = n; }

static uint64_t memory;
void th_set_memory(uint64_t bytes) { memory = bytes; }

/* Cases may run long loops on purpose: stall reports only where asked. */
static reef_duration blocked_notify = 10000000000;
void th_set_blocked_notify(reef_duration d) { blocked_notify = d; }

static void add(const char *name, th_plain_fn plain, th_reactor_fn reactor)
{
    if (case_count == (int)(sizeof(cases) / sizeof(cases[0]))) {
        fputs("harness: too many cases\n", stderr);
        abort();
    }
    cases[case_count++] = (struct th_case){name, plain, reactor};
}

void th_register_plain(const char *name, th_plain_fn fn) { add(name, fn, NULL); }
void th_register_reactor(const char *name, th_reactor_fn fn) { add(name, NULL, fn); }

void th_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: assertion failed: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    _exit(1);
}

static reef_future start_reactor_case(void *arg)
{
    th_reactor_fn fn = (th_reactor_fn)arg;
    return fn();
}

/* Runs one case in this process; returns its exit status. */
static int run_here(const struct th_case *c)
{
    if (c->plain) {
        c->plain();
        return 0;
    }
    struct reef__reactor_config cfg = {
        .task_quota = 500000,
        .idle_poll = REEF__DEFAULT_IDLE_POLL_NS,
        .poll_mode = false,
        .backend = backend,
        .smp = shards,
        .memory = memory,
        .blocked_notify = blocked_notify,
    };
    struct reef__run_result res;
    int rc = reef__run_main(&cfg, start_reactor_case, (void *)c->reactor, &res);
    if (rc < 0) {
        fprintf(stderr, "reactor could not start: %s\n", reef_strerror(rc));
        return 1;
    }
    if (res.status != 0) {
        char buf[4096] = "";
        if (res.status == 1)
            reef_err_format(res.err, buf, sizeof(buf));
        reef_err_release(res.err);
        fprintf(stderr, "test future failed (status %d): %s\n", res.status, buf);
        return 1;
    }
    if (res.leftovers) {
        fprintf(stderr, "reactor shut down with %u timers armed or tasks queued\n",
                res.leftovers);
        return 1;
    }
    return 0;
}

static const struct th_case *find(const char *name)
{
    for (int i = 0; i < case_count; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

static int run_forked(const struct th_case *c, int timeout_s)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        alarm((unsigned)timeout_s);
        signal(SIGALRM, SIG_DFL);
        int st = run_here(c);
        fflush(stdout);
        exit(st);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    fprintf(stderr, "case %s killed by signal %d%s\n", c->name, WTERMSIG(status),
            WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    return 1;
}

int th_main(int argc, char **argv)
{
    const char *only = NULL;
    int timeout_s = 60;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) {
            for (int k = 0; k < case_count; k++)
                printf("%s\n", cases[k].name);
            return 0;
        } else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            timeout_s = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--reactor-backend") == 0 && i + 1 < argc) {
            backend = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--list] [--case NAME] [--timeout S] "
                            "[--reactor-backend io_uring|epoll]\n", argv[0]);
            return 2;
        }
    }
    if (only) {
        const struct th_case *c = find(only);
        if (!c) {
            fprintf(stderr, "no case named %s\n", only);
            return 2;
        }
        return run_here(c);
    }
    int passed = 0, failed = 0;
    for (int i = 0; i < case_count; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int st = run_forked(&cases[i], timeout_s);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        printf("%s %s (%.1f ms)\n", st == 0 ? "PASS" : "FAIL", cases[i].name, ms);
        fflush(stdout);
        if (st == 0)
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
