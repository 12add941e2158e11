/* Tests for src/sync/gate.c. */
#include <errno.h>

#include <reef/gate.h>
#include <reef/timer.h>

#include "harness/harness.h"

static reef_gate gate;
static int ran;

REACTOR_TEST(enter_leave_close_with_nothing_inside)
{
    reef_gate_init(&gate);
    T_EQ(reef_gate_check(&gate), 0);
    T_EQ(reef_gate_enter(&gate), 0);
    T_EQ(reef_gate_enter(&gate), 0);
    T_EQ(reef_gate_count(&gate), 2);
    reef_gate_leave(&gate);
    reef_gate_leave(&gate);
    reef_future closed = reef_gate_close(&gate);
    T_TRUE(reef_future_available(closed)); /* nobody inside: at once */
    T_EQ(reef_future_take(closed, NULL, NULL), 0);
    T_TRUE(reef_gate_is_closed(&gate));
    T_EQ(reef_gate_enter(&gate), REEF_EGATE_CLOSED);
    T_EQ(reef_gate_check(&gate), REEF_EGATE_CLOSED);
    T_EQ(reef_future_take(reef_gate_close(&gate), NULL, NULL), -EINVAL);
    return reef_done();
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

TEST_MAIN()
