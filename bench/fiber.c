/*
 * Fiber benchmarks: a yield between two fibers, starting and joining a
 * fiber with a pooled stack, waiting on a ready future inside a fiber, the
 * memory an idle fiber costs besides its stack, and the bare context
 * switch (the hand-written register switch alone, no reactor) measured in
 * the same run.
 *
 * Prints one line per figure: "name value unit".
 */
#include <malloc.h>
#include <string.h>

#include "arch/context.h"
#include "bench.h"

#define REPS 5

/* ---- The bare switch: two contexts bouncing, nothing else -------------- */

#define BARE_SWITCHES 20000000L
static struct reef__ctx bare_main, bare_other;
static long bare_left;

static void bare_entry(void *arg)
{
    (void)arg;
    for (;;)
        reef__ctx_switch(&bare_other, &bare_main);
}

static double machine_bare_switch(void)
{
    static char stack[64 * 1024] __attribute__((aligned(16)));
    reef__ctx_init(&bare_other, stack, sizeof(stack), bare_entry, NULL);
    bare_left = BARE_SWITCHES / 2;
    reef_time t0 = reef_now();
    while (bare_left--)
        reef__ctx_switch(&bare_main, &bare_other); /* there and back: two switches */
    return bench_ns_since(t0, BARE_SWITCHES);
}

/* ---- Two fibers yielding to each other ------------------------------------- */

#define YIELDS 2000000L

static reef_future yielder(void *arg)
{
    (void)arg;
    for (long i = 0; i < YIELDS; i++)
        reef_fiber_yield();
    return reef_done();
}

static reef_time yield_t0;

static reef_future yields_done(void *cap, reef_val v)
{
    (void)v;
    **(double **)cap = bench_ns_since(yield_t0, 2 * YIELDS);
    return reef_done();
}

static reef_future bench_switch(void *arg)
{
    yield_t0 = reef_now();
    reef_future fs[2] = {reef_async(yielder, NULL), reef_async(yielder, NULL)};
    return reef_then(reef_when_all_succeed(fs, 2, NULL), yields_done, &arg, sizeof(arg));
}

/* ---- Start + join with a pooled stack ---------------------------------------- */

#define STARTS 500000L

static reef_future empty(void *arg)
{
    (void)arg;
    return reef_done();
}

static reef_future starter(void *arg)
{
    double *out = arg;
    reef_fiber_wait(reef_async(empty, NULL), NULL, NULL); /* warms the pool */
    reef_time t0 = reef_now();
    for (long i = 0; i < STARTS; i++)
        reef_fiber_wait(reef_async(empty, NULL), NULL, NULL);
    *out = bench_ns_since(t0, STARTS);
    return reef_done();
}

static reef_future bench_start_join(void *arg) { return reef_async(starter, arg); }

/* ---- Waiting on a ready future --------------------------------------------------- */

#define WAITS 20000000L

static reef_future waiter(void *arg)
{
    double *out = arg;
    reef_val v;
    reef_time t0 = reef_now();
    for (long i = 0; i < WAITS; i++)
        reef_fiber_wait(reef_ready_i64(i), &v, NULL);
    *out = bench_ns_since(t0, WAITS);
    return reef_done();
}

static reef_future bench_wait_ready(void *arg) { return reef_async(waiter, arg); }

/* ---- Memory of an idle fiber (waiting on a future), besides its stack ------------ */

#define IDLE 10000

static reef_promise idle_promises[IDLE];
static reef_future idle_futures[IDLE];

static reef_future idle_body(void *arg)
{
    reef_fiber_wait(*(reef_future *)arg, NULL, NULL);
    return reef_done();
}

/* What the fibers themselves cost: the futures they wait for are made
 * before counting. */
static reef_future bench_idle_memory(void *arg)
{
    double *out = arg;
    static reef_future fs[IDLE];
    for (int i = 0; i < IDLE; i++)
        idle_futures[i] = reef_promise_init(&idle_promises[i]);
    size_t before = mallinfo2().uordblks;
    for (int i = 0; i < IDLE; i++)
        fs[i] = reef_async(idle_body, &idle_futures[i]);
    bench_drain_queue(); /* all started and parked */
    *out = (double)(mallinfo2().uordblks - before) / IDLE;
    for (int i = 0; i < IDLE; i++)
        reef_promise_resolve(&idle_promises[i], (reef_val){.u = 0});
    return reef_when_all_succeed(fs, IDLE, NULL);
}

int main(int argc, char **argv)
{
    const char *backend = argc > 1 && strcmp(argv[1], "auto") != 0 ? argv[1] : NULL;
    bench_pin_to_cpu0();
    double bare[REPS], sw[REPS], sj[REPS], wr[REPS];
    for (int r = 0; r < REPS; r++) {
        bare[r] = machine_bare_switch();
        sw[r] = bench_on_reactor(bench_switch, backend);
        sj[r] = bench_on_reactor(bench_start_join, backend);
        wr[r] = bench_on_reactor(bench_wait_ready, backend);
    }
    double mem = bench_on_reactor(bench_idle_memory, backend);
    double b = bench_median(bare, REPS), s = bench_median(sw, REPS);
    bench_print("fiber.switch_ns", s, "ns");
    bench_print("fiber.start_join_ns", bench_median(sj, REPS), "ns");
    bench_print("fiber.wait_ready_ns", bench_median(wr, REPS), "ns");
    bench_print("fiber.memory_per_idle_fiber_bytes", mem, "bytes");
    bench_print("machine.bare_switch_ns", b, "ns");
    bench_print("fiber.switch_per_bare_switch", s / b, "ratio");
    return 0;
}
