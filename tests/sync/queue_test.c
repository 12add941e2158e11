/* Tests for src/sync/queue.c. */
#include <errno.h>

#include <reef/queue.h>
#include <reef/timer.h>

#include "harness/harness.h"

static reef_queue q;

REACTOR_TEST(try_push_and_pop_in_order)
{
    T_EQ(reef_queue_init(&q, 0), -EINVAL);
    T_EQ(reef_queue_init(&q, 3), 0);
    T_TRUE(reef_queue_empty(&q));
    T_UEQ(reef_queue_capacity(&q), 3);
    for (int i = 1; i <= 3; i++)
        T_TRUE(reef_queue_try_push(&q, (reef_val){.i = i}));
    T_TRUE(reef_queue_full(&q));
    T_FALSE(reef_queue_try_push(&q, (reef_val){.i = 4}));
    reef_val v;
    for (int i = 1; i <= 3; i++) {
        T_TRUE(reef_queue_try_pop(&q, &v));
        T_EQ(v.i, i);
        /* wrap around the ring */
        T_TRUE(reef_queue_try_push(&q, (reef_val){.i = 10 + i}));
    }
    T_UEQ(reef_queue_size(&q), 3);
    for (int i = 1; i <= 3; i++) {
        T_TRUE(reef_queue_try_pop(&q, &v));
        T_EQ(v.i, 10 + i);
    }
    T_FALSE(reef_queue_try_pop(&q, &v));
    reef_queue_fini(&q);
    return reef_done();
}

static int64_t popped[8];
static int npopped;

/* Stores the item in the slot of the pop that received it: pops complete
 * in the order they were made, whatever order their continuations run. */
static reef_future record_pop(void *cap, reef_val v)
{
    popped[*(int *)cap] = v.i;
    npopped++;
    return reef_done();
}

static reef_future check_eventual(void *cap, reef_val v)
{
    T_EQ(npopped, 4);
    for (int i = 0; i < 4; i++)
        T_EQ(popped[i], i + 1);
    T_TRUE(reef_queue_empty(&q));
    reef_queue_fini(&q);
    return reef_done();
}

REACTOR_TEST(eventual_push_waits_for_room_and_pop_for_items)
{
    T_EQ(reef_queue_init(&q, 1), 0);
    npopped = 0;
    /* Two pops wait for items, in order. */
    reef_discard(reef_then(reef_queue_pop_eventually(&q), record_pop, &(int){0}, sizeof(int)));
    reef_discard(reef_then(reef_queue_pop_eventually(&q), record_pop, &(int){1}, sizeof(int)));
    /* The first two pushes go straight to the waiting pops; the third
     * fills the queue; the fourth waits for room. */
    reef_future pushes[4];
    for (int i = 0; i < 4; i++)
        pushes[i] = reef_queue_push_eventually(&q, (reef_val){.i = i + 1});
    T_TRUE(reef_future_available(pushes[2]));
    T_FALSE(reef_future_available(pushes[3]));
    for (int i = 0; i < 4; i++)
        reef_discard(pushes[i]);
    reef_discard(reef_then(reef_queue_pop_eventually(&q), record_pop, &(int){2}, sizeof(int)));
    reef_discard(reef_then(reef_queue_pop_eventually(&q), record_pop, &(int){3}, sizeof(int)));
    return reef_then(reef_sleep(reef_ms(2)), check_eventual, NULL, 0);
}

static reef_future expect_code(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), *(int *)cap);
    return reef_done();
}

static reef_future after_abort(void *cap, reef_val v)
{
    T_EQ(reef_future_take(reef_queue_pop_eventually(&q), NULL, NULL), -ECANCELED);
    T_FALSE(reef_queue_try_push(&q, (reef_val){.i = 1}));
    reef_queue_fini(&q);
    return reef_done();
}

REACTOR_TEST(abort_fails_waiters_and_later_operations)
{
    T_EQ(reef_queue_init(&q, 1), 0);
    int code = -ECANCELED;
    reef_discard(reef_then_wrapped(reef_queue_pop_eventually(&q), expect_code, &code,
                                   sizeof(code)));
    reef_queue_abort(&q, reef_err_code(-ECANCELED));
    return reef_then(reef_sleep(reef_ms(1)), after_abort, NULL, 0);
}

REACTOR_TEST(fini_fails_waiters_with_aborted)
{
    T_EQ(reef_queue_init(&q, 1), 0);
    int code = REEF_EABORTED;
    reef_future f = reef_then_wrapped(reef_queue_pop_eventually(&q), expect_code, &code,
                                      sizeof(code));
    reef_queue_fini(&q);
    return f;
}

TEST_MAIN()
