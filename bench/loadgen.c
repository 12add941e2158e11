/*
 * bench-loadgen: a closed-loop TCP echo client built on Reef.
 *
 *   bench-loadgen --port 10007 --conns 64 --size 64 --duration 3 --warmup 1
 *                 [--address 127.0.0.1] [--pid PID[,PID...]] [-c SHARDS]
 *
 * Opens --conns connections (spread over the shards), and on each one
 * sends a message of --size bytes, reads exactly as many bytes back, and
 * starts over: one round trip in flight per connection. Round trips that
 * end during the warm-up are not counted; those that end within the next
 * --duration seconds are, each with its latency (from the start of the
 * write to the last byte read) in a histogram with 1.6 % wide buckets.
 * The CPU time of the processes given with --pid (all their threads) and
 * of this process is read from /proc at both ends of that window.
 *
 * Prints one line of key=value pairs: rt_per_s, p50_us, p99_us, p999_us,
 * max_us, server_cpu and client_cpu (1.00 = one core busy for the whole
 * window; -1 when unknown; server_cpu has five decimals, enough for an idle
 * server's fraction of a millisecond per second), server_us_per_rt (server CPU time per round
 * trip), conns, size, shards.
 *
 * With --conns 0 it opens nothing and only measures the --pid processes
 * over the window: an idle server's CPU use.
 *
 * Each connection is a continuation loop (reef_repeat), not a fiber: the
 * client shares a two-core machine with the server, so its own cost per
 * round trip should be as small as Reef allows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/reef.h>

#include "netbench.h"

#define MAX_PIDS 16
#define MAX_SIZE (1u << 20)

/* ---- Latency histogram ------------------------------------------------------
 *
 * Log-linear: values below 64 ns have a bucket each; above, every power of
 * two is split into 64 equal buckets, so a bucket is at most 1/64 of its
 * value wide. Fixed size, no allocation per sample. */
#define SUB_BITS 6
#define SUB (1u << SUB_BITS)
#define BUCKETS ((64 - SUB_BITS + 1) * SUB)

struct hist {
    uint64_t count[BUCKETS];
    uint64_t n, max;
};

static unsigned bucket_of(uint64_t v)
{
    if (v < SUB)
        return (unsigned)v;
    unsigned shift = (unsigned)(63 - __builtin_clzll(v)) - SUB_BITS;
    return (shift + 1) * SUB + (unsigned)((v >> shift) - SUB);
}

/* The middle of bucket i. */
static double bucket_mid(unsigned i)
{
    if (i < SUB)
        return i;
    unsigned shift = i / SUB - 1;
    double lower = (double)((uint64_t)(SUB + i % SUB) << shift);
    return lower + (double)((uint64_t)1 << shift) / 2;
}

static void hist_add(struct hist *h, uint64_t v)
{
    h->count[bucket_of(v)]++;
    h->n++;
    if (v > h->max)
        h->max = v;
}

static void hist_merge(struct hist *into, const struct hist *h)
{
    for (unsigned i = 0; i < BUCKETS; i++)
        into->count[i] += h->count[i];
    into->n += h->n;
    if (h->max > into->max)
        into->max = h->max;
}

/* The value below which a fraction q of the samples lie; 0 if none. */
static double hist_quantile(const struct hist *h, double q)
{
    if (h->n == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->n);
    if (rank >= h->n)
        rank = h->n - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < BUCKETS; i++) {
        seen += h->count[i];
        if (seen > rank)
            return bucket_mid(i);
    }
    return (double)h->max;
}

/* ---- Configuration and per-shard state ------------------------------------ */

struct config {
    reef_sockaddr server;
    unsigned conns;
    size_t size;
    reef_duration warmup, duration;
    pid_t pids[MAX_PIDS];
    unsigned npids;
};

/* Written by shard 0 before the shards start their part, read-only after. */
static struct config cfg;
/* Measured window, steady clock; set by shard 0 before the loops start. */
static reef_time window_start, window_end;

struct conn {
    reef_socket *s;
    struct shard *sh;
    reef_time sent_at;
    size_t got;
    char *in;
};

/* One per shard, touched only by its shard until the shard's part has
 * resolved (shard 0 then reads it). */
struct shard {
    struct conn *conns;
    unsigned n;        /* connections of this shard */
    unsigned live;     /* loops not yet finished and closed */
    char *out;         /* the message, shared by the shard's connections */
    char *in;          /* n * size bytes: each connection's reply */
    int err;           /* first error, 0 if none */
    reef_promise done; /* resolved when live drops to 0 */
    struct hist h;
};

static struct shard *shards;

static unsigned share_of(unsigned shard)
{
    unsigned k = reef_shard_count();
    return cfg.conns / k + (shard < cfg.conns % k ? 1 : 0);
}

/* ---- Connecting ----------------------------------------------------------------- */

static void close_all(struct shard *sh)
{
    for (unsigned i = 0; i < sh->n; i++)
        if (sh->conns[i].s)
            reef_fiber_wait(reef_socket_close(sh->conns[i].s), NULL, NULL);
}

/* In a fiber on each shard: its connections, one after another (a few
 * tens of microseconds each on loopback). */
static reef_future connect_fiber(void *arg)
{
    (void)arg;
    struct shard *sh = &shards[reef_shard_id()];
    sh->n = share_of(reef_shard_id());
    sh->conns = calloc(sh->n ? sh->n : 1, sizeof(*sh->conns));
    sh->out = malloc(cfg.size);
    sh->in = malloc(cfg.size * (sh->n ? sh->n : 1));
    if (!sh->conns || !sh->out || !sh->in)
        return reef_fail_msg(-ENOMEM, "no memory for %u connections", sh->n);
    for (size_t i = 0; i < cfg.size; i++)
        sh->out[i] = (char)('a' + i % 26);
    for (unsigned i = 0; i < sh->n; i++) {
        reef_val v;
        reef_err e;
        if (reef_fiber_wait(reef_connect(&cfg.server), &v, &e) < 0) {
            char where[128];
            reef_sockaddr_format(&cfg.server, where, sizeof(where));
            reef_future f = reef_fail_msg(e.code, "connection %u to %s: %s", i, where,
                                          reef_strerror(e.code));
            reef_err_release(e);
            close_all(sh);
            return f;
        }
        sh->conns[i] = (struct conn){.s = v.p, .sh = sh, .in = sh->in + i * cfg.size};
    }
    return reef_done();
}

static reef_future connect_shard(void *cap)
{
    (void)cap;
    return reef_async(connect_fiber, NULL);
}

/* ---- One connection's loop -------------------------------------------------- */

static reef_future after_read(void *cap, reef_val v);

static reef_future read_rest(struct conn *c)
{
    return reef_then(reef_socket_read(c->s, c->in + c->got, cfg.size - c->got), after_read, c, 0);
}

static reef_future after_read(void *cap, reef_val v)
{
    struct conn *c = cap;
    if (v.u == 0)
        return reef_fail_msg(-ECONNRESET, "the server closed a connection mid-reply");
    c->got += v.u;
    if (c->got < cfg.size)
        return read_rest(c);
    reef_time now = reef_now();
    if (now >= window_start && now < window_end)
        hist_add(&c->sh->h, (uint64_t)(now - c->sent_at));
    return now >= window_end ? reef_stop() : reef_continue();
}

static reef_future after_write(void *cap, reef_val v)
{
    (void)v;
    struct conn *c = cap;
    c->got = 0;
    return read_rest(c);
}

/* One round trip. */
static reef_future round_trip(void *cap)
{
    struct conn *c = cap;
    c->sent_at = reef_now();
    return reef_then(reef_socket_write(c->s, c->sh->out, cfg.size), after_write, c, 0);
}

static reef_future closed(void *cap, reef_future r)
{
    struct conn *c = cap;
    reef_future_ignore(r); /* closing a connection we are done with */
    c->s = NULL;
    if (--c->sh->live == 0)
        reef_promise_resolve(&c->sh->done, (reef_val){.u = 0});
    return reef_done();
}

static reef_future loop_ended(void *cap, reef_future r)
{
    struct conn *c = cap;
    reef_val v;
    reef_err e;
    if (reef_future_take(r, &v, &e) < 0) {
        if (!c->sh->err)
            c->sh->err = e.code;
        reef_err_release(e);
    }
    return reef_then_wrapped(reef_socket_close(c->s), closed, c, 0);
}

static reef_future run_shard(void *cap)
{
    (void)cap;
    struct shard *sh = &shards[reef_shard_id()];
    if (sh->n == 0)
        return reef_done();
    sh->live = sh->n;
    reef_future all = reef_promise_init(&sh->done);
    for (unsigned i = 0; i < sh->n; i++)
        reef_discard(reef_then_wrapped(reef_repeat(round_trip, &sh->conns[i], 0), loop_ended,
                                       &sh->conns[i], 0));
    return all;
}

static reef_future free_shard(void *cap)
{
    (void)cap;
    struct shard *sh = &shards[reef_shard_id()];
    free(sh->conns);
    free(sh->out);
    free(sh->in);
    return reef_done();
}

/* ---- Measuring and reporting ----------------------------------------------- */

static int64_t pids_cpu_ns(void)
{
    int64_t sum = 0;
    for (unsigned i = 0; i < cfg.npids; i++) {
        int64_t ns = proc_cpu_ns(cfg.pids[i]);
        if (ns < 0)
            return -1;
        sum += ns;
    }
    return cfg.npids ? sum : -1;
}

static void report(int64_t server_ns, int64_t client_ns)
{
    struct hist *all = calloc(1, sizeof(*all));
    if (!all)
        return;
    for (unsigned i = 0; i < reef_shard_count(); i++)
        hist_merge(all, &shards[i].h);
    double secs = (double)cfg.duration / 1e9;
    double rt = (double)all->n / secs;
    double server = server_ns < 0 ? -1 : (double)server_ns / (double)cfg.duration;
    double client = client_ns < 0 ? -1 : (double)client_ns / (double)cfg.duration;
    printf("rt_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f server_cpu=%.5f "
           "client_cpu=%.3f server_us_per_rt=%.2f conns=%u size=%zu shards=%u\n",
           rt, hist_quantile(all, 0.50) / 1e3, hist_quantile(all, 0.99) / 1e3,
           hist_quantile(all, 0.999) / 1e3, (double)all->max / 1e3, server, client,
           server_ns < 0 || all->n == 0 ? -1 : (double)server_ns / 1e3 / (double)all->n,
           cfg.conns, cfg.size, reef_shard_count());
    fflush(stdout);
    free(all);
}

/* Shard 0's part, in a fiber: connect everywhere, run everywhere while
 * sampling CPU time at both ends of the window, then report. */
static reef_future main_fiber(void *arg)
{
    (void)arg;
    reef_err e;
    if (reef_fiber_wait(reef_invoke_on_all(connect_shard, NULL, 0), NULL, &e) < 0) {
        reef_discard(reef_invoke_on_all(free_shard, NULL, 0));
        return reef_fail(e);
    }
    window_start = reef_now() + cfg.warmup;
    window_end = window_start + cfg.duration;
    reef_future run = reef_invoke_on_all(run_shard, NULL, 0);
    reef_fiber_sleep(window_start - reef_now());
    int64_t s0 = pids_cpu_ns(), c0 = proc_cpu_ns(getpid());
    reef_fiber_sleep(window_end - reef_now());
    int64_t s1 = pids_cpu_ns(), c1 = proc_cpu_ns(getpid());
    /* Every loop stops after its first round trip past the window: a
     * server that stops answering keeps us here (bench/net.sh bounds the
     * run with timeout(1)). */
    int rc = reef_fiber_wait(run, NULL, &e);
    int err = 0;
    for (unsigned i = 0; i < reef_shard_count(); i++)
        if (!err)
            err = shards[i].err;
    if (rc == 0 && err == 0)
        report(s0 < 0 || s1 < 0 ? -1 : s1 - s0, c0 < 0 || c1 < 0 ? -1 : c1 - c0);
    reef_fiber_wait(reef_invoke_on_all(free_shard, NULL, 0), NULL, NULL);
    if (rc < 0)
        return reef_fail(e);
    if (err)
        return reef_fail_msg(err, "a connection failed: %s", reef_strerror(err));
    return reef_done();
}

/* ---- Options ------------------------------------------------------------------ */

static int parse_pids(const reef_app *app)
{
    const char *const *items;
    size_t n = reef_app_list(app, "pid", &items);
    for (size_t i = 0; i < n; i++) {
        const char *p = items[i];
        while (*p) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || v <= 0 || (*end && *end != ','))
                return -EINVAL;
            if (cfg.npids == MAX_PIDS)
                return -E2BIG;
            cfg.pids[cfg.npids++] = (pid_t)v;
            p = *end ? end + 1 : end;
        }
    }
    return 0;
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    int64_t conns = reef_app_int(app, "conns");
    int64_t size = reef_app_int(app, "size");
    double dur = reef_app_double(app, "duration"), warm = reef_app_double(app, "warmup");
    if (netbench_server(app, &cfg.server) < 0)
        return reef_fail_msg(-EINVAL, "--address must be an IPv4 address, --port 1..65535");
    if (conns < 0 || conns > 1000000 || size < 1 || size > MAX_SIZE)
        return reef_fail_msg(-EINVAL, "--conns must be 0..1000000, --size 1..%u", MAX_SIZE);
    if (!(dur > 0 && dur < 86400) || !(warm >= 0 && warm < 86400))
        return reef_fail_msg(-EINVAL, "--duration must be positive, --warmup not negative");
    if (parse_pids(app) < 0)
        return reef_fail_msg(-EINVAL, "--pid takes process ids (at most %d)", MAX_PIDS);
    cfg.conns = (unsigned)conns;
    cfg.size = (size_t)size;
    cfg.duration = (reef_duration)(dur * 1e9);
    cfg.warmup = (reef_duration)(warm * 1e9);
    shards = calloc(reef_shard_count(), sizeof(*shards));
    if (!shards)
        return reef_fail_code(-ENOMEM);
    return reef_async(main_fiber, NULL);
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("bench-loadgen", "A closed-loop TCP echo client.");
    if (!app)
        return 1;
    netbench_add_options(app, 64, "connections, each with one round trip in flight");
    reef_app_add_int(app, "size", 's', 64, "message size in bytes");
    reef_app_add_double(app, "duration", 'd', 3, "measured seconds");
    reef_app_add_double(app, "warmup", 'w', 1, "seconds of load before measuring");
    reef_app_add_list(app, "pid", 'P', "server process ids whose CPU time to report");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    free(shards);
    return status;
}
