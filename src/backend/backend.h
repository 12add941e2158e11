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

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum reef__io_op {
    REEF__IO_POLL,    /* one-shot readiness: events = POLLIN/POLLOUT; result = revents */
    REEF__IO_READ,    /* read(fd, buf, len) at offset (-1: current position) */
    REEF__IO_WRITE,   /* write(fd, buf, len) at offset (-1: current position) */
    REEF__IO_RECV,    /* recv(fd, buf, len, flags) on a socket */
    REEF__IO_SEND,    /* send(fd, buf, len, flags | MSG_NOSIGNAL) on a socket */
    REEF__IO_RECVMSG, /* recvmsg(fd, aux = struct msghdr *, flags) */
    REEF__IO_SENDMSG, /* sendmsg(fd, aux = struct msghdr *, flags | MSG_NOSIGNAL) */
    REEF__IO_ACCEPT,  /* accept4(fd, aux = sockaddr, &addrlen, flags); result = new fd */
    REEF__IO_CONNECT, /* connect(fd, aux = sockaddr, addrlen); result = 0 */
    REEF__IO_FSYNC,   /* fsync(fd), or fdatasync when flags = 1 */
    REEF__IO_STATX,   /* statx(fd, "", AT_EMPTY_PATH, mask = flags, aux = struct statx *) */
    REEF__IO_CLOSE,   /* close(fd) */
    REEF__IO_OPENAT,  /* openat(fd, aux = path, flags, mode = len); result = new fd */
    REEF__IO_FALLOCATE, /* fallocate(fd, mode = flags, offset, length = *(uint64_t *)aux) */
};

struct reef__io;
typedef void (*reef__io_done_fn)(struct reef__io *io, int result);

/* One operation. The caller owns it and everything it points to until
 * done() is called. */
struct reef__io {
    reef__io_done_fn done;
    uint8_t op;
    int fd;
    uint32_t events;  /* POLL: what to wait for */
    uint32_t flags;   /* RECV/SEND/…: MSG_ flags; ACCEPT: SOCK_ flags; POLL: below */
    uint32_t addrlen; /* ACCEPT: in/out, CONNECT: in */
    void *buf;
    uint32_t len;
    int64_t offset;
    void *aux; /* sockaddr or msghdr, as the op says */
    struct reef__io *next; /* private to the backend */
};

/* POLL flag: the caller has just read the descriptor until it would block,
 * so only new readiness matters (lets edge-triggered backends skip a
 * readiness check). */
#define REEF__POLL_DRAINED 1u

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
    /* Asks for an outstanding operation to end early: it still completes
     * exactly once through done(), with -ECANCELED unless it finished
     * first. Unknown or finished operations are ignored. */
    void (*cancel)(struct reef__backend *b, struct reef__io *io);
    /* Readiness backends only (NULL otherwise): performs a socket
     * operation at once if the descriptor may be ready. Returns its
     * result, or -EAGAIN when it has to be submitted. Never calls done(). */
    int (*try_now)(struct reef__backend *b, struct reef__io *io);
    /* Must be called before fd is closed, so that state kept for it does
     * not outlive it; no operation may be outstanding on it. */
    void (*forget)(struct reef__backend *b, int fd);
    /* READ, WRITE, FSYNC, STATX, CLOSE, OPENAT and FALLOCATE never block
     * the shard, whatever the file. When false, only READ and WRITE at an
     * offset on O_DIRECT files do (the file layer sends the rest to the
     * shard's helper thread, and never submits the other file ops). */
    bool async_buffered_files;
};

extern const struct reef__backend_ops reef__backend_uring;
extern const struct reef__backend_ops reef__backend_epoll;

#endif
