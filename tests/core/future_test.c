/* Tests for src/core/future.c: futures, promises and continuations. */
#include <errno.h>

#include <reef/future.h>
#include <reef/log.h>
#include <reef/reactor.h>
#include <reef/timer.h>

#include "harness/harness.h"

/* ---- Helpers ------------------------------------------------------------- */

static reef_future add_cap(void *cap, reef_val v) { return reef_ready_i64(v.i + *(int *)cap); }

static reef_future must_not_run(void *cap, reef_val v)
{
    th_fail(__FILE__, __LINE__, "continuation ran after a failure");
}

static int drops;
static void count_drop(void *cap) { drops++; }

/* Captures a log line for checks on "Exceptional future ignored". */
static char last_log[8192];
static int log_lines;
static void capture_log(const char *line, size_t len, void *arg)
{
    if (len >= sizeof(last_log))
        len = sizeof(last_log) - 1;
    memcpy(last_log, line, len);
    last_log[len] = 0;
    log_lines++;
}

/* ---- Ready futures, no reactor needed ----------------------------------- */

TEST(ready_future_carries_value_without_allocation)
{
    reef_future f = reef_ready_i64(42);
    T_TRUE(reef_future_available(f));
    T_FALSE(reef_future_failed(f));
    reef_val v;
    T_EQ(reef_future_take(f, &v, NULL), 0);
    T_EQ(v.i, 42);
    T_EQ(sizeof(reef_future), 16);
}

TEST(value_kinds_round_trip)
{
    reef_val v;
    T_EQ(reef_future_take(reef_ready_u64(UINT64_MAX), &v, NULL), 0);
    T_UEQ(v.u, UINT64_MAX);
    T_EQ(reef_future_take(reef_ready_f64(3.5), &v, NULL), 0);
    T_DBL_NEAR(v.d, 3.5, 0);
    int x;
    T_EQ(reef_future_take(reef_ready_ptr(&x), &v, NULL), 0);
    T_TRUE(v.p == &x);
    T_EQ(reef_future_take(reef_done(), &v, NULL), 0);
}

TEST(failed_future_carries_code_and_detail)
{
    reef_future f = reef_fail_msg(-EINVAL, "bad %s", "thing");
    T_TRUE(reef_future_available(f));
    T_TRUE(reef_future_failed(f));
    reef_err e;
    T_EQ(reef_future_take(f, NULL, &e), -EINVAL);
    T_STREQ(reef_err_message(e), "bad thing");
    reef_err_release(e);

    f = reef_fail_code(REEF_ETIMEOUT);
    T_EQ(reef_future_take(f, NULL, &e), REEF_ETIMEOUT);
    T_TRUE(e.detail == NULL);
}

TEST(then_on_ready_runs_inline_with_capture_in_place)
{
    int three = 3;
    reef_future f = reef_then(reef_ready_i64(4), add_cap, &three, sizeof(three));
    reef_val v;
    T_EQ(reef_future_take(f, &v, NULL), 0);
    T_EQ(v.i, 7);
}

TEST(then_skips_on_failure_and_propagates)
{
    reef_future f = reef_then(reef_fail_msg(-EIO, "disk"), must_not_run, NULL, 0);
    reef_err e;
    T_EQ(reef_future_take(f, NULL, &e), -EIO);
    T_STREQ(reef_err_message(e), "disk");
    reef_err_release(e);
}

TEST(then_owned_drops_capture_when_skipped)
{
    drops = 0;
    reef_future f = reef_then_owned(reef_fail_code(-EIO), must_not_run, count_drop, NULL, 0);
    T_EQ(drops, 1);
    reef_future_ignore(f);
}

static reef_future wrapped_inspect(void *cap, reef_future r)
{
    *(int *)cap = reef_future_failed(r) ? 1 : 2;
    reef_future_ignore(r); /* ours to consume */
    return reef_ready_i64(9);
}

TEST(then_wrapped_sees_both_outcomes)
{
    int seen = 0;
    reef_val v;
    T_EQ(reef_future_take(reef_then_wrapped(reef_fail_msg(-EIO, "x"), wrapped_inspect, &seen, 0),
                          &v, NULL),
         0);
    T_EQ(seen, 1);
    T_EQ(v.i, 9);
    T_EQ(reef_future_take(reef_then_wrapped(reef_ready_i64(1), wrapped_inspect, &seen, 0), &v,
                          NULL),
         0);
    T_EQ(seen, 2);
}

static reef_future wrapped_pass(void *cap, reef_future r) { return r; }

TEST(then_wrapped_may_pass_the_future_on)
{
    reef_err e;
    reef_future f = reef_then_wrapped(reef_fail_msg(-EIO, "kept"), wrapped_pass, NULL, 0);
    T_EQ(reef_future_take(f, NULL, &e), -EIO);
    T_STREQ(reef_err_message(e), "kept"); /* still alive: not released as lent */
    reef_err_release(e);
}

static reef_future fin_count(void *cap)
{
    (*(int *)cap)++;
    return reef_done();
}

static reef_future fin_fail(void *cap) { return reef_fail_msg(-ENOSPC, "from finally"); }

TEST(finally_runs_on_success_and_failure_and_passes_result_through)
{
    int n = 0;
    reef_val v;
    T_EQ(reef_future_take(reef_finally(reef_ready_i64(5), fin_count, &n, 0), &v, NULL), 0);
    T_EQ(v.i, 5);
    reef_err e;
    T_EQ(reef_future_take(reef_finally(reef_fail_msg(-EIO, "orig"), fin_count, &n, 0), NULL, &e),
         -EIO);
    T_STREQ(reef_err_message(e), "orig");
    reef_err_release(e);
    T_EQ(n, 2);
}

TEST(finally_failure_replaces_result)
{
    reef_err e;
    T_EQ(reef_future_take(reef_finally(reef_ready_i64(5), fin_fail, NULL, 0), NULL, &e), -ENOSPC);
    reef_err_release(e);
    T_EQ(reef_future_take(reef_finally(reef_fail_msg(-EIO, "orig"), fin_fail, NULL, 0), NULL, &e),
         -ENOSPC);
    T_STREQ(reef_err_message(e), "from finally");
    reef_err_release(e);
}

static reef_future recover(void *cap, reef_err e)
{
    *(int *)cap = e.code;
    return reef_ready_i64(-1);
}

static reef_future rethrow(void *cap, reef_err e) { return reef_fail(e); }

TEST(handle_error_recovers_or_rethrows)
{
    int code = 0;
    reef_val v;
    T_EQ(reef_future_take(reef_handle_error(reef_fail_msg(-EPIPE, "p"), recover, &code, 0), &v,
                          NULL),
         0);
    T_EQ(code, -EPIPE);
    T_EQ(v.i, -1);
    code = 0;
    T_EQ(reef_future_take(reef_handle_error(reef_ready_i64(3), recover, &code, 0), &v, NULL), 0);
    T_EQ(code, 0);
    T_EQ(v.i, 3);
    reef_err e;
    T_EQ(reef_future_take(reef_handle_error(reef_fail_msg(-EPIPE, "again"), rethrow, NULL, 0), NULL,
                          &e),
         -EPIPE);
    T_STREQ(reef_err_message(e), "again");
    reef_err_release(e);
}

static int fail_now(void *cap, reef_val *out) { return -EBADF; }
static int succeed_now(void *cap, reef_val *out)
{
    out->i = 11;
    return 0;
}

TEST(futurize_turns_immediate_results_into_futures)
{
    reef_val v;
    T_EQ(reef_future_take(reef_futurize(fail_now, NULL), NULL, NULL), -EBADF);
    T_EQ(reef_future_take(reef_futurize(succeed_now, NULL), &v, NULL), 0);
    T_EQ(v.i, 11);
    T_EQ(reef_future_take(reef_from_status(-EAGAIN), NULL, NULL), -EAGAIN);
    T_EQ(reef_future_take(reef_from_status(4), &v, NULL), 0);
    T_EQ(v.i, 4);
}

TEST(discarding_a_failed_future_logs_it)
{
    reef_log_set_sink(capture_log, NULL);
    log_lines = 0;
    reef_discard(reef_fail_msg(-ECONNRESET, "peer went away"));
    T_EQ(log_lines, 1);
    T_CONTAINS(last_log, "WARN ");
    T_CONTAINS(last_log, "reef - Exceptional future ignored: ECONNRESET");
    T_CONTAINS(last_log, "peer went away");
    T_CONTAINS(last_log, "backtrace:");
    reef_discard(reef_ready_i64(1));
    reef_future_ignore(reef_fail_msg(-EIO, "silenced"));
    T_EQ(log_lines, 1);
    reef_log_set_sink(NULL, NULL);
}

/* ---- Pending futures on a reactor ------------------------------------------ */

static reef_future check_seven(void *cap, reef_val v)
{
    T_EQ(v.i, 7);
    *(int *)cap = 1;
    return reef_done();
}

REACTOR_TEST(promise_resolves_pending_continuation)
{
    static reef_promise p;
    static int ran;
    int three = 3;
    reef_future f = reef_promise_init(&p);
    T_FALSE(reef_future_available(f));
    reef_future g = reef_then(f, add_cap, &three, sizeof(three)); /* capture copied */
    three = 100;                                                  /* must not matter */
    g = reef_then(g, check_seven, &ran, 0);
    T_TRUE(reef_promise_pending(&p));
    reef_promise_resolve(&p, (reef_val){.i = 4});
    T_FALSE(reef_promise_pending(&p));
    return g;
}

static reef_future expect_ran(void *cap, reef_val v)
{
    T_EQ(*(int *)cap, 1);
    return reef_done();
}

REACTOR_TEST(promise_resolved_before_consumer_attaches)
{
    static reef_promise p;
    static int ran;
    reef_future f = reef_promise_init(&p);
    reef_promise_resolve(&p, (reef_val){.i = 7});
    T_TRUE(reef_future_available(f));
    return reef_then(reef_then(f, check_seven, &ran, 0), expect_ran, &ran, 0);
}

static reef_future code_is(void *cap, reef_future r)
{
    reef_err e;
    T_EQ(reef_future_take(r, NULL, &e), *(int *)cap);
    reef_err_release(e);
    return reef_done();
}

REACTOR_TEST(promise_fail_and_abandon)
{
    static reef_promise p, q;
    static int eio = -EIO, broken = REEF_EBROKEN_PROMISE;
    reef_future f = reef_then_wrapped(reef_promise_init(&p), code_is, &eio, 0);
    reef_future g = reef_then_wrapped(reef_promise_init(&q), code_is, &broken, 0);
    reef_promise_fail(&p, reef_err_msg(-EIO, "io"));
    reef_promise_abandon(&q);
    reef_discard(f);
    return g;
}

static reef_future pending_seven(void *cap, reef_val v)
{
    return reef_then(reef_sleep(reef_ms(1)), add_cap, &(int){7}, sizeof(int));
}

REACTOR_TEST(continuation_returning_pending_future_is_chained)
{
    static int ran;
    reef_future f = reef_then(reef_ready_i64(0), pending_seven, NULL, 0);
    return reef_then(f, check_seven, &ran, 0);
}

REACTOR_TEST(promise_forward_chains_another_future)
{
    static reef_promise p;
    static int ran;
    reef_future f = reef_promise_init(&p);
    reef_promise_forward(&p, reef_then(reef_sleep(reef_ms(1)), add_cap, &(int){7}, sizeof(int)));
    return reef_then(f, check_seven, &ran, 0);
}

static int fin_stage;
static reef_future fin_later_done(void *cap, reef_val v)
{
    fin_stage = 1;
    return reef_done();
}
static reef_future fin_later(void *cap)
{
    return reef_then(reef_sleep(reef_ms(1)), fin_later_done, NULL, 0);
}
static reef_future after_fin(void *cap, reef_val v)
{
    T_EQ(fin_stage, 1); /* finally's own future resolved first */
    T_EQ(v.i, 3);       /* and the original value passed through */
    return reef_done();
}

REACTOR_TEST(finally_waits_for_its_own_future)
{
    fin_stage = 0;
    reef_future f = reef_finally(reef_ready_i64(3), fin_later, NULL, 0);
    return reef_then(f, after_fin, NULL, 0);
}

static reef_promise fin_p;
REACTOR_TEST(deferred_finally_waits_for_its_own_future)
{
    fin_stage = 0;
    reef_future f = reef_finally(reef_promise_init(&fin_p), fin_later, NULL, 0);
    reef_promise_resolve(&fin_p, (reef_val){.i = 3});
    return reef_then(f, after_fin, NULL, 0);
}

static reef_future count_down(void *cap, reef_val v)
{
    if (v.i == 0)
        return reef_done();
    return reef_then(reef_ready_i64(v.i - 1), count_down, NULL, 0);
}

/* A million nested ready continuations: the 256 budget bounds the stack. */
REACTOR_TEST(million_ready_continuations_bounded_stack)
{
    return reef_then(reef_ready_i64(1000000), count_down, NULL, 0);
}

static bool timer_fired;
static void on_timer(reef_timer *t, void *arg) { timer_fired = true; }

static reef_future spin_until_timer(void *cap, reef_val v)
{
    if (timer_fired)
        return reef_done();
    return reef_then(reef_ready_i64(v.i + 1), spin_until_timer, NULL, 0);
}

/* The chain is always ready, yet a timer armed before it still fires. */
REACTOR_TEST(ready_chain_does_not_starve_timer)
{
    static reef_timer t;
    timer_fired = false;
    reef_timer_init(&t, REEF_CLOCK_STEADY, on_timer, NULL);
    reef_timer_arm(&t, reef_ms(2));
    return reef_then(reef_ready_i64(0), spin_until_timer, NULL, 0);
}

REACTOR_TEST(discarded_pending_future_reports_failure_when_it_fails)
{
    static reef_promise p;
    reef_log_set_sink(capture_log, NULL);
    log_lines = 0;
    reef_discard(reef_promise_init(&p));
    T_EQ(log_lines, 0);
    reef_promise_fail(&p, reef_err_msg(-EIO, "late"));
    T_EQ(log_lines, 1);
    T_CONTAINS(last_log, "Exceptional future ignored: EIO");
    T_CONTAINS(last_log, "discarded at");
    reef_log_set_sink(NULL, NULL);
    return reef_done();
}

REACTOR_TEST(ignored_pending_future_is_silent)
{
    static reef_promise p;
    reef_log_set_sink(capture_log, NULL);
    log_lines = 0;
    reef_future_ignore(reef_promise_init(&p));
    reef_promise_fail(&p, reef_err_msg(-EIO, "late"));
    T_EQ(log_lines, 0);
    reef_log_set_sink(NULL, NULL);
    return reef_done();
}

static reef_future record(void *cap, reef_val v)
{
    int *log = cap;
    log[log[0]++ + 1] = (int)v.i;
    return reef_done();
}

static int order_log[8];
static reef_future record_two(void *cap, reef_val v) { return record(cap, (reef_val){.i = 2}); }
static reef_future check_order(void *cap, reef_val v)
{
    T_EQ(order_log[0], 2);
#ifndef REEF_DEBUG_SCHED /* debug builds shuffle the queue on purpose */
    T_EQ(order_log[1], 1);
    T_EQ(order_log[2], 2);
#endif
    return reef_done();
}

REACTOR_TEST(yield_runs_after_already_queued_tasks)
{
    static reef_promise p;
    order_log[0] = 0;
    reef_future a = reef_then(reef_promise_init(&p), record, order_log, 0);
    reef_promise_resolve(&p, (reef_val){.i = 1}); /* queues a */
    reef_future b = reef_then(reef_then(reef_yield(), record_two, order_log, 0), check_order,
                              NULL, 0);
    reef_discard(a);
    return b;
}

TEST_MAIN()
