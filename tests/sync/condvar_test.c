/* Tests for src/sync/condvar.c. */
#include <errno.h>

#include <reef/condvar.h>
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

TEST_MAIN()
