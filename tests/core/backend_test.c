/*
 * The I/O backends (src/backend/), driven directly: both implement the
 * same contract, including a descriptor that waits to read and to write at
 * the same time.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/backend.h"
#include "harness/harness.h"

static const struct reef__backend_ops *ops(void)
{
    const char *name = th_backend();
    return name && strcmp(name, "epoll") == 0 ? &reef__backend_epoll : &reef__backend_uring;
}

struct probe {
    struct reef__io io;
    int calls, result;
};

static void probe_done(struct reef__io *io, int result)
{
    struct probe *p = (struct probe *)io;
    p->calls++;
    p->result = result;
}

static struct probe poll_probe(int fd, uint32_t events)
{
    struct probe p = {{.done = probe_done, .op = REEF__IO_POLL, .fd = fd, .events = events}, 0, 0};
    return p;
}

/* Polls until `p` has completed (bounded). */
static void settle(struct reef__backend *b, const struct reef__backend_ops *o, struct probe *p)
{
    for (int i = 0; i < 100 && !p->calls; i++)
        o->wait(b, 10000000);
}

TEST(read_and_write_interest_on_one_descriptor)
{
    const struct reef__backend_ops *o = ops();
    struct reef__backend *b;
    if (o->create(&b) < 0)
        return; /* io_uring unavailable: the reactor tests cover the fallback */
    int sv[2];
    T_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct probe in = poll_probe(sv[0], POLLIN), out = poll_probe(sv[0], POLLOUT);
    o->submit(b, &in.io);
    o->submit(b, &out.io);
    settle(b, o, &out);
    T_EQ(out.calls, 1); /* writable at once */
    T_TRUE(out.result & POLLOUT);
    T_EQ(in.calls, 0); /* nothing to read yet: still waiting */
    T_EQ(write(sv[1], "x", 1), 1);
    settle(b, o, &in);
    T_EQ(in.calls, 1);
    T_TRUE(in.result & POLLIN);
    /* The descriptor can be waited on again, in both directions. */
    struct probe in2 = poll_probe(sv[0], POLLIN);
    o->submit(b, &in2.io);
    settle(b, o, &in2);
    T_EQ(in2.calls, 1); /* the byte is still unread */
    close(sv[1]);
    struct probe out2 = poll_probe(sv[0], POLLOUT);
    o->submit(b, &out2.io);
    settle(b, o, &out2);
    T_EQ(out2.calls, 1);
    T_TRUE(out2.result & (POLLHUP | POLLERR | POLLOUT));
    close(sv[0]);
    o->destroy(b);
}

TEST(a_bad_descriptor_completes_with_an_error)
{
    const struct reef__backend_ops *o = ops();
    struct reef__backend *b;
    if (o->create(&b) < 0)
        return;
    int fds[2];
    T_EQ(pipe(fds), 0);
    close(fds[0]);
    close(fds[1]);
    struct probe p = poll_probe(fds[0], POLLIN); /* closed: EBADF, or POLLNVAL */
    o->submit(b, &p.io);
    settle(b, o, &p);
    T_EQ(p.calls, 1);
    T_TRUE(p.result == -EBADF || (p.result > 0 && (p.result & POLLNVAL)));
    o->destroy(b);
}

TEST_MAIN()
