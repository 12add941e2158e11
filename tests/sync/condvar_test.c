/* Tests for src/sync/condvar.c. */
#include <errno.h>

#include <reef/condvar.h>
#include <reef/fiber.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

static reef_condvar cv;
static int woken[8], nwoken;

static reef_future note(void *cap, reef_val v)
{
    woken[nwoken++] = *(int *)cap;
    return reef_done();
}

static void wait_as(int id)
{
    reef_discard(reef_then(reef_condvar_wait(&cv), note, &id, sizeof(id)));
}

static reef_future after_broadcast(void *cap, reef_val v)
{
    T_EQ(nwoken, 3);
    reef_condvar_fini(&cv);
    return reef_done();
}

static reef_future after_signal(void *cap, reef_val v)
{
    T_EQ(nwoken, 1);
    T_EQ(woken[0], 1); /* FIFO: the first waiter */
    reef_condvar_broadcast(&cv);
    return reef_then(reef_sleep(reef_ms(1)), after_broadcast, NULL, 0);
}

REACTOR_TEST(signal_wakes_the_first_broadcast_wakes_all)
{
    reef_condvar_init(&cv);
    nwoken = 0;
    reef_condvar_signal(&cv); /* nobody waits: lost, as for any condition variable */
    wait_as(1);
    wait_as(2);
    wait_as(3);
    reef_condvar_signal(&cv);
    return reef_then(reef_sleep(reef_ms(1)), after_signal, NULL, 0);
}

static int level;
static bool level_at_least_3(void *arg) { return level >= *(int *)arg; }

static reef_future pred_done(void *cap, reef_val v)
{
    T_EQ(level, 3);
    reef_condvar_fini(&cv);
    return reef_done();
}

static reef_future bump(void *cap, reef_val v)
{
    level++;
    reef_condvar_signal(&cv);
    if (level < 3)
        return reef_then(reef_sleep(reef_ms(1)), bump, NULL, 0);
    return reef_done();
}

REACTOR_TEST(wait_pred_rechecks_after_each_signal)
{
    reef_condvar_init(&cv);
    level = 0;
    static int three = 3;
    reef_future w = reef_condvar_wait_pred(&cv, level_at_least_3, &three);
    T_FALSE(reef_future_available(w));
    reef_discard(reef_then(reef_sleep(reef_ms(1)), bump, NULL, 0));
    return reef_then(w, pred_done, NULL, 0);
}

static reef_future expect_code(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), *(int *)cap);
    return reef_done();
}

REACTOR_TEST(wait_until_times_out)
{
    reef_condvar_init(&cv);
    int code = REEF_ETIMEOUT;
    reef_future f = reef_condvar_wait_until(&cv, reef_now() + reef_ms(5));
    return reef_then_wrapped(f, expect_code, &code, sizeof(code));
}

static reef_future after_broken(void *cap, reef_val v)
{
    T_EQ(reef_future_take(reef_condvar_wait(&cv), NULL, NULL), -EPIPE);
    reef_condvar_fini(&cv);
    return reef_done();
}

REACTOR_TEST(broken_fails_waiters_and_later_waits)
{
    reef_condvar_init(&cv);
    int code = -EPIPE;
    reef_discard(reef_then_wrapped(reef_condvar_wait(&cv), expect_code, &code, sizeof(code)));
    reef_condvar_broken_err(&cv, reef_err_msg(-EPIPE, "producer went away"));
    return reef_then(reef_sleep(reef_ms(1)), after_broken, NULL, 0);
}

REACTOR_TEST(fini_breaks_remaining_waiters)
{
    reef_condvar_init(&cv);
    int code = REEF_ECONDVAR_BROKEN;
    reef_future f = reef_then_wrapped(reef_condvar_wait(&cv), expect_code, &code, sizeof(code));
    reef_condvar_fini(&cv);
    return f;
}

/* ---- waiting futures, looked at directly ---------------------------------------- */

/* Lets every task queued now run (fibers only). */
static void settle(void) { T_EQ(reef_fiber_wait(reef_sleep(reef_ms(1)), NULL, NULL), 0); }

FIBER_TEST(signals_wake_waiters_one_at_a_time_in_order)
{
    reef_condvar c;
    reef_condvar_init(&c);
    reef_future w[3];
    for (int i = 0; i < 3; i++)
        w[i] = reef_condvar_wait(&c);
    for (int n = 0; n < 3; n++) {
        reef_condvar_signal(&c);
        for (int i = 0; i < 3; i++)
            T_EQ(reef_future_available(w[i]), i <= n);
    }
    for (int i = 0; i < 3; i++)
        T_EQ(reef_fiber_wait(w[i], NULL, NULL), 0);
    reef_condvar_fini(&c);
}

/* A broadcast wakes those waiting at that moment, not later arrivals; a
 * signal nobody waits for is not remembered. */
FIBER_TEST(broadcast_wakes_only_those_already_waiting)
{
    reef_condvar c;
    reef_condvar_init(&c);
    reef_future w[3];
    for (int i = 0; i < 3; i++)
        w[i] = reef_condvar_wait(&c);
    reef_condvar_broadcast(&c);
    reef_future late = reef_condvar_wait(&c);
    for (int i = 0; i < 3; i++)
        T_EQ(reef_fiber_wait(w[i], NULL, NULL), 0);
    settle();
    T_FALSE(reef_future_available(late));
    reef_condvar_signal(&c);
    T_EQ(reef_fiber_wait(late, NULL, NULL), 0);
    reef_condvar_signal(&c);     /* lost */
    reef_condvar_broadcast(&c);  /* lost */
    reef_future after = reef_condvar_wait(&c);
    settle();
    T_FALSE(reef_future_available(after));
    reef_condvar_broadcast(&c);
    T_EQ(reef_fiber_wait(after, NULL, NULL), 0);
    reef_condvar_fini(&c);
}

/* Woken before the deadline: succeeds, and its timer is gone (the harness
 * fails a case that leaves a timer armed). */
FIBER_TEST(wait_until_succeeds_when_signalled_in_time)
{
    reef_condvar c;
    reef_condvar_init(&c);
    reef_time start = reef_now();
    reef_future w = reef_condvar_wait_until(&c, start + reef_s(30));
    settle();
    T_FALSE(reef_future_available(w));
    reef_condvar_signal(&c);
    T_EQ(reef_fiber_wait(w, NULL, NULL), 0);
    T_LE(reef_now() - start, reef_s(5));
    reef_condvar_fini(&c);
}

/* A waiter that timed out has left the queue: the next signal goes to the
 * waiter behind it instead of being spent on it. */
FIBER_TEST(a_timed_out_waiter_leaves_the_queue)
{
    reef_condvar c;
    reef_condvar_init(&c);
    reef_time start = reef_now();
    reef_future timed = reef_condvar_wait_until(&c, start + reef_ms(3));
    reef_future plain = reef_condvar_wait(&c);
    T_EQ(reef_fiber_wait(timed, NULL, NULL), REEF_ETIMEOUT);
    T_GE(reef_now() - start, reef_ms(3));
    T_FALSE(reef_future_available(plain));
    reef_condvar_signal(&c);
    T_EQ(reef_fiber_wait(plain, NULL, NULL), 0);
    /* A deadline already past times out too (not at once, at the next
     * poll: it is a timer like any other). */
    T_EQ(reef_fiber_wait(reef_condvar_wait_until(&c, start), NULL, NULL), REEF_ETIMEOUT);
    reef_condvar_fini(&c);
}

static bool flag_a, flag_b;
static bool is_set(void *arg) { return *(bool *)arg; }

FIBER_TEST(wait_pred_that_already_holds_does_not_wait)
{
    reef_condvar c;
    reef_condvar_init(&c);
    flag_a = true;
    reef_future w = reef_condvar_wait_pred(&c, is_set, &flag_a);
    T_TRUE(reef_future_available(w));
    T_EQ(reef_fiber_wait(w, NULL, NULL), 0);
    reef_condvar_fini(&c);
}

/* A signal that finds a waiter's predicate false passes it over and wakes
 * the next waiter that can go; the passed-over one keeps waiting. */
FIBER_TEST(signal_passes_over_waiters_whose_predicate_is_false)
{
    reef_condvar c;
    reef_condvar_init(&c);
    flag_a = flag_b = false;
    reef_future a = reef_condvar_wait_pred(&c, is_set, &flag_a);
    reef_future b = reef_condvar_wait(&c);
    reef_condvar_signal(&c);
    T_FALSE(reef_future_available(a));
    T_TRUE(reef_future_available(b));
    T_EQ(reef_fiber_wait(b, NULL, NULL), 0);
    reef_condvar_signal(&c); /* a's predicate still false: nobody wakes */
    settle();
    T_FALSE(reef_future_available(a));
    flag_a = true;
    reef_condvar_signal(&c);
    T_EQ(reef_fiber_wait(a, NULL, NULL), 0);
    reef_condvar_fini(&c);
}

/* A broadcast wakes every waiter whose predicate holds; the others stay
 * until fini breaks them. */
FIBER_TEST(broadcast_wakes_waiters_whose_predicate_holds)
{
    reef_condvar c;
    reef_condvar_init(&c);
    flag_a = false;
    flag_b = true;
    reef_future a = reef_condvar_wait_pred(&c, is_set, &flag_a);
    flag_b = false; /* checked at the call: b waits */
    reef_future b = reef_condvar_wait_pred(&c, is_set, &flag_b);
    reef_future plain = reef_condvar_wait(&c);
    T_FALSE(reef_future_available(b));
    flag_b = true;
    reef_condvar_broadcast(&c);
    T_FALSE(reef_future_available(a));
    T_EQ(reef_fiber_wait(b, NULL, NULL), 0);
    T_EQ(reef_fiber_wait(plain, NULL, NULL), 0);
    reef_condvar_fini(&c);
    T_EQ(reef_fiber_wait(a, NULL, NULL), REEF_ECONDVAR_BROKEN);
}

/* Breaking fails every kind of wait, queued and later (a predicate that
 * holds included); a second break changes nothing. */
FIBER_TEST(broken_fails_every_kind_of_wait)
{
    reef_condvar c;
    reef_condvar_init(&c);
    flag_a = false;
    reef_future w[3] = {reef_condvar_wait(&c), reef_condvar_wait_pred(&c, is_set, &flag_a),
                        reef_condvar_wait_until(&c, reef_now() + reef_s(30))};
    reef_condvar_broken(&c);
    for (int i = 0; i < 3; i++)
        T_EQ(reef_fiber_wait(w[i], NULL, NULL), REEF_ECONDVAR_BROKEN);
    flag_a = true;
    T_EQ(reef_fiber_wait(reef_condvar_wait(&c), NULL, NULL), REEF_ECONDVAR_BROKEN);
    T_EQ(reef_fiber_wait(reef_condvar_wait_pred(&c, is_set, &flag_a), NULL, NULL),
         REEF_ECONDVAR_BROKEN);
    T_EQ(reef_fiber_wait(reef_condvar_wait_until(&c, reef_now() + reef_s(30)), NULL, NULL),
         REEF_ECONDVAR_BROKEN);
    reef_condvar_broken_err(&c, reef_err_msg(-EIO, "too late")); /* released */
    T_EQ(reef_fiber_wait(reef_condvar_wait(&c), NULL, NULL), REEF_ECONDVAR_BROKEN);
    reef_condvar_signal(&c);
    reef_condvar_broadcast(&c);
    reef_condvar_fini(&c);
}

/* Every waiter gets the given error with its message, each holding its
 * own reference. */
FIBER_TEST(broken_err_reaches_every_waiter)
{
    reef_condvar c;
    reef_condvar_init(&c);
    reef_future w[3];
    for (int i = 0; i < 3; i++)
        w[i] = reef_condvar_wait(&c);
    reef_condvar_broken_err(&c, reef_err_msg(-EPIPE, "producer went away"));
    for (int i = 0; i < 3; i++) {
        reef_err e;
        T_EQ(reef_fiber_wait(w[i], NULL, &e), -EPIPE);
        T_STREQ(reef_err_message(e), "producer went away");
        reef_err_release(e);
    }
    reef_condvar_fini(&c);
}

TEST_MAIN()
