/*
 * Stream sockets on the reactor.
 *
 * Every operation first tries the system call without blocking; only when
 * the kernel says "would block" does it wait for readiness through the
 * shard's backend (a one-shot poll) and try again. A socket has one such
 * waiter per direction.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <reef/net.h>

#include "core/reactor_impl.h"

#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

/* One direction's outstanding operation. */
struct waiter {
    struct reef__io io;
    reef_promise p;
    bool busy;
    char *buf;
    size_t len, done;
};

struct reef_socket {
    int fd;
    struct waiter rd, wr;
    bool closing;
    reef_promise closed;
};

struct reef_listener {
    int fd;
    struct waiter acc;
    reef_sockaddr addr;
    reef_sockaddr *peer_out;
    bool closing;
    reef_promise closed;
};

static void arm(struct waiter *w, int fd, uint32_t events, reef__io_done_fn done)
{
    w->io = (struct reef__io){.done = done, .op = REEF__IO_POLL, .fd = fd, .events = events};
    struct reef__reactor *r = reef__r;
    r->ops->submit(r->be, &w->io);
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

static void maybe_finish_close(reef_socket *s)
{
    if (!s->closing || s->rd.busy || s->wr.busy) return;
    close(s->fd);
    reef_promise closed = s->closed;
    free(s);
    reef_promise_resolve(&closed, (reef_val){.u = 0});
}

static void read_ready(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_socket *s = container_of(w, reef_socket, rd);
    if (res < 0) {
        finish(w, res);
    } else {
        ssize_t n = recv(s->fd, w->buf, w->len, MSG_DONTWAIT);
        if (n >= 0)
            finish(w, n);
        else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            arm(w, s->fd, POLLIN, read_ready);
            return;
        } else
            finish(w, -errno);
    }
    maybe_finish_close(s);
}

reef_future reef_socket_read(reef_socket *s, void *buf, size_t len)
{
    if (s->rd.busy || s->closing) return reef_fail_code(-EBUSY);
    ssize_t n = recv(s->fd, buf, len, MSG_DONTWAIT);
    if (n >= 0) return reef_ready_u64((uint64_t)n);
    if (errno != EAGAIN && errno != EWOULDBLOCK) return reef_fail_code(-errno);
    s->rd.buf = buf;
    s->rd.len = len;
    s->rd.busy = true;
    reef_future f = reef_promise_init(&s->rd.p);
    arm(&s->rd, s->fd, POLLIN, read_ready);
    return f;
}

/* Sends what it can; returns 1 when all is sent, 0 to wait, < 0 on error. */
static int send_some(reef_socket *s, struct waiter *w)
{
    while (w->done < w->len) {
        ssize_t n = send(s->fd, w->buf + w->done, w->len - w->done, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
        w->done += (size_t)n;
    }
    return 1;
}

static void write_ready(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_socket *s = container_of(w, reef_socket, wr);
    int rc = res < 0 ? res : send_some(s, w);
    if (rc == 0) {
        arm(w, s->fd, POLLOUT, write_ready);
        return;
    }
    finish(w, rc < 0 ? rc : (int64_t)w->done);
    maybe_finish_close(s);
}

reef_future reef_socket_write(reef_socket *s, const void *buf, size_t len)
{
    if (s->wr.busy || s->closing) return reef_fail_code(-EBUSY);
    s->wr.buf = (char *)buf;
    s->wr.len = len;
    s->wr.done = 0;
    int rc = send_some(s, &s->wr);
    if (rc < 0) return reef_fail_code(rc);
    if (rc > 0) return reef_ready_u64(len);
    s->wr.busy = true;
    reef_future f = reef_promise_init(&s->wr.p);
    arm(&s->wr, s->fd, POLLOUT, write_ready);
    return f;
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
    /* Wakes an outstanding read (end of stream) or write (broken pipe). */
    shutdown(s->fd, SHUT_RDWR);
    if (!s->rd.busy && !s->wr.busy) {
        close(s->fd);
        free(s);
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

static void connected(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_socket *s = container_of(w, reef_socket, wr);
    int err = 0;
    socklen_t len = sizeof(err);
    if (res < 0)
        err = -res;
    else if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    w->busy = false;
    if (err) {
        close(s->fd);
        reef_promise p = w->p;
        free(s);
        reef_promise_fail(&p, reef_err_code(-err));
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
    if (!s) {
        close(fd);
        return reef_fail_code(-ENOMEM);
    }
    if (connect(fd, &addr->u.sa, addr->len) == 0) return reef_ready_ptr(s);
    if (errno != EINPROGRESS) {
        int rc = -errno;
        close(fd);
        free(s);
        return reef_fail_code(rc);
    }
    s->wr.busy = true;
    reef_future f = reef_promise_init(&s->wr.p);
    arm(&s->wr, fd, POLLOUT, connected);
    *pending = s;
    return f;
}

reef_future reef_connect(const reef_sockaddr *addr)
{
    reef_socket *pending;
    return start_connect(addr, &pending);
}

/* ---- Listening -------------------------------------------------------------------- */

int reef_listen(const reef_sockaddr *addr, const struct reef_listen_options *opts,
                reef_listener **out)
{
    int fd = socket(addr->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    if (!(opts && opts->no_reuse_address) && addr->u.sa.sa_family != AF_UNIX)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (opts && opts->reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
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
    reef_listener *l = calloc(1, sizeof(*l));
    if (!l) {
        close(fd);
        return -ENOMEM;
    }
    l->fd = fd;
    l->addr = name_of(fd, getsockname);
    *out = l;
    return 0;
}

reef_sockaddr reef_listener_address(const reef_listener *l)
{
    return l->addr;
}

/* Accepts one connection: 1 done (the socket in *out), 0 to wait, < 0. */
static int try_accept(reef_listener *l, reef_socket **out)
{
    reef_sockaddr peer;
    memset(&peer, 0, sizeof(peer));
    socklen_t len = sizeof(peer.u);
    int fd = accept4(l->fd, &peer.u.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return l->closing || errno == EINVAL ? -ECONNABORTED : -errno;
    }
    peer.len = len;
    tune(fd, peer.u.sa.sa_family);
    *out = socket_new(fd);
    if (!*out) {
        close(fd);
        return -ENOMEM;
    }
    if (l->peer_out) *l->peer_out = peer;
    return 1;
}

static void maybe_finish_listener_close(reef_listener *l)
{
    if (!l->closing || l->acc.busy) return;
    close(l->fd);
    reef_promise closed = l->closed;
    free(l);
    reef_promise_resolve(&closed, (reef_val){.u = 0});
}

static void accept_ready(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_listener *l = container_of(w, reef_listener, acc);
    reef_socket *s = NULL;
    int rc = res < 0 ? res : l->closing ? -ECONNABORTED : try_accept(l, &s);
    if (rc == 0) {
        arm(w, l->fd, POLLIN, accept_ready);
        return;
    }
    w->busy = false;
    if (rc < 0)
        reef_promise_fail(&w->p, reef_err_code(rc));
    else
        reef_promise_resolve(&w->p, (reef_val){.p = s});
    maybe_finish_listener_close(l);
}

reef_future reef_accept(reef_listener *l, reef_sockaddr *peer)
{
    if (l->acc.busy || l->closing) return reef_fail_code(-EBUSY);
    l->peer_out = peer;
    reef_socket *s = NULL;
    int rc = try_accept(l, &s);
    if (rc < 0) return reef_fail_code(rc);
    if (rc > 0) return reef_ready_ptr(s);
    l->acc.busy = true;
    reef_future f = reef_promise_init(&l->acc.p);
    arm(&l->acc, l->fd, POLLIN, accept_ready);
    return f;
}

reef_future reef_listener_close(reef_listener *l)
{
    l->closing = true;
    /* Linux wakes a waiting accept on a listening socket that is shut down. */
    shutdown(l->fd, SHUT_RDWR);
    if (!l->acc.busy) {
        close(l->fd);
        free(l);
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

struct connect_race {
    reef_promise result;
    reef_socket *attempt; /* until it settles */
    bool decided;
    reef_timer timer;
};

static void connect_timed_out(reef_timer *t, void *arg)
{
    (void)t;
    struct connect_race *cr = arg;
    cr->decided = true;
    reef_promise_fail(&cr->result, reef_err_code(REEF_ETIMEOUT));
    /* Abandon the attempt: dissolving the association ends a connect in
     * progress, and its completion then cleans up. */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    connect(cr->attempt->fd, &unspec, sizeof(unspec));
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
    reef_future result = reef_promise_init(&cr->result);
    reef_timer_init(&cr->timer, REEF_CLOCK_STEADY, connect_timed_out, cr);
    reef_timer_arm(&cr->timer, timeout);
    reef_discard(reef_then_wrapped(f, connect_settled, &cr, sizeof(cr)));
    return result;
}

/* ---- UDP --------------------------------------------------------------------------- */

struct reef_udp_channel {
    int fd;
    struct waiter rx, tx;
    reef_sockaddr *from;
    const reef_sockaddr *to;
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
    close(ch->fd);
    reef_promise closed = ch->closed;
    free(ch);
    reef_promise_resolve(&closed, (reef_val){.u = 0});
}

/* One datagram: >= 0 its length, -EAGAIN to wait, other < 0 errors. */
static ssize_t try_receive(reef_udp_channel *ch, void *buf, size_t len, reef_sockaddr *from)
{
    reef_sockaddr src;
    memset(&src, 0, sizeof(src));
    socklen_t slen = sizeof(src.u);
    ssize_t n = recvfrom(ch->fd, buf, len, MSG_DONTWAIT, &src.u.sa, &slen);
    if (n < 0)
        return -errno;
    src.len = slen;
    if (from)
        *from = src;
    return n;
}

static void udp_rx_ready(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_udp_channel *ch = container_of(w, reef_udp_channel, rx);
    ssize_t n = res < 0 ? res : ch->closing ? -ECANCELED : try_receive(ch, w->buf, w->len, ch->from);
    if (n == -EAGAIN || n == -EWOULDBLOCK) {
        arm(w, ch->fd, POLLIN, udp_rx_ready);
        return;
    }
    finish(w, n);
    maybe_finish_udp_close(ch);
}

reef_future reef_udp_receive(reef_udp_channel *ch, void *buf, size_t len, reef_sockaddr *from)
{
    if (ch->rx.busy || ch->closing)
        return reef_fail_code(-EBUSY);
    ssize_t n = try_receive(ch, buf, len, from);
    if (n >= 0)
        return reef_ready_u64((uint64_t)n);
    if (n != -EAGAIN && n != -EWOULDBLOCK)
        return reef_fail_code((int)n);
    ch->rx.buf = buf;
    ch->rx.len = len;
    ch->from = from;
    ch->rx.busy = true;
    reef_future f = reef_promise_init(&ch->rx.p);
    arm(&ch->rx, ch->fd, POLLIN, udp_rx_ready);
    return f;
}

static ssize_t try_send(reef_udp_channel *ch, const void *buf, size_t len, const reef_sockaddr *to)
{
    ssize_t n = sendto(ch->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, &to->u.sa, to->len);
    return n < 0 ? -errno : n;
}

static void udp_tx_ready(struct reef__io *io, int res)
{
    struct waiter *w = container_of(io, struct waiter, io);
    reef_udp_channel *ch = container_of(w, reef_udp_channel, tx);
    ssize_t n = res < 0 ? res : try_send(ch, w->buf, w->len, ch->to);
    if (n == -EAGAIN || n == -EWOULDBLOCK) {
        arm(w, ch->fd, POLLOUT, udp_tx_ready);
        return;
    }
    finish(w, n);
    maybe_finish_udp_close(ch);
}

reef_future reef_udp_send_to(reef_udp_channel *ch, const reef_sockaddr *to, const void *buf,
                             size_t len)
{
    if (ch->tx.busy || ch->closing)
        return reef_fail_code(-EBUSY);
    ssize_t n = try_send(ch, buf, len, to);
    if (n >= 0)
        return reef_ready_u64((uint64_t)n);
    if (n != -EAGAIN && n != -EWOULDBLOCK)
        return reef_fail_code((int)n);
    ch->tx.buf = (char *)buf;
    ch->tx.len = len;
    ch->to = to;
    ch->tx.busy = true;
    reef_future f = reef_promise_init(&ch->tx.p);
    arm(&ch->tx, ch->fd, POLLOUT, udp_tx_ready);
    return f;
}

reef_future reef_udp_close(reef_udp_channel *ch)
{
    ch->closing = true;
    /* Wakes a pending receive (it then fails with -ECANCELED). */
    shutdown(ch->fd, SHUT_RDWR);
    if (!ch->rx.busy && !ch->tx.busy) {
        close(ch->fd);
        free(ch);
        return reef_done();
    }
    return reef_promise_init(&ch->closed);
}
