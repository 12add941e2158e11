/*
 * The interface between the reactor and an I/O backend (io_uring, epoll).
 *
 * The reactor hands the backend operations (struct reef__io); the backend
 * completes each exactly once by calling io->done(io, result) on the
 * reactor thread, from inside poll() or wait() — never from inside submit(),
 * so a completion never runs in the middle of the code that submitted it.
 * result is >= 0 on success, a negative errno otherwise.
 *
 * The reactor drives the backend in three steps each loop iteration:
 *   1. poll():  submit what is queued and reap completions, without blocking;
 *   2. (run the tasks those completions made ready);
 *   3. wait():  when there is nothing else to do, submit, block until a
 *      completion arrives or the timeout passes, and reap.
 */
#ifndef REEF_BACKEND_H
#define REEF_BACKEND_H

#include <stdint.h>
#include <sys/types.h>

enum reef__io_op {
    REEF__IO_POLL, /* one-shot readiness: events = POLLIN/POLLOUT; result = revents */
    REEF__IO_READ, /* read(fd, buf, len) at offset (-1: current position) */
};

struct reef__io;
typedef void (*reef__io_done_fn)(struct reef__io *io, int result);

struct reef__io {
    reef__io_done_fn done;
    uint8_t op;
    int fd;
    uint32_t events;
    void *buf;
    uint32_t len;
    int64_t offset;
    struct reef__io *next; /* private to the backend */
};

struct reef__backend;

struct reef__backend_ops {
    const char *name;
    /* Creates a backend; 0 or a negative errno (e.g. -ENOSYS when the
     * kernel lacks it). */
    int (*create)(struct reef__backend **out);
    void (*destroy)(struct reef__backend *b);
    /* Queues an operation; it completes later through io->done. */
    void (*submit)(struct reef__backend *b, struct reef__io *io);
    /* Step 1: returns the number of completions processed. */
    int (*poll)(struct reef__backend *b);
    /* Step 3: timeout_ns < 0 waits without limit. Returns completions
     * processed (0 on timeout or when a signal interrupted the wait). */
    int (*wait)(struct reef__backend *b, int64_t timeout_ns);
};

extern const struct reef__backend_ops reef__backend_uring;
extern const struct reef__backend_ops reef__backend_epoll;

#endif
