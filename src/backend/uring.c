/*
 * io_uring backend.
 *
 * Submissions are batched: submit() only fills an SQE; the ring is entered
 * once per loop iteration (poll) or when going to sleep (wait). Completions
 * are reaped straight from the shared CQ ring, so a busy reactor with
 * nothing to submit makes no system call at all to learn about them.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "backend/backend.h"

#define RING_ENTRIES 1024

struct reef__backend {
    struct io_uring ring;
};

static int create(struct reef__backend **out)
{
    struct reef__backend *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    /* COOP_TASKRUN: the kernel does not interrupt us to post completions;
     * TASKRUN_FLAG tells us when it has some waiting (kernel 5.19+).
     * DEFER_TASKRUN (6.1+, with SINGLE_ISSUER: only the shard's thread,
     * which creates the ring, ever enters it) goes further: completion
     * work runs only when we enter the ring, in batches, never on an
     * interrupt of whatever the thread is doing. Each step back is for an
     * older kernel. */
    unsigned coop = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
                    IORING_SETUP_TASKRUN_FLAG;
    unsigned flags[] = {coop | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, coop, 0};
    int rc = -EINVAL;
    for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        rc = io_uring_queue_init(RING_ENTRIES, &b->ring, flags[i]);
        if (rc != -EINVAL)
            break;
    }
    if (rc < 0) {
        free(b);
        return rc;
    }
    *out = b;
    return 0;
}

static void destroy(struct reef__backend *b)
{
    io_uring_queue_exit(&b->ring);
    free(b);
}

static struct io_uring_sqe *get_sqe(struct reef__backend *b)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
    while (!sqe) {
        /* SQ full: hand the batch to the kernel and retry. */
        io_uring_submit(&b->ring);
        sqe = io_uring_get_sqe(&b->ring);
    }
    return sqe;
}

static void prep(struct io_uring_sqe *sqe, struct reef__io *io)
{
    switch (io->op) {
    case REEF__IO_POLL:
        io_uring_prep_poll_add(sqe, io->fd, io->events);
        break;
    case REEF__IO_READ:
        io_uring_prep_read(sqe, io->fd, io->buf, io->len, (uint64_t)io->offset);
        break;
    case REEF__IO_WRITE:
        io_uring_prep_write(sqe, io->fd, io->buf, io->len, (uint64_t)io->offset);
        break;
    case REEF__IO_RECV:
        io_uring_prep_recv(sqe, io->fd, io->buf, io->len, (int)io->flags);
        break;
    case REEF__IO_SEND:
        io_uring_prep_send(sqe, io->fd, io->buf, io->len, (int)io->flags | MSG_NOSIGNAL);
        break;
    case REEF__IO_RECVMSG:
        io_uring_prep_recvmsg(sqe, io->fd, io->aux, io->flags);
        break;
    case REEF__IO_SENDMSG:
        io_uring_prep_sendmsg(sqe, io->fd, io->aux, io->flags | MSG_NOSIGNAL);
        break;
    case REEF__IO_ACCEPT:
        io_uring_prep_accept(sqe, io->fd, io->aux, (socklen_t *)&io->addrlen, (int)io->flags);
        break;
    case REEF__IO_CONNECT:
        io_uring_prep_connect(sqe, io->fd, io->aux, io->addrlen);
        break;
    case REEF__IO_FSYNC:
        io_uring_prep_fsync(sqe, io->fd, io->flags ? IORING_FSYNC_DATASYNC : 0);
        break;
    case REEF__IO_STATX:
        io_uring_prep_statx(sqe, io->fd, "", AT_EMPTY_PATH, io->flags, io->aux);
        break;
    case REEF__IO_CLOSE:
        io_uring_prep_close(sqe, io->fd);
        break;
    case REEF__IO_FALLOCATE:
        io_uring_prep_fallocate(sqe, io->fd, (int)io->flags, (off_t)io->offset,
                                (off_t) * (const uint64_t *)io->aux);
        break;
    case REEF__IO_OPENAT:
        io_uring_prep_openat(sqe, io->fd, io->aux, (int)io->flags, io->len);
        break;
    default:
        io_uring_prep_nop(sqe);
        break;
    }
}

static void submit(struct reef__backend *b, struct reef__io *io)
{
    struct io_uring_sqe *sqe = get_sqe(b);
    prep(sqe, io);
    io_uring_sqe_set_data(sqe, io);
    /* Disk requests go to the kernel at once rather than with the loop's
     * batch: a disk request takes hundreds of microseconds, one held back
     * while the other tasks run leaves the device a request short, and
     * the system call is small beside it (measured: 4 KiB random reads at
     * depth 32 gain about a tenth). */
    if (io->op == REEF__IO_READ || io->op == REEF__IO_WRITE || io->op == REEF__IO_FSYNC)
        io_uring_submit(&b->ring);
}

static void cancel(struct reef__backend *b, struct reef__io *io)
{
    struct io_uring_sqe *sqe = get_sqe(b);
    io_uring_prep_cancel(sqe, io, 0);
    io_uring_sqe_set_data(sqe, NULL); /* its own completion is not reported */
}

static void forget(struct reef__backend *b, int fd)
{
    (void)b;
    (void)fd; /* the ring keeps no per-descriptor state */
}

static int reap(struct reef__backend *b)
{
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;
    io_uring_for_each_cqe(&b->ring, head, cqe)
    {
        struct reef__io *io = io_uring_cqe_get_data(cqe);
        int res = cqe->res;
        n++;
        /* Advance before calling out: the callback may submit again. */
        io_uring_cq_advance(&b->ring, 1);
        if (io)
            io->done(io, res);
    }
    return (int)n;
}

static int poll(struct reef__backend *b)
{
    bool taskrun = IO_URING_READ_ONCE(*b->ring.sq.kflags) & IORING_SQ_TASKRUN;
    if (io_uring_sq_ready(&b->ring) || taskrun)
        io_uring_submit_and_get_events(&b->ring);
    return reap(b);
}

static int wait(struct reef__backend *b, int64_t timeout_ns)
{
    struct io_uring_cqe *cqe = NULL;
    struct __kernel_timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
    }
    int rc = io_uring_submit_and_wait_timeout(&b->ring, &cqe, 1, tsp, NULL);
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
        return rc;
    return reap(b);
}

const struct reef__backend_ops reef__backend_uring = {
    .name = "io_uring",
    .create = create,
    .destroy = destroy,
    .submit = submit,
    .poll = poll,
    .wait = wait,
    .cancel = cancel,
    .try_now = NULL,
    .forget = forget,
    .async_buffered_files = true,
};
