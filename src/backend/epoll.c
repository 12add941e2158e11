/*
 * epoll backend: readiness-based. A POLL operation registers a one-shot
 * interest; READ is performed with read(2) (files and eventfds never block
 * on it) and its completion is queued so that, as with io_uring, it is
 * delivered from poll()/wait() and not from inside submit().
 *
 * epoll keeps one registration per file descriptor, but a socket may wait
 * to read and to write at the same time: each descriptor has a slot with
 * one pending operation per direction, and the registration asks for the
 * union of their events.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"

#define MAX_EVENTS 256

/* What waits on one descriptor: at most one operation per direction. */
struct fd_slot {
    struct reef__io *in;  /* POLLIN / POLLPRI */
    struct reef__io *out; /* POLLOUT */
    bool added;           /* known to the epoll set */
};

struct reef__backend {
    int epfd;
    bool no_pwait2; /* epoll_pwait2 is missing: fall back to epoll_wait */
    struct reef__io *done_head, *done_tail; /* completed, not yet delivered */
    struct fd_slot *slots;                  /* by descriptor */
    size_t nslots;
    struct epoll_event events[MAX_EVENTS];
};

static int create(struct reef__backend **out)
{
    struct reef__backend *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
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
    free(b->slots);
    free(b);
}

static struct fd_slot *slot_of(struct reef__backend *b, int fd)
{
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

static uint32_t to_epoll(uint32_t events)
{
    uint32_t e = 0;
    if (events & POLLIN)
        e |= EPOLLIN;
    if (events & POLLOUT)
        e |= EPOLLOUT;
    if (events & POLLPRI)
        e |= EPOLLPRI;
    return e | EPOLLONESHOT;
}

static uint32_t from_epoll(uint32_t e)
{
    uint32_t r = 0;
    if (e & EPOLLIN)
        r |= POLLIN;
    if (e & EPOLLOUT)
        r |= POLLOUT;
    if (e & EPOLLPRI)
        r |= POLLPRI;
    if (e & EPOLLERR)
        r |= POLLERR;
    if (e & EPOLLHUP)
        r |= POLLHUP;
    return r;
}

/* Asks epoll for what the slot's operations wait for (one-shot), or
 * nothing if none waits. Returns 0 or a negative errno. */
static int rearm(struct reef__backend *b, int fd, struct fd_slot *slot)
{
    uint32_t want = (slot->in ? slot->in->events & (POLLIN | POLLPRI) : 0) |
                    (slot->out ? slot->out->events & POLLOUT : 0);
    if (!want)
        return 0; /* the one-shot registration stays disabled */
    struct epoll_event ev = {.events = to_epoll(want), .data.fd = fd};
    /* One-shot registrations stay in the set, disabled: re-enable with
     * MOD, add on first use (or after the descriptor was reused). */
    if (slot->added && epoll_ctl(b->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
        return 0;
    if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ||
        (errno == EEXIST && epoll_ctl(b->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)) {
        slot->added = true;
        return 0;
    }
    return -errno;
}

static void submit_poll(struct reef__backend *b, struct reef__io *io)
{
    struct fd_slot *slot = io->fd >= 0 ? slot_of(b, io->fd) : NULL;
    if (!slot) {
        complete_later(b, io, io->fd < 0 ? -EBADF : -ENOMEM);
        return;
    }
    struct reef__io **where = io->events & POLLOUT ? &slot->out : &slot->in;
    if (*where) { /* one waiter per direction */
        complete_later(b, io, -EBUSY);
        return;
    }
    *where = io;
    int rc = rearm(b, io->fd, slot);
    if (rc < 0) {
        *where = NULL;
        complete_later(b, io, rc);
    }
}

static void submit(struct reef__backend *b, struct reef__io *io)
{
    switch (io->op) {
    case REEF__IO_POLL:
        submit_poll(b, io);
        break;
    case REEF__IO_READ: {
        ssize_t n = io->offset < 0 ? read(io->fd, io->buf, io->len)
                                   : pread(io->fd, io->buf, io->len, io->offset);
        complete_later(b, io, n < 0 ? -errno : (int)n);
        break;
    }
    default:
        complete_later(b, io, -EINVAL);
        break;
    }
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

/* Hands one event to the operations it concerns; errors and hang-ups
 * concern both directions. */
static int dispatch_one(struct reef__backend *b, int fd, uint32_t e)
{
    struct fd_slot *slot = &b->slots[fd];
    uint32_t revents = from_epoll(e);
    struct reef__io *in = NULL, *out = NULL;
    if (slot->in && (revents & (POLLIN | POLLPRI | POLLERR | POLLHUP))) {
        in = slot->in;
        slot->in = NULL;
    }
    if (slot->out && (revents & (POLLOUT | POLLERR | POLLHUP))) {
        out = slot->out;
        slot->out = NULL;
    }
    /* Whoever still waits keeps waiting. Done before the callbacks, which
     * may submit again for this descriptor. */
    rearm(b, fd, slot);
    int n = 0;
    if (in) {
        in->done(in, (int)(revents & (in->events | POLLERR | POLLHUP)));
        n++;
    }
    if (out) {
        out->done(out, (int)(revents & (out->events | POLLERR | POLLHUP)));
        n++;
    }
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
    int n = deliver_done(b);
    int count = epoll_wait(b->epfd, b->events, MAX_EVENTS, 0);
    return n + (count > 0 ? dispatch(b, count) : 0);
}

static int wait_(struct reef__backend *b, int64_t timeout_ns)
{
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
};
