/*
 * epoll backend: readiness-based. A POLL operation registers a one-shot
 * interest; READ is performed with read(2) (files and eventfds never block
 * on it) and its completion is queued so that, as with io_uring, it is
 * delivered from poll()/wait() and not from inside submit().
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

struct reef__backend {
    int epfd;
    bool no_pwait2; /* epoll_pwait2 is missing: fall back to epoll_wait */
    struct reef__io *done_head, *done_tail; /* completed, not yet delivered */
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
    free(b);
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

static void submit(struct reef__backend *b, struct reef__io *io)
{
    switch (io->op) {
    case REEF__IO_POLL: {
        struct epoll_event ev = {.events = to_epoll(io->events), .data.ptr = io};
        /* One-shot registrations stay in the set, disabled: re-enable with
         * MOD, add on first use. */
        if (epoll_ctl(b->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0) {
            if (errno != ENOENT || epoll_ctl(b->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0)
                complete_later(b, io, -errno);
        }
        break;
    }
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

static int dispatch(struct reef__backend *b, int count)
{
    for (int i = 0; i < count; i++) {
        struct reef__io *io = b->events[i].data.ptr;
        io->done(io, (int)from_epoll(b->events[i].events));
    }
    return count;
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
