/* The shard's helper thread (src/fs/blocking.c), on both backends. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/timer.h>

#include "fs/blocking.h"
#include "harness/harness.h"

static int64_t add_one(void *arg) { return *(int64_t *)arg + 1; }

static int64_t fail_with_eio(void *arg)
{
    (void)arg;
    return -EIO;
}

/* Blocks its thread until told to go on. */
struct gate_arg {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool open;
    pthread_t ran_on;
};

static int64_t wait_for_gate(void *arg)
{
    struct gate_arg *g = arg;
    pthread_mutex_lock(&g->lock);
    g->ran_on = pthread_self();
    while (!g->open)
        pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return 7;
}

FIBER_TEST(a_call_returns_its_result_on_the_shard)
{
    int64_t x = 41;
    reef_val v;
    T_EQ(reef_fiber_wait(reef__blocking(add_one, &x), &v, NULL), 0);
    T_EQ(v.i, 42);
}

FIBER_TEST(a_negative_result_is_a_typed_failure)
{
    reef_err e;
    T_EQ(reef_fiber_wait(reef__blocking(fail_with_eio, NULL), NULL, &e), -EIO);
    reef_err_release(e);
}

FIBER_TEST(the_shard_runs_on_while_the_helper_blocks)
{
    struct gate_arg g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0};
    reef_future f = reef__blocking(wait_for_gate, &g);
    /* The shard sleeps and wakes on a timer while the call is stuck. */
    reef_fiber_sleep(reef_ms(20));
    T_FALSE(reef_future_available(f));
    pthread_mutex_lock(&g.lock);
    T_FALSE(pthread_equal(g.ran_on, pthread_self()));
    g.open = true;
    pthread_cond_signal(&g.cond);
    pthread_mutex_unlock(&g.lock);
    reef_val v;
    T_EQ(reef_fiber_wait(f, &v, NULL), 0);
    T_EQ(v.i, 7);
}

FIBER_TEST(many_calls_complete_each_with_its_own_result)
{
    enum { N = 500 };
    static int64_t in[N];
    static reef_future f[N];
    for (int i = 0; i < N; i++) {
        in[i] = i;
        f[i] = reef__blocking(add_one, &in[i]);
    }
    for (int i = 0; i < N; i++) {
        reef_val v;
        T_EQ(reef_fiber_wait(f[i], &v, NULL), 0);
        T_EQ(v.i, i + 1);
    }
}

TEST_MAIN()
