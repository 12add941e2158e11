/* Tests for src/sync/shared_future.c. */
#include <errno.h>
#include <string.h>

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

TEST_MAIN()
