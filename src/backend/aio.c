/*
 * Linux native AIO for the epoll backend (aio.h), through the raw system
 * calls: the kernel ABI is stable and small, and libaio would be one more
 * dependency for five calls.
 *
 * Each operation in the kernel needs a struct iocb that stays put until it
 * completes: they come from a fixed table of MAX_INFLIGHT slots (the size
 * of the kernel context), on a free list. Operations beyond that wait in
 * a queue until slots come back, so the context can never overflow.
 *
 * A request goes to the kernel as soon as it is made (see uring.c for why
 * disk requests are not held for the loop's batch).
 */
#include <errno.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "backend/aio.h"

#define MAX_INFLIGHT 256

struct slot {
    struct iocb cb;
    struct reef__io *io;
    struct slot *next_free;
};

struct reef__aio {
    aio_context_t ctx;
    int efd;
    struct slot slots[MAX_INFLIGHT];
    struct slot *free;
    struct reef__io *queue_head, *queue_tail; /* waiting for a slot or a flush */
    struct iocb *batch[MAX_INFLIGHT];
    struct io_event events[MAX_INFLIGHT];
};

static long sys_io_setup(unsigned nr, aio_context_t *ctx) { return syscall(SYS_io_setup, nr, ctx); }
static long sys_io_destroy(aio_context_t ctx) { return syscall(SYS_io_destroy, ctx); }
static long sys_io_submit(aio_context_t ctx, long n, struct iocb **cbs)
{
    return syscall(SYS_io_submit, ctx, n, cbs);
}
static long sys_io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev,
                             struct timespec *ts)
{
    return syscall(SYS_io_getevents, ctx, min, max, ev, ts);
}

int reef__aio_create(struct reef__aio **out)
{
    struct reef__aio *a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    if (sys_io_setup(MAX_INFLIGHT, &a->ctx) < 0) {
        int rc = -errno;
        free(a);
        return rc;
    }
    a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (a->efd < 0) {
        int rc = -errno;
        sys_io_destroy(a->ctx);
        free(a);
        return rc;
    }
    for (int i = MAX_INFLIGHT - 1; i >= 0; i--) {
        a->slots[i].next_free = a->free;
        a->free = &a->slots[i];
    }
    *out = a;
    return 0;
}

void reef__aio_destroy(struct reef__aio *a)
{
    if (!a)
        return;
    sys_io_destroy(a->ctx); /* waits for what is in flight, then forgets it */
    close(a->efd);
    free(a);
}

int reef__aio_event_fd(const struct reef__aio *a) { return a->efd; }

static void queue(struct reef__aio *a, struct reef__io *io)
{
    io->next = NULL;
    if (a->queue_tail)
        a->queue_tail->next = io;
    else
        a->queue_head = io;
    a->queue_tail = io;
}

static void prepare(struct reef__aio *a, struct slot *s, struct reef__io *io)
{
    memset(&s->cb, 0, sizeof(s->cb));
    s->io = io;
    s->cb.aio_data = (uint64_t)(uintptr_t)s;
    s->cb.aio_lio_opcode = io->op == REEF__IO_WRITE ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
    s->cb.aio_fildes = (uint32_t)io->fd;
    s->cb.aio_buf = (uint64_t)(uintptr_t)io->buf;
    s->cb.aio_nbytes = io->len;
    s->cb.aio_offset = io->offset;
    s->cb.aio_flags = IOCB_FLAG_RESFD;
    s->cb.aio_resfd = (uint32_t)a->efd;
}

static void give_back(struct reef__aio *a, struct slot *s)
{
    s->io = NULL;
    s->next_free = a->free;
    a->free = s;
}

int reef__aio_submit(struct reef__aio *a, struct reef__io *io)
{
    if (!a->free || a->queue_head) { /* full, or others wait first: keep the order */
        queue(a, io);
        return 0;
    }
    struct slot *s = a->free;
    a->free = s->next_free;
    prepare(a, s, io);
    struct iocb *cb = &s->cb;
    long rc;
    do {
        rc = sys_io_submit(a->ctx, 1, &cb);
    } while (rc < 0 && errno == EINTR);
    if (rc == 1)
        return 0;
    int err = rc < 0 ? -errno : -EIO;
    give_back(a, s);
    return err;
}

int reef__aio_flush(struct reef__aio *a)
{
    int failed = 0;
    while (a->queue_head && a->free) {
        long n = 0;
        while (a->queue_head && a->free) {
            struct reef__io *io = a->queue_head;
            a->queue_head = io->next;
            if (!a->queue_head)
                a->queue_tail = NULL;
            struct slot *s = a->free;
            a->free = s->next_free;
            prepare(a, s, io);
            a->batch[n++] = &s->cb;
        }
        long done = 0;
        while (done < n) {
            long rc = sys_io_submit(a->ctx, n - done, a->batch + done);
            if (rc > 0) {
                done += rc;
                continue;
            }
            /* The first of the rest was refused (a bad descriptor, an
             * unaligned buffer...): it fails alone, the others go on. */
            int err = rc < 0 ? -errno : -EIO;
            if (err == -EINTR)
                continue;
            struct slot *s = (struct slot *)(uintptr_t)a->batch[done]->aio_data;
            struct reef__io *io = s->io;
            give_back(a, s);
            io->done(io, err);
            failed++;
            done++;
        }
    }
    return failed;
}

int reef__aio_reap(struct reef__aio *a)
{
    uint64_t ignored;
    ssize_t r = read(a->efd, &ignored, sizeof(ignored));
    (void)r;
    int total = 0;
    for (;;) {
        struct timespec zero = {0, 0};
        long n = sys_io_getevents(a->ctx, 0, MAX_INFLIGHT, a->events, &zero);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++) {
            struct slot *s = (struct slot *)(uintptr_t)a->events[i].data;
            struct reef__io *io = s->io;
            long res = (long)a->events[i].res;
            give_back(a, s);
            io->done(io, (int)res);
        }
        total += (int)n;
        if (n < MAX_INFLIGHT)
            break;
    }
    /* Slots came back: operations waiting for one can go. */
    if (a->queue_head)
        total += reef__aio_flush(a);
    return total;
}
