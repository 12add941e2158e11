/* Tests for src/sync/semaphore.c, abort.c and waitq.c. */
#include <errno.h>

#include <reef/abort.h>
#include <reef/fiber.h>
#include <reef/log.h>
#include <reef/loop.h>
#include <reef/semaphore.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

static reef_sem sem;
static int order[16], norder;

static reef_future fifo_more(void *cap, reef_val v);
static reef_future fifo_last(void *cap, reef_val v);
static reef_future units_gone(void *cap, reef_val v);

static reef_future note(void *cap, reef_val v)
{
    order[norder++] = *(int *)cap;
    return reef_done();
}

REACTOR_TEST(uncontended_wait_is_ready_and_try_wait)
{
    reef_sem_init(&sem, 3);
    reef_future f = reef_sem_wait(&sem, 2);
    T_TRUE(reef_future_available(f));
    reef_future_ignore(f);
    T_EQ(reef_sem_available(&sem), 1);
    T_FALSE(reef_sem_try_wait(&sem, 2));
    T_TRUE(reef_sem_try_wait(&sem, 1));
    T_EQ(reef_sem_available(&sem), 0);
    reef_sem_signal(&sem, 3);
    T_EQ(reef_sem_available(&sem), 3);
    reef_sem_fini(&sem);
    return reef_done();
}

static reef_future check_fifo(void *cap, reef_val v)
{
    /* The big request at the head was served first, although the 1-unit
     * requests behind it could have been served earlier. */
    T_EQ(norder, 3);
    T_EQ(order[0], 5);
    T_EQ(order[1], 1);
    T_EQ(order[2], 2);
    reef_sem_fini(&sem);
    return reef_done();
}

static reef_future fifo_signals(void *cap, reef_val v)
{
    T_EQ(norder, 0); /* 2 units available, head wants 5: nobody served */
    reef_sem_signal(&sem, 3); /* now 5: head first, then nothing left */
    T_EQ(norder, 0);          /* served through the task queue */
    return reef_then(reef_sleep(reef_ms(1)), fifo_more, NULL, 0);
}

REACTOR_TEST(waiters_are_served_strictly_fifo)
{
    static reef_future f[3];
    norder = 0;
    reef_sem_init(&sem, 2);
    f[0] = reef_then(reef_sem_wait(&sem, 5), note, &(int){5}, sizeof(int));
    f[1] = reef_then(reef_sem_wait(&sem, 1), note, &(int){1}, sizeof(int));
    f[2] = reef_then(reef_sem_wait(&sem, 1), note, &(int){2}, sizeof(int));
    T_EQ(reef_sem_waiters(&sem), 3);
    T_FALSE(reef_sem_try_wait(&sem, 1)); /* waiters queued: no overtaking */
    reef_discard(f[0]);
    reef_discard(f[1]);
    reef_discard(f[2]);
    return reef_then(reef_sleep(reef_ms(1)), fifo_signals, NULL, 0);
}

static reef_future fifo_last(void *cap, reef_val v)
{
    T_EQ(norder, 2);
    reef_sem_signal(&sem, 1);
    return reef_then(reef_sleep(reef_ms(1)), check_fifo, NULL, 0);
}

/* One unit at a time, so that the order in which waiters are granted shows
 * even when the debug scheduler shuffles the continuations that follow. */
static reef_future fifo_more(void *cap, reef_val v)
{
    T_EQ(norder, 1);
    reef_sem_signal(&sem, 1);
    return reef_then(reef_sleep(reef_ms(1)), fifo_last, NULL, 0);
}

static reef_future expect_code(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), *(int *)cap);
    return reef_done();
}

static reef_future timeout_then_served(void *cap, reef_val v)
{
    /* The timed-out head left the queue: the waiter behind it got served. */
    T_EQ(norder, 1);
    T_EQ(order[0], 7);
    T_EQ(reef_sem_waiters(&sem), 0);
    reef_sem_fini(&sem);
    return reef_done();
}

REACTOR_TEST(wait_with_timeout)
{
    norder = 0;
    reef_sem_init(&sem, 1);
    reef_future big = reef_sem_wait_until(&sem, 10, reef_now() + reef_ms(5));
    reef_future small = reef_then(reef_sem_wait(&sem, 1), note, &(int){7}, sizeof(int));
    T_EQ(reef_sem_waiters(&sem), 2);
    reef_discard(reef_then_wrapped(big, expect_code, &(int){REEF_ETIMEOUT}, sizeof(int)));
    reef_discard(small);
    return reef_then(reef_sleep(reef_ms(20)), timeout_then_served, NULL, 0);
}

static reef_abort_source as;

static reef_future after_abort(void *cap, reef_val v)
{
    T_EQ(reef_sem_waiters(&sem), 0);
    /* Waiting on an aborted source fails at once. */
    reef_future f = reef_sem_wait_abortable(&sem, 100, &as);
    T_TRUE(reef_future_available(f));
    T_EQ(reef_future_take(f, NULL, NULL), -ECANCELED);
    reef_sem_fini(&sem);
    reef_abort_source_fini(&as);
    return reef_done();
}

REACTOR_TEST(wait_abortable)
{
    reef_sem_init(&sem, 0);
    reef_abort_source_init(&as);
    reef_future f = reef_sem_wait_abortable(&sem, 1, &as);
    reef_discard(reef_then_wrapped(f, expect_code, &(int){-ECANCELED}, sizeof(int)));
    reef_abort_request_err(&as, reef_err_msg(-ECANCELED, "shutting down"));
    T_TRUE(reef_abort_requested(&as));
    return reef_then(reef_sleep(reef_ms(1)), after_abort, NULL, 0);
}

static reef_future after_broken(void *cap, reef_val v)
{
    reef_future f = reef_sem_wait(&sem, 1);
    T_EQ(reef_future_take(f, NULL, NULL), REEF_ESEM_BROKEN);
    reef_sem_signal(&sem, 1); /* ignored */
    reef_sem_fini(&sem);
    return reef_done();
}

REACTOR_TEST(broken_semaphore_fails_all_waiters)
{
    reef_sem_init(&sem, 0);
    for (int i = 0; i < 3; i++)
        reef_discard(reef_then_wrapped(reef_sem_wait(&sem, 1), expect_code,
                                       &(int){REEF_ESEM_BROKEN}, sizeof(int)));
    reef_sem_broken(&sem);
    T_EQ(reef_sem_waiters(&sem), 0);
    return reef_then(reef_sleep(reef_ms(1)), after_broken, NULL, 0);
}

/* ---- units and with_semaphore ------------------------------------------------- */

static int concurrent, max_concurrent, finished;

static reef_future slow_done(void *cap, reef_val v)
{
    concurrent--;
    finished++;
    return reef_done();
}

static reef_future slow(void *cap)
{
    if (++concurrent > max_concurrent)
        max_concurrent = concurrent;
    return reef_then(reef_sleep(reef_us(200)), slow_done, NULL, 0);
}

static reef_future g(void *cap, int64_t i) { return reef_with_semaphore(&sem, 1, slow, NULL, 0); }

static reef_future check_limit(void *cap, reef_val v)
{
    T_EQ(finished, 500);
    T_EQ(max_concurrent, 100);
    T_EQ(reef_sem_available(&sem), 100);
    reef_sem_fini(&sem);
    return reef_done();
}

REACTOR_TEST(with_semaphore_limits_concurrency)
{
    concurrent = max_concurrent = finished = 0;
    reef_sem_init(&sem, 100);
    return reef_then(reef_parallel_for_range(0, 500, g, NULL, 0), check_limit, NULL, 0);
}

static reef_future fail_body(void *cap) { return reef_fail_code(-EIO); }

static reef_future units_back(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), -EIO);
    T_EQ(reef_sem_available(&sem), 1); /* returned despite the failure */
    reef_sem_fini(&sem);
    return reef_done();
}

REACTOR_TEST(with_semaphore_returns_units_on_failure)
{
    reef_sem_init(&sem, 1);
    return reef_then_wrapped(reef_with_semaphore(&sem, 1, fail_body, NULL, 0), units_back, NULL,
                             0);
}

static reef_future use_units(void *cap, reef_val v)
{
    reef_sem_units *u = v.p;
    T_EQ(reef_sem_available(&sem), 2);
    /* Hand the units to a later continuation; they come back when it is
     * done, whether it runs or is skipped. */
    return reef_then_owned(reef_sleep(reef_ms(1)), units_gone, reef_sem_units_drop_cap,
                           REEF_CAP(u));
}

static reef_future units_gone(void *cap, reef_val v)
{
    reef_sem_units_return(*(reef_sem_units **)cap);
    T_EQ(reef_sem_available(&sem), 5);
    reef_sem_fini(&sem);
    return reef_done();
}

REACTOR_TEST(get_units_returns_them_once)
{
    reef_sem_init(&sem, 5);
    return reef_then(reef_sem_get_units(&sem, 3), use_units, NULL, 0);
}

/* ---- abort sources ----------------------------------------------------------- */

static int calls;
static void count_call(void *arg, reef_err e)
{
    calls++;
    T_EQ(e.code, REEF_EABORTED);
}

TEST(abort_source_subscriptions)
{
    reef_abort_source src;
    reef_abort_sub a, b, c;
    reef_abort_source_init(&src);
    calls = 0;
    T_EQ(reef_abort_subscribe(&src, &a, count_call, NULL), 0);
    T_EQ(reef_abort_subscribe(&src, &b, count_call, NULL), 0);
    T_EQ(reef_abort_subscribe(&src, &c, count_call, NULL), 0);
    reef_abort_unsubscribe(&b);
    reef_abort_request(&src);
    T_EQ(calls, 2);
    reef_abort_request(&src); /* once only */
    T_EQ(calls, 2);
    T_EQ(reef_abort_subscribe(&src, &b, count_call, NULL), REEF_EABORTED);
    T_EQ(reef_abort_error(&src).code, REEF_EABORTED);
    reef_abort_source_fini(&src);
}

static reef_abort_source sleep_as;

static reef_future sleep_aborted(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), REEF_EABORTED);
    T_LE(reef_now() - *(reef_time *)cap, reef_s(5)); /* did not sleep 10 s */
    reef_abort_source_fini(&sleep_as);
    return reef_done();
}

static void request_it(reef_timer *t, void *arg) { reef_abort_request(&sleep_as); }

REACTOR_TEST(abortable_sleep)
{
    static reef_timer t;
    reef_abort_source_init(&sleep_as);
    reef_timer_init(&t, REEF_CLOCK_STEADY, request_it, NULL);
    reef_timer_arm(&t, reef_ms(5));
    reef_time start = reef_now();
    return reef_then_wrapped(reef_sleep_abortable(reef_s(10), &sleep_as), sleep_aborted,
                             REEF_CAP(start));
}

/* ---- broken with a given error; deadlines met --------------------------------- */

static int body_calls;
static reef_future counted_body(void *cap)
{
    (void)cap;
    body_calls++;
    return reef_done();
}

/* Every waiter — plain, with a deadline, abortable, for units, inside
 * with_semaphore — fails with the given error, each holding its own
 * reference; so does every later wait, and bodies are never called. */
FIBER_TEST(broken_err_fails_every_waiter_with_the_given_error)
{
    reef_sem s;
    reef_abort_source src;
    reef_sem_init(&s, 1);
    reef_abort_source_init(&src);
    body_calls = 0;
    T_TRUE(reef_sem_try_wait(&s, 1));
    reef_future w[5] = {reef_sem_wait(&s, 1),
                        reef_sem_wait_until(&s, 1, reef_now() + reef_s(30)),
                        reef_sem_wait_abortable(&s, 1, &src), reef_sem_get_units(&s, 1),
                        reef_with_semaphore(&s, 1, counted_body, NULL, 0)};
    T_EQ(reef_sem_waiters(&s), 5);
    reef_sem_broken_err(&s, reef_err_msg(-ESHUTDOWN, "service stopping"));
    T_EQ(reef_sem_waiters(&s), 0);
    for (int i = 0; i < 5; i++) {
        reef_err e;
        T_EQ(reef_fiber_wait(w[i], NULL, &e), -ESHUTDOWN);
        T_STREQ(reef_err_message(e), "service stopping");
        reef_err_release(e);
    }
    reef_sem_signal(&s, 5); /* ignored */
    T_FALSE(reef_sem_try_wait(&s, 1));
    reef_err e;
    T_EQ(reef_fiber_wait(reef_sem_wait(&s, 1), NULL, &e), -ESHUTDOWN);
    T_STREQ(reef_err_message(e), "service stopping");
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_with_semaphore(&s, 1, counted_body, NULL, 0), NULL, NULL),
         -ESHUTDOWN);
    T_EQ(reef_fiber_wait(reef_sem_get_units(&s, 1), NULL, NULL), -ESHUTDOWN);
    T_EQ(body_calls, 0);
    reef_sem_broken(&s); /* a second break changes nothing */
    T_EQ(reef_fiber_wait(reef_sem_wait(&s, 1), NULL, NULL), -ESHUTDOWN);
    reef_sem_fini(&s);
    reef_abort_source_fini(&src);
}

/* Waits with a deadline or an abort source that are granted in time
 * succeed and leave nothing behind: no timer armed (the harness checks),
 * no subscription left on the source (a later request finds nobody). */
FIBER_TEST(deadline_and_abort_waits_granted_in_time)
{
    reef_sem s;
    reef_abort_source src;
    reef_sem_init(&s, 0);
    reef_abort_source_init(&src);
    reef_future a = reef_sem_wait_until(&s, 2, reef_now() + reef_s(30));
    reef_future b = reef_sem_wait_abortable(&s, 1, &src);
    reef_sem_signal(&s, 2);
    T_TRUE(reef_future_available(a));
    T_FALSE(reef_future_available(b));
    reef_sem_signal(&s, 1);
    T_EQ(reef_fiber_wait(a, NULL, NULL), 0);
    T_EQ(reef_fiber_wait(b, NULL, NULL), 0);
    T_EQ(reef_sem_available(&s), 0);
    reef_abort_request(&src);
    reef_sem_signal(&s, 3);
    T_EQ(reef_sem_available(&s), 3);
    reef_sem_fini(&s);
    reef_abort_source_fini(&src);
}

TEST_MAIN()
