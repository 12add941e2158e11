/*
 * epoll backend: readiness-based, edge-triggered.
 *
 * A descriptor is registered, edge-triggered, the first time an operation
 * has to wait on it: for input edges when a receive waits, and for output
 * edges only while a send (or connect) has to wait. Output edges come with
 * every acknowledgement that frees send space, so a socket whose sends
 * always go through at once (an echo server's) would otherwise wake the
 * loop for nothing; the edge that finds no sender waiting removes them
 * again. Waiting on input costs no epoll_ctl after the first. For each
 * descriptor we remember, per direction, whether the last attempt found
 * it empty (or full): "blocked". An unblocked direction is tried at once;
 * a blocked one waits for the next edge, which clears the flag.
 *
 * Socket operations (RECV, SEND, ACCEPT, …) are performed here, by the
 * backend, when the descriptor is ready: the socket layer submits the same
 * operation to both backends. A stream transfer that moves fewer bytes
 * than asked proves the kernel queue empty (or full), so the direction is
 * marked blocked without paying for a system call that would say EAGAIN.
 *
 * File reads and writes at an offset go to Linux native AIO (aio.c), whose
 * completion eventfd sits in the epoll set like any descriptor; the file
 * layer sends only O_DIRECT files this way. Other file operations (FSYNC,
 * reads at the current position) are performed synchronously and their
 * completion is queued so that, as with io_uring, it is delivered from
 * poll()/wait() and never from inside submit().
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend/aio.h"
#include "backend/backend.h"

#define MAX_EVENTS 256

/* What we know about one descriptor: at most one waiting op per direction. */
struct fd_slot {
    struct reef__io *in;  /* POLLIN, RECV, RECVMSG, ACCEPT */
    struct reef__io *out; /* POLLOUT, SEND, SENDMSG, CONNECT */
    uint32_t mask;        /* events registered with the epoll set; 0: not in it */
    bool in_blocked, out_blocked;
    /* An edge reported the end of input (or an error): a short read may
     * then have stopped at the end of stream, after which no edge comes. */
    bool in_ended;
};

struct reef__backend {
    int epfd;
    bool no_pwait2; /* epoll_pwait2 is missing: fall back to epoll_wait */
    struct reef__io *done_head, *done_tail; /* completed, not yet delivered */
    struct fd_slot *slots;                  /* by descriptor */
    size_t nslots;
    struct reef__aio *aio; /* created with the first file read or write */
    int aio_fd;            /* its eventfd, in the epoll set; -1 before */
    struct epoll_event events[MAX_EVENTS];
};

static int create(struct reef__backend **out)
{
    struct reef__backend *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->aio_fd = -1;
    b->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (b->epfd < 0) {
        int rc = -errno;
        free(b);
        return rc;
    }
    *out = b;
    return 0;
}

static void destroy(struct reef__backend *b)
{
    close(b->epfd);
    reef__aio_destroy(b->aio);
    free(b->slots);
    free(b);
}

static struct fd_slot *slot_of(struct reef__backend *b, int fd)
{
    if (fd < 0)
        return NULL;
    if ((size_t)fd >= b->nslots) {
        size_t n = b->nslots ? b->nslots : 64;
        while (n <= (size_t)fd)
            n *= 2;
        struct fd_slot *s = realloc(b->slots, n * sizeof(*s));
        if (!s)
            return NULL;
        memset(s + b->nslots, 0, (n - b->nslots) * sizeof(*s));
        b->slots = s;
        b->nslots = n;
    }
    return &b->slots[fd];
}

static void complete_later(struct reef__backend *b, struct reef__io *io, int res)
{
    io->offset = res; /* the result travels in the finished op */
    io->next = NULL;
    if (b->done_tail)
        b->done_tail->next = io;
    else
        b->done_head = io;
    b->done_tail = io;
}

static bool is_output(const struct reef__io *io)
{
    switch (io->op) {
    case REEF__IO_POLL:
        return io->events & POLLOUT;
    case REEF__IO_SEND:
    case REEF__IO_SENDMSG:
    case REEF__IO_CONNECT:
        return true;
    default:
        return false;
    }
}

static int finish_connect(int fd)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -errno;
    return -err;
}

/* Performs a socket operation without blocking: its result, or -EAGAIN. */
static int perform(struct reef__io *io)
{
    ssize_t n;
    do {
        switch (io->op) {
        case REEF__IO_RECV:
            n = recv(io->fd, io->buf, io->len, (int)io->flags | MSG_DONTWAIT);
            break;
        case REEF__IO_SEND:
            n = send(io->fd, io->buf, io->len, (int)io->flags | MSG_DONTWAIT | MSG_NOSIGNAL);
            break;
        case REEF__IO_RECVMSG:
            n = recvmsg(io->fd, io->aux, (int)io->flags | MSG_DONTWAIT);
            break;
        case REEF__IO_SENDMSG:
            n = sendmsg(io->fd, io->aux, (int)io->flags | MSG_DONTWAIT | MSG_NOSIGNAL);
            break;
        case REEF__IO_ACCEPT: {
            socklen_t len = io->addrlen;
            n = accept4(io->fd, io->aux, io->aux ? &len : NULL, (int)io->flags);
            io->addrlen = len;
            break;
        }
        case REEF__IO_CONNECT:
            /* events marks an attempt in progress: the edge that wakes
             * it carries the outcome in SO_ERROR. */
            if (io->events)
                return finish_connect(io->fd);
            io->events = 1;
            n = connect(io->fd, io->aux, io->addrlen);
            if (n < 0 && errno == EINPROGRESS)
                return -EAGAIN;
            break;
        default:
            return -EINVAL;
        }
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return (int)n;
}

/* Tries io and records what the attempt taught about the direction. */
static int attempt(struct fd_slot *slot, struct reef__io *io)
{
    int rc = perform(io);
    bool *blocked = is_output(io) ? &slot->out_blocked : &slot->in_blocked;
    /* A stream transfer stops short only when the queue ran dry (or the
     * send buffer filled): the next edge will say when that changes. */
    bool short_transfer = (io->op == REEF__IO_RECV && rc > 0 && (uint32_t)rc < io->len &&
                           !slot->in_ended) ||
                          (io->op == REEF__IO_SEND && rc >= 0 && (uint32_t)rc < io->len);
    if (rc == -EAGAIN || short_transfer)
        *blocked = true;
    return rc;
}

static int try_now(struct reef__backend *b, struct reef__io *io)
{
    struct fd_slot *slot = slot_of(b, io->fd);
    if (!slot)
        return perform(io);
    if (is_output(io) ? slot->out_blocked : slot->in_blocked)
        return -EAGAIN;
    return attempt(slot, io);
}

/* Registers (or modifies) fd for `mask`. Adding or changing reports the
 * present state as an edge, so nothing that happened before is missed. */
static int set_mask(struct reef__backend *b, int fd, struct fd_slot *slot, uint32_t mask)
{
    struct epoll_event ev = {.events = mask | EPOLLET, .data.fd = fd};
    int op = slot->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(b->epfd, op, fd, &ev) < 0) {
        int other = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        if ((errno != EEXIST && errno != ENOENT) || epoll_ctl(b->epfd, other, fd, &ev) < 0)
            return -errno;
    }
    slot->mask = mask;
    return 0;
}

static int ensure_registered(struct reef__backend *b, int fd, struct fd_slot *slot, bool output)
{
    uint32_t want = output ? EPOLLOUT : EPOLLIN | EPOLLRDHUP;
    if ((slot->mask & want) == want)
        return 0;
    return set_mask(b, fd, slot, slot->mask | want);
}

/* revents for a POLL op, as poll(2) would report them now. */
static int poll_now(const struct reef__io *io)
{
    struct pollfd p = {.fd = io->fd, .events = (short)io->events};
    int n = poll(&p, 1, 0);
    return n < 0 ? -errno : n > 0 ? p.revents : 0;
}

static void park(struct reef__backend *b, struct fd_slot *slot, struct reef__io *io)
{
    struct reef__io **where = is_output(io) ? &slot->out : &slot->in;
    if (*where) { /* one waiter per direction */
        complete_later(b, io, -EBUSY);
        return;
    }
    int rc = ensure_registered(b, io->fd, slot, is_output(io));
    if (rc < 0) {
        complete_later(b, io, rc);
        return;
    }
    *where = io;
}

static void submit_socket_op(struct reef__backend *b, struct reef__io *io)
{
    struct fd_slot *slot = slot_of(b, io->fd);
    if (!slot) {
        complete_later(b, io, io->fd < 0 ? -EBADF : -ENOMEM);
        return;
    }
    bool blocked = is_output(io) ? slot->out_blocked : slot->in_blocked;
    if (io->op == REEF__IO_POLL) {
        /* Edges only report changes: check the present state first,
         * unless the caller or an earlier attempt saw it drained. */
        int rev = blocked || (io->flags & REEF__POLL_DRAINED) ? 0 : poll_now(io);
        if (rev != 0) {
            complete_later(b, io, rev);
            return;
        }
    } else if (!blocked) {
        int rc = attempt(slot, io);
        if (rc != -EAGAIN) {
            complete_later(b, io, rc);
            return;
        }
    }
    park(b, slot, io);
}

static int perform_file_op(struct reef__io *io)
{
    ssize_t n;
    switch (io->op) {
    case REEF__IO_READ:
        n = io->offset < 0 ? read(io->fd, io->buf, io->len)
                           : pread(io->fd, io->buf, io->len, io->offset);
        break;
    case REEF__IO_WRITE:
        n = io->offset < 0 ? write(io->fd, io->buf, io->len)
                           : pwrite(io->fd, io->buf, io->len, io->offset);
        break;
    case REEF__IO_FSYNC:
        n = io->flags ? fdatasync(io->fd) : fsync(io->fd);
        break;
    default:
        return -EINVAL;
    }
    return n < 0 ? -errno : (int)n;
}

/* The AIO context, made and watched on first use. */
static int aio_ready(struct reef__backend *b)
{
    if (b->aio)
        return 0;
    int rc = reef__aio_create(&b->aio);
    if (rc < 0)
        return rc;
    int fd = reef__aio_event_fd(b->aio);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = fd};
    if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        rc = -errno;
        reef__aio_destroy(b->aio);
        b->aio = NULL;
        return rc;
    }
    b->aio_fd = fd;
    return 0;
}

static void submit(struct reef__backend *b, struct reef__io *io)
{
    switch (io->op) {
    case REEF__IO_READ:
    case REEF__IO_WRITE: {
        int rc = io->offset >= 0 ? aio_ready(b) : -ESPIPE;
        if (rc < 0)
            complete_later(b, io, perform_file_op(io));
        else if ((rc = reef__aio_submit(b->aio, io)) < 0)
            complete_later(b, io, rc);
        break;
    }
    case REEF__IO_FSYNC:
        complete_later(b, io, perform_file_op(io));
        break;
    case REEF__IO_POLL:
    case REEF__IO_RECV:
    case REEF__IO_SEND:
    case REEF__IO_RECVMSG:
    case REEF__IO_SENDMSG:
    case REEF__IO_ACCEPT:
    case REEF__IO_CONNECT:
        submit_socket_op(b, io);
        break;
    default:
        complete_later(b, io, -EINVAL);
        break;
    }
}

static void cancel(struct reef__backend *b, struct reef__io *io)
{
    if (io->fd < 0 || (size_t)io->fd >= b->nslots)
        return;
    struct fd_slot *slot = &b->slots[io->fd];
    struct reef__io **where = slot->in == io ? &slot->in : slot->out == io ? &slot->out : NULL;
    if (!where)
        return; /* not waiting: already finished, or queued to finish */
    *where = NULL;
    complete_later(b, io, -ECANCELED);
}

static void forget(struct reef__backend *b, int fd)
{
    if (fd < 0 || (size_t)fd >= b->nslots)
        return;
    struct fd_slot *slot = &b->slots[fd];
    /* Closing the descriptor removes it from the epoll set; a waiter left
     * behind is a caller's bug, but it must not wait forever. */
    if (slot->in)
        complete_later(b, slot->in, -EBADF);
    if (slot->out)
        complete_later(b, slot->out, -EBADF);
    memset(slot, 0, sizeof(*slot));
}

static int deliver_done(struct reef__backend *b)
{
    int n = 0;
    while (b->done_head) {
        struct reef__io *io = b->done_head;
        b->done_head = io->next;
        if (!b->done_head)
            b->done_tail = NULL;
        n++;
        io->done(io, (int)io->offset);
    }
    return n;
}

static int to_revents(uint32_t e)
{
    int r = 0;
    if (e & (EPOLLIN | EPOLLRDHUP))
        r |= POLLIN;
    if (e & EPOLLOUT)
        r |= POLLOUT;
    if (e & EPOLLERR)
        r |= POLLERR;
    if (e & EPOLLHUP)
        r |= POLLHUP;
    return r;
}

/* The waiter *where, woken by edge e: true (and *res) if it is finished. */
static bool resume(struct fd_slot *slot, struct reef__io *io, uint32_t e, int *res)
{
    if (io->op == REEF__IO_POLL) {
        *res = to_revents(e) & (int)(io->events | POLLERR | POLLHUP);
        return true;
    }
    *res = attempt(slot, io);
    return *res != -EAGAIN;
}

/* Hands one edge to the waiters it concerns; errors and hang-ups concern
 * both directions. */
static int dispatch_one(struct reef__backend *b, int fd, uint32_t e)
{
    if (fd == b->aio_fd)
        return reef__aio_reap(b->aio);
    if ((size_t)fd >= b->nslots)
        return 0;
    struct fd_slot *slot = &b->slots[fd];
    struct reef__io *ready[2];
    int res[2], n = 0;
    bool sender_waited = slot->out != NULL;
    if (e & (EPOLLRDHUP | EPOLLERR | EPOLLHUP))
        slot->in_ended = true;
    if (e & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
        slot->in_blocked = false;
        if (slot->in && resume(slot, slot->in, e, &res[n])) {
            ready[n++] = slot->in;
            slot->in = NULL;
        }
    }
    if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
        slot->out_blocked = false;
        if (slot->out && resume(slot, slot->out, e, &res[n])) {
            ready[n++] = slot->out;
            slot->out = NULL;
        }
    }
    /* Output edges with nobody to wake: stop asking for them. (If this
     * fails, the edges only keep coming; nothing is lost.) */
    if ((e & EPOLLOUT) && !sender_waited && (slot->mask & EPOLLOUT))
        (void)set_mask(b, fd, slot, slot->mask & ~(uint32_t)EPOLLOUT);
    /* Callbacks last: they may submit, close, or grow the slot table. */
    for (int i = 0; i < n; i++)
        ready[i]->done(ready[i], res[i]);
    return n;
}

static int dispatch(struct reef__backend *b, int count)
{
    int n = 0;
    for (int i = 0; i < count; i++)
        n += dispatch_one(b, b->events[i].data.fd, b->events[i].events);
    return n;
}

static int poll_(struct reef__backend *b)
{
    int n = deliver_done(b) + (b->aio ? reef__aio_flush(b->aio) : 0);
    int count = epoll_wait(b->epfd, b->events, MAX_EVENTS, 0);
    return n + (count > 0 ? dispatch(b, count) : 0);
}

static int wait_(struct reef__backend *b, int64_t timeout_ns)
{
    if (b->aio) {
        int failed = reef__aio_flush(b->aio); /* queued reads and writes go before we sleep */
        if (failed)
            return failed;
    }
    if (b->done_head)
        return deliver_done(b);
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
    }
    int count = -1;
    if (!b->no_pwait2) {
        count = epoll_pwait2(b->epfd, b->events, MAX_EVENTS, tsp, NULL);
        if (count < 0 && errno == ENOSYS)
            b->no_pwait2 = true; /* kernels before 5.11, and Valgrind */
    }
    if (b->no_pwait2) {
        /* Millisecond resolution: round up, so a timer is never early. */
        int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
        count = epoll_wait(b->epfd, b->events, MAX_EVENTS, ms);
    }
    return count > 0 ? dispatch(b, count) : 0;
}

const struct reef__backend_ops reef__backend_epoll = {
    .name = "epoll",
    .create = create,
    .destroy = destroy,
    .submit = submit,
    .poll = poll_,
    .wait = wait_,
    .cancel = cancel,
    .try_now = try_now,
    .forget = forget,
    .async_buffered_files = false,
};
