/*
 * Composition benchmarks: loops, semaphores, when_all, pipes and
 * parallel_for_each, next to the cost of one deferred continuation
 * measured in the same run.
 *
 * Prints one line per figure: "name value unit" (median of REPS runs).
 */
#include <string.h>

#include "bench.h"

#define REPS 5
#define N_FUTURES 1000

static reef_promise promises[N_FUTURES];
static reef_future futures[N_FUTURES];

static reef_future inc(void *cap, reef_val v)
{
    (void)cap;
    return reef_ready_i64(v.i + 1);
}

/* The reference: a continuation attached to a pending future, run
 * through the task queue once the promise is resolved. */
static reef_future bench_deferred_ref(void *arg)
{
    double *out = arg;
    long rounds = 100000;
    reef_time t0 = reef_now();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < 32; i++)
            futures[i] = reef_then(reef_promise_init(&promises[i]), inc, NULL, 0);
        for (int i = 0; i < 32; i++)
            reef_promise_resolve(&promises[i], (reef_val){.i = i});
        bench_drain_queue();
        for (int i = 0; i < 32; i++)
            reef_future_ignore(futures[i]);
    }
    *out = bench_ns_since(t0, rounds * 32);
    return reef_done();
}

/* ---- repeat ------------------------------------------------------------- */

#define REPEAT_ITERS 10000000L

struct repeat_state {
    long left;
    reef_time t0;
    double *out;
};

static reef_future repeat_body(void *cap)
{
    long *left = *(long **)cap;
    return --*left > 0 ? reef_continue() : reef_stop();
}

static reef_future repeat_done(void *cap, reef_val v)
{
    (void)v;
    struct repeat_state *st = cap;
    *st->out = bench_ns_since(st->t0, REPEAT_ITERS);
    return reef_done();
}

static reef_future bench_repeat(void *arg)
{
    static struct repeat_state st;
    st = (struct repeat_state){REPEAT_ITERS, reef_now(), arg};
    long *left = &st.left;
    return reef_then(reef_repeat(repeat_body, &left, sizeof(left)), repeat_done, &st, 0);
}

/* ---- semaphore ------------------------------------------------------------ */

static reef_future bench_sem_uncontended(void *arg)
{
    double *out = arg;
    reef_sem sem;
    reef_sem_init(&sem, 1);
    long n = 20000000;
    reef_time t0 = reef_now();
    for (long i = 0; i < n; i++) {
        reef_future f = reef_sem_wait(&sem, 1);
        reef_future_ignore(f); /* ready: nothing to wait for */
        reef_sem_signal(&sem, 1);
    }
    *out = bench_ns_since(t0, n);
    reef_sem_fini(&sem);
    return reef_done();
}

/* With a waiter: every wait queues, every signal hands the unit over and
 * resolves the waiter's future. */
static reef_future bench_sem_contended(void *arg)
{
    double *out = arg;
    reef_sem sem;
    reef_sem_init(&sem, 0);
    long rounds = 100000;
    reef_time t0 = reef_now();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < 32; i++)
            futures[i] = reef_sem_wait(&sem, 1);
        for (int i = 0; i < 32; i++)
            reef_sem_signal(&sem, 1);
        bench_drain_queue();
        for (int i = 0; i < 32; i++) {
            if (reef_future_take(futures[i], NULL, NULL) != 0)
                abort();
            reef_sem_signal(&sem, 0);
        }
        if (reef_sem_available(&sem) != 0)
            abort();
    }
    *out = bench_ns_since(t0, rounds * 32);
    reef_sem_fini(&sem);
    return reef_done();
}

/* ---- when_all over 1,000 pending futures -------------------------------- */

static reef_future bench_when_all(void *arg)
{
    double *out = arg;
    long rounds = 2000;
    reef_time t0 = reef_now();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < N_FUTURES; i++)
            futures[i] = reef_promise_init(&promises[i]);
        reef_future all = reef_when_all(futures, N_FUTURES);
        for (int i = 0; i < N_FUTURES; i++)
            reef_promise_resolve(&promises[i], (reef_val){.i = i});
        bench_drain_queue();
        if (reef_future_take(all, NULL, NULL) != 0)
            abort();
        for (int i = 0; i < N_FUTURES; i++)
            reef_future_ignore(futures[i]);
    }
    *out = bench_ns_since(t0, rounds * N_FUTURES);
    return reef_done();
}

/* ---- pipe ----------------------------------------------------------------- */

/* Batches of 32 items written into a pipe with room, then read out. */
static reef_future bench_pipe(void *arg)
{
    double *out = arg;
    reef_pipe *p = reef_pipe_create(32);
    static reef_val items[32];
    long rounds = 300000;
    reef_time t0 = reef_now();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < 32; i++)
            futures[i] = reef_pipe_write(p, (reef_val){.i = i});
        for (int i = 0; i < 32; i++)
            futures[32 + i] = reef_pipe_read(p, &items[i]);
        bench_drain_queue();
        for (int i = 0; i < 64; i++)
            if (reef_future_take(futures[i], NULL, NULL) != 0)
                abort();
        if (items[31].i != 31)
            abort();
    }
    *out = bench_ns_since(t0, rounds * 32);
    reef_pipe_close_writer(p);
    reef_pipe_close_reader(p);
    return reef_done();
}

/* ---- parallel_for_each -------------------------------------------------- */

static reef_future elem_ready(void *cap, int64_t i)
{
    (void)cap, (void)i;
    return reef_done();
}

static reef_future elem_suspending(void *cap, int64_t i)
{
    (void)cap;
    return reef_promise_init(&promises[i]);
}

static reef_future bench_pfe(void *arg, bool suspending)
{
    double *out = arg;
    long rounds = suspending ? 2000 : 5000;
    reef_time t0 = reef_now();
    for (long r = 0; r < rounds; r++) {
        reef_future all = reef_parallel_for_range(0, N_FUTURES,
                                                  suspending ? elem_suspending : elem_ready,
                                                  NULL, 0);
        if (suspending) {
            for (int i = 0; i < N_FUTURES; i++)
                reef_promise_resolve(&promises[i], (reef_val){.i = 0});
        }
        bench_drain_queue();
        if (reef_future_take(all, NULL, NULL) != 0)
            abort();
    }
    *out = bench_ns_since(t0, rounds * N_FUTURES);
    return reef_done();
}

static reef_future bench_pfe_ready(void *arg) { return bench_pfe(arg, false); }
static reef_future bench_pfe_suspending(void *arg) { return bench_pfe(arg, true); }

/* ---- main ------------------------------------------------------------------ */

struct figure {
    const char *name;
    reef_future (*fn)(void *);
    double samples[REPS];
};

int main(int argc, char **argv)
{
    /* bench-flow [backend|auto [figure]]: one figure, for profiling. */
    const char *backend = argc > 1 && strcmp(argv[1], "auto") != 0 ? argv[1] : NULL;
    struct figure figs[] = {
        {"flow.ref_then_deferred_ns", bench_deferred_ref, {0}},
        {"flow.repeat_iter_ns", bench_repeat, {0}},
        {"flow.sem_wait_signal_ns", bench_sem_uncontended, {0}},
        {"flow.sem_wait_contended_ns", bench_sem_contended, {0}},
        {"flow.when_all_per_future_ns", bench_when_all, {0}},
        {"flow.pipe_transfer_ns", bench_pipe, {0}},
        {"flow.parallel_for_each_ready_per_elem_ns", bench_pfe_ready, {0}},
        {"flow.parallel_for_each_suspending_per_elem_ns", bench_pfe_suspending, {0}},
    };
    const int nfigs = (int)(sizeof(figs) / sizeof(figs[0]));
    bench_pin_to_cpu0();
    if (argc > 2) {
        for (int f = 0; f < nfigs; f++) {
            if (strcmp(figs[f].name, argv[2]) == 0) {
                for (int r = 0; r < REPS; r++)
                    bench_print(figs[f].name, bench_on_reactor(figs[f].fn, backend), "ns");
                return 0;
            }
        }
        fprintf(stderr, "no figure named '%s'\n", argv[2]);
        return 2;
    }
    /* Interleaved repetitions: a slow phase of the machine spreads over
     * every figure instead of spoiling one. */
    for (int r = 0; r < REPS; r++)
        for (int f = 0; f < nfigs; f++)
            figs[f].samples[r] = bench_on_reactor(figs[f].fn, backend);
    double ref = bench_median(figs[0].samples, REPS);
    for (int f = 0; f < nfigs; f++)
        bench_print(figs[f].name, bench_median(figs[f].samples, REPS), "ns");
    for (int f = 1; f < nfigs; f++) {
        char name[128];
        snprintf(name, sizeof(name), "%.*s_per_deferred_continuation",
                 (int)(strlen(figs[f].name) - 3), figs[f].name);
        bench_print(name, bench_median(figs[f].samples, REPS) / ref, "ratio");
    }
    return 0;
}
