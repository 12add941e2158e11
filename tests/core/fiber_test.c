/*
 * Fibers (src/core/fiber.c, src/arch/): waiting, errors, yielding,
 * sleeping, many fibers at once, stacks, guard pages, floating-point
 * control state and misuse outside a fiber.
 */
#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include <reef/app.h>
#include <reef/fiber.h>
#include <reef/reactor.h>
#include <reef/sched_group.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "core/fiber_stack.h"
#include "harness/harness.h"

static reef_future later(int64_t v, int ms);

static reef_future value_of(void *cap, reef_val v)
{
    (void)v;
    return reef_ready_i64(*(int64_t *)cap);
}

static reef_future later(int64_t v, int ms)
{
    return reef_then(reef_sleep(reef_ms(ms)), value_of, &v, sizeof(v));
}

FIBER_TEST(waits_read_like_sequential_code)
{
    T_TRUE(reef_in_fiber());
    reef_val v;
    T_EQ(reef_fiber_wait(later(20, 2), &v, NULL), 0);
    T_EQ(v.i, 20);
    T_EQ(reef_fiber_wait(reef_ready_i64(22), &v, NULL), 0); /* ready: no switch */
    T_EQ(v.i, 22);
    reef_err e;
    T_EQ(reef_fiber_wait(reef_fail_msg(-EIO, "disk gone"), NULL, &e), -EIO);
    T_STREQ(reef_err_message(e), "disk gone");
    reef_err_release(e);
    reef_time t0 = reef_now();
    reef_fiber_sleep(reef_ms(5));
    T_GE(reef_now() - t0, reef_ms(5));
}

/* The tutorial's try_getchar pattern: wait without taking, then look. */
FIBER_TEST(await_then_check_failed)
{
    reef_future f = reef_then(reef_sleep(reef_ms(1)), value_of,
                              &(int64_t){7}, sizeof(int64_t));
    reef_fiber_await(&f);
    T_TRUE(reef_future_available(f));
    T_FALSE(reef_future_failed(f));
    reef_val v;
    T_EQ(reef_future_take(f, &v, NULL), 0);
    T_EQ(v.i, 7);
    reef_future g = reef_fail_code(-EAGAIN);
    reef_fiber_await(&g);
    T_TRUE(reef_future_failed(g));
    reef_future_ignore(g);
}

static reef_future failing_body(void *arg)
{
    reef_fiber_sleep(reef_ms(1));
    return reef_fail_msg(-ENOENT, "missing %s", (const char *)arg);
}

static reef_future pending_body(void *arg)
{
    (void)arg;
    return later(99, 2); /* a pending result is waited for */
}

FIBER_TEST(join_delivers_value_or_error)
{
    reef_err e;
    T_EQ(reef_fiber_wait(reef_async(failing_body, "file"), NULL, &e), -ENOENT);
    T_STREQ(reef_err_message(e), "missing file");
    reef_err_release(e);
    reef_val v;
    T_EQ(reef_fiber_wait(reef_async(pending_body, NULL), &v, NULL), 0);
    T_EQ(v.i, 99);
}

static reef_future quick(void *arg) { return reef_ready_i64((int64_t)(intptr_t)arg); }

FIBER_TEST(start_then_join_before_or_after_the_end)
{
    reef_fiber *early = reef_fiber_start(NULL, quick, (void *)(intptr_t)5);
    reef_fiber *late = reef_fiber_start(NULL, quick, (void *)(intptr_t)6);
    T_TRUE(early && late);
    reef_val v;
    T_EQ(reef_fiber_wait(reef_fiber_join(early), &v, NULL), 0); /* joined while it runs */
    T_EQ(v.i, 5);
    reef_fiber_sleep(reef_ms(1)); /* `late` has ended by now */
    reef_future j = reef_fiber_join(late);
    T_TRUE(reef_future_available(j));
    T_EQ(reef_fiber_wait(j, &v, NULL), 0);
    T_EQ(v.i, 6);
    /* A join future may be dropped: the stack is released all the same. */
    reef_future_ignore(reef_fiber_join(reef_fiber_start(NULL, quick, NULL)));
}

static bool handoff_done;

static reef_future set_flag(void *cap, reef_val v)
{
    (void)v;
    *(bool *)cap = true;
    return reef_done();
}

static reef_future resolver(void *arg)
{
    reef_promise_resolve(arg, (reef_val){.i = 41});
    reef_fiber_yield();
    handoff_done = true;
    return reef_done();
}

FIBER_TEST(yield_runs_queued_tasks_first)
{
    reef_promise p;
    bool ran = false;
    reef_future f = reef_then(reef_promise_init(&p), set_flag, &ran, 0);
    reef_promise_resolve(&p, (reef_val){.u = 0}); /* its continuation is queued */
    reef_fiber_yield();
#ifdef REEF_DEBUG_SCHED
    /* The debug scheduler runs ready tasks in random order. */
    for (int i = 0; i < 1000 && !ran; i++)
        reef_fiber_yield();
#endif
    T_TRUE(ran);
    T_EQ(reef_fiber_wait(f, NULL, NULL), 0);
}

/* One fiber resolves what another waits for: the waiter continues. */
FIBER_TEST(a_fiber_wakes_another)
{
    reef_promise p;
    reef_future f = reef_promise_init(&p);
    handoff_done = false;
    reef_future r = reef_async(resolver, &p);
    reef_val v;
    T_EQ(reef_fiber_wait(f, &v, NULL), 0);
    T_EQ(v.i, 41);
    T_EQ(reef_fiber_wait(r, NULL, NULL), 0);
    T_TRUE(handoff_done);
}

static reef_future set_when_due(void *cap, reef_val v) { return set_flag(cap, v); }

/* A fiber that only yields must still let the reactor poll: timers fire
 * once the task quota is up. */
FIBER_TEST(a_yielding_fiber_lets_timers_fire)
{
    bool due = false;
    reef_future f = reef_then(reef_sleep(reef_ms(5)), set_when_due, &due, 0);
    reef_time t0 = reef_now();
    while (!due && reef_now() - t0 < reef_s(5))
        reef_fiber_yield();
    T_TRUE(due);
    T_EQ(reef_fiber_wait(f, NULL, NULL), 0);
}

static char order[16];
static int norder;

static reef_future yielder(void *arg)
{
    for (int i = 0; i < 3; i++) {
        order[norder++] = *(char *)arg;
        reef_fiber_yield();
    }
    return reef_done();
}

FIBER_TEST(yield_interleaves_fibers)
{
    norder = 0;
    reef_future a = reef_async(yielder, "a"), b = reef_async(yielder, "b");
    T_EQ(reef_fiber_wait(a, NULL, NULL), 0);
    T_EQ(reef_fiber_wait(b, NULL, NULL), 0);
    order[norder] = '\0';
#ifndef REEF_DEBUG_SCHED /* the debug scheduler shuffles ready tasks */
    T_STREQ(order, "ababab");
#else
    T_EQ(norder, 6);
#endif
}

static reef_future named(void *arg)
{
    (void)arg;
    T_STREQ(reef_fiber_name(), "worker-7");
    return reef_ready_i64(1);
}

static int64_t recurse(int depth);

static reef_future deep_in_big_stack(void *arg)
{
    (void)arg;
    T_STREQ(reef_fiber_name(), "0123456789012345678901234567890"); /* 31 bytes kept */
    return reef_ready_i64(recurse(1500)); /* ~450 KiB of frames: only fits the big stack */
}

FIBER_TEST(attributes_name_and_stack_size)
{
    T_STREQ(reef_fiber_name(), "attributes_name_and_stack_size"); /* FIBER_TEST names it */
    struct reef_fiber_attr attr = {.stack_size = 300000, .name = "worker-7"};
    T_EQ(reef_fiber_wait(reef_async_attr(&attr, named, NULL), NULL, NULL), 0);
    struct reef_fiber_attr big = {.stack_size = 1024 * 1024,
                                  .name = "0123456789012345678901234567890123456789"};
    reef_val v;
    T_EQ(reef_fiber_wait(reef_async_attr(&big, deep_in_big_stack, NULL), &v, NULL), 0);
    T_EQ(v.i, 1500);
}

/* ---- Ten thousand fibers ------------------------------------------------------ */

#define MANY 10000

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

static reef_future sleeper(void *arg)
{
    int64_t i = (int64_t)(intptr_t)arg;
    reef_fiber_sleep(reef_ms(1 + i % 10));
    return reef_ready_i64(i * 3);
}

FIBER_TEST(ten_thousand_concurrent_fibers)
{
    static reef_future fs[MANY];
    static reef_val vals[MANY];
    double heap0 = (double)mallinfo2().uordblks, rss0 = resident_bytes();
    for (int64_t i = 0; i < MANY; i++)
        fs[i] = reef_async(sleeper, (void *)(intptr_t)i);
    reef_fiber_yield(); /* every fiber has started and is asleep */
    double heap = ((double)mallinfo2().uordblks - heap0) / MANY;
    printf("  %d fibers asleep, each: a %u-byte stack mapping (%.0f bytes resident), of which "
           "%zu bytes hold the fiber's state; %.0f bytes of heap (its sleep's timer)\n",
           MANY, REEF_FIBER_DEFAULT_STACK, (resident_bytes() - rss0) / MANY,
           reef__fiber_top_bytes(), heap);
    T_EQ(reef_fiber_wait(reef_when_all_succeed(fs, MANY, vals), NULL, NULL), 0);
    for (int64_t i = 0; i < MANY; i++)
        T_EQ(vals[i].i, i * 3);
}

/* ---- Stacks --------------------------------------------------------------------- */

static int64_t recurse(int depth)
{
    volatile char frame[256];
    frame[0] = (char)depth;
    if (depth == 0)
        return frame[0];
    return recurse(depth - 1) + frame[0] - (char)depth + 1;
}

static reef_future deep(void *arg)
{
    return reef_ready_i64(recurse((int)(intptr_t)arg));
}

FIBER_TEST(deep_recursion_within_the_stack_works)
{
    reef_val v;
    /* ~300 bytes a frame: 300 frames fit in 128 KiB with room to spare. */
    T_EQ(reef_fiber_wait(reef_async(deep, (void *)(intptr_t)300), &v, NULL), 0);
    T_EQ(v.i, 300);
}

static reef_future overflow(void *arg)
{
    return reef_ready_i64(recurse(1000000)); /* far beyond 128 KiB */
}

static reef_future overflow_main(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    return reef_async(overflow, NULL);
}

TEST(running_off_the_stack_hits_the_guard_page)
{
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", 1);
        dup2(devnull, 2);
        reef_app *app = reef_app_create("overflow", NULL);
        char *argv[] = {"overflow", "-c1", NULL};
        reef_app_run(app, 2, argv, overflow_main, NULL);
        _exit(0);
    }
    int ws;
    T_EQ(waitpid(pid, &ws, 0), pid);
#ifdef REEF_SANITIZE
    /* AddressSanitizer catches the fault itself, reports a stack overflow
     * and exits with an error. */
    T_TRUE(WIFSIGNALED(ws) || (WIFEXITED(ws) && WEXITSTATUS(ws) != 0));
#else
    T_TRUE(WIFSIGNALED(ws));
    T_EQ(WTERMSIG(ws), SIGSEGV);
#endif
}

/* ---- Floating-point control state belongs to each fiber ------------------------ */

static reef_future rounding(void *arg)
{
    int mode = (int)(intptr_t)arg;
    T_EQ(fegetround(), FE_TONEAREST); /* a new fiber starts with the default */
    fesetround(mode);
#if defined(__x86_64__)
    unsigned mxcsr = _mm_getcsr() & ~0x3Fu; /* the control bits, not the sticky flags */
#endif
    for (int i = 0; i < 3; i++) {
        reef_fiber_yield();            /* to the other fiber directly */
        reef_fiber_sleep(reef_us(10)); /* through the reactor */
        T_EQ(fegetround(), mode);      /* not changed by the other fiber */
#if defined(__x86_64__)
        T_UEQ(_mm_getcsr() & ~0x3Fu, mxcsr);
#endif
    }
    return reef_done();
}

FIBER_TEST(floating_point_rounding_mode_is_per_fiber)
{
    int mine = fegetround();
    reef_future a = reef_async(rounding, (void *)(intptr_t)FE_UPWARD);
    reef_future b = reef_async(rounding, (void *)(intptr_t)FE_TOWARDZERO);
    T_EQ(reef_fiber_wait(a, NULL, NULL), 0);
    T_EQ(reef_fiber_wait(b, NULL, NULL), 0);
    T_EQ(fegetround(), mine);
}

/* ---- Groups and misuse ---------------------------------------------------------- */

static reef_sched_group fiber_group;

static reef_future in_group(void *arg)
{
    (void)arg;
    reef_fiber_sleep(reef_ms(1));
    T_TRUE(reef_sched_group_equal(reef_sched_group_current(), fiber_group));
    return reef_done();
}

static reef_future start_in_group(void *cap)
{
    (void)cap;
    return reef_async(in_group, NULL);
}

FIBER_TEST(a_fiber_runs_in_the_group_that_started_it)
{
    reef_val v;
    T_EQ(reef_fiber_wait(reef_sched_group_create("fibers", 200), &v, NULL), 0);
    fiber_group = reef_sched_group_from_val(v);
    T_EQ(reef_fiber_wait(reef_with_sched_group(fiber_group, start_in_group, NULL, 0), NULL, NULL),
         0);
    T_EQ(reef_fiber_wait(reef_sched_group_destroy(fiber_group), NULL, NULL), 0);
}

/* Runs main_fn as an application in a child process; returns what it wrote
 * to stderr and how it ended. */
static void run_child_app(reef_app_main_fn main_fn, char *err, size_t err_size, int *status)
{
    int fds[2];
    T_EQ(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        reef_app *app = reef_app_create("child", NULL);
        char *argv[] = {"child", "-c1", NULL};
        reef_app_run(app, 2, argv, main_fn, NULL);
        _exit(0);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t n;
    while (got < err_size - 1 && (n = read(fds[0], err + got, err_size - 1 - got)) > 0)
        got += (size_t)n;
    err[got] = '\0';
    close(fds[0]);
    T_EQ(waitpid(pid, status, 0), pid);
}

static reef_future wait_outside(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    reef_fiber_wait(reef_sleep(reef_ms(10)), NULL, NULL); /* not in a fiber */
    return reef_done();
}

TEST(waiting_outside_a_fiber_is_reported_and_aborts)
{
    char err[4096];
    int ws;
    run_child_app(wait_outside, err, sizeof(err), &ws);
    T_TRUE(WIFSIGNALED(ws));
    T_EQ(WTERMSIG(ws), SIGABRT);
    T_CONTAINS(err, "waiting on a pending future outside a fiber");
}

static reef_future yield_outside(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    reef_fiber_yield();
    return reef_done();
}

TEST(yielding_outside_a_fiber_is_reported_and_aborts)
{
    char err[4096];
    int ws;
    run_child_app(yield_outside, err, sizeof(err), &ws);
    T_TRUE(WIFSIGNALED(ws));
    T_EQ(WTERMSIG(ws), SIGABRT);
    T_CONTAINS(err, "reef_fiber_yield() called outside a fiber");
}

TEST_MAIN()
