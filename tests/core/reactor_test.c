/* Tests for src/core/reactor.c, preempt.c and signal.c. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <reef/reactor.h>
#include <reef/timer.h>

#include "core/reactor_impl.h"
#include "core/run.h"
#include "harness/harness.h"

REACTOR_TEST(reactor_reports_shard_and_backend)
{
    T_TRUE(reef_in_reactor());
    T_EQ(reef_shard_id(), 0);
    T_EQ(reef_shard_count(), 1);
    if (th_backend())
        T_STREQ(reef_backend_name(), th_backend());
    return reef_done();
}

TEST(outside_a_reactor)
{
    T_FALSE(reef_in_reactor());
    T_FALSE(reef_need_preempt());
    T_STREQ(reef_backend_name(), "none");
    reef_val v;
    T_EQ(reef_future_take(reef_yield(), &v, NULL), 0); /* ready: nothing to yield to */
}

/* A task that spins sees the quota expire: the flag the loop primitives
 * and hand-written loops check. */
REACTOR_TEST(need_preempt_rises_during_a_long_task)
{
    reef_time end = reef_now() + reef_s(2);
    while (!reef_need_preempt() && reef_now() < end)
        ;
    T_TRUE(reef_need_preempt());
    return reef_done();
}

static bool timer_fired;
static void on_timer(reef_timer *t, void *arg) { timer_fired = true; }

static reef_future busy_slice(void *cap, reef_val v)
{
    /* Work until the quota is used up, then yield: the timer must get in. */
    while (!reef_need_preempt())
        ;
    if (timer_fired)
        return reef_done();
    return reef_then(reef_yield(), busy_slice, NULL, 0);
}

REACTOR_TEST(yield_after_preempt_lets_timers_fire)
{
    static reef_timer t;
    timer_fired = false;
    reef_timer_init(&t, REEF_CLOCK_STEADY, on_timer, NULL);
    reef_timer_arm(&t, reef_ms(5));
    return busy_slice(NULL, (reef_val){0});
}

static uint64_t sleeps_before;
static reef_future few_sleeps(void *cap, reef_val v)
{
    uint64_t sleeps = reef__r->sleeps - sleeps_before;
    /* Asleep, the reactor wakes for the timer (and for at most a couple of
     * quota ticks, which then stop), not over and over. */
    T_GE(sleeps, 1);
    T_LE(sleeps, 10);
    return reef_done();
}

REACTOR_TEST(idle_reactor_sleeps)
{
    sleeps_before = reef__r->sleeps;
    return reef_then(reef_sleep(reef_ms(100)), few_sleeps, NULL, 0);
}

static void *wake_from_thread(void *arg)
{
    struct reef__reactor *r = arg;
    usleep(20000);
    while (!atomic_load(&r->sleeping))
        usleep(1000);
    reef__reactor_wake(r);
    return NULL;
}

static pthread_t waker;
static reef_future woken(void *cap, reef_val v)
{
    pthread_join(waker, NULL);
    T_GE(reef__r->wakeups, 1);
    return reef_done();
}

REACTOR_TEST(reactor_can_be_woken_from_another_thread)
{
    T_EQ(pthread_create(&waker, NULL, wake_from_thread, reef__r), 0);
    return reef_then(reef_sleep(reef_ms(80)), woken, NULL, 0);
}

/* ---- Signals and stopping --------------------------------------------------- */

static reef_future never_start(void *arg)
{
    static reef_promise p;
    reef_future f = reef_promise_init(&p);
    raise(*(int *)arg); /* delivered through the signalfd */
    return f;
}

static struct reef__reactor_config cfg(void)
{
    struct reef__reactor_config c = {.task_quota = 500000, .backend = th_backend()};
    return c;
}

TEST(sigint_without_hooks_stops_at_once_with_130)
{
    struct reef__reactor_config c = cfg();
    struct reef__run_result res;
    int sig = SIGINT;
    T_EQ(reef__run_main(&c, never_start, &sig, &res), 0);
    T_EQ(res.status, 130);
}

TEST(sigterm_without_hooks_stops_with_143)
{
    struct reef__reactor_config c = cfg();
    struct reef__run_result res;
    int sig = SIGTERM;
    T_EQ(reef__run_main(&c, never_start, &sig, &res), 0);
    T_EQ(res.status, 143);
}

static reef_promise graceful;
static reef_stop_hook hook;
static int hook_calls;

static void on_stop(void *arg)
{
    hook_calls++;
    T_TRUE(reef_stop_requested());
    reef_promise_resolve(&graceful, (reef_val){.u = 0});
}

static reef_future start_with_hook(void *arg)
{
    reef_future f = reef_promise_init(&graceful);
    reef_stop_hook_add(&hook, on_stop, NULL);
    raise(SIGTERM);
    return f;
}

TEST(sigterm_with_a_stop_hook_shuts_down_gracefully)
{
    struct reef__reactor_config c = cfg();
    struct reef__run_result res;
    hook_calls = 0;
    T_EQ(reef__run_main(&c, start_with_hook, NULL, &res), 0);
    T_EQ(res.status, 0);
    T_EQ(hook_calls, 1);
    T_EQ(res.leftovers, 0);
}

static int usr1_seen;
static reef_promise usr1_p;
static void on_usr1(int signo, void *arg)
{
    usr1_seen = signo;
    reef_promise_resolve(&usr1_p, (reef_val){.u = 0});
}

REACTOR_TEST(application_signal_handler_runs_on_the_reactor)
{
    usr1_seen = 0;
    T_EQ(reef_signal_handle(SIGKILL, on_usr1, NULL), -EINVAL);
    T_EQ(reef_signal_handle(SIGUSR1, on_usr1, NULL), 0);
    reef_future f = reef_promise_init(&usr1_p);
    raise(SIGUSR1);
    T_EQ(usr1_seen, 0); /* not in signal context: later, from the loop */
    return f;
}

static reef_future status_start(void *arg)
{
    reef_request_stop(7);
    static reef_promise p;
    return reef_promise_init(&p);
}

TEST(request_stop_without_hooks_uses_its_status)
{
    struct reef__reactor_config c = cfg();
    struct reef__run_result res;
    T_EQ(reef__run_main(&c, status_start, NULL, &res), 0);
    T_EQ(res.status, 7);
}

static reef_future failing_start(void *arg) { return reef_fail_msg(-EIO, "main failed"); }

TEST(failed_main_future_gives_status_1_and_the_error)
{
    struct reef__reactor_config c = cfg();
    struct reef__run_result res;
    T_EQ(reef__run_main(&c, failing_start, NULL, &res), 0);
    T_EQ(res.status, 1);
    T_EQ(res.err.code, -EIO);
    T_STREQ(reef_err_message(res.err), "main failed");
    reef_err_release(res.err);
}

static reef_future leave_timer(void *arg)
{
    reef_discard(reef_sleep(reef_s(10)));
    return reef_done();
}

TEST(leftover_timers_are_reported)
{
    struct reef__reactor_config c = cfg();
    struct reef__run_result res;
    T_EQ(reef__run_main(&c, leave_timer, NULL, &res), 0);
    T_EQ(res.status, 0);
    T_EQ(res.leftovers, 1);
}

TEST(unknown_backend_is_a_startup_error)
{
    struct reef__reactor_config c = cfg();
    c.backend = "kqueue";
    struct reef__run_result res;
    T_EQ(reef__run_main(&c, failing_start, NULL, &res), REEF_EBACKEND);
}

static reef_future poll_mode_check(void *cap, reef_val v)
{
    T_EQ(reef__r->sleeps, 0);
    return reef_done();
}

static reef_future poll_mode_start(void *arg)
{
    return reef_then(reef_sleep(reef_ms(20)), poll_mode_check, NULL, 0);
}

TEST(poll_mode_never_sleeps)
{
    struct reef__reactor_config c = cfg();
    c.poll_mode = true;
    struct reef__run_result res;
    T_EQ(reef__run_main(&c, poll_mode_start, NULL, &res), 0);
    T_EQ(res.status, 0);
}

TEST_MAIN()
