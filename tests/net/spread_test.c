/*
 * Spreading connections across shards (src/net/listen_group.c), on two
 * shards: where each spread mode sends a connection, that every connection
 * is served by the shard it was handed to, that a shard which accepts
 * slowly makes the others wait instead of losing connections, and what
 * closing a listener does to the rest of its group.
 *
 * Every listening shard runs the same server: an accept loop in a fiber
 * and a fiber per connection, which reads one byte, answers with that
 * byte and its own shard number, and then waits for the end of stream.
 * The clients are plain sockets on a thread of their own (not a shard):
 * they learn which shard served them from the answer, and their local
 * port is the peer port the server saw.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/gate.h>
#include <reef/net.h>
#include <reef/reactor.h>
#include <reef/smp.h>

#include "harness/harness.h"

TH_SHARDS(2)

#define SHARDS 2

static reef_val wait_ok(reef_future f, int line)
{
    reef_val v;
    reef_err e;
    if (reef_fiber_wait(f, &v, &e) < 0) {
        char buf[256];
        reef_err_format(e, buf, sizeof(buf));
        reef_err_release(e);
        th_fail(__FILE__, line, "operation failed: %s", buf);
    }
    return v;
}
#define WAIT_OK(f) wait_ok((f), __LINE__)

/* ---- The server, the same on every listening shard ----------------------------- */

/* One per shard, touched only by its shard. */
struct server {
    reef_listener *l;
    reef_future loop; /* the accept loop's fiber, while `looping` */
    bool looping;
    reef_gate conns; /* the connections' fibers */
    unsigned served;
};
static struct server servers[SHARDS];

/* REEF_SPREAD_BY_PORT: each shard checks that the peer port says it. Set
 * on shard 0 before the servers start (the start message orders it). */
static bool check_by_port;

static reef_future serve_conn(void *arg)
{
    reef_socket *s = arg;
    unsigned char b;
    reef_val v;
    if (reef_fiber_wait(reef_socket_read(s, &b, 1), &v, NULL) == 0 && v.u == 1) {
        unsigned char answer[2] = {b, (unsigned char)reef_shard_id()};
        WAIT_OK(reef_socket_write(s, answer, sizeof(answer)));
        while (reef_fiber_wait(reef_socket_read(s, &b, 1), &v, NULL) == 0 && v.u > 0)
            ;
    }
    WAIT_OK(reef_socket_close(s));
    reef_gate_leave(&servers[reef_shard_id()].conns);
    return reef_done();
}

static reef_future accept_loop(void *arg)
{
    (void)arg;
    struct server *sv = &servers[reef_shard_id()];
    for (;;) {
        reef_sockaddr peer;
        reef_val v;
        reef_err e;
        if (!sv->l)
            return reef_done(); /* closed before this fiber first ran */
        int rc = reef_fiber_wait(reef_accept(sv->l, &peer), &v, &e);
        if (rc < 0) {
            reef_err_release(e);
            T_EQ(rc, -ECONNABORTED); /* the listener closed */
            return reef_done();
        }
        reef_socket *s = v.p;
        reef_sockaddr seen = reef_socket_peer(s);
        T_TRUE(reef_sockaddr_equal(&peer, &seen));
        if (check_by_port)
            T_EQ(reef_sockaddr_port(&peer) % SHARDS, reef_shard_id());
        sv->served++;
        T_EQ(reef_gate_enter(&sv->conns), 0);
        reef_discard(reef_async(serve_conn, s));
    }
}

static reef_future start_accepting_here(void *cap)
{
    (void)cap;
    struct server *sv = &servers[reef_shard_id()];
    sv->loop = reef_async(accept_loop, NULL);
    sv->looping = true;
    return reef_done();
}

struct listen_req {
    reef_sockaddr addr;
    struct reef_listen_options opts;
    bool accept;         /* start the accept loop at once */
    reef_sockaddr bound; /* out */
};

/* On the listening shard; the request stays on the caller's fiber stack
 * (passed by pointer) and is written before the reply goes back. */
static reef_future listen_here(void *cap)
{
    struct listen_req *q = cap;
    struct server *sv = &servers[reef_shard_id()];
    int rc = reef_listen(&q->addr, &q->opts, &sv->l);
    if (rc < 0)
        return reef_ready_i64(rc);
    q->bound = reef_listener_address(sv->l);
    reef_gate_init(&sv->conns);
    sv->served = 0;
    if (q->accept)
        reef_discard(start_accepting_here(NULL)); /* ready at once */
    return reef_ready_i64(0);
}

/* Starts a server on `shard`: reef_listen's result. */
static int listen_on(unsigned shard, const reef_sockaddr *addr,
                     const struct reef_listen_options *opts, bool accept, reef_sockaddr *bound)
{
    struct listen_req q = {.addr = *addr, .accept = accept};
    if (opts)
        q.opts = *opts;
    reef_val v = WAIT_OK(reef_submit_to(shard, listen_here, &q, 0));
    if (bound && v.i == 0)
        *bound = q.bound;
    return (int)v.i;
}

static void accept_on(unsigned shard)
{
    WAIT_OK(reef_submit_to(shard, start_accepting_here, NULL, 0));
}

static reef_future stop_fiber(void *arg)
{
    (void)arg;
    struct server *sv = &servers[reef_shard_id()];
    reef_listener *l = sv->l;
    sv->l = NULL; /* the accept loop may not have started yet: it sees this */
    WAIT_OK(reef_listener_close(l));
    if (sv->looping) {
        WAIT_OK(sv->loop); /* its accept failed with -ECONNABORTED */
        sv->looping = false;
    }
    WAIT_OK(reef_gate_close(&sv->conns));
    return reef_ready_u64(sv->served);
}

static reef_future stop_here(void *cap)
{
    (void)cap;
    return reef_async(stop_fiber, NULL);
}

/* Closes `shard`'s listener and waits for its connections to end (their
 * clients must have closed them): how many it served. */
static unsigned stop_on(unsigned shard)
{
    return (unsigned)WAIT_OK(reef_submit_to(shard, stop_here, NULL, 0)).u;
}

/* ---- The clients: plain sockets on a thread that is not a shard ---------------- */

#define MAX_CLIENTS 256
#define CLIENT_POLL_MS 30000 /* a dropped SYN is retried after 1, 3, 7 s ... */

enum { CONNECTING = 1, ANSWERED, CLOSED };

struct clients {
    /* Set before the thread starts. */
    reef_sockaddr to;
    int n;
    bool one_by_one; /* each answered before the next connects */
    int stagger_ms;  /* pause between two connects */
    atomic_bool release;
    /* The thread's until `stage` says ANSWERED. */
    atomic_int stage;
    int fd[MAX_CLIENTS];
    unsigned char shard[MAX_CLIENTS]; /* that answered */
    unsigned port[MAX_CLIENTS];       /* the client's own */
    int err, err_at;                  /* first failure: -errno, -ENODATA for a close */
    pthread_t thread;
};

static int wait_for(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    int rc;
    do
        rc = poll(&p, 1, CLIENT_POLL_MS);
    while (rc < 0 && errno == EINTR);
    return rc == 1 ? 0 : rc == 0 ? -ETIMEDOUT : -errno;
}

static int client_connect(struct clients *c, int i)
{
    int fd = socket(c->to.u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    c->fd[i] = fd;
    if (connect(fd, &c->to.u.sa, c->to.len) < 0 && errno != EINPROGRESS)
        return -errno;
    return 0;
}

/* Waits for the connection, then sends its byte. */
static int client_send(struct clients *c, int i)
{
    int fd = c->fd[i], err = 0, rc = wait_for(fd, POLLOUT);
    socklen_t len = sizeof(err);
    if (rc < 0)
        return rc;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
        return err ? -err : -errno;
    reef_sockaddr me = {.len = sizeof(me.u)};
    if (getsockname(fd, &me.u.sa, &me.len) < 0)
        return -errno;
    c->port[i] = reef_sockaddr_port(&me);
    unsigned char b = (unsigned char)i;
    return write(fd, &b, 1) == 1 ? 0 : -errno;
}

/* Reads the answer: the byte back and the serving shard. */
static int client_hear(struct clients *c, int i)
{
    unsigned char answer[2];
    size_t have = 0;
    while (have < sizeof(answer)) {
        int rc = wait_for(c->fd[i], POLLIN);
        if (rc < 0)
            return rc;
        ssize_t n = read(c->fd[i], answer + have, sizeof(answer) - have);
        if (n == 0)
            return -ENODATA; /* closed by the server: the test's failure */
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        have += n > 0 ? (size_t)n : 0;
    }
    if (answer[0] != (unsigned char)i)
        return -EPROTO;
    c->shard[i] = answer[1];
    return 0;
}

static int clients_run(struct clients *c)
{
    int rc = 0;
    for (int i = 0; i < c->n && rc == 0; i++) {
        c->err_at = i;
        rc = client_connect(c, i);
        if (rc == 0 && c->one_by_one && (rc = client_send(c, i)) == 0)
            rc = client_hear(c, i);
        if (c->stagger_ms)
            usleep((useconds_t)c->stagger_ms * 1000);
    }
    atomic_store(&c->stage, CONNECTING);
    for (int i = 0; i < c->n && rc == 0 && !c->one_by_one; i++)
        rc = client_send(c, c->err_at = i);
    for (int i = 0; i < c->n && rc == 0 && !c->one_by_one; i++)
        rc = client_hear(c, c->err_at = i);
    return rc;
}

static void *clients_main(void *arg)
{
    struct clients *c = arg;
    c->err = clients_run(c);
    atomic_store(&c->stage, ANSWERED);
    while (!atomic_load(&c->release))
        usleep(1000);
    for (int i = 0; i < c->n; i++)
        if (c->fd[i] >= 0)
            close(c->fd[i]);
    atomic_store(&c->stage, CLOSED);
    return NULL;
}

/* Connects n clients to `to` from a new thread. */
static struct clients *clients_start_staggered(const reef_sockaddr *to, int n, bool one_by_one,
                                               int stagger_ms)
{
    T_LE(n, MAX_CLIENTS);
    struct clients *c = calloc(1, sizeof(*c));
    T_TRUE(c != NULL);
    c->to = *to;
    c->n = n;
    c->one_by_one = one_by_one;
    c->stagger_ms = stagger_ms;
    for (int i = 0; i < n; i++)
        c->fd[i] = -1;
    T_EQ(pthread_create(&c->thread, NULL, clients_main, c), 0);
    return c;
}

static struct clients *clients_start(const reef_sockaddr *to, int n, bool one_by_one)
{
    return clients_start_staggered(to, n, one_by_one, 0);
}

static void clients_wait(struct clients *c, int stage)
{
    while (atomic_load(&c->stage) < stage)
        reef_fiber_sleep(reef_ms(1));
}

/* Waits until every client has its answer; fails the case otherwise. */
static void clients_answered(struct clients *c)
{
    clients_wait(c, ANSWERED);
    if (c->err)
        th_fail(__FILE__, __LINE__, "client %d of %d: %s", c->err_at, c->n,
                c->err == -ENODATA ? "closed without an answer" : reef_strerror(c->err));
}

/* How many clients shard `shard` answered. */
static int served_by(const struct clients *c, unsigned shard)
{
    int k = 0;
    for (int i = 0; i < c->n; i++)
        k += c->shard[i] == shard;
    return k;
}

/* Closes the clients' connections and ends their thread. */
static void clients_end(struct clients *c)
{
    atomic_store(&c->release, true);
    clients_wait(c, CLOSED);
    T_EQ(pthread_join(c->thread, NULL), 0); /* it only returns now */
    free(c);
}

static reef_sockaddr loopback_any(void)
{
    reef_sockaddr a;
    T_EQ(reef_sockaddr_parse("127.0.0.1:0", &a), 0);
    return a;
}

/* ---- The modes --------------------------------------------------------------- */

/* Shard 0 alone serves K connections, kept open; then shard 1 joins and N
 * more connect one at a time. */
#define K 5
#define N 15 /* N - K even: both end with (N + K) / 2 */

FIBER_TEST(least_loaded_fills_the_idle_shard_then_alternates)
{
    reef_sockaddr any = loopback_any(), addr;
    T_EQ(listen_on(0, &any, NULL, true, &addr), 0);
    struct clients *first = clients_start(&addr, K, false);
    clients_answered(first);
    T_EQ(served_by(first, 0), K); /* the only shard listening */

    T_EQ(listen_on(1, &addr, NULL, true, NULL), 0);
    struct clients *more = clients_start(&addr, N, true);
    clients_answered(more);
    /* Shard 1 holds none: it takes each until it holds as many as shard
     * 0; from then on each pair of connections puts one on each shard. */
    int open[SHARDS] = {K, 0};
    for (int i = 0; i < N; i++) {
        if (i < K && more->shard[i] != 1)
            th_fail(__FILE__, __LINE__, "connection %d went to shard %d", i, more->shard[i]);
        open[more->shard[i]]++;
        if (i >= K && (i - K) % 2 == 1)
            T_EQ(open[0], open[1]);
    }
    clients_end(first);
    clients_end(more);
    T_EQ(stop_on(1), (N + K) / 2);
    T_EQ(stop_on(0), (N + K + 1) / 2);
}

#define MANY 200

FIBER_TEST(many_concurrent_connections_are_spread_and_all_served)
{
    reef_sockaddr any = loopback_any(), addr;
    T_EQ(listen_on(0, &any, NULL, true, &addr), 0);
    T_EQ(listen_on(1, &addr, NULL, true, NULL), 0);
    struct clients *c = clients_start(&addr, MANY, false);
    clients_answered(c);
    /* All of them are open at once, and each went to the shard that held
     * fewer. A count read a moment early (a connection the serving shard
     * has counted but the acceptor still sees on its way) may send one
     * connection to the other shard: the difference stays within 2. */
    int on0 = served_by(c, 0), on1 = served_by(c, 1);
    T_EQ(on0 + on1, MANY);
    T_LE(abs(on0 - on1), 2);
    clients_end(c);
    T_EQ(stop_on(0), on0);
    T_EQ(stop_on(1), on1);
}

#define BY_PORT_CLIENTS 40

FIBER_TEST(by_port_serves_on_the_shard_the_peer_port_names)
{
    check_by_port = true;
    struct reef_listen_options opts = {.spread = REEF_SPREAD_BY_PORT};
    reef_sockaddr any = loopback_any(), addr;
    T_EQ(listen_on(0, &any, &opts, true, &addr), 0);
    T_EQ(listen_on(1, &addr, &opts, true, NULL), 0);
    struct clients *c = clients_start(&addr, BY_PORT_CLIENTS, false);
    clients_answered(c);
    for (int i = 0; i < c->n; i++)
        T_EQ(c->shard[i], c->port[i] % SHARDS);
    int on0 = served_by(c, 0);
    clients_end(c);
    T_EQ(stop_on(0), on0);
    T_EQ(stop_on(1), BY_PORT_CLIENTS - on0);
}

/* Fixed to shard 1: while it does not listen, the listening shard serves. */
FIBER_TEST(fixed_serves_on_its_shard_while_it_listens)
{
    struct reef_listen_options opts = {.spread = REEF_SPREAD_FIXED, .fixed_shard = 1};
    reef_sockaddr any = loopback_any(), addr;
    T_EQ(listen_on(0, &any, &opts, true, &addr), 0);
    struct clients *before = clients_start(&addr, 6, false);
    clients_answered(before);
    T_EQ(served_by(before, 0), 6);

    T_EQ(listen_on(1, &addr, &opts, true, NULL), 0);
    struct clients *during = clients_start(&addr, 10, false);
    clients_answered(during);
    T_EQ(served_by(during, 1), 10);
    clients_end(during);
    T_EQ(stop_on(1), 10);

    struct clients *after = clients_start(&addr, 6, false);
    clients_answered(after);
    T_EQ(served_by(after, 0), 6);
    clients_end(before);
    clients_end(after);
    T_EQ(stop_on(0), 12);
}

#define REUSE_CLIENTS 40

FIBER_TEST(reuse_port_lets_each_shard_bind_and_the_kernel_choose)
{
    struct reef_listen_options opts = {.spread = REEF_SPREAD_REUSE_PORT};
    reef_sockaddr any = loopback_any(), addr, addr1;
    T_EQ(listen_on(0, &any, &opts, true, &addr), 0);
    T_EQ(listen_on(1, &addr, &opts, true, &addr1), 0);
    T_TRUE(reef_sockaddr_equal(&addr, &addr1));
    struct clients *c = clients_start(&addr, REUSE_CLIENTS, false);
    clients_answered(c);
    int on0 = served_by(c, 0);
    T_EQ(on0 + served_by(c, 1), REUSE_CLIENTS);
    clients_end(c);
    T_EQ(stop_on(0), on0);

    /* Shard 1's socket is its own: it still listens with shard 0's closed. */
    struct clients *rest = clients_start(&addr, 5, false);
    clients_answered(rest);
    T_EQ(served_by(rest, 1), 5);
    clients_end(rest);
    T_EQ(stop_on(1), REUSE_CLIENTS - on0 + 5);
}

/* ---- A shard that accepts slowly --------------------------------------------- */

#define SLOW_BACKLOG 2
#define SLOW_CLIENTS 20

/* The serving shard keeps SLOW_BACKLOG handed-over connections, so the
 * acceptor stops accepting (it parks) and the rest wait in the kernel's
 * queue or for their SYN to be retried; once the server accepts, every
 * one is served and none was closed for want of room.
 *
 * The clients connect 10 ms apart: the kernel drops a SYN that finds its
 * queue full and the client sends it again a second later, so SYNs sent
 * together would come back together and mostly be dropped again, each
 * round twice as long. Apart, each retry finds room. */
static void slow_accept(unsigned server, const struct reef_listen_options *opts)
{
    reef_sockaddr any = loopback_any(), addr;
    T_EQ(listen_on(0, &any, opts, false, &addr), 0);
    if (server != 0)
        T_EQ(listen_on(server, &addr, opts, false, NULL), 0);
    struct clients *c = clients_start_staggered(&addr, SLOW_CLIENTS, false, 10);
    clients_wait(c, CONNECTING);
    reef_fiber_sleep(reef_ms(100)); /* the acceptor fills the backlog and parks */
    T_EQ(atomic_load(&c->stage), CONNECTING); /* nobody answered yet */
    accept_on(server);
    clients_answered(c);
    T_EQ(served_by(c, server), SLOW_CLIENTS);
    clients_end(c);
    if (server != 0)
        T_EQ(stop_on(server), SLOW_CLIENTS);
    T_EQ(stop_on(0), server == 0 ? SLOW_CLIENTS : 0);
}

FIBER_TEST(a_slow_accepting_shard_loses_no_connection)
{
    struct reef_listen_options opts = {.backlog = SLOW_BACKLOG};
    slow_accept(0, &opts);
}

/* The acceptor (shard 0) hands every connection to shard 1, which makes
 * room from its own thread: the restart crosses shards. */
FIBER_TEST(a_slow_shard_served_by_another_acceptor_loses_no_connection)
{
    struct reef_listen_options opts = {
        .spread = REEF_SPREAD_FIXED, .fixed_shard = 1, .backlog = SLOW_BACKLOG};
    slow_accept(1, &opts);
}

/* ---- Closing, and refused listens ---------------------------------------------- */

static reef_future accept_then_close(void *cap)
{
    (void)cap;
    reef_listener *l = servers[reef_shard_id()].l;
    reef_future waiting = reef_accept(l, NULL);
    T_EQ(reef_future_take(reef_accept(l, NULL), NULL, NULL), -EBUSY); /* one at a time */
    reef_future closed = reef_listener_close(l);
    servers[reef_shard_id()].l = NULL;
    reef_err e;
    T_EQ(reef_fiber_wait(waiting, NULL, &e), -ECONNABORTED);
    reef_err_release(e);
    WAIT_OK(closed);
    return reef_done();
}

static reef_future accept_then_close_here(void *cap)
{
    (void)cap;
    return reef_async(accept_then_close, NULL);
}

FIBER_TEST(closing_aborts_the_accept_and_the_last_close_frees_the_address)
{
    reef_sockaddr any = loopback_any(), addr;
    T_EQ(listen_on(0, &any, NULL, false, &addr), 0);
    T_EQ(listen_on(1, &addr, NULL, false, NULL), 0);
    WAIT_OK(reef_submit_to(1, accept_then_close_here, NULL, 0));
    WAIT_OK(reef_submit_to(0, accept_then_close_here, NULL, 0));

    /* Every member closed: the address binds again, in any mode. */
    reef_listener *again;
    struct reef_listen_options opts = {.spread = REEF_SPREAD_REUSE_PORT};
    T_EQ(reef_listen(&addr, &opts, &again), 0);
    WAIT_OK(reef_listener_close(again));
    T_EQ(reef_listen(&addr, NULL, &again), 0);
    WAIT_OK(reef_listener_close(again));
}

FIBER_TEST(refused_listens_are_typed_errors)
{
    reef_sockaddr any = loopback_any(), addr;
    T_EQ(listen_on(0, &any, NULL, true, &addr), 0);
    struct reef_listen_options by_port = {.spread = REEF_SPREAD_BY_PORT};
    T_EQ(listen_on(1, &addr, &by_port, true, NULL), -EINVAL); /* another mode */
    /* A socket of its own cannot share the group's port: the kernel says so. */
    struct reef_listen_options reuse = {.spread = REEF_SPREAD_REUSE_PORT};
    T_EQ(listen_on(1, &addr, &reuse, true, NULL), -EADDRINUSE);
    reef_listener *l;
    T_EQ(reef_listen(&addr, NULL, &l), -EADDRINUSE); /* shard 0 listens already */
    T_EQ(stop_on(0), 0);

    struct reef_listen_options fixed = {.spread = REEF_SPREAD_FIXED, .fixed_shard = SHARDS};
    T_EQ(reef_listen(&any, &fixed, &l), -EINVAL);
    fixed.fixed_shard = -1;
    T_EQ(reef_listen(&any, &fixed, &l), -EINVAL);
    struct reef_listen_options bad = {.spread = (enum reef_spread)99};
    T_EQ(reef_listen(&any, &bad, &l), -EINVAL);

    /* Fixed groups on one address agree on the shard. */
    fixed.fixed_shard = 0;
    reef_sockaddr faddr;
    T_EQ(listen_on(0, &any, &fixed, true, &faddr), 0);
    fixed.fixed_shard = 1;
    T_EQ(listen_on(1, &faddr, &fixed, true, NULL), -EINVAL);
    T_EQ(stop_on(0), 0);
}

TEST_MAIN()
