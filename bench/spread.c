/*
 * How evenly each spread mode (include/reef/net.h) shares connections
 * between two shards under uneven load.
 *
 * Both shards listen on one loopback address in the mode measured. A
 * client thread (plain sockets, not a shard: the kernel sees the ports it
 * really picks) opens WAVES waves of WAVE connections. Every connection
 * sends a byte and waits for the answer, so it is open on its shard; about
 * one in LONG_EVERY, picked at random (the same picks for every mode),
 * then stays open to the end (long-lived), the others close after HOLD_MS
 * (short-lived). The load is uneven twice over: in time (waves) and in
 * how long connections last, which no spread knows when it chooses.
 *
 * The balance is read at two checkpoints per wave, once the servers'
 * counts of open connections agree with what the client has open: with
 * the whole wave open, and after its short-lived connections closed. At
 * a checkpoint, max_over_mean is the busier shard's open connections over
 * the mean of the two: 1 is even, 2 is everything on one shard.
 *
 * Figures per mode, each the median of RUNS runs:
 *   net.spread.MODE.max_over_mean       averaged over the checkpoints
 *   net.spread.MODE.wave_max_over_mean  averaged over the checkpoints with
 *                                       a wave open: what the choices
 *                                       themselves achieve
 *   net.spread.MODE.peak_max_over_mean  the worst checkpoint
 *   net.spread.MODE.peak_excess         the most connections the busier
 *                                       shard held beyond an even share
 *   net.spread.MODE.end_max_over_mean   the last checkpoint: the
 *                                       long-lived connections alone
 *
 * Usage: bench-spread [BACKEND]. Prints one line per figure.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define SHARDS 2
#define WAVES 8
#define WAVE 50
#define LONG_EVERY 4 /* about one connection in 4 is long-lived */
#define HOLD_MS 20
#define GAP_MS 5
#define RUNS 5
#define SETTLE_LIMIT_MS 5000

static const char *backend;

/* The mode measured, set before each run's shards start. */
static enum reef_spread spread;

/* Open accepted connections per shard: written by their shard, read by
 * the client thread. */
static struct {
    _Alignas(64) atomic_int n;
} open_on[SHARDS];

/* ---- The server: an accept loop per shard, a continuation loop per connection */

static reef_listener *listeners[SHARDS]; /* each touched by its shard only */

struct conn {
    reef_socket *s;
    unsigned char buf[2];
};

static reef_future conn_closed(void *cap, reef_future r)
{
    struct conn *c = cap;
    reef_future_ignore(r);
    free(c);
    atomic_fetch_sub_explicit(&open_on[reef_shard_id()].n, 1, memory_order_relaxed);
    return reef_done();
}

static reef_future drained(void *cap, reef_val v)
{
    (void)cap;
    return v.u == 0 ? reef_stop() : reef_continue();
}

/* Reads until the client closes. */
static reef_future drain_step(void *cap)
{
    struct conn *c = cap;
    return reef_then(reef_socket_read(c->s, c->buf, 1), drained, NULL, 0);
}

static reef_future answered(void *cap, reef_val v)
{
    (void)v;
    return reef_repeat(drain_step, cap, 0);
}

/* Answers the client's byte with this shard's number. */
static reef_future got_byte(void *cap, reef_val v)
{
    struct conn *c = cap;
    if (v.u == 0)
        return reef_done();
    c->buf[1] = (unsigned char)reef_shard_id();
    return reef_then(reef_socket_write(c->s, c->buf, 2), answered, c, 0);
}

static reef_future served(void *cap, reef_future r)
{
    struct conn *c = cap;
    reef_future_ignore(r);
    return reef_then_wrapped(reef_socket_close(c->s), conn_closed, c, 0);
}

static void serve(reef_socket *s)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        reef_discard(reef_socket_close(s));
        return;
    }
    c->s = s;
    atomic_fetch_add_explicit(&open_on[reef_shard_id()].n, 1, memory_order_relaxed);
    reef_future f = reef_then(reef_socket_read(s, c->buf, 1), got_byte, c, 0);
    reef_discard(reef_then_wrapped(f, served, c, 0));
}

static reef_future accepted(void *cap, reef_future r)
{
    (void)cap;
    reef_val v;
    if (reef_future_take(r, &v, NULL) < 0)
        return reef_stop(); /* the listener closed */
    serve(v.p);
    return reef_continue();
}

static reef_future accept_step(void *cap)
{
    (void)cap;
    return reef_then_wrapped(reef_accept(listeners[reef_shard_id()], NULL), accepted, NULL, 0);
}

static reef_future listen_here(void *cap)
{
    reef_sockaddr *addr = cap; /* the caller's: written back with the bound address */
    struct reef_listen_options opts = {.spread = spread, .fixed_shard = 1};
    int rc = reef_listen(addr, &opts, &listeners[reef_shard_id()]);
    if (rc < 0)
        return reef_fail_code(rc);
    *addr = reef_listener_address(listeners[reef_shard_id()]);
    reef_discard(reef_repeat(accept_step, NULL, 0)); /* ends when the listener closes */
    return reef_done();
}

static reef_future close_here(void *cap)
{
    (void)cap;
    return reef_listener_close(listeners[reef_shard_id()]);
}

/* ---- The clients ----------------------------------------------------------------- */

struct clients {
    reef_sockaddr to;
    unsigned seed; /* picks the long-lived connections */
    atomic_bool done;
    int failures; /* connections that got no answer */
    int live;     /* connections open now */
    int fd[WAVES * WAVE];
    /* The balance at the checkpoints. */
    double sum, wave_sum, peak, excess, end;
    int checkpoints;
};

static bool wait_fd(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    int rc;
    do
        rc = poll(&p, 1, 10000);
    while (rc < 0 && errno == EINTR);
    return rc == 1;
}

static int connect_to(const reef_sockaddr *to)
{
    int fd = socket(to->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, &to->u.sa, to->len) < 0 && errno != EINPROGRESS) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Sends a byte once connected and reads the two-byte answer: the
 * connection is then open on the shard that serves it. */
static bool exchange(int fd)
{
    unsigned char b[2] = {1, 0};
    int err = 0;
    socklen_t len = sizeof(err);
    if (!wait_fd(fd, POLLOUT) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err ||
        write(fd, b, 1) != 1)
        return false;
    size_t have = 0;
    while (have < 2) {
        if (!wait_fd(fd, POLLIN))
            return false;
        ssize_t n = read(fd, b + have, 2 - have);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return false;
        have += n > 0 ? (size_t)n : 0;
    }
    return true;
}

static double max_over_mean(int a, int b)
{
    return a + b ? (double)(a > b ? a : b) * SHARDS / (a + b) : 1;
}

/* Waits until the shards have as many connections open as the client (a
 * close reaches the server a moment later), then records the balance. */
static void checkpoint(struct clients *c, bool wave_open)
{
    int a = 0, b = 0;
    for (int ms = 0; ms < SETTLE_LIMIT_MS; ms++) {
        a = atomic_load_explicit(&open_on[0].n, memory_order_relaxed);
        b = atomic_load_explicit(&open_on[1].n, memory_order_relaxed);
        if (a + b == c->live)
            break;
        usleep(1000);
    }
    double r = max_over_mean(a, b);
    c->sum += r;
    c->wave_sum += wave_open ? r : 0;
    c->peak = r > c->peak ? r : c->peak;
    double excess = (a > b ? a - b : b - a) / 2.0;
    c->excess = excess > c->excess ? excess : c->excess;
    c->end = r;
    c->checkpoints++;
}

static void *clients_main(void *arg)
{
    struct clients *c = arg;
    for (int w = 0; w < WAVES; w++) {
        int *fd = c->fd + w * WAVE;
        for (int i = 0; i < WAVE; i++)
            fd[i] = connect_to(&c->to);
        for (int i = 0; i < WAVE; i++) {
            if (fd[i] >= 0 && exchange(fd[i])) {
                c->live++;
            } else {
                c->failures++;
                if (fd[i] >= 0)
                    close(fd[i]);
                fd[i] = -1;
            }
        }
        checkpoint(c, true);
        usleep(HOLD_MS * 1000);
        for (int i = 0; i < WAVE; i++) {
            c->seed = c->seed * 1103515245u + 12345u;
            bool long_lived = (c->seed >> 16) % LONG_EVERY == 0;
            if (!long_lived && fd[i] >= 0) {
                close(fd[i]);
                fd[i] = -1;
                c->live--;
            }
        }
        checkpoint(c, false);
        usleep(GAP_MS * 1000);
    }
    atomic_store(&c->done, true);
    return NULL;
}

/* ---- One run ------------------------------------------------------------------- */

struct figures {
    unsigned seed;
    double mean, wave, peak, excess, end;
};

/* On shard 0: listens on both shards, runs the clients, waits for them
 * and closes everything. */
static reef_future one_run(void *arg)
{
    struct figures *out = arg;
    struct clients *c = calloc(1, sizeof(*c));
    if (!c)
        return reef_fail_code(-ENOMEM);
    c->seed = out->seed;
    for (int i = 0; i < WAVES * WAVE; i++)
        c->fd[i] = -1;
    reef_sockaddr addr;
    reef_sockaddr_parse("127.0.0.1:0", &addr);
    if (reef_fiber_wait(reef_submit_to(0, listen_here, &addr, 0), NULL, NULL) < 0 ||
        reef_fiber_wait(reef_submit_to(1, listen_here, &addr, 0), NULL, NULL) < 0)
        return reef_fail_code(-EADDRINUSE);
    c->to = addr;
    pthread_t t;
    pthread_create(&t, NULL, clients_main, c);

    while (!atomic_load(&c->done))
        reef_fiber_sleep(reef_ms(1));
    pthread_join(t, NULL); /* it has finished */
    out->mean = c->sum / c->checkpoints;
    out->wave = c->wave_sum / WAVES;
    out->peak = c->peak;
    out->excess = c->excess;
    out->end = c->end;
    if (c->failures)
        fprintf(stderr, "bench-spread: %d connections got no answer\n", c->failures);
    for (int i = 0; i < WAVES * WAVE; i++)
        if (c->fd[i] >= 0)
            close(c->fd[i]);
    free(c);
    while (atomic_load(&open_on[0].n) + atomic_load(&open_on[1].n) > 0)
        reef_fiber_sleep(reef_ms(1));
    reef_fiber_wait(reef_submit_to(1, close_here, NULL, 0), NULL, NULL);
    reef_fiber_wait(reef_submit_to(0, close_here, NULL, 0), NULL, NULL);
    return reef_done();
}

static reef_future run(void *arg)
{
    return reef_async(one_run, arg);
}

static struct figures measure(unsigned seed)
{
    struct figures f = {.seed = seed};
    struct reef__reactor_config cfg = {
        .task_quota = 500000,
        .idle_poll = REEF__DEFAULT_IDLE_POLL_NS,
        .backend = backend,
        .blocked_notify = reef_s(3600),
        .smp = SHARDS,
    };
    struct reef__run_result res;
    int rc = reef__run_main(&cfg, run, &f, &res);
    if (rc < 0 || res.status != 0) {
        fprintf(stderr, "bench-spread: the run failed: %s\n",
                rc < 0 ? reef_strerror(rc) : "its main future failed");
        exit(1);
    }
    return f;
}

static const struct {
    enum reef_spread spread;
    const char *name;
} modes[] = {
    {REEF_SPREAD_LEAST_LOADED, "least_loaded"},
    {REEF_SPREAD_BY_PORT, "by_port"},
    {REEF_SPREAD_REUSE_PORT, "reuse_port"},
    {REEF_SPREAD_FIXED, "fixed"},
};

static void print_figure(const char *mode, const char *what, double v, const char *unit)
{
    char name[96];
    snprintf(name, sizeof(name), "net.spread.%s.%s", mode, what);
    bench_print(name, v, unit);
}

int main(int argc, char **argv)
{
    backend = argc > 1 && strcmp(argv[1], "auto") != 0 ? argv[1] : NULL;
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        spread = modes[m].spread;
        double mean[RUNS], wave[RUNS], peak[RUNS], excess[RUNS], end[RUNS];
        for (int r = 0; r < RUNS; r++) {
            struct figures f = measure(12345u + (unsigned)r);
            mean[r] = f.mean;
            wave[r] = f.wave;
            peak[r] = f.peak;
            excess[r] = f.excess;
            end[r] = f.end;
        }
        print_figure(modes[m].name, "max_over_mean", bench_median(mean, RUNS), "ratio");
        print_figure(modes[m].name, "wave_max_over_mean", bench_median(wave, RUNS), "ratio");
        print_figure(modes[m].name, "peak_max_over_mean", bench_median(peak, RUNS), "ratio");
        print_figure(modes[m].name, "peak_excess", bench_median(excess, RUNS), "connections");
        print_figure(modes[m].name, "end_max_over_mean", bench_median(end, RUNS), "ratio");
    }
    return 0;
}
