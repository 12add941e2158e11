/* Tests for src/flow/when.c and src/flow/do_with.c. */
#include <errno.h>

#include <reef/do_with.h>
#include <reef/log.h>
#include <reef/shared.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

static reef_future give(void *cap, reef_val v) { return reef_ready_i64(*(int64_t *)cap); }

static reef_future value_after(int64_t v, int ms)
{
    return reef_then(reef_sleep(reef_ms(ms)), give, REEF_CAP(v));
}

static reef_future fail_after(void *cap, reef_val v) { return reef_fail_msg(-EIO, "late failure"); }

static int log_count;
static void capture(const char *line, size_t len, void *arg) { log_count++; }

/* ---- when_all ------------------------------------------------------------- */

static reef_future futs3[3];

static reef_future check_all(void *cap, reef_val v)
{
    reef_future *f = v.p;
    T_TRUE(f == futs3);
    reef_val a, b;
    T_TRUE(reef_future_available(f[0]));
    T_EQ(reef_future_take(f[0], &a, NULL), 0);
    T_EQ(reef_future_take(f[1], &b, NULL), 0);
    T_EQ(b.i, 2);
    reef_err e;
    T_EQ(reef_future_take(f[2], NULL, &e), -EIO);
    T_STREQ(reef_err_message(e), "late failure");
    reef_err_release(e);
    return reef_done();
}

REACTOR_TEST(when_all_returns_every_result)
{
    futs3[0] = reef_sleep(reef_ms(5));
    futs3[1] = value_after(2, 10);
    futs3[2] = reef_then(reef_sleep(reef_ms(2)), fail_after, NULL, 0);
    return reef_then(reef_when_all(futs3, 3), check_all, NULL, 0);
}

REACTOR_TEST(when_all_of_ready_futures_is_ready)
{
    static reef_future f[2];
    f[0] = reef_ready_i64(1);
    f[1] = reef_fail_code(-EPIPE);
    reef_future r = reef_when_all(f, 2);
    T_TRUE(reef_future_available(r));
    reef_future_ignore(r);
    T_EQ(reef_future_take(f[1], NULL, NULL), -EPIPE);
    reef_future_ignore(f[0]);
    reef_future empty = reef_when_all(NULL, 0);
    T_TRUE(reef_future_available(empty));
    return empty;
}

/* ---- when_all_succeed -------------------------------------------------------- */

static reef_val values[3];

static reef_future check_values(void *cap, reef_val v)
{
    T_EQ(values[1].i, 2);
    T_DBL_NEAR(values[2].d, 3.5, 0);
    printf("%lld %g\n", (long long)values[1].i, values[2].d);
    return reef_done();
}

REACTOR_TEST(when_all_succeed_gives_values)
{
    static reef_future f[3];
    f[0] = reef_sleep(reef_ms(3));
    f[1] = value_after(2, 6);
    f[2] = reef_ready_f64(3.5);
    return reef_then(reef_when_all_succeed(f, 3, values), check_values, NULL, 0);
}

static reef_future expect_eio_no_log(void *cap, reef_future r)
{
    reef_err e;
    T_EQ(reef_future_take(r, NULL, &e), -EIO);
    reef_err_release(e);
    T_EQ(log_count, 0); /* the second failure was consumed silently */
    return reef_done();
}

REACTOR_TEST(when_all_succeed_reports_one_error)
{
    static reef_future f[3];
    static reef_val vals[3];
    log_count = 0;
    reef_log_set_sink(capture, NULL);
    f[0] = reef_then(reef_sleep(reef_ms(2)), fail_after, NULL, 0);
    f[1] = value_after(2, 1);
    f[2] = reef_then(reef_sleep(reef_ms(4)), fail_after, NULL, 0);
    return reef_then_wrapped(reef_when_all_succeed(f, 3, vals), expect_eio_no_log, NULL, 0);
}

/* ---- when_any ------------------------------------------------------------------ */

static reef_future anyf[3];

static reef_future check_any(void *cap, reef_val v)
{
    T_EQ(v.i, 1);
    reef_val x;
    T_EQ(reef_future_take(anyf[1], &x, NULL), 0);
    T_EQ(x.i, 20);
    /* The losers still complete, silently: wait past them. */
    return reef_sleep(reef_ms(30));
}

REACTOR_TEST(when_any_picks_the_first)
{
    anyf[0] = value_after(10, 20);
    anyf[1] = value_after(20, 2);
    anyf[2] = reef_then(reef_sleep(reef_ms(10)), fail_after, NULL, 0);
    log_count = 0;
    reef_log_set_sink(capture, NULL);
    return reef_then(reef_when_any(anyf, 3), check_any, NULL, 0);
}

REACTOR_TEST(when_any_with_a_ready_future)
{
    static reef_future f[2];
    f[0] = value_after(1, 5);
    f[1] = reef_ready_i64(7);
    reef_val v;
    T_EQ(reef_future_take(reef_when_any(f, 2), &v, NULL), 0);
    T_EQ(v.i, 1);
    T_EQ(reef_future_take(f[1], &v, NULL), 0);
    T_EQ(v.i, 7);
    T_EQ(reef_future_take(reef_when_any(f, 0), NULL, NULL), -EINVAL);
    return reef_sleep(reef_ms(10)); /* let the loser finish */
}

/* ---- with_timeout ------------------------------------------------------------- */

static reef_future expect_timeout(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), REEF_ETIMEOUT);
    return reef_sleep(reef_ms(30)); /* the slow operation completes, consumed */
}

REACTOR_TEST(with_timeout_fails_when_deadline_passes)
{
    reef_future slow = value_after(1, 20);
    return reef_then_wrapped(reef_with_timeout(reef_now() + reef_ms(5), slow), expect_timeout,
                             NULL, 0);
}

static reef_future expect_value_9(void *cap, reef_val v)
{
    T_EQ(v.i, 9);
    return reef_done();
}

REACTOR_TEST(with_timeout_passes_result_through)
{
    reef_future fast = value_after(9, 2);
    return reef_then(reef_with_timeout(reef_now() + reef_ms(500), fast), expect_value_9, NULL,
                     0);
}

static reef_future expect_late_failure(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), -EIO);
    return reef_done();
}

REACTOR_TEST(with_timeout_passes_failure_through)
{
    reef_future f = reef_then(reef_sleep(reef_ms(2)), fail_after, NULL, 0);
    return reef_then_wrapped(reef_with_timeout(reef_now() + reef_s(1), f), expect_late_failure,
                             NULL, 0);
}

/* ---- do_with and shared objects --------------------------------------------------- */

struct obj {
    int value;
    int *destroyed;
};

static void obj_dtor(void *p)
{
    struct obj *o = p;
    (*o->destroyed)++;
}

static reef_future use_obj(void *cap, reef_val v)
{
    struct obj *o = cap;
    o->value += 1;
    return reef_ready_i64(o->value);
}

static reef_future slow_op(void *state, void *arg)
{
    return reef_then(reef_sleep(reef_ms(2)), use_obj, state, 0);
}

static int destroyed;

static reef_future check_do_with(void *cap, reef_val v)
{
    T_EQ(v.i, 42);
    T_EQ(destroyed, 1); /* freed before the result is delivered */
    return reef_done();
}

REACTOR_TEST(do_with_keeps_state_until_resolution)
{
    destroyed = 0;
    struct obj init = {41, &destroyed};
    reef_future f = reef_do_with(&init, sizeof(init), slow_op, NULL, obj_dtor);
    T_EQ(destroyed, 0);
    return reef_then(f, check_do_with, NULL, 0);
}

static reef_future failing_op(void *state, void *arg) { return reef_fail_code(-ENOSPC); }

static reef_future check_failed_do_with(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), -ENOSPC);
    T_EQ(destroyed, 1);
    return reef_done();
}

REACTOR_TEST(do_with_frees_state_on_failure)
{
    destroyed = 0;
    struct obj init = {0, &destroyed};
    return reef_then_wrapped(reef_do_with(&init, sizeof(init), failing_op, NULL, obj_dtor),
                             check_failed_do_with, NULL, 0);
}

static int shared_destroyed;
static void shared_dtor(void *p) { shared_destroyed += *(int *)p; }

static reef_future touch_shared(void *cap, reef_val v)
{
    int *obj = *(int **)cap;
    (*obj)++;
    reef_shared_unref(obj);
    return reef_done();
}

static reef_future check_shared(void *cap, reef_val v)
{
    T_EQ(shared_destroyed, 3); /* value was 1, two continuations added one each */
    return reef_done();
}

REACTOR_TEST(shared_object_lives_until_last_reference)
{
    shared_destroyed = 0;
    int *obj = reef_shared_new(sizeof(int), shared_dtor);
    *obj = 1;
    int *r1 = reef_shared_ref(obj), *r2 = reef_shared_ref(obj);
    T_EQ(reef_shared_count(obj), 3);
    reef_future a = reef_then(reef_sleep(reef_ms(1)), touch_shared, REEF_CAP(r1));
    reef_future b = reef_then_owned(reef_sleep(reef_ms(2)), touch_shared, reef_shared_drop_cap,
                                    REEF_CAP(r2));
    reef_shared_unref(obj);
    T_EQ(shared_destroyed, 0);
    reef_discard(a);
    return reef_then(b, check_shared, NULL, 0);
}

static reef_future never(void *cap, reef_val v) { return reef_done(); }

TEST(owned_capture_dropped_when_skipped)
{
    shared_destroyed = 0;
    int *obj = reef_shared_new(sizeof(int), shared_dtor);
    *obj = 5;
    reef_future f =
        reef_then_owned(reef_fail_code(-EIO), never, reef_shared_drop_cap, REEF_CAP(obj));
    T_EQ(shared_destroyed, 5);
    reef_future_ignore(f);
}

TEST_MAIN()
