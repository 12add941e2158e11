/*
 * Stream sockets on the reactor.
 *
 * Every operation is a backend operation (struct reef__io: RECV, SEND,
 * ACCEPT, CONNECT, …). io_uring performs it in the kernel and batches the
 * submissions of a whole loop iteration into one system call; epoll has
 * the backend try it at once (try_now) and, if the descriptor is not
 * ready, perform it on the next readiness edge. A socket has at most one
 * operation outstanding per direction.
 *
 * Descriptors are closed with reef__fd_close, which lets the backend drop
 * what it remembers about them before the number can be reused.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <reef/net.h>

#include "core/reactor_impl.h"
#include "net/listen_group.h"
#include "net/socket_internal.h"
#include "util/container_of.h"

/* The most one backend operation moves; longer writes take several. */
#define MAX_CHUNK (1u << 30)

/* One direction's outstanding operation. */
struct waiter {
    struct reef__io io;
    reef_promise p;
    bool busy;
    const char *buf; /* writes: the caller's bytes, */
    size_t len, done; /* how many, and how many are sent */
};

struct connect_race;

struct reef_socket {
    int fd;
    struct waiter rd, wr;
    bool closing;
    bool accepted; /* counted among the shard's open accepted connections */
    reef_promise closed;
    reef_sockaddr *connect_to;  /* while connecting */
    struct connect_race *race;  /* while connecting with a deadline */
};

struct reef__listen_socket {
    int fd;
    struct waiter acc;
    reef_sockaddr addr;
    reef_sockaddr *peer_out;
    reef_sockaddr peer; /* filled by the outstanding accept */
    bool closing;
    reef_promise closed;
};

/* Runs w->io: returns its result when the backend could perform it at
 * once, or -EAGAIN after submitting it (w is then busy until io.done). */
static int start(struct waiter *w)
{
    struct reef__reactor *r = reef__r;
    if (r->ops->try_now) {
        int rc = r->ops->try_now(r->be, &w->io);
        if (rc != -EAGAIN)
            return rc;
    }
    w->busy = true;
    r->ops->submit(r->be, &w->io);
    return -EAGAIN;
}

static void cancel(struct waiter *w)
{
    if (w->busy) {
        struct reef__reactor *r = reef__r;
        r->ops->cancel(r->be, &w->io);
    }
}

static reef_future settled(struct waiter *w, int rc)
{
    if (rc == -EAGAIN)
        return reef_promise_init(&w->p);
    return rc < 0 ? reef_fail_code(rc) : reef_ready_u64((uint64_t)rc);
}

static void finish(struct waiter *w, int64_t result)
{
    w->busy = false;
    if (result < 0)
        reef_promise_fail(&w->p, reef_err_code((int)result));
    else
        reef_promise_resolve(&w->p, (reef_val){.u = (uint64_t)result});
}

/* ---- Sockets ---------------------------------------------------------------- */

static reef_socket *socket_new(int fd)
{
    reef_socket *s = calloc(1, sizeof(*s));
    if (s) s->fd = fd;
    return s;
}

static void socket_free(reef_socket *s)
{
    if (s->accepted)
        reef__accepted_count_add(-1);
    reef__fd_close(s->fd);
    free(s->connect_to);
    free(s);
}

static void maybe_finish_close(reef_socket *s)
{
    if (!s->closing || s->rd.busy || s->wr.busy) return;
    reef_promise closed = s->closed;
    socket_free(s);
    reef_promise_resolve(&closed, (reef_val){.u = 0});
}

static void read_done(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_socket *s = container_of(w, reef_socket, rd);
    finish(w, res);
    maybe_finish_close(s);
}

reef_future reef_socket_read(reef_socket *s, void *buf, size_t len)
{
    if (s->rd.busy || s->closing) return reef_fail_code(-EBUSY);
    s->rd.io = (struct reef__io){.done = read_done, .op = REEF__IO_RECV, .fd = s->fd,
                                 .buf = buf, .len = len < MAX_CHUNK ? (uint32_t)len : MAX_CHUNK};
    return settled(&s->rd, start(&s->rd));
}

static void write_done(struct reef__io *io, int res);

/* Sends the rest of the caller's bytes: 1 when all are sent, 0 when an
 * operation is outstanding, < 0 on error. */
static int send_rest(reef_socket *s)
{
    struct waiter *w = &s->wr;
    while (w->done < w->len) {
        size_t left = w->len - w->done;
        w->io = (struct reef__io){.done = write_done, .op = REEF__IO_SEND, .fd = s->fd,
                                  .buf = (void *)(w->buf + w->done),
                                  .len = left < MAX_CHUNK ? (uint32_t)left : MAX_CHUNK};
        int rc = start(w);
        if (rc == -EAGAIN) return 0;
        if (rc < 0) return rc;
        w->done += (size_t)rc;
    }
    return 1;
}

static void write_done(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_socket *s = container_of(w, reef_socket, wr);
    w->busy = false;
    int rc = res;
    if (res >= 0) {
        w->done += (size_t)res;
        rc = s->closing ? -EPIPE : send_rest(s);
        if (rc == 0) return; /* the next part is on its way */
    }
    finish(w, rc < 0 ? rc : (int64_t)w->len);
    maybe_finish_close(s);
}

reef_future reef_socket_write(reef_socket *s, const void *buf, size_t len)
{
    if (s->wr.busy || s->closing) return reef_fail_code(-EBUSY);
    s->wr.buf = buf;
    s->wr.len = len;
    s->wr.done = 0;
    int rc = send_rest(s);
    if (rc < 0) return reef_fail_code(rc);
    if (rc > 0) return reef_ready_u64(len);
    return reef_promise_init(&s->wr.p);
}

int reef_socket_shutdown_output(reef_socket *s)
{
    return shutdown(s->fd, SHUT_WR) < 0 ? -errno : 0;
}

int reef_socket_shutdown_input(reef_socket *s)
{
    return shutdown(s->fd, SHUT_RD) < 0 ? -errno : 0;
}

static reef_sockaddr name_of(int fd, int (*get)(int, struct sockaddr *, socklen_t *))
{
    reef_sockaddr a;
    memset(&a, 0, sizeof(a));
    socklen_t len = sizeof(a.u);
    if (get(fd, &a.u.sa, &len) == 0) a.len = len;
    return a;
}

reef_sockaddr reef_socket_peer(const reef_socket *s)
{
    return name_of(s->fd, getpeername);
}
reef_sockaddr reef_socket_local(const reef_socket *s)
{
    return name_of(s->fd, getsockname);
}

reef_future reef_socket_close(reef_socket *s)
{
    s->closing = true;
    /* Ends an outstanding read (end of stream) or write (broken pipe);
     * cancelling covers what shutting down does not wake. */
    shutdown(s->fd, SHUT_RDWR);
    cancel(&s->rd);
    cancel(&s->wr);
    if (!s->rd.busy && !s->wr.busy) {
        socket_free(s);
        return reef_done();
    }
    return reef_promise_init(&s->closed);
}

/* ---- Connecting ---------------------------------------------------------------- */

static void tune(int fd, int family)
{
    if (family == AF_INET || family == AF_INET6) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
}

struct connect_race {
    reef_promise result;
    reef_socket *attempt; /* until it settles */
    bool decided;
    reef_timer timer;
};

static void connected(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_socket *s = container_of(w, reef_socket, wr);
    w->busy = false;
    if (s->race) {
        s->race->attempt = NULL; /* settled: nothing left to cancel */
        s->race = NULL;
    }
    free(s->connect_to);
    s->connect_to = NULL;
    if (res < 0) {
        reef_promise p = w->p;
        socket_free(s);
        reef_promise_fail(&p, reef_err_code(res));
        return;
    }
    reef_promise_resolve(&w->p, (reef_val){.p = s});
}

/* Starts a connection; *pending receives the socket while the attempt is
 * in progress (NULL when the future is already resolved). */
static reef_future start_connect(const reef_sockaddr *addr, reef_socket **pending)
{
    *pending = NULL;
    int fd = socket(addr->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return reef_fail_code(-errno);
    tune(fd, addr->u.sa.sa_family);
    reef_socket *s = socket_new(fd);
    if (s) s->connect_to = malloc(sizeof(*addr));
    if (!s || !s->connect_to) {
        free(s);
        close(fd);
        return reef_fail_code(-ENOMEM);
    }
    /* The operation reads the address until it completes: keep a copy. */
    *s->connect_to = *addr;
    s->wr.io = (struct reef__io){.done = connected, .op = REEF__IO_CONNECT, .fd = fd,
                                 .aux = &s->connect_to->u.sa, .addrlen = addr->len};
    int rc = start(&s->wr);
    if (rc == -EAGAIN) {
        *pending = s;
        return reef_promise_init(&s->wr.p);
    }
    if (rc < 0) {
        socket_free(s);
        return reef_fail_code(rc);
    }
    free(s->connect_to);
    s->connect_to = NULL;
    return reef_ready_ptr(s);
}

reef_future reef_connect(const reef_sockaddr *addr)
{
    reef_socket *pending;
    return start_connect(addr, &pending);
}

/* ---- Listening -------------------------------------------------------------------- */

/* The public listener (reef_listen, reef_accept, ...) is in listen_group.c;
 * these are the kernel sockets underneath it. */

int reef__listen_socket_open(const reef_sockaddr *addr, const struct reef_listen_options *opts,
                             bool reuse_port, struct reef__listen_socket **out)
{
    int fd = socket(addr->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    if (!(opts && opts->no_reuse_address) && addr->u.sa.sa_family != AF_UNIX)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    int backlog = opts && opts->backlog > 0 ? opts->backlog : 1024;
    if (bind(fd, &addr->u.sa, addr->len) < 0 || listen(fd, backlog) < 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    struct reef__listen_socket *l = calloc(1, sizeof(*l));
    if (!l) {
        close(fd);
        return -ENOMEM;
    }
    l->fd = fd;
    l->addr = name_of(fd, getsockname);
    *out = l;
    return 0;
}

reef_sockaddr reef__listen_socket_address(const struct reef__listen_socket *l)
{
    return l->addr;
}

/* Turns an accept result into the descriptor (>= 0) or an error. */
static int take_accepted(struct reef__listen_socket *l, int rc)
{
    if (rc < 0)
        return l->closing || rc == -EINVAL || rc == -ECANCELED ? -ECONNABORTED : rc;
    l->peer.len = l->acc.io.addrlen;
    if (l->peer_out) *l->peer_out = l->peer;
    return rc;
}

reef_socket *reef__socket_adopt(int fd, int family)
{
    reef_socket *s = socket_new(fd);
    if (!s)
        return NULL;
    tune(fd, family);
    s->accepted = true;
    reef__accepted_count_add(1);
    return s;
}

static void listener_free(struct reef__listen_socket *l)
{
    reef__fd_close(l->fd);
    free(l);
}

static void maybe_finish_listener_close(struct reef__listen_socket *l)
{
    if (!l->closing || l->acc.busy) return;
    reef_promise closed = l->closed;
    listener_free(l);
    reef_promise_resolve(&closed, (reef_val){.u = 0});
}

static void accepted(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    struct reef__listen_socket *l = container_of(w, struct reef__listen_socket, acc);
    if (res >= 0 && l->closing) { /* arrived as we were closing */
        close(res);
        res = -ECONNABORTED;
    }
    int rc = take_accepted(l, res);
    w->busy = false;
    if (rc < 0)
        reef_promise_fail(&w->p, reef_err_code(rc));
    else
        reef_promise_resolve(&w->p, (reef_val){.i = rc});
    maybe_finish_listener_close(l);
}

reef_future reef__listen_socket_accept(struct reef__listen_socket *l, reef_sockaddr *peer)
{
    if (l->acc.busy || l->closing) return reef_fail_code(-EBUSY);
    l->peer_out = peer;
    memset(&l->peer, 0, sizeof(l->peer));
    l->acc.io = (struct reef__io){.done = accepted, .op = REEF__IO_ACCEPT, .fd = l->fd,
                                  .aux = &l->peer.u.sa, .addrlen = sizeof(l->peer.u),
                                  .flags = SOCK_NONBLOCK | SOCK_CLOEXEC};
    int rc = start(&l->acc);
    if (rc == -EAGAIN) return reef_promise_init(&l->acc.p);
    rc = take_accepted(l, rc);
    return rc < 0 ? reef_fail_code(rc) : reef_ready_i64(rc);
}

reef_future reef__listen_socket_close(struct reef__listen_socket *l)
{
    l->closing = true;
    cancel(&l->acc); /* a waiting accept fails with -ECONNABORTED */
    if (!l->acc.busy) {
        listener_free(l);
        return reef_done();
    }
    return reef_promise_init(&l->closed);
}

/* ---- Options ------------------------------------------------------------------- */

int reef_socket_set_nodelay(reef_socket *s, bool on)
{
    int v = on;
    return setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) < 0 ? -errno : 0;
}

int reef_socket_set_keepalive(reef_socket *s, bool on, int idle_s, int interval_s, int count)
{
    int v = on;
    if (setsockopt(s->fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)) < 0)
        return -errno;
    if (!on)
        return 0;
    if ((idle_s > 0 && setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s, sizeof(idle_s)) < 0) ||
        (interval_s > 0 &&
         setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval_s, sizeof(interval_s)) < 0) ||
        (count > 0 && setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count)) < 0))
        return -errno;
    return 0;
}

int reef_socket_set_buffer_sizes(reef_socket *s, int receive, int send)
{
    if (receive > 0 && setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &receive, sizeof(receive)) < 0)
        return -errno;
    if (send > 0 && setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &send, sizeof(send)) < 0)
        return -errno;
    return 0;
}

/* ---- Connecting with a deadline -------------------------------------------------- */

/* A connection that arrives after the deadline is closed unused. */
static reef_future drop_late(void *cap, reef_future r)
{
    (void)cap;
    reef_val v;
    if (reef_future_take(r, &v, NULL) == 0)
        reef_discard(reef_socket_close(v.p));
    return reef_done();
}

static void connect_timed_out(reef_timer *t, void *arg)
{
    (void)t;
    struct connect_race *cr = arg;
    cr->decided = true;
    reef_promise_fail(&cr->result, reef_err_code(REEF_ETIMEOUT));
    /* Abandon the attempt if it is still outstanding; its completion
     * (-ECANCELED) then cleans up. */
    if (cr->attempt)
        cancel(&cr->attempt->wr);
}

static reef_future connect_settled(void *cap, reef_future r)
{
    struct connect_race *cr = *(struct connect_race **)cap;
    if (!cr->decided) {
        reef_timer_cancel(&cr->timer);
        reef_promise_forward(&cr->result, r);
    } else {
        reef_discard(drop_late(NULL, r));
    }
    free(cr);
    return reef_done();
}

reef_future reef_connect_timeout(const reef_sockaddr *addr, reef_duration timeout)
{
    reef_socket *attempt;
    reef_future f = start_connect(addr, &attempt);
    if (!attempt)
        return f; /* settled at once */
    struct connect_race *cr = calloc(1, sizeof(*cr));
    if (!cr) {
        reef_discard(reef_then_wrapped(f, drop_late, NULL, 0));
        return reef_fail_code(-ENOMEM);
    }
    cr->attempt = attempt;
    attempt->race = cr;
    reef_future result = reef_promise_init(&cr->result);
    reef_timer_init(&cr->timer, REEF_CLOCK_STEADY, connect_timed_out, cr);
    reef_timer_arm(&cr->timer, timeout);
    reef_discard(reef_then_wrapped(f, connect_settled, &cr, sizeof(cr)));
    return result;
}

/* ---- UDP --------------------------------------------------------------------------- */

/* What a datagram operation reads or fills until it completes. */
struct dgram {
    struct msghdr msg;
    struct iovec iov;
    reef_sockaddr peer;
};

struct reef_udp_channel {
    int fd;
    struct waiter rx, tx;
    struct dgram rxm, txm;
    reef_sockaddr *from;
    reef_sockaddr addr;
    bool closing;
    reef_promise closed;
};

int reef_udp_open(const reef_sockaddr *addr, reef_udp_channel **out)
{
    int fd = socket(addr->u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (bind(fd, &addr->u.sa, addr->len) < 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    reef_udp_channel *ch = calloc(1, sizeof(*ch));
    if (!ch) {
        close(fd);
        return -ENOMEM;
    }
    ch->fd = fd;
    ch->addr = name_of(fd, getsockname);
    *out = ch;
    return 0;
}

reef_sockaddr reef_udp_address(const reef_udp_channel *ch) { return ch->addr; }

static void maybe_finish_udp_close(reef_udp_channel *ch)
{
    if (!ch->closing || ch->rx.busy || ch->tx.busy)
        return;
    reef__fd_close(ch->fd);
    reef_promise closed = ch->closed;
    free(ch);
    reef_promise_resolve(&closed, (reef_val){.u = 0});
}

/* Points d's message at buf; the address is d->peer. */
static struct msghdr *dgram_prepare(struct dgram *d, void *buf, size_t len, socklen_t namelen)
{
    d->iov = (struct iovec){.iov_base = buf, .iov_len = len};
    d->msg = (struct msghdr){.msg_name = &d->peer.u, .msg_namelen = namelen,
                             .msg_iov = &d->iov, .msg_iovlen = 1};
    return &d->msg;
}

static void received(reef_udp_channel *ch, int rc)
{
    if (rc >= 0 && ch->from) {
        *ch->from = ch->rxm.peer;
        ch->from->len = ch->rxm.msg.msg_namelen;
    }
}

static void udp_rx_done(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_udp_channel *ch = container_of(w, reef_udp_channel, rx);
    received(ch, res);
    finish(w, res);
    maybe_finish_udp_close(ch);
}

reef_future reef_udp_receive(reef_udp_channel *ch, void *buf, size_t len, reef_sockaddr *from)
{
    if (ch->rx.busy || ch->closing)
        return reef_fail_code(-EBUSY);
    memset(&ch->rxm.peer, 0, sizeof(ch->rxm.peer));
    ch->from = from;
    ch->rx.io = (struct reef__io){.done = udp_rx_done, .op = REEF__IO_RECVMSG, .fd = ch->fd,
                                  .aux = dgram_prepare(&ch->rxm, buf, len, sizeof(ch->rxm.peer.u))};
    int rc = start(&ch->rx);
    if (rc != -EAGAIN)
        received(ch, rc);
    return settled(&ch->rx, rc);
}

static void udp_tx_done(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_udp_channel *ch = container_of(w, reef_udp_channel, tx);
    finish(w, res);
    maybe_finish_udp_close(ch);
}

reef_future reef_udp_send_to(reef_udp_channel *ch, const reef_sockaddr *to, const void *buf,
                             size_t len)
{
    if (ch->tx.busy || ch->closing)
        return reef_fail_code(-EBUSY);
    ch->txm.peer = *to; /* the caller's copy may go before the send ends */
    ch->tx.io = (struct reef__io){.done = udp_tx_done, .op = REEF__IO_SENDMSG, .fd = ch->fd,
                                  .aux = dgram_prepare(&ch->txm, (void *)buf, len, to->len)};
    return settled(&ch->tx, start(&ch->tx));
}

reef_future reef_udp_close(reef_udp_channel *ch)
{
    ch->closing = true;
    /* Outstanding operations fail with -ECANCELED. */
    cancel(&ch->rx);
    cancel(&ch->tx);
    if (!ch->rx.busy && !ch->tx.busy) {
        reef__fd_close(ch->fd);
        free(ch);
        return reef_done();
    }
    return reef_promise_init(&ch->closed);
}
