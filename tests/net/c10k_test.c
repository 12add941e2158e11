/*
 * Ten thousand connections at once (src/net/socket.c): a server holds
 * 10,000 connections on loopback, all idle together; then every one is
 * served (a few bytes echoed) and closed.
 *
 * The server is this process: a listener and a continuation loop per
 * connection (read, write back), the cheap form for many mostly idle
 * connections. The clients are a child process with plain blocking
 * sockets: both sides together need more than 20,000 descriptors, more
 * than a hard RLIMIT_NOFILE of 20,000 allows one process (raising the
 * hard limit needs CAP_SYS_RESOURCE), and apart, the server's memory is
 * measured without the clients'.
 *
 * Memory per connection is the growth of the server's heap while the
 * connections are accepted and their loops started — the socket object,
 * the connection's state with its 32-byte buffer, the pending read and
 * its continuation. Kernel socket memory is not counted; neither is
 * resident memory (bench-c10k measures reef-echo's from outside). The
 * bound checked is the networking target, 16 KiB.
 *
 * The child connects in batches smaller than the listen backlog (no SYN
 * waits for a retry) and waits, before the next batch, for one byte the
 * server writes on the batch's last connection once it has accepted the
 * batch. After the last batch's byte, it sends a message on every
 * connection, reads every echo back, closes them all and exits.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/loop.h>
#include <reef/memory.h>
#include <reef/net.h>
#include <reef/reactor.h>

#include "harness/harness.h"

#if defined(REEF_SANITIZE)
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which not
 * every compiler installs). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#define CONNS 10000
/* Connections made before they are accepted: well under the listen
 * backlog, so that none waits for a SYN to be retried. */
#define BATCH 500
#define MAX_BYTES_PER_CONN 16384

/* Bytes handed out by the allocators in use: the C library's (sockets,
 * connection state) plus the shard's (futures' cells and continuations);
 * under a sanitizer, its own count of everything. */
static size_t heap_in_use(void)
{
#if defined(REEF_SANITIZE)
    return __sanitizer_get_current_allocated_bytes();
#else
    size_t bytes = mallinfo2().uordblks;
    struct reef_memory_stats st;
    if (reef_memory_stats(&st) == 0)
        bytes += st.allocated;
    return bytes;
#endif
}

/* At least `want` descriptors for this process, or false. */
static bool raise_nofile(rlim_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return false;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
        struct rlimit more = {want, want};
        if (setrlimit(RLIMIT_NOFILE, &more) == 0)
            return true;
    }
    rl.rlim_cur = rl.rlim_max;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= want;
}

/* Long runs of operations that complete without suspending: let the
 * reactor poll, as any long task should. */
static void pause_if_due(void)
{
    if (reef_need_preempt())
        reef_fiber_yield();
}

static reef_socket *take_socket(reef_future f)
{
    reef_val v;
    reef_err e;
    if (reef_fiber_wait(f, &v, &e) < 0) {
        int code = e.code;
        reef_err_release(e);
        th_fail(__FILE__, __LINE__, "socket operation failed: %s", reef_strerror(code));
    }
    return v.p;
}

/* ---- The server: one continuation loop per connection ----------------------- */

struct server {
    unsigned live;          /* connections whose loop has not closed yet */
    int err;                /* first error a loop ended with */
    reef_promise all_closed; /* resolved when live drops to 0 */
};

struct sconn {
    reef_socket *s;
    struct server *srv;
    char buf[32];
};

static reef_future echoed(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_continue();
}

static reef_future got(void *cap, reef_val v)
{
    struct sconn *c = cap;
    if (v.u == 0)
        return reef_stop(); /* the client closed */
    return reef_then(reef_socket_write(c->s, c->buf, v.u), echoed, c, 0);
}

static reef_future echo_step(void *cap)
{
    struct sconn *c = cap;
    return reef_then(reef_socket_read(c->s, c->buf, sizeof(c->buf)), got, c, 0);
}

static reef_future conn_closed(void *cap, reef_future r)
{
    struct sconn *c = cap;
    struct server *srv = c->srv;
    reef_future_ignore(r);
    free(c);
    if (--srv->live == 0)
        reef_promise_resolve(&srv->all_closed, (reef_val){.u = 0});
    return reef_done();
}

static reef_future loop_ended(void *cap, reef_future r)
{
    struct sconn *c = cap;
    reef_err e;
    if (reef_future_take(r, NULL, &e) < 0) {
        if (!c->srv->err)
            c->srv->err = e.code;
        reef_err_release(e);
    }
    return reef_then_wrapped(reef_socket_close(c->s), conn_closed, c, 0);
}

static void serve(struct server *srv, reef_socket *s)
{
    struct sconn *c = calloc(1, sizeof(*c));
    T_TRUE(c != NULL);
    c->s = s;
    c->srv = srv;
    srv->live++;
    reef_discard(reef_then_wrapped(reef_repeat(echo_step, c, 0), loop_ended, c, 0));
}

/* ---- The clients, in a child process --------------------------------------------
 *
 * After fork() the child touches nothing of the parent's reactor: system
 * calls only, no allocation. Exit status 0, or which step failed. */

/* "conn NNNNN": 10 bytes, without snprintf (not safe after fork in a
 * threaded process). */
#define MSG_LEN 10
static void message(unsigned i, char out[MSG_LEN])
{
    memcpy(out, "conn ", 5);
    for (int d = 9; d >= 5; d--, i /= 10)
        out[d] = (char)('0' + i % 10);
}

static bool read_full(int fd, char *buf, size_t len)
{
    size_t have = 0;
    while (have < len) {
        ssize_t n = read(fd, buf + have, len - have);
        if (n <= 0 && !(n < 0 && errno == EINTR))
            return false;
        have += n > 0 ? (size_t)n : 0;
    }
    return true;
}

static int clients(const reef_sockaddr *server, int *fds)
{
    for (unsigned first = 0; first < CONNS; first += BATCH) {
        for (unsigned i = first; i < first + BATCH; i++) {
            fds[i] = socket(AF_INET, SOCK_STREAM, 0);
            if (fds[i] < 0 || connect(fds[i], &server->u.sa, server->len) < 0)
                return 2;
        }
        char go;
        if (!read_full(fds[first + BATCH - 1], &go, 1))
            return 3;
    }
    char msg[MSG_LEN], back[MSG_LEN];
    for (unsigned i = 0; i < CONNS; i++) {
        message(i, msg);
        if (write(fds[i], msg, MSG_LEN) != MSG_LEN)
            return 4;
    }
    for (unsigned i = 0; i < CONNS; i++) {
        message(i, msg);
        if (!read_full(fds[i], back, MSG_LEN) || memcmp(back, msg, MSG_LEN) != 0)
            return 5;
    }
    for (unsigned i = 0; i < CONNS; i++)
        close(fds[i]);
    return 0;
}

/* Waits for the child without blocking the shard: it exits right after
 * closing its connections, which the server has seen by then. */
static int child_status(pid_t pid)
{
    int status = 0;
    for (int tries = 0; tries < 30000; tries++) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0)
            return -errno;
        reef_fiber_sleep(reef_ms(1));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -ETIMEDOUT;
}

/* One byte on a server socket: the child may connect its next batch. */
static void let_clients_go_on(reef_socket *s)
{
    T_EQ(reef_fiber_wait(reef_socket_write(s, "g", 1), NULL, NULL), 0);
}

FIBER_TEST(ten_thousand_idle_connections_then_all_served)
{
    if (!raise_nofile(CONNS + 256)) {
        printf("c10k: skipped: RLIMIT_NOFILE cannot be raised to %d descriptors\n", CONNS + 256);
        return;
    }
    reef_sockaddr any;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &any), 0);
    reef_listener *l;
    T_EQ(reef_listen(&any, NULL, &l), 0);
    reef_sockaddr bound = reef_listener_address(l);
    int *fds = calloc(CONNS, sizeof(*fds));
    T_TRUE(fds != NULL);
    fflush(stdout);
    pid_t pid = fork();
    T_TRUE(pid >= 0);
    if (pid == 0)
        _exit(clients(&bound, fds));
    free(fds);

    struct server srv = {0};
    reef_future all_closed = reef_promise_init(&srv.all_closed);
    size_t server_heap = 0;
    reef_socket *last = NULL;
    for (unsigned first = 0; first < CONNS; first += BATCH) {
        if (last)
            let_clients_go_on(last);
        size_t h0 = heap_in_use();
        for (unsigned i = first; i < first + BATCH; i++) {
            pause_if_due();
            last = take_socket(reef_accept(l, NULL));
            serve(&srv, last);
        }
        server_heap += heap_in_use() - h0;
    }
    size_t per_conn = server_heap / CONNS;
    printf("c10k: %d idle connections on %s: %zu bytes each on the server's heap (socket, "
           "state, pending read)\n",
           CONNS, reef_backend_name(), per_conn);
    fflush(stdout);
    T_UEQ(srv.live, CONNS);
    T_LE(per_conn, MAX_BYTES_PER_CONN);

    /* The clients send, read their echoes and close first; each server
     * loop then reads end of stream and closes its side. */
    let_clients_go_on(last);
    T_EQ(reef_fiber_wait(all_closed, NULL, NULL), 0);
    T_EQ(srv.err, 0);
    T_EQ(child_status(pid), 0);
    T_EQ(reef_fiber_wait(reef_listener_close(l), NULL, NULL), 0);
}

TEST_MAIN()
