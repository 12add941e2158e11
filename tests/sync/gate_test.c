/* Tests for src/sync/gate.c. */
#include <errno.h>

#include <reef/fiber.h>
#include <reef/gate.h>
#include <reef/loop.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

static reef_gate gate;
static int ran;

/* Lets every task queued now run (the debug scheduler defers and shuffles
 * continuations; a short sleep outlasts them). Fibers only. */
static void settle(void) { T_EQ(reef_fiber_wait(reef_sleep(reef_ms(1)), NULL, NULL), 0); }

REACTOR_TEST(enter_leave_close_with_nothing_inside)
{
    reef_gate_init(&gate);
    T_FALSE(reef_gate_is_closed(&gate));
    T_EQ(reef_gate_count(&gate), 0);
    T_EQ(reef_gate_check(&gate), 0);
    T_EQ(reef_gate_enter(&gate), 0);
    T_EQ(reef_gate_enter(&gate), 0);
    T_EQ(reef_gate_count(&gate), 2);
    reef_gate_leave(&gate);
    reef_gate_leave(&gate);
    T_EQ(reef_gate_count(&gate), 0);
    reef_future closed = reef_gate_close(&gate);
    T_TRUE(reef_future_available(closed)); /* nobody inside: at once */
    T_EQ(reef_future_take(closed, NULL, NULL), 0);
    T_TRUE(reef_gate_is_closed(&gate));
    T_EQ(reef_gate_enter(&gate), REEF_EGATE_CLOSED);
    T_EQ(reef_gate_count(&gate), 0); /* a refused enter is not counted */
    T_EQ(reef_gate_check(&gate), REEF_EGATE_CLOSED);
    T_EQ(reef_future_take(reef_gate_close(&gate), NULL, NULL), -EINVAL);
    return reef_done();
}

/* Enter and leave by hand: close resolves at the last leave, not before,
 * and those still inside can see that a close has begun. */
FIBER_TEST(close_resolves_at_the_last_leave)
{
    reef_gate g;
    reef_gate_init(&g);
    T_EQ(reef_gate_enter(&g), 0);
    T_EQ(reef_gate_enter(&g), 0);
    T_EQ(reef_gate_enter(&g), 0);
    reef_future closed = reef_gate_close(&g);
    T_FALSE(reef_future_available(closed));
    T_TRUE(reef_gate_is_closed(&g));
    T_EQ(reef_gate_check(&g), REEF_EGATE_CLOSED);
    T_EQ(reef_gate_enter(&g), REEF_EGATE_CLOSED);
    T_EQ(reef_gate_count(&g), 3);
    /* A second close is refused; the first one still waits. */
    T_EQ(reef_fiber_wait(reef_gate_close(&g), NULL, NULL), -EINVAL);
    reef_gate_leave(&g);
    reef_gate_leave(&g);
    settle();
    T_EQ(reef_gate_count(&g), 1);
    T_FALSE(reef_future_available(closed));
    reef_gate_leave(&g);
    T_EQ(reef_gate_count(&g), 0);
    T_EQ(reef_fiber_wait(closed, NULL, NULL), 0);
}

static reef_future slow_op(void *cap)
{
    int ms = *(int *)cap;
    ran++;
    return reef_sleep(reef_ms(ms));
}

static reef_future after_close(void *cap, reef_val v)
{
    /* Close resolved only once both operations had left. */
    T_EQ(reef_gate_count(&gate), 0);
    T_EQ(ran, 2);
    reef_future late = reef_with_gate(&gate, slow_op, &(int){1}, sizeof(int));
    T_EQ(reef_future_take(late, NULL, NULL), REEF_EGATE_CLOSED);
    T_EQ(ran, 2); /* not called */
    return reef_done();
}

REACTOR_TEST(close_waits_for_operations_in_progress)
{
    reef_gate_init(&gate);
    ran = 0;
    reef_discard(reef_with_gate(&gate, slow_op, &(int){20}, sizeof(int)));
    reef_discard(reef_with_gate(&gate, slow_op, &(int){5}, sizeof(int)));
    T_EQ(reef_gate_count(&gate), 2);
    reef_future closed = reef_gate_close(&gate);
    T_FALSE(reef_future_available(closed));
    T_EQ(reef_gate_enter(&gate), REEF_EGATE_CLOSED);
    return reef_then(closed, after_close, NULL, 0);
}

static reef_future failing_op(void *cap) { return reef_fail_code(-EIO); }

static reef_future check_left(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), -EIO);
    T_EQ(reef_gate_count(&gate), 0); /* left although the operation failed */
    return reef_gate_close(&gate);
}

REACTOR_TEST(with_gate_leaves_on_failure)
{
    reef_gate_init(&gate);
    return reef_then_wrapped(reef_with_gate(&gate, failing_op, NULL, 0), check_left, NULL, 0);
}

/* ---- with_gate: value, capture and timing --------------------------------- */

static reef_future value_of(void *cap, reef_val v)
{
    (void)v;
    return reef_ready_i64(*(int64_t *)cap);
}

static reef_future answer_later(void *cap)
{
    ran++;
    return reef_then(reef_sleep(reef_ms(3)), value_of, cap, sizeof(int64_t));
}

FIBER_TEST(with_gate_holds_the_gate_until_the_future_resolves)
{
    reef_gate g;
    reef_gate_init(&g);
    ran = 0;
    int64_t answer = 42;
    reef_future f = reef_with_gate(&g, answer_later, &answer, sizeof(answer));
    answer = 0; /* the body had its capture during the call */
    T_EQ(ran, 1);
    T_EQ(reef_gate_count(&g), 1);
    reef_future closed = reef_gate_close(&g);
    settle();
    T_FALSE(reef_future_available(closed)); /* the body is still sleeping */
    reef_val v;
    T_EQ(reef_fiber_wait(f, &v, NULL), 0);
    T_EQ(v.i, 42); /* the body's value passes through */
    T_EQ(reef_gate_count(&g), 0);
    T_EQ(reef_fiber_wait(closed, NULL, NULL), 0);
}

/* Many operations of different lengths: close resolves after every one of
 * them has finished, whatever order they end in. */
static int finished;

static reef_future count_finished(void *cap, reef_val v)
{
    (void)cap, (void)v;
    finished++;
    return reef_done();
}

static reef_future varied_op(void *cap)
{
    int i = *(int *)cap;
    return reef_then(reef_sleep(reef_us(100 * (i % 7))), count_finished, NULL, 0);
}

FIBER_TEST(close_waits_for_a_hundred_operations)
{
    reef_gate g;
    reef_gate_init(&g);
    finished = 0;
    for (int i = 0; i < 100; i++)
        reef_discard(reef_with_gate(&g, varied_op, &i, sizeof(i)));
    T_EQ(reef_gate_count(&g), 100);
    T_EQ(reef_fiber_wait(reef_gate_close(&g), NULL, NULL), 0);
    T_EQ(finished, 100);
    T_EQ(reef_gate_count(&g), 0);
}

/* ---- check(): long operations stop early once a close has begun ------------ */

struct looper {
    reef_gate *g;
    int ticks;
};

static reef_future tick(void *cap, int64_t i)
{
    (void)i;
    struct looper *l = *(struct looper **)cap;
    int rc = reef_gate_check(l->g);
    if (rc)
        return reef_fail_code(rc);
    l->ticks++;
    return reef_sleep(reef_us(500));
}

static reef_future stopped_is_fine(void *cap, reef_err e)
{
    (void)cap;
    return e.code == REEF_EGATE_CLOSED ? reef_done() : reef_fail(e);
}

static reef_future long_op(void *cap)
{
    reef_future loop = reef_do_for_range(0, 100000, tick, cap, sizeof(struct looper *));
    return reef_handle_error(loop, stopped_is_fine, NULL, 0);
}

FIBER_TEST(check_lets_long_operations_stop_early)
{
    reef_gate g;
    reef_gate_init(&g);
    struct looper ops[3];
    for (int i = 0; i < 3; i++) {
        ops[i] = (struct looper){&g, 0};
        struct looper *p = &ops[i];
        reef_discard(reef_with_gate(&g, long_op, &p, sizeof(p)));
    }
    settle();
    reef_time start = reef_now();
    T_EQ(reef_fiber_wait(reef_gate_close(&g), NULL, NULL), 0);
    T_LE(reef_now() - start, reef_s(5)); /* not 100000 sleeps */
    for (int i = 0; i < 3; i++) {
        T_GE(ops[i].ticks, 1);
        T_LE(ops[i].ticks, 10000);
    }
    /* Nothing is left running: the counts stay put. */
    int before[3] = {ops[0].ticks, ops[1].ticks, ops[2].ticks};
    settle();
    for (int i = 0; i < 3; i++)
        T_EQ(ops[i].ticks, before[i]);
}

TEST_MAIN()
