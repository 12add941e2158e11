/*
 * bench-c10k: what an idle connection costs a running echo server.
 *
 *   bench-c10k --pid SERVER_PID [--port 10007] [--conns 10000] [--address 127.0.0.1]
 *
 * Reads the server's resident memory (VmRSS), opens --conns connections
 * to it and makes one 8-byte round trip on each (so that the server has
 * accepted every one and set up whatever it keeps per connection: socket
 * object, state, buffers, a fiber's stack), lets them sit idle, reads the
 * resident memory again, then closes them all.
 *
 * Prints one line: bytes_per_conn=... rss_before=... rss_after=...
 * conns=... The figure counts user-space memory only: the kernel's socket
 * buffers and structures are not in the server's RSS.
 *
 * Needs about --conns + 100 descriptors: it raises its soft limit to the
 * hard one and fails with a message if that is not enough.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <reef/reef.h>

#include "netbench.h"

#define MSG 8

static reef_sockaddr server;
static unsigned nconns;
static pid_t pid;
static reef_socket **socks;

static int raise_nofile(rlim_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    return rl.rlim_cur >= want ? 0 : -EMFILE;
}

/* Many operations in a row complete without suspending the fiber: let
 * the reactor poll now and then, as a long task should. */
static void pause_if_due(void)
{
    if (reef_need_preempt())
        reef_fiber_yield();
}

static int check(int rc, reef_err e, const char *what, unsigned i)
{
    if (rc < 0) {
        fprintf(stderr, "bench-c10k: %s on connection %u: %s\n", what, i, reef_strerror(rc));
        reef_err_release(e);
    }
    return rc;
}

/* One round trip on each connection: all writes first, then the replies,
 * so that the server sees 10,000 ready connections at once, as after a
 * burst of traffic. */
static int round_trips(void)
{
    static const char msg[MSG] = "c10k-rt";
    reef_err e;
    for (unsigned i = 0; i < nconns; i++) {
        pause_if_due();
        if (check(reef_fiber_wait(reef_socket_write(socks[i], msg, MSG), NULL, &e), e, "write",
                  i) < 0)
            return -1;
    }
    for (unsigned i = 0; i < nconns; i++) {
        pause_if_due();
        char back[MSG];
        size_t got = 0;
        while (got < MSG) {
            reef_val v;
            if (check(reef_fiber_wait(reef_socket_read(socks[i], back + got, MSG - got), &v, &e),
                      e, "read", i) < 0)
                return -1;
            if (v.u == 0) {
                fprintf(stderr, "bench-c10k: connection %u closed by the server\n", i);
                return -1;
            }
            got += v.u;
        }
        if (memcmp(back, msg, MSG) != 0) {
            fprintf(stderr, "bench-c10k: connection %u echoed something else\n", i);
            return -1;
        }
    }
    return 0;
}

static reef_future c10k_fiber(void *arg)
{
    (void)arg;
    int64_t before = proc_rss_bytes(pid);
    if (before < 0)
        return reef_fail_msg(-ESRCH, "cannot read the resident memory of process %d", (int)pid);
    unsigned opened = 0;
    int rc = 0;
    for (; opened < nconns; opened++) {
        pause_if_due();
        reef_val v;
        reef_err e;
        rc = check(reef_fiber_wait(reef_connect(&server), &v, &e), e, "connect", opened);
        if (rc < 0)
            break;
        socks[opened] = v.p;
    }
    if (rc == 0 && round_trips() < 0)
        rc = -EPROTO;
    if (rc == 0) {
        /* Let the server's connections settle into their idle wait. */
        reef_fiber_sleep(reef_ms(300));
        int64_t after = proc_rss_bytes(pid);
        printf("bytes_per_conn=%.0f rss_before=%lld rss_after=%lld conns=%u\n",
               (double)(after - before) / nconns, (long long)before, (long long)after, nconns);
        fflush(stdout);
    }
    for (unsigned i = 0; i < opened; i++) {
        pause_if_due();
        reef_fiber_wait(reef_socket_close(socks[i]), NULL, NULL);
    }
    return rc < 0 ? reef_fail_code(rc) : reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    int64_t n = reef_app_int(app, "conns"), p = reef_app_int(app, "pid");
    if (netbench_server(app, &server) < 0 || n < 1 || n > 1000000 || p < 1)
        return reef_fail_msg(-EINVAL, "need --pid, an IPv4 --address, --port 1..65535 and "
                                      "--conns 1..1000000");
    int rc = raise_nofile((rlim_t)n + 100);
    if (rc < 0)
        return reef_fail_msg(rc, "%lld connections need more descriptors than RLIMIT_NOFILE allows",
                             (long long)n);
    nconns = (unsigned)n;
    pid = (pid_t)p;
    socks = calloc(nconns, sizeof(*socks));
    if (!socks)
        return reef_fail_code(-ENOMEM);
    return reef_async(c10k_fiber, NULL);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("bench-c10k", "Memory an idle connection costs a server.");
    if (!app)
        return 1;
    netbench_add_options(app, 10000, "connections to hold open");
    reef_app_add_int(app, "pid", 'P', 0, "the server's process id");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    free(socks);
    return status;
}
