/* Tests for src/sync/queue.c. */
#include <errno.h>

#include <reef/fiber.h>
#include <reef/loop.h>
#include <reef/queue.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

static reef_queue q;

static reef_val I(int64_t i) { return (reef_val){.i = i}; }

/* Takes an available future: its error code (0 on success), the value in
 * *v when v is not NULL. */
static int taken(reef_future f, reef_val *v)
{
    T_TRUE(reef_future_available(f));
    return reef_future_take(f, v, NULL);
}

REACTOR_TEST(try_push_and_pop_in_order)
{
    T_EQ(reef_queue_init(&q, 0), -EINVAL);
    T_EQ(reef_queue_init(&q, 3), 0);
    T_TRUE(reef_queue_empty(&q));
    T_FALSE(reef_queue_full(&q));
    T_UEQ(reef_queue_size(&q), 0);
    T_UEQ(reef_queue_capacity(&q), 3);
    for (int i = 1; i <= 3; i++)
        T_TRUE(reef_queue_try_push(&q, I(i)));
    T_TRUE(reef_queue_full(&q));
    T_FALSE(reef_queue_empty(&q));
    T_FALSE(reef_queue_try_push(&q, I(4)));
    T_UEQ(reef_queue_size(&q), 3);
    reef_val v;
    for (int i = 1; i <= 3; i++) {
        T_TRUE(reef_queue_try_pop(&q, &v));
        T_EQ(v.i, i);
        /* wrap around the ring */
        T_TRUE(reef_queue_try_push(&q, I(10 + i)));
    }
    T_UEQ(reef_queue_size(&q), 3);
    for (int i = 1; i <= 3; i++) {
        T_TRUE(reef_queue_try_pop(&q, &v));
        T_EQ(v.i, 10 + i);
    }
    v.i = -1;
    T_FALSE(reef_queue_try_pop(&q, &v));
    T_EQ(v.i, -1); /* untouched */
    T_TRUE(reef_queue_empty(&q));
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
        pushes[i] = reef_queue_push_eventually(&q, I(i + 1));
    T_TRUE(reef_future_available(pushes[2]));
    T_FALSE(reef_future_available(pushes[3]));
    for (int i = 0; i < 4; i++)
        reef_discard(pushes[i]);
    reef_discard(reef_then(reef_queue_pop_eventually(&q), record_pop, &(int){2}, sizeof(int)));
    reef_discard(reef_then(reef_queue_pop_eventually(&q), record_pop, &(int){3}, sizeof(int)));
    return reef_then(reef_sleep(reef_ms(2)), check_eventual, NULL, 0);
}

/* Producers waiting for room get in one at a time, in the order they
 * came, as items leave — through pop_eventually and try_pop alike. */
FIBER_TEST(waiting_pushers_enter_in_order_as_room_appears)
{
    reef_queue qq;
    T_EQ(reef_queue_init(&qq, 2), 0);
    T_EQ(taken(reef_queue_push_eventually(&qq, I(1)), NULL), 0); /* room: at once */
    T_EQ(taken(reef_queue_push_eventually(&qq, I(2)), NULL), 0);
    reef_future w[3];
    for (int i = 0; i < 3; i++)
        w[i] = reef_queue_push_eventually(&qq, I(3 + i));
    for (int i = 0; i < 3; i++)
        T_FALSE(reef_future_available(w[i]));
    T_FALSE(reef_queue_try_push(&qq, I(99))); /* full, and others wait first */
    T_UEQ(reef_queue_size(&qq), 2);

    reef_val v;
    T_EQ(taken(reef_queue_pop_eventually(&qq), &v), 0); /* an item: at once */
    T_EQ(v.i, 1);
    T_TRUE(reef_future_available(w[0])); /* the oldest pusher took the room */
    T_FALSE(reef_future_available(w[1]));
    T_UEQ(reef_queue_size(&qq), 2);
    T_TRUE(reef_queue_try_pop(&qq, &v));
    T_EQ(v.i, 2);
    T_TRUE(reef_future_available(w[1]));
    T_FALSE(reef_future_available(w[2]));
    T_EQ(reef_fiber_wait(w[0], NULL, NULL), 0);
    T_EQ(reef_fiber_wait(w[1], NULL, NULL), 0);
    /* Everything comes out in the order it was offered. */
    T_TRUE(reef_queue_try_pop(&qq, &v));
    T_EQ(v.i, 3);
    T_TRUE(reef_future_available(w[2]));
    T_EQ(reef_fiber_wait(w[2], NULL, NULL), 0);
    for (int i = 4; i <= 5; i++) {
        T_TRUE(reef_queue_try_pop(&qq, &v));
        T_EQ(v.i, i);
    }
    T_TRUE(reef_queue_empty(&qq));
    reef_queue_fini(&qq);
}

/* An item offered while a consumer waits goes straight to it. */
FIBER_TEST(try_push_hands_the_item_to_a_waiting_pop)
{
    reef_queue qq;
    T_EQ(reef_queue_init(&qq, 1), 0);
    reef_future p1 = reef_queue_pop_eventually(&qq);
    reef_future p2 = reef_queue_pop_eventually(&qq);
    T_FALSE(reef_future_available(p1));
    T_TRUE(reef_queue_try_push(&qq, I(7)));
    T_TRUE(reef_queue_empty(&qq)); /* not buffered */
    T_TRUE(reef_future_available(p1));
    T_FALSE(reef_future_available(p2));
    T_EQ(taken(reef_queue_push_eventually(&qq, I(8)), NULL), 0);
    T_TRUE(reef_queue_empty(&qq));
    reef_val v;
    T_EQ(reef_fiber_wait(p1, &v, NULL), 0);
    T_EQ(v.i, 7);
    T_EQ(reef_fiber_wait(p2, &v, NULL), 0);
    T_EQ(v.i, 8);
    reef_queue_fini(&qq);
}

/* ---- abort and fini ----------------------------------------------------------- */

static reef_future expect_code(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), *(int *)cap);
    return reef_done();
}

static reef_future after_abort(void *cap, reef_val v)
{
    T_EQ(reef_future_take(reef_queue_pop_eventually(&q), NULL, NULL), -ECANCELED);
    T_FALSE(reef_queue_try_push(&q, I(1)));
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

/* Waits for f and checks it failed with `code` and the message "stopping"
 * (each waiter holds its own reference to the abort's error). */
static void expect_stopping(reef_future f, int code)
{
    reef_err e;
    T_EQ(reef_fiber_wait(f, NULL, &e), code);
    T_STREQ(reef_err_message(e), "stopping");
    reef_err_release(e);
}

FIBER_TEST(abort_fails_pushers_and_poppers_with_the_given_error)
{
    reef_queue full, empty;
    T_EQ(reef_queue_init(&full, 1), 0);
    T_EQ(reef_queue_init(&empty, 1), 0);
    T_TRUE(reef_queue_try_push(&full, I(1)));
    reef_future pushers[2] = {reef_queue_push_eventually(&full, I(2)),
                              reef_queue_push_eventually(&full, I(3))};
    reef_future poppers[2] = {reef_queue_pop_eventually(&empty),
                              reef_queue_pop_eventually(&empty)};
    reef_queue_abort(&full, reef_err_msg(-ESHUTDOWN, "stopping"));
    reef_queue_abort(&empty, reef_err_msg(-ESHUTDOWN, "stopping"));
    for (int i = 0; i < 2; i++) {
        expect_stopping(pushers[i], -ESHUTDOWN);
        expect_stopping(poppers[i], -ESHUTDOWN);
    }
    /* Later operations fail the same way, even with an item inside. */
    T_UEQ(reef_queue_size(&full), 1);
    reef_val v;
    T_FALSE(reef_queue_try_pop(&full, &v));
    T_FALSE(reef_queue_try_push(&empty, I(4)));
    expect_stopping(reef_queue_pop_eventually(&full), -ESHUTDOWN);
    expect_stopping(reef_queue_push_eventually(&empty, I(5)), -ESHUTDOWN);
    /* A second abort changes nothing (its error is released). */
    reef_queue_abort(&full, reef_err_msg(-EIO, "second"));
    expect_stopping(reef_queue_push_eventually(&full, I(6)), -ESHUTDOWN);
    reef_queue_fini(&full); /* drops the item still inside */
    reef_queue_fini(&empty);
}

FIBER_TEST(abort_without_a_code_means_aborted)
{
    reef_queue qq;
    T_EQ(reef_queue_init(&qq, 1), 0);
    reef_future p = reef_queue_pop_eventually(&qq);
    reef_queue_abort(&qq, (reef_err){0, NULL});
    T_EQ(reef_fiber_wait(p, NULL, NULL), REEF_EABORTED);
    T_EQ(reef_fiber_wait(reef_queue_push_eventually(&qq, I(1)), NULL, NULL), REEF_EABORTED);
    reef_queue_fini(&qq);
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

FIBER_TEST(fini_fails_waiting_pushers_with_aborted)
{
    reef_queue qq;
    T_EQ(reef_queue_init(&qq, 1), 0);
    T_TRUE(reef_queue_try_push(&qq, I(1)));
    reef_future w = reef_queue_push_eventually(&qq, I(2));
    reef_queue_fini(&qq);
    T_EQ(reef_fiber_wait(w, NULL, NULL), REEF_EABORTED);
}

/* ---- a producer and a consumer ------------------------------------------------ */

#define ITEMS 2000

struct flow {
    reef_queue q;
    int64_t sent, expect, max_size;
};

static reef_future pushed(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_continue();
}

static reef_future produce(void *cap)
{
    struct flow *fl = *(struct flow **)cap;
    if (fl->sent == ITEMS)
        return reef_stop();
    return reef_then(reef_queue_push_eventually(&fl->q, I(++fl->sent)), pushed, NULL, 0);
}

static reef_future got(void *cap, reef_val v)
{
    struct flow *fl = *(struct flow **)cap;
    T_EQ(v.i, fl->expect + 1);
    fl->expect++;
    if ((int64_t)reef_queue_size(&fl->q) > fl->max_size)
        fl->max_size = (int64_t)reef_queue_size(&fl->q);
    return fl->expect == ITEMS ? reef_stop() : reef_continue();
}

static reef_future consume(void *cap)
{
    struct flow *fl = *(struct flow **)cap;
    return reef_then(reef_queue_pop_eventually(&fl->q), got, cap, sizeof(fl));
}

FIBER_TEST(a_producer_and_a_consumer_keep_order_and_the_bound)
{
    struct flow fl = {.expect = 0};
    T_EQ(reef_queue_init(&fl.q, 3), 0);
    struct flow *p = &fl;
    reef_future both[2] = {reef_repeat(produce, &p, sizeof(p)), reef_repeat(consume, &p, sizeof(p))};
    T_EQ(reef_fiber_wait(reef_when_all_succeed(both, 2, NULL), NULL, NULL), 0);
    T_EQ(fl.expect, ITEMS);
    T_LE(fl.max_size, 3);
    T_TRUE(reef_queue_empty(&fl.q));
    reef_queue_fini(&fl.q);
}

TEST_MAIN()
