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

#include <reef/app.h>
#include <reef/fiber.h>
#include <reef/reactor.h>
#include <reef/sched_group.h>
#include <reef/timer.h>
#include <reef/when.h>

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

FIBER_TEST(attributes_name_and_stack_size)
{
    struct reef_fiber_attr attr = {.stack_size = 300000, .name = "worker-7"};
    T_EQ(reef_fiber_wait(reef_async_attr(&attr, named, NULL), NULL, NULL), 0);
    T_STREQ(reef_fiber_name(), "");
}

/* ---- Ten thousand fibers ------------------------------------------------------ */

#define MANY 10000

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
    struct mallinfo2 before = mallinfo2();
    for (int64_t i = 0; i < MANY; i++)
        fs[i] = reef_async(sleeper, (void *)(intptr_t)i);
    struct mallinfo2 during = mallinfo2();
    printf("  %d fibers: %zu bytes of heap each, plus a %u-byte stack\n", MANY,
           (during.uordblks - before.uordblks) / MANY, REEF_FIBER_DEFAULT_STACK);
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
    fesetround(mode);
    for (int i = 0; i < 3; i++) {
        reef_fiber_yield();
        T_EQ(fegetround(), mode); /* not changed by the other fiber */
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

static reef_future wait_outside(reef_app *app, void *arg)
{
    (void)app, (void)arg;
    reef_fiber_wait(reef_sleep(reef_ms(10)), NULL, NULL); /* not in a fiber */
    return reef_done();
}

TEST(waiting_outside_a_fiber_is_reported_and_aborts)
{
    int fds[2];
    T_EQ(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        reef_app *app = reef_app_create("misuse", NULL);
        char *argv[] = {"misuse", "-c1", NULL};
        reef_app_run(app, 2, argv, wait_outside, NULL);
        _exit(0);
    }
    close(fds[1]);
    char buf[512] = {0};
    T_GE(read(fds[0], buf, sizeof(buf) - 1), 10);
    int ws;
    T_EQ(waitpid(pid, &ws, 0), pid);
    T_TRUE(WIFSIGNALED(ws));
    T_EQ(WTERMSIG(ws), SIGABRT);
    T_CONTAINS(buf, "waiting on a pending future outside a fiber");
}

TEST_MAIN()
