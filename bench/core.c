/*
 * Core benchmarks: continuations, the task queue, timers and the idle
 * reactor, next to the machine's cost of an indirect call and of
 * malloc+free measured in the same run.
 *
 * Prints one line per figure: "name value unit". Each figure is the median
 * of REPS repetitions, so that a noisy moment on a shared machine moves
 * one sample, not the result.
 */
#include <string.h>
#include <time.h>

#include "bench.h"

#define REPS 7

/* ---- Machine references ---------------------------------------------------- */

__attribute__((noinline)) static long add_one(long x) { return x + 1; }
static long (*volatile indirect)(long) = add_one;

static double machine_indirect_call(void)
{
    long n = 100000000, acc = 0;
    reef_time t0 = reef_now();
    for (long i = 0; i < n; i++)
        acc = indirect(acc);
    double r = bench_ns_since(t0, n);
    if (acc != n)
        abort();
    return r;
}

static double machine_malloc_free(void)
{
    long n = 50000000;
    reef_time t0 = reef_now();
    for (long i = 0; i < n; i++) {
        void *volatile p = malloc(64);
        free(p);
    }
    return bench_ns_since(t0, n);
}

/* ---- Benchmarks on a reactor --------------------------------------------- */

static reef_future inc(void *cap, reef_val v) { return reef_ready_i64(v.i + 1); }

/* then() on ready futures: chains of 200 links (under the 256 budget),
 * one chain per task. */
struct ready_state {
    long left, total;
    reef_time t0;
    double *out;
};

static reef_future ready_slice(void *cap, reef_val v)
{
    struct ready_state *st = cap;
    reef_future f = reef_ready_i64(0);
    for (int i = 0; i < 200; i++)
        f = reef_then(f, inc, NULL, 0);
    /* Once the quota is up, then() defers even ready continuations: those
     * links finish later, and this slice counts only what ran inline. */
    if (reef_future_available(f)) {
        reef_val acc;
        reef_future_take(f, &acc, NULL);
        st->left -= 200;
    } else {
        reef_future_ignore(f);
    }
    if (st->left > 0)
        return reef_then(reef_yield(), ready_slice, st, 0);
    *st->out = bench_ns_since(st->t0, st->total);
    return reef_done();
}

static reef_future bench_then_ready(void *arg)
{
    static struct ready_state st;
    st.total = st.left = 20000000;
    st.out = arg;
    st.t0 = reef_now();
    return ready_slice(&st, (reef_val){0});
}

/* A promise resolved later: the continuation is allocated, queued and run. */
#define BATCH 1000
static reef_promise promises[BATCH];
static reef_future futures[BATCH];

/* Batches of 32 pending continuations: the working set stays in L1, as
 * for a shard serving a handful of requests at a time. */
#define DEFERRED_BATCH 32

static reef_future bench_then_deferred(void *arg)
{
    double *out = arg;
    long rounds = 150000;
    reef_time t0 = reef_now();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < DEFERRED_BATCH; i++)
            futures[i] = reef_then(reef_promise_init(&promises[i]), inc, NULL, 0);
        for (int i = 0; i < DEFERRED_BATCH; i++)
            reef_promise_resolve(&promises[i], (reef_val){.i = i});
        /* Run the queued continuations in place of the loop, which would
         * otherwise interleave polling with them. */
        bench_drain_queue();
        for (int i = 0; i < DEFERRED_BATCH; i++) {
            reef_val v;
            reef_future_take(futures[i], &v, NULL);
        }
    }
    *out = bench_ns_since(t0, rounds * DEFERRED_BATCH);
    return reef_done();
}

/* Waking 32-deep chains: one resolve runs 32 links. */
#define CHAINS 100
#define DEPTH 32

static reef_future bench_chain_wake(void *arg)
{
    double *out = arg;
    double total = 0;
    long links = 0;
    for (int round = 0; round < 500; round++) {
        for (int c = 0; c < CHAINS; c++) {
            reef_future f = reef_promise_init(&promises[c]);
            for (int d = 0; d < DEPTH; d++)
                f = reef_then(f, inc, NULL, 0);
            futures[c] = f;
        }
        reef_time t0 = reef_now();
        for (int c = 0; c < CHAINS; c++)
            reef_promise_resolve(&promises[c], (reef_val){.i = 0});
        bench_drain_queue();
        total += (double)(reef_now() - t0);
        links += CHAINS * DEPTH;
        for (int c = 0; c < CHAINS; c++) {
            reef_val v;
            reef_future_take(futures[c], &v, NULL);
            if (v.i != DEPTH)
                abort();
        }
    }
    *out = total / (double)links;
    return reef_done();
}

/* Raw tasks through the queue: 64 tasks re-queueing themselves. */
struct spin_task {
    struct reef__task task;
    long *left;
};

static void spin_run(struct reef__task *t)
{
    struct spin_task *s = (struct spin_task *)t;
    if (--*s->left > 0)
        reef__schedule(t);
}

static reef_future bench_tasks(void *arg)
{
    double *out = arg;
    static struct spin_task tasks[64];
    long left = 50000000, n = left;
    for (int i = 0; i < 64; i++) {
        tasks[i] = (struct spin_task){{spin_run, 0}, &left};
        reef__schedule(&tasks[i].task);
    }
    reef_time t0 = reef_now();
    bench_drain_queue();
    *out = (double)n / ((double)(reef_now() - t0) / 1e9);
    return reef_done();
}

/* Timers armed with no delay and fired by the reactor's expiry pass. */
static long timers_fired;
static void on_fire(reef_timer *t, void *arg) { timers_fired++; }

static reef_future bench_timers(void *arg)
{
    double *out = arg;
    static reef_timer ts[BATCH];
    long rounds = 2000;
    timers_fired = 0;
    for (int i = 0; i < BATCH; i++)
        reef_timer_init(&ts[i], REEF_CLOCK_STEADY, on_fire, NULL);
    reef_time t0 = reef_now();
    for (long r = 0; r < rounds; r++) {
        reef_time now = reef_now();
        for (int i = 0; i < BATCH; i++)
            reef_timer_arm_at(&ts[i], now + i);
        reef__timers_expire(reef__r, now + BATCH);
    }
    *out = bench_ns_since(t0, rounds * BATCH);
    if (timers_fired != rounds * BATCH)
        abort();
    return reef_done();
}

/* Choosing --idle-poll-time-us: a shard that sleeps 100 us at a time, as
 * one waiting for frequent small events does. Polling before sleeping
 * saves the kernel's wake-up delay at the price of CPU time. */
#define SHORT_SLEEPS 2000
static double idle_poll_cpu_ms_per_s;

struct short_sleep_state {
    int left;
    reef_time t0, asked_at;
    double cpu0, overshoot_ns;
    double *out;
};

static double thread_cpu_ms(void);

static reef_future short_sleep_next(void *cap, reef_val v)
{
    struct short_sleep_state *st = cap;
    if (st->asked_at)
        st->overshoot_ns += (double)(reef_now() - st->asked_at - reef_us(100));
    if (st->left-- == 0) {
        double wall_s = (double)(reef_now() - st->t0) / 1e9;
        idle_poll_cpu_ms_per_s = (thread_cpu_ms() - st->cpu0) / wall_s;
        *st->out = st->overshoot_ns / SHORT_SLEEPS / 1e3;
        return reef_done();
    }
    st->asked_at = reef_now();
    return reef_then(reef_sleep(reef_us(100)), short_sleep_next, st, 0);
}

static reef_future bench_short_sleeps(void *arg)
{
    static struct short_sleep_state st;
    st = (struct short_sleep_state){SHORT_SLEEPS, reef_now(), 0, thread_cpu_ms(), 0, arg};
    return short_sleep_next(&st, (reef_val){0});
}

static void bench_idle_poll_choice(const char *backend)
{
    static const int poll_us[] = {0, 10, 25, 50, 100, 200};
    for (size_t i = 0; i < sizeof(poll_us) / sizeof(poll_us[0]); i++) {
        struct reef__reactor_config cfg = {
            .task_quota = 500000,
            .idle_poll = reef_us(poll_us[i]),
            .backend = backend,
            .blocked_notify = reef_s(3600),
        };
        double over[3], cpu[3];
        for (int r = 0; r < 3; r++) {
            over[r] = bench_on_reactor_cfg(bench_short_sleeps, &cfg);
            cpu[r] = idle_poll_cpu_ms_per_s;
        }
        char name[96];
        snprintf(name, sizeof(name), "core.idle_poll_%dus.sleep_overshoot_us", poll_us[i]);
        bench_print(name, bench_median(over, 3), "us");
        snprintf(name, sizeof(name), "core.idle_poll_%dus.cpu_ms_per_s", poll_us[i]);
        bench_print(name, bench_median(cpu, 3), "ms/s");
    }
}

/* CPU a reactor with nothing to do uses per second of wall time. */
static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct idle_state {
    double cpu0;
    reef_time t0;
    double *out;
};

static reef_future idle_done(void *cap, reef_val v)
{
    struct idle_state *st = cap;
    double wall_s = (double)(reef_now() - st->t0) / 1e9;
    *st->out = (thread_cpu_ms() - st->cpu0) / wall_s;
    return reef_done();
}

static reef_future idle_start(void *cap, reef_val v)
{
    struct idle_state *st = cap;
    st->cpu0 = thread_cpu_ms();
    st->t0 = reef_now();
    return reef_then(reef_sleep(reef_s(2)), idle_done, st, 0);
}

static reef_future bench_idle(void *arg)
{
    static struct idle_state st;
    st.out = arg;
    /* Measure from a settled reactor, not from its start-up. */
    return reef_then(reef_sleep(reef_ms(100)), idle_start, &st, 0);
}

int main(int argc, char **argv)
{
    /* bench-core [backend [figure]]: a figure name runs only that one
     * benchmark, in a loop, for profiling. */
    const char *backend = argc > 1 && strcmp(argv[1], "auto") != 0 ? argv[1] : NULL;
    if (argc > 2) {
        reef_future (*fn)(void *) = NULL;
        if (strcmp(argv[2], "then_deferred") == 0)
            fn = bench_then_deferred;
        else if (strcmp(argv[2], "then_ready") == 0)
            fn = bench_then_ready;
        else if (strcmp(argv[2], "chain_wake") == 0)
            fn = bench_chain_wake;
        else if (strcmp(argv[2], "timers") == 0)
            fn = bench_timers;
        else if (strcmp(argv[2], "idle_poll") == 0) {
            bench_idle_poll_choice(backend);
            return 0;
        }
        if (!fn)
            return 2;
        for (int i = 0; i < 5; i++)
            bench_print(argv[2], bench_on_reactor(fn, backend), "");
        return 0;
    }
    bench_pin_to_cpu0();

    double call[REPS], mal[REPS], ready[REPS], deferred[REPS], chain[REPS], tasks[REPS],
        timers[REPS];
    /* Interleave the figures (A B A B ...) so that a slow phase of the
     * machine spreads over all of them. */
    for (int r = 0; r < REPS; r++) {
        call[r] = machine_indirect_call();
        mal[r] = machine_malloc_free();
        ready[r] = bench_on_reactor(bench_then_ready, backend);
        deferred[r] = bench_on_reactor(bench_then_deferred, backend);
        chain[r] = bench_on_reactor(bench_chain_wake, backend);
        tasks[r] = bench_on_reactor(bench_tasks, backend);
        timers[r] = bench_on_reactor(bench_timers, backend);
    }
    double idle = bench_on_reactor(bench_idle, backend);
    double c = bench_median(call, REPS), m = bench_median(mal, REPS), rd = bench_median(ready, REPS),
           df = bench_median(deferred, REPS);
    bench_print("core.then_ready_ns", rd, "ns");
    bench_print("core.then_deferred_ns", df, "ns");
    bench_print("core.chain_wake_per_link_ns", bench_median(chain, REPS), "ns");
    bench_print("core.tasks_per_s", bench_median(tasks, REPS), "tasks/s");
    bench_print("core.timer_arm_fire_ns", bench_median(timers, REPS), "ns");
    bench_print("core.idle_cpu_ms_per_s", idle, "ms/s");
    bench_print("machine.indirect_call_ns", c, "ns");
    bench_print("machine.glibc_malloc_free_ns", m, "ns");
    bench_print("core.then_ready_per_indirect_call", rd / c, "ratio");
    bench_print("core.then_deferred_per_malloc_free", df / m, "ratio");
    return 0;
}
