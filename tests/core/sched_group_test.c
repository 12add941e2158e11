/*
 * Scheduling groups (src/core/sched.c, src/core/sched_group.c): the
 * registry, inheritance, per-group data, statistics and CPU shares.
 */
#include <errno.h>
#include <string.h>

#include <reef/loop.h>
#include <reef/reactor.h>
#include <reef/sched_group.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

static reef_sched_group make_group(const char *name, unsigned shares)
{
    reef_val v;
    T_EQ(reef_future_take(reef_sched_group_create(name, shares), &v, NULL), 0);
    return reef_sched_group_from_val(v);
}

static void destroy_group(reef_sched_group g)
{
    T_EQ(reef_future_take(reef_sched_group_destroy(g), NULL, NULL), 0);
}

REACTOR_TEST(create_rename_set_shares_destroy)
{
    char name[32];
    reef_sched_group main_g = reef_sched_group_main();
    T_STREQ(reef_sched_group_name(main_g, name, sizeof(name)), "main");
    T_EQ(reef_sched_group_shares(main_g), 1000);
    T_TRUE(reef_sched_group_equal(reef_sched_group_current(), main_g));

    reef_sched_group g = make_group("compaction", 200);
    T_FALSE(reef_sched_group_equal(g, main_g));
    T_STREQ(reef_sched_group_name(g, name, sizeof(name)), "compaction");
    T_EQ(reef_sched_group_shares(g), 200);
    T_EQ(reef_sched_group_rename(g, "a-very-long-name-that-will-not-fit-in-the-slot"), 0);
    T_STREQ(reef_sched_group_name(g, name, sizeof(name)), "a-very-long-name-that-will-not-");
    T_EQ(reef_sched_group_set_shares(g, 1000), 0);
    T_EQ(reef_sched_group_shares(g), 1000);
    T_EQ(reef_sched_group_set_shares(g, 0), -EINVAL);
    T_EQ(reef_sched_group_set_shares(g, 1001), -EINVAL);
    destroy_group(g);
    T_EQ(reef_sched_group_shares(g), 0);
    T_STREQ(reef_sched_group_name(g, name, sizeof(name)), "");
    T_EQ(reef_sched_group_rename(g, "x"), -EINVAL);
    T_EQ(reef_future_take(reef_sched_group_destroy(g), NULL, NULL), -EINVAL);
    T_EQ(reef_future_take(reef_sched_group_destroy(main_g), NULL, NULL), -EINVAL);
    return reef_done();
}

REACTOR_TEST(bad_shares_and_running_out_of_groups_fail)
{
    T_EQ(reef_future_take(reef_sched_group_create("zero", 0), NULL, NULL), -EINVAL);
    T_EQ(reef_future_take(reef_sched_group_create("big", 1001), NULL, NULL), -EINVAL);
    reef_sched_group gs[REEF_SCHED_GROUP_MAX];
    int n = 0;
    for (; n < REEF_SCHED_GROUP_MAX - 1; n++)
        gs[n] = make_group("g", 1);
    T_EQ(reef_future_take(reef_sched_group_create("one-too-many", 5), NULL, NULL), -ENOSPC);
    destroy_group(gs[7]);
    gs[7] = make_group("reused", 5); /* a freed id is reused */
    for (int i = 0; i < n; i++)
        destroy_group(gs[i]);
    return reef_done();
}

/* ---- Inheritance ----------------------------------------------------------- */

static reef_sched_group g_inherit;
static int checks;

static void expect_in_group(void)
{
    T_TRUE(reef_sched_group_equal(reef_sched_group_current(), g_inherit));
    checks++;
}

static reef_future after_sleep(void *cap, reef_val v)
{
    expect_in_group();
    return reef_done();
}

static reef_future after_yield(void *cap, reef_val v)
{
    expect_in_group();
    return reef_then(reef_sleep(reef_ms(1)), after_sleep, NULL, 0);
}

static reef_promise timer_promise;

static void on_timer(reef_timer *t, void *arg)
{
    expect_in_group();
    reef_promise_resolve(&timer_promise, (reef_val){.u = 0});
}

static reef_timer inherit_timer;

static reef_future in_group_body(void *cap)
{
    T_EQ(*(int *)cap, 42);
    expect_in_group();
    reef_timer_init(&inherit_timer, REEF_CLOCK_STEADY, on_timer, NULL);
    reef_timer_arm(&inherit_timer, reef_ms(2));
    reef_future timer_done = reef_promise_init(&timer_promise);
    reef_future chain = reef_then(reef_yield(), after_yield, NULL, 0);
    reef_future both[2] = {timer_done, chain};
    return reef_when_all_succeed(both, 2, NULL) /* values not needed */;
}

static reef_future back_in_main(void *cap, reef_val v)
{
    /* A continuation attached in main stays in main, although the future
     * it waited for was resolved by work in the other group. */
    T_TRUE(reef_sched_group_equal(reef_sched_group_current(), reef_sched_group_main()));
    T_EQ(checks, 4);
    destroy_group(g_inherit);
    return reef_done();
}

REACTOR_TEST(tasks_timers_and_sleeps_inherit_the_group)
{
    g_inherit = make_group("inherit", 100);
    int magic = 42;
    reef_future f = reef_with_sched_group(g_inherit, in_group_body, &magic, sizeof(magic));
    return reef_then(f, back_in_main, NULL, 0);
}

static reef_future runs_inline(void *cap)
{
    *(int *)cap = 1;
    return reef_ready_i64(7);
}

REACTOR_TEST(with_the_current_group_runs_at_once)
{
    int ran = 0;
    reef_future f = reef_with_sched_group(reef_sched_group_main(), runs_inline, &ran, 0);
    T_EQ(ran, 1);
    reef_val v;
    T_EQ(reef_future_take(f, &v, NULL), 0);
    T_EQ(v.i, 7);
    reef_sched_group bogus = {99};
    T_EQ(reef_future_take(reef_with_sched_group(bogus, runs_inline, &ran, 0), NULL, NULL),
         -EINVAL);
    return reef_done();
}

/* ---- Per-group data and statistics -------------------------------------- */

static int sched_key;

static reef_future read_specific(void *cap)
{
    T_STREQ((const char *)reef_sched_specific(sched_key), (const char *)cap);
    return reef_done();
}

REACTOR_TEST(per_group_data_follows_the_current_group)
{
    sched_key = reef_sched_key_create();
    T_GE(sched_key, 0);
    reef_sched_group a = make_group("a", 100), b = make_group("b", 100);
    static char va[] = "value of a", vb[] = "value of b";
    T_EQ(reef_sched_group_set_specific(a, sched_key, va), 0);
    T_EQ(reef_sched_group_set_specific(b, sched_key, vb), 0);
    T_EQ(reef_sched_group_set_specific(a, 99, va), -EINVAL);
    T_TRUE(reef_sched_group_get_specific(a, sched_key) == va);
    T_TRUE(reef_sched_specific(sched_key) == NULL); /* main has none */
    T_TRUE(reef_sched_specific(-1) == NULL);
    reef_future fs[2] = {reef_with_sched_group(a, read_specific, va, 0),
                         reef_with_sched_group(b, read_specific, vb, 0)};
    T_EQ(reef_sched_group_stats(a, &(struct reef_sched_group_stats){0}), 0);
    struct reef_sched_group_stats st;
    T_EQ(reef_sched_group_stats(a, &st), 0);
    T_UEQ(st.queue_length, 1);
    T_EQ(reef_future_take(reef_sched_group_destroy(a), NULL, NULL), -EBUSY);
    return reef_when_all_succeed(fs, 2, NULL);
}

TEST(keys_run_out)
{
    int last = 0;
    for (int i = 0; i < REEF_SCHED_KEY_MAX; i++)
        last = reef_sched_key_create();
    T_EQ(last, REEF_SCHED_KEY_MAX - 1);
    T_EQ(reef_sched_key_create(), -ENOSPC);
}

/* ---- CPU shares ---------------------------------------------------------- */

/* Each group runs loops whose iterations burn ~20 us of CPU, until a timer
 * ends the run; the scheduler's own run-time accounting and an independent
 * count of iterations must both show the configured ratio. */
struct spinner {
    bool *stop;
    long iterations;
};

static reef_future spin_body(void *cap)
{
    struct spinner *sp = *(struct spinner **)cap;
    if (*sp->stop)
        return reef_stop();
    reef_time until = reef_now() + reef_us(20);
    while (reef_now() < until)
        ;
    sp->iterations++;
    return reef_continue();
}

static reef_future start_spinner(void *cap)
{
    struct spinner *sp = *(struct spinner **)cap;
    return reef_repeat(spin_body, &sp, sizeof(sp));
}

struct ratio_run {
    reef_sched_group a, b;
    struct spinner sa, sb;
    bool stop;
    double expected;
    reef_timer end;
};

static void end_run(reef_timer *t, void *arg) { *(bool *)arg = true; }

static reef_future check_ratio(void *cap, reef_val v)
{
    struct ratio_run *run = *(struct ratio_run **)cap;
    struct reef_sched_group_stats sa, sb;
    T_EQ(reef_sched_group_stats(run->a, &sa), 0);
    T_EQ(reef_sched_group_stats(run->b, &sb), 0);
    double by_time = (double)sb.runtime / (double)sa.runtime;
    double by_work = (double)run->sb.iterations / (double)run->sa.iterations;
    printf("  expected %.2f: run time ratio %.3f, work ratio %.3f (%ld / %ld iterations)\n",
           run->expected, by_time, by_work, run->sb.iterations, run->sa.iterations);
    T_DBL_NEAR(by_time, run->expected, run->expected * 0.10);
    T_DBL_NEAR(by_work, run->expected, run->expected * 0.10);
    destroy_group(run->a);
    destroy_group(run->b);
    free(run);
    return reef_done();
}

static reef_future ratio_test(unsigned shares_a, unsigned shares_b)
{
    struct ratio_run *run = calloc(1, sizeof(*run));
    run->a = make_group("a", shares_a);
    run->b = make_group("b", shares_b);
    run->expected = (double)shares_b / shares_a;
    run->sa.stop = run->sb.stop = &run->stop;
    reef_timer_init(&run->end, REEF_CLOCK_STEADY, end_run, &run->stop);
    reef_timer_arm(&run->end, reef_ms(400));
    struct spinner *pa = &run->sa, *pb = &run->sb;
    /* Group a gets ten loops, b one: queue length must not buy CPU. */
    reef_future fs[11];
    for (int i = 0; i < 10; i++)
        fs[i] = reef_with_sched_group(run->a, start_spinner, &pa, sizeof(pa));
    fs[10] = reef_with_sched_group(run->b, start_spinner, &pb, sizeof(pb));
    return reef_then(reef_when_all_succeed(fs, 11, NULL), check_ratio, &run, sizeof(run));
}

REACTOR_TEST(shares_1_to_1) { return ratio_test(100, 100); }
REACTOR_TEST(shares_1_to_2) { return ratio_test(100, 200); }
REACTOR_TEST(shares_1_to_4) { return ratio_test(100, 400); }

TEST_MAIN()
