/*
 * Fiber benchmarks: a yield between two fibers, starting and joining a
 * fiber with a pooled stack, waiting on a ready future inside a fiber, and
 * what an idle fiber costs besides its stack — next to references measured
 * in the same run: a bare hand-written register switch (no reactor, no
 * floating-point state), Reef's own context switch alone, and a deferred
 * continuation (the foundation's core.then_deferred_ns, measured the same
 * way).
 *
 * Prints one line per figure: "name value unit". Each figure is the median
 * of REPS repetitions, interleaved so that a slow phase of the machine
 * spreads over all of them.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch/context.h"
#include "bench.h"
#include "core/fiber_stack.h"

#define REPS 5

/* ---- The bare switch: the textbook minimum ------------------------------------
 *
 * Saves the callee-saved integer registers, swaps stack pointers and
 * returns into the other context: no floating-point control state, and a
 * plain `ret` (Reef's switch jumps instead; see src/arch/x86_64/switch.S).
 * bare_switch(&save_sp, next_sp). */
void bare_switch(void **save, void *next);
#if defined(__x86_64__)
__asm__(".text\n"
        ".p2align 4\n"
        "bare_switch:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".p2align 4\n"
        "bare_switch:\n"
        "  sub sp, sp, #160\n"
        "  stp x19, x20, [sp, #0]\n  stp x21, x22, [sp, #16]\n  stp x23, x24, [sp, #32]\n"
        "  stp x25, x26, [sp, #48]\n  stp x27, x28, [sp, #64]\n  stp x29, x30, [sp, #80]\n"
        "  stp d8, d9, [sp, #96]\n  stp d10, d11, [sp, #112]\n  stp d12, d13, [sp, #128]\n"
        "  stp d14, d15, [sp, #144]\n"
        "  mov x9, sp\n  str x9, [x0]\n  mov sp, x1\n"
        "  ldp x19, x20, [sp, #0]\n  ldp x21, x22, [sp, #16]\n  ldp x23, x24, [sp, #32]\n"
        "  ldp x25, x26, [sp, #48]\n  ldp x27, x28, [sp, #64]\n  ldp x29, x30, [sp, #80]\n"
        "  ldp d8, d9, [sp, #96]\n  ldp d10, d11, [sp, #112]\n  ldp d12, d13, [sp, #128]\n"
        "  ldp d14, d15, [sp, #144]\n"
        "  add sp, sp, #160\n"
        "  ret\n");
#endif

#define BARE_SWITCHES 20000000L
static void *bare_main_sp, *bare_other_sp;

/* The other side: bounces straight back, forever. */
static void bare_other(void)
{
    for (;;)
        bare_switch(&bare_other_sp, bare_main_sp);
}

/* A stack whose first switch "returns" into bare_other. */
static void *bare_stack_init(char *stack, size_t size)
{
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    uint64_t *sp = (uint64_t *)(top - 8);
    /* ret lands in bare_other with rsp = top - 8, as after a call. */
    *--sp = (uint64_t)(uintptr_t)bare_other;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    return sp;
#else
    uint64_t *sp = (uint64_t *)(top - 160);
    memset(sp, 0, 160);
    sp[11] = (uint64_t)(uintptr_t)bare_other; /* x30 */
    return sp;
#endif
}

static double machine_bare_switch(void)
{
    static char stack[64 * 1024] __attribute__((aligned(16)));
    bare_other_sp = bare_stack_init(stack, sizeof(stack));
    reef_time t0 = reef_now();
    for (long i = 0; i < BARE_SWITCHES / 2; i++)
        bare_switch(&bare_main_sp, bare_other_sp); /* there and back: two switches */
    return bench_ns_since(t0, BARE_SWITCHES);
}

/* ---- Reef's context switch alone (no reactor) ----------------------------------- */

static struct reef__ctx ctx_main, ctx_other;

static void ctx_entry(void *arg)
{
    (void)arg;
    for (;;)
        reef__ctx_switch(&ctx_other, &ctx_main);
}

static double ctx_switch_alone(void)
{
    static char stack[64 * 1024] __attribute__((aligned(16)));
    reef__ctx_init(&ctx_other, stack, sizeof(stack), ctx_entry, NULL);
    reef_time t0 = reef_now();
    for (long i = 0; i < BARE_SWITCHES / 2; i++)
        reef__ctx_switch(&ctx_main, &ctx_other);
    return bench_ns_since(t0, BARE_SWITCHES);
}

/* ---- Two fibers yielding to each other ------------------------------------------- */

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

/* One figure per yield: each hands the shard from one fiber to the other. */
static reef_future bench_switch(void *arg)
{
    yield_t0 = reef_now();
    reef_future fs[2] = {reef_async(yielder, NULL), reef_async(yielder, NULL)};
    return reef_then(reef_when_all_succeed(fs, 2, NULL), yields_done, &arg, sizeof(arg));
}

/* ---- Start + join with a pooled stack ---------------------------------------------- */

#define STARTS 1000000L

static reef_future empty(void *arg)
{
    (void)arg;
    return reef_done();
}

/* From inside a fiber: start one and wait for its end, over and over. */
static reef_future starter(void *arg)
{
    double *out = arg;
    reef_fiber_wait(reef_async(empty, NULL), NULL, NULL); /* fills the pool */
    reef_time t0 = reef_now();
    for (long i = 0; i < STARTS; i++)
        reef_fiber_wait(reef_async(empty, NULL), NULL, NULL);
    *out = bench_ns_since(t0, STARTS);
    return reef_done();
}

static reef_future bench_start_join(void *arg) { return reef_async(starter, arg); }

/* ---- Waiting on a ready future ------------------------------------------------------- */

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

/* ---- A deferred continuation (as core.then_deferred_ns) ------------------------------ */

#define DEFERRED_BATCH 32
#define DEFERRED_ROUNDS 150000L

static reef_future inc(void *cap, reef_val v)
{
    (void)cap;
    return reef_ready_i64(v.i + 1);
}

static reef_future bench_then_deferred(void *arg)
{
    static reef_promise ps[DEFERRED_BATCH];
    static reef_future fs[DEFERRED_BATCH];
    reef_time t0 = reef_now();
    for (long r = 0; r < DEFERRED_ROUNDS; r++) {
        for (int i = 0; i < DEFERRED_BATCH; i++)
            fs[i] = reef_then(reef_promise_init(&ps[i]), inc, NULL, 0);
        for (int i = 0; i < DEFERRED_BATCH; i++)
            reef_promise_resolve(&ps[i], (reef_val){.i = i});
        bench_drain_queue();
        for (int i = 0; i < DEFERRED_BATCH; i++)
            reef_future_take(fs[i], NULL, NULL);
    }
    *(double *)arg = bench_ns_since(t0, DEFERRED_ROUNDS * DEFERRED_BATCH);
    return reef_done();
}

/* ---- Memory of an idle fiber (parked on a future) ------------------------------------- */

#define IDLE 10000

static reef_promise idle_promises[IDLE];
static reef_future idle_futures[IDLE];

struct idle_result {
    double heap_bytes; /* malloc'd memory per parked fiber */
    double rss_bytes;  /* resident memory per parked fiber, its stack's pages included */
};

static reef_future idle_body(void *arg)
{
    reef_fiber_wait(*(reef_future *)arg, NULL, NULL);
    return reef_done();
}

static double resident_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

/* Counts only what the fibers cost: the futures they wait for are made
 * first. */
static reef_future bench_idle_memory(void *arg)
{
    struct idle_result *out = arg;
    static reef_future fs[IDLE];
    for (int i = 0; i < IDLE; i++)
        idle_futures[i] = reef_promise_init(&idle_promises[i]);
    size_t heap0 = mallinfo2().uordblks;
    double rss0 = resident_bytes();
    for (int i = 0; i < IDLE; i++)
        fs[i] = reef_async(idle_body, &idle_futures[i]);
    bench_drain_queue(); /* every fiber started and parked */
    out->heap_bytes = ((double)mallinfo2().uordblks - (double)heap0) / IDLE;
    out->rss_bytes = (resident_bytes() - rss0) / IDLE;
    for (int i = 0; i < IDLE; i++)
        reef_promise_resolve(&idle_promises[i], (reef_val){.u = 0});
    return reef_when_all_succeed(fs, IDLE, NULL);
}

static double run_idle_memory(const char *backend, struct idle_result *res)
{
    /* bench_on_reactor passes a double*; this one needs two numbers. */
    struct reef__reactor_config cfg = {
        .task_quota = 500000,
        .idle_poll = REEF__DEFAULT_IDLE_POLL_NS,
        .backend = backend,
        .blocked_notify = reef_s(3600),
    };
    struct reef__run_result rr;
    if (reef__run_main(&cfg, bench_idle_memory, res, &rr) < 0 || rr.status != 0) {
        fprintf(stderr, "benchmark failed to run\n");
        exit(1);
    }
    return res->heap_bytes;
}

int main(int argc, char **argv)
{
    const char *backend = argc > 1 && strcmp(argv[1], "auto") != 0 ? argv[1] : NULL;
    bench_pin_to_cpu0();
    double bare[REPS], ctx[REPS], sw[REPS], sj[REPS], wr[REPS], cont[REPS];
    for (int r = 0; r < REPS; r++) {
        bare[r] = machine_bare_switch();
        ctx[r] = ctx_switch_alone();
        sw[r] = bench_on_reactor(bench_switch, backend);
        sj[r] = bench_on_reactor(bench_start_join, backend);
        wr[r] = bench_on_reactor(bench_wait_ready, backend);
        cont[r] = bench_on_reactor(bench_then_deferred, backend);
    }
    struct idle_result idle;
    run_idle_memory(backend, &idle);
    double b = bench_median(bare, REPS), c = bench_median(ctx, REPS);
    double s = bench_median(sw, REPS), d = bench_median(cont, REPS);
    bench_print("fiber.switch_ns", s, "ns");
    bench_print("fiber.start_join_ns", bench_median(sj, REPS), "ns");
    bench_print("fiber.wait_ready_ns", bench_median(wr, REPS), "ns");
    /* Beyond the stack: the fiber's state at the top of its mapping, plus
     * any heap. */
    bench_print("fiber.memory_per_idle_fiber_bytes", (double)reef__fiber_top_bytes() + idle.heap_bytes,
                "bytes");
    bench_print("fiber.rss_per_idle_fiber_bytes", idle.rss_bytes, "bytes");
    bench_print("fiber.ctx_switch_ns", c, "ns");
    bench_print("machine.bare_switch_ns", b, "ns");
    bench_print("fiber.switch_per_bare_switch", s / b, "ratio");
    bench_print("fiber.switch_per_ctx_switch", s / c, "ratio");
    bench_print("fiber.switch_per_then_deferred", s / d, "ratio");
    return 0;
}
