/* Tests for src/sync/shared_future.c. */
#include <errno.h>
#include <string.h>

#include <reef/fiber.h>
#include <reef/shared_future.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

static reef_shared_future sf;
static reef_promise source;

static reef_future check_value(void *cap, reef_val v)
{
    T_EQ(v.i, 42);
    return reef_done();
}

static reef_future all_got_it(void *cap, reef_val v)
{
    /* A consumer arriving after the result gets it at once. */
    reef_future late = reef_shared_future_get(&sf);
    T_TRUE(reef_future_available(late));
    reef_val got;
    T_EQ(reef_future_take(late, &got, NULL), 0);
    T_EQ(got.i, 42);
    reef_shared_future_fini(&sf);
    return reef_done();
}

REACTOR_TEST(every_consumer_gets_the_value)
{
    T_EQ(reef_shared_future_init(&sf, reef_promise_init(&source)), 0);
    T_FALSE(reef_shared_future_available(&sf));
    reef_future fs[3];
    for (int i = 0; i < 3; i++)
        fs[i] = reef_then(reef_shared_future_get(&sf), check_value, NULL, 0);
    reef_promise_resolve(&source, (reef_val){.i = 42});
    return reef_then(reef_when_all_succeed(fs, 3, NULL), all_got_it, NULL, 0);
}

static reef_future check_error(void *cap, reef_future r)
{
    reef_err e;
    T_EQ(reef_future_take(r, NULL, &e), -ENOENT);
    T_STREQ(reef_err_message(e), "no such row");
    reef_err_release(e); /* each consumer holds its own reference */
    return reef_done();
}

static reef_future fini_after(void *cap, reef_val v)
{
    reef_shared_future_fini(&sf);
    return reef_done();
}

REACTOR_TEST(every_consumer_gets_the_error)
{
    T_EQ(reef_shared_future_init(&sf, reef_promise_init(&source)), 0);
    reef_future fs[2];
    for (int i = 0; i < 2; i++)
        fs[i] = reef_then_wrapped(reef_shared_future_get(&sf), check_error, NULL, 0);
    reef_promise_fail(&source, reef_err_msg(-ENOENT, "no such row"));
    return reef_then(reef_when_all_succeed(fs, 2, NULL), fini_after, NULL, 0);
}

static reef_future expect_broken(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), REEF_EBROKEN_PROMISE);
    return reef_done();
}

static reef_future resolve_late(void *cap, reef_val v)
{
    /* The shared future is gone: the late result is dropped silently (no
     * "ignored" report, no leak), once its delivery has run. */
    reef_promise_fail(&source, reef_err_code(-EIO));
    return reef_sleep(reef_ms(1));
}

REACTOR_TEST(fini_before_the_result_breaks_waiting_consumers)
{
    T_EQ(reef_shared_future_init(&sf, reef_promise_init(&source)), 0);
    reef_future f = reef_then_wrapped(reef_shared_future_get(&sf), expect_broken, NULL, 0);
    reef_shared_future_fini(&sf);
    return reef_then(f, resolve_late, NULL, 0);
}

REACTOR_TEST(a_ready_source_is_available_at_once)
{
    T_EQ(reef_shared_future_init(&sf, reef_ready_i64(7)), 0);
    T_TRUE(reef_shared_future_available(&sf));
    reef_val v;
    T_EQ(reef_future_take(reef_shared_future_get(&sf), &v, NULL), 0);
    T_EQ(v.i, 7);
    reef_shared_future_fini(&sf);
    return reef_done();
}

/* ---- more consumers, failures and lifetimes --------------------------------------- */

static void settle(void) { T_EQ(reef_fiber_wait(reef_sleep(reef_ms(1)), NULL, NULL), 0); }

/* A hundred consumers waiting, then more after the result: every one gets
 * the value; available() turns true when the source resolves. */
FIBER_TEST(a_hundred_consumers_before_and_after_the_result)
{
    reef_shared_future s;
    reef_promise p;
    T_EQ(reef_shared_future_init(&s, reef_promise_init(&p)), 0);
    reef_future fs[100];
    for (int i = 0; i < 100; i++)
        fs[i] = reef_shared_future_get(&s);
    settle();
    T_FALSE(reef_shared_future_available(&s));
    for (int i = 0; i < 100; i++)
        T_FALSE(reef_future_available(fs[i]));
    static int payload;
    reef_promise_resolve(&p, (reef_val){.p = &payload});
    for (int i = 0; i < 100; i++) {
        reef_val v;
        T_EQ(reef_fiber_wait(fs[i], &v, NULL), 0);
        T_TRUE(v.p == &payload);
    }
    T_TRUE(reef_shared_future_available(&s));
    for (int i = 0; i < 3; i++) {
        reef_val v;
        reef_future late = reef_shared_future_get(&s);
        T_TRUE(reef_future_available(late));
        T_EQ(reef_fiber_wait(late, &v, NULL), 0);
        T_TRUE(v.p == &payload);
    }
    reef_shared_future_fini(&s);
}

/* A source that has already failed: every consumer, now and later, gets
 * its own reference to the same error; fini drops the stored one. */
FIBER_TEST(a_failed_source_fails_every_consumer)
{
    reef_shared_future s;
    T_EQ(reef_shared_future_init(&s, reef_fail_msg(-ENOENT, "no such row")), 0);
    T_TRUE(reef_shared_future_available(&s));
    reef_err errs[3];
    for (int i = 0; i < 3; i++)
        T_EQ(reef_fiber_wait(reef_shared_future_get(&s), NULL, &errs[i]), -ENOENT);
    for (int i = 0; i < 3; i++) {
        T_STREQ(reef_err_message(errs[i]), "no such row");
        reef_err_release(errs[i]); /* in any order: separate references */
    }
    reef_shared_future_fini(&s);
}

/* Finalised with nobody ever asking: the stored error is released (the
 * leak checker would see it otherwise) and nothing is reported. */
FIBER_TEST(fini_releases_an_unclaimed_result)
{
    reef_shared_future s;
    reef_promise p;
    T_EQ(reef_shared_future_init(&s, reef_promise_init(&p)), 0);
    reef_promise_fail(&p, reef_err_msg(-EIO, "never looked at"));
    settle();
    T_TRUE(reef_shared_future_available(&s));
    reef_shared_future_fini(&s);
}

/* Every consumer still waiting at fini is broken; a late failure of the
 * source (with a detail) is dropped without a leak. */
FIBER_TEST(fini_breaks_every_waiting_consumer)
{
    reef_shared_future s;
    reef_promise p;
    T_EQ(reef_shared_future_init(&s, reef_promise_init(&p)), 0);
    reef_future fs[3];
    for (int i = 0; i < 3; i++)
        fs[i] = reef_shared_future_get(&s);
    reef_shared_future_fini(&s);
    for (int i = 0; i < 3; i++)
        T_EQ(reef_fiber_wait(fs[i], NULL, NULL), REEF_EBROKEN_PROMISE);
    reef_promise_fail(&p, reef_err_msg(-EIO, "too late"));
    settle();
}

/* A consumer may lose interest: its future is dropped while waiting, and
 * the others still get the result. */
FIBER_TEST(a_consumer_may_drop_its_future)
{
    reef_shared_future s;
    reef_promise p;
    T_EQ(reef_shared_future_init(&s, reef_promise_init(&p)), 0);
    reef_future keep = reef_shared_future_get(&s);
    reef_future_ignore(reef_shared_future_get(&s));
    reef_promise_fail(&p, reef_err_msg(-EAGAIN, "busy"));
    reef_err e;
    T_EQ(reef_fiber_wait(keep, NULL, &e), -EAGAIN);
    T_STREQ(reef_err_message(e), "busy");
    reef_err_release(e);
    reef_shared_future_fini(&s);
}

/* The source may be any future, for example a continuation's. */
static reef_future times_two(void *cap, reef_val v)
{
    (void)cap;
    return reef_ready_i64(v.i * 2);
}

FIBER_TEST(the_source_may_be_a_chain)
{
    reef_shared_future s;
    reef_promise p;
    T_EQ(reef_shared_future_init(&s, reef_then(reef_promise_init(&p), times_two, NULL, 0)), 0);
    reef_future a = reef_shared_future_get(&s);
    reef_promise_resolve(&p, (reef_val){.i = 21});
    reef_val v;
    T_EQ(reef_fiber_wait(a, &v, NULL), 0);
    T_EQ(v.i, 42);
    T_EQ(reef_fiber_wait(reef_shared_future_get(&s), &v, NULL), 0);
    T_EQ(v.i, 42);
    reef_shared_future_fini(&s);
}

TEST_MAIN()
