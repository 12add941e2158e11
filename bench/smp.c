/*
 * Cross-shard benchmarks on two pinned shards, next to what the machine
 * allows measured in the same run: a cache line bouncing between the two
 * cores, and a bare single-producer/single-consumer ring publishing one
 * 16-byte message at a time.
 *
 * Prints one line per figure: "name value unit".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "bench.h"

static const char *backend;

/* ---- Machine references ------------------------------------------------- */

static void pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

#define PINGS 500000L
static _Alignas(64) atomic_long ping;

static void *pong_thread(void *arg)
{
    (void)arg;
    pin_self(1);
    for (long i = 0; i < PINGS; i++) {
        while (atomic_load_explicit(&ping, memory_order_acquire) != 2 * i + 1)
            ;
        atomic_store_explicit(&ping, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

static double machine_pingpong(void)
{
    atomic_store(&ping, 0);
    pthread_t t;
    pthread_create(&t, NULL, pong_thread, NULL);
    pin_self(0);
    reef_time t0 = reef_now();
    for (long i = 0; i < PINGS; i++) {
        atomic_store_explicit(&ping, 2 * i + 1, memory_order_release);
        while (atomic_load_explicit(&ping, memory_order_acquire) != 2 * i + 2)
            ;
    }
    double ns = bench_ns_since(t0, PINGS);
    pthread_join(t, NULL);
    return ns;
}

#define SPSC_SIZE 1024u
#define SPSC_MSGS 20000000L
struct msg16 {
    uint64_t a, b;
};
static struct {
    _Alignas(64) atomic_uint tail;
    _Alignas(64) atomic_uint head;
    _Alignas(64) struct msg16 slots[SPSC_SIZE];
} spsc;

static void *spsc_consumer(void *arg)
{
    (void)arg;
    pin_self(1);
    uint64_t sum = 0;
    unsigned head = 0;
    for (long i = 0; i < SPSC_MSGS; i++) {
        while (atomic_load_explicit(&spsc.tail, memory_order_acquire) == head)
            ;
        sum += spsc.slots[head & (SPSC_SIZE - 1)].a;
        atomic_store_explicit(&spsc.head, ++head, memory_order_release);
    }
    return (void *)(uintptr_t)sum;
}

static double machine_spsc(void)
{
    atomic_store(&spsc.tail, 0);
    atomic_store(&spsc.head, 0);
    pthread_t t;
    pthread_create(&t, NULL, spsc_consumer, NULL);
    pin_self(0);
    unsigned tail = 0;
    reef_time t0 = reef_now();
    for (long i = 0; i < SPSC_MSGS; i++) {
        while (tail - atomic_load_explicit(&spsc.head, memory_order_acquire) == SPSC_SIZE)
            ;
        spsc.slots[tail & (SPSC_SIZE - 1)] = (struct msg16){(uint64_t)i, 0};
        atomic_store_explicit(&spsc.tail, ++tail, memory_order_release);
    }
    void *sum;
    pthread_join(t, &sum);
    double secs = (double)(reef_now() - t0) / 1e9;
    return (double)SPSC_MSGS / secs;
}

/* ---- submit_to ------------------------------------------------------------- */

static reef_future noop(void *cap) { return reef_done(); }

struct rtt_state {
    long left, total;
    reef_time t0;
    double *out;
};

static reef_future rtt_next(void *cap, reef_val v)
{
    struct rtt_state *st = *(struct rtt_state **)cap;
    if (st->left-- == 0) {
        *st->out = bench_ns_since(st->t0, st->total);
        return reef_done();
    }
    return reef_then(reef_submit_to(1, noop, NULL, 0), rtt_next, cap, sizeof(st));
}

static reef_future bench_rtt_n(void *arg, long n)
{
    static struct rtt_state st;
    st = (struct rtt_state){n, n, reef_now(), arg};
    struct rtt_state *p = &st;
    return rtt_next(&p, (reef_val){0});
}

static reef_future bench_rtt(void *arg) { return bench_rtt_n(arg, 200000); }
static reef_future bench_rtt_sleeping(void *arg) { return bench_rtt_n(arg, 5000); }

#define WINDOW 512
#define MSGS 2000000L

struct tput {
    reef_sem window;
    long sent, done;
    reef_time t0;
    double *out;
};

static reef_future one_back(void *cap, reef_future r)
{
    struct tput *t = *(struct tput **)cap;
    reef_future_ignore(r);
    t->done++;
    reef_sem_signal(&t->window, 1);
    return reef_done();
}

static reef_future send_one(void *cap, reef_val v)
{
    struct tput *t = *(struct tput **)cap;
    reef_discard(reef_then_wrapped(reef_submit_to(1, noop, NULL, 0), one_back, &t, sizeof(t)));
    return reef_done();
}

static reef_future tput_step(void *cap, int64_t i)
{
    struct tput *t = *(struct tput **)cap;
    return reef_then(reef_sem_wait(&t->window, 1), send_one, &t, sizeof(t));
}

static reef_future tput_done(void *cap, reef_val v)
{
    struct tput *t = *(struct tput **)cap;
    *t->out = (double)MSGS / ((double)(reef_now() - t->t0) / 1e9);
    reef_sem_fini(&t->window);
    return reef_done();
}

static reef_future tput_drain(void *cap, reef_val v)
{
    struct tput *t = *(struct tput **)cap;
    return reef_then(reef_sem_wait(&t->window, WINDOW), tput_done, &t, sizeof(t));
}

static reef_future bench_tput(void *arg)
{
    static struct tput t;
    memset(&t, 0, sizeof(t));
    reef_sem_init(&t.window, WINDOW);
    t.out = arg;
    t.t0 = reef_now();
    struct tput *p = &t;
    return reef_then(reef_do_for_range(0, MSGS, tput_step, &p, sizeof(p)), tput_drain, &p,
                     sizeof(p));
}

/* ---- Memory ---------------------------------------------------------------- */

#define ALLOCS 20000000L

static reef_future bench_reef_malloc(void *arg)
{
    double *out = arg;
    reef_time t0 = reef_now();
    for (long i = 0; i < ALLOCS; i++) {
        void *volatile p = reef_malloc(64);
        reef_free(p);
    }
    *out = bench_ns_since(t0, ALLOCS);
    return reef_done();
}

static double glibc_malloc_free(void)
{
    reef_time t0 = reef_now();
    for (long i = 0; i < ALLOCS; i++) {
        void *volatile p = malloc(64);
        free(p);
    }
    return bench_ns_since(t0, ALLOCS);
}

#define REMOTE 1000000
static void **remote_blocks;

static reef_future alloc_remote(void *cap)
{
    for (long i = 0; i < REMOTE; i++)
        remote_blocks[i] = reef_malloc(64);
    return reef_done();
}

static reef_future free_remote(void *cap, reef_val v)
{
    double *out = *(double **)cap;
    reef_time t0 = reef_now();
    for (long i = 0; i < REMOTE; i++)
        reef_free(remote_blocks[i]); /* shard 1's memory, freed on shard 0 */
    *out = bench_ns_since(t0, REMOTE);
    return reef_done();
}

static reef_future bench_cross_shard_free(void *arg)
{
    return reef_then(reef_submit_to(1, alloc_remote, NULL, 0), free_remote, &arg, sizeof(arg));
}

static const int two_cpus[2] = {0, 1};

static double on_two_shards(reef_future (*fn)(void *), reef_duration idle_poll)
{
    struct reef__reactor_config cfg = {
        .task_quota = 500000,
        .idle_poll = idle_poll,
        .backend = backend,
        .blocked_notify = reef_s(3600),
        .smp = 2,
        .pin = true,
        .cpus = two_cpus, /* the machine references pinned this thread already */
    };
    return bench_on_reactor_cfg(fn, &cfg);
}

int main(int argc, char **argv)
{
    backend = argc > 1 && strcmp(argv[1], "auto") != 0 ? argv[1] : NULL;
    double pp[5], sp[5], rtt[5], tp[5];
    for (int r = 0; r < 5; r++) {
        pp[r] = machine_pingpong();
        sp[r] = machine_spsc();
        rtt[r] = on_two_shards(bench_rtt, REEF__DEFAULT_IDLE_POLL_NS);
        tp[r] = on_two_shards(bench_tput, REEF__DEFAULT_IDLE_POLL_NS);
    }
    double sleeping = on_two_shards(bench_rtt_sleeping, 0);
    remote_blocks = malloc(REMOTE * sizeof(void *));
    double rm[5], gm[5], xf[5];
    for (int r = 0; r < 5; r++) {
        rm[r] = on_two_shards(bench_reef_malloc, REEF__DEFAULT_IDLE_POLL_NS);
        gm[r] = glibc_malloc_free();
        xf[r] = on_two_shards(bench_cross_shard_free, REEF__DEFAULT_IDLE_POLL_NS);
    }
    free(remote_blocks);
    double ppm = bench_median(pp, 5), spm = bench_median(sp, 5), rttm = bench_median(rtt, 5),
           tpm = bench_median(tp, 5);
    bench_print("smp.submit_to_rtt_ns", rttm, "ns");
    bench_print("smp.submit_to_rtt_sleeping_target_ns", sleeping, "ns");
    bench_print("smp.msgs_per_s", tpm, "msgs/s");
    bench_print("machine.pingpong_rtt_ns", ppm, "ns");
    bench_print("machine.spsc_msgs_per_s", spm, "msgs/s");
    bench_print("smp.rtt_per_pingpong", rttm / ppm, "ratio");
    bench_print("smp.msgs_per_spsc", tpm / spm, "ratio");
    double rmm = bench_median(rm, 5), gmm = bench_median(gm, 5);
    bench_print("mem.malloc_free_ns", rmm, "ns");
    bench_print("mem.cross_shard_free_ns", bench_median(xf, 5), "ns");
    bench_print("machine.glibc_malloc_free_ns", gmm, "ns");
    bench_print("mem.malloc_free_per_glibc", rmm / gmm, "ratio");
    return 0;
}
