/* Tests for src/flow/loop.c. */
#include <errno.h>
#include <sys/resource.h>

#include <reef/log.h>
#include <reef/loop.h>
#include <reef/reactor.h>
#include <reef/timer.h>

#include "harness/harness.h"

static reef_future then_continue(void *cap, reef_val v) { return reef_continue(); }

/* ---- repeat ---------------------------------------------------------------- */

struct counter {
    int64_t n, limit;
};

static reef_future count_to_limit(void *cap)
{
    struct counter *c = cap;
    return ++c->n >= c->limit ? reef_stop() : reef_continue();
}

static reef_future sleepy_count(void *cap)
{
    struct counter *c = cap;
    if (++c->n >= c->limit)
        return reef_stop();
    return reef_then(reef_sleep(reef_us(100)), then_continue, NULL, 0);
}

static reef_future expect_n(void *cap, reef_val v)
{
    struct counter *c = cap;
    T_EQ(c->n, c->limit);
    return reef_done();
}

REACTOR_TEST(repeat_runs_until_stop_with_shared_capture)
{
    static struct counter c;
    c = (struct counter){0, 1000};
    reef_future f = reef_repeat(count_to_limit, &c, 0); /* caller-kept state */
    return reef_then(f, expect_n, &c, 0);
}

static struct counter copied_result;
static reef_future copy_back(void *cap)
{
    struct counter *c = cap; /* the loop's own copy, shared by iterations */
    if (++c->n >= c->limit) {
        copied_result = *c;
        return reef_stop();
    }
    return reef_continue();
}

static reef_future expect_copied(void *cap, reef_val v)
{
    T_EQ(copied_result.n, 50);
    return reef_done();
}

REACTOR_TEST(repeat_copies_capture_once)
{
    struct counter c = {0, 50};
    reef_future f = reef_repeat(copy_back, REEF_CAP(c));
    return reef_then(f, expect_copied, NULL, 0);
}

REACTOR_TEST(repeat_with_pending_bodies)
{
    static struct counter c;
    c = (struct counter){0, 20};
    return reef_then(reef_repeat(sleepy_count, &c, 0), expect_n, &c, 0);
}

static reef_future fail_at_five(void *cap)
{
    struct counter *c = cap;
    if (++c->n == 5)
        return reef_fail_msg(-EIO, "iteration 5");
    return reef_continue();
}

static reef_future expect_eio_at_5(void *cap, reef_future r)
{
    struct counter *c = cap;
    reef_err e;
    T_EQ(reef_future_take(r, NULL, &e), -EIO);
    T_STREQ(reef_err_message(e), "iteration 5");
    reef_err_release(e);
    T_EQ(c->n, 5);
    return reef_done();
}

REACTOR_TEST(repeat_stops_on_error)
{
    static struct counter c;
    c = (struct counter){0, 0};
    return reef_then_wrapped(reef_repeat(fail_at_five, &c, 0), expect_eio_at_5, &c, 0);
}

/* 10 million always-ready iterations: constant stack and memory, and a
 * timer armed before the loop fires during it. */
static bool timer_fired;
static int64_t fired_at;
static struct counter big;
static void on_timer(reef_timer *t, void *arg)
{
    timer_fired = true;
    fired_at = big.n;
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static long rss_before;
static reef_future ten_million_done(void *cap, reef_val v)
{
    T_EQ(big.n, 10000000);
    T_TRUE(timer_fired);
    T_TRUE(fired_at > 0 && fired_at < 10000000); /* during the loop, not after */
    /* Constant memory: the loop allocates nothing per iteration. */
    T_LE(max_rss_kb() - rss_before, 8 * 1024);
    printf("timer fired at iteration %lld; max RSS grew %ld KiB\n", (long long)fired_at,
           max_rss_kb() - rss_before);
    return reef_done();
}

REACTOR_TEST(ten_million_ready_iterations)
{
    static reef_timer t;
    timer_fired = false;
    rss_before = max_rss_kb();
    reef_timer_init(&t, REEF_CLOCK_STEADY, on_timer, NULL);
    reef_timer_arm(&t, reef_ms(1));
    big = (struct counter){0, 10000000};
    return reef_then(reef_repeat(count_to_limit, &big, 0), ten_million_done, NULL, 0);
}

/* ---- do_until, keep_doing ---------------------------------------------------- */

static bool reached(void *cap)
{
    struct counter *c = cap;
    return c->n >= c->limit;
}

static reef_future bump(void *cap)
{
    ((struct counter *)cap)->n++;
    return reef_then(reef_yield(), then_continue, NULL, 0);
}

REACTOR_TEST(do_until_checks_condition_first)
{
    static struct counter c, zero;
    c = (struct counter){0, 30};
    zero = (struct counter){5, 5};
    reef_future z = reef_do_until(reached, bump, &zero, 0);
    T_TRUE(reef_future_available(z)); /* condition already true: body never ran */
    T_EQ(zero.n, 5);
    reef_future_ignore(z);
    return reef_then(reef_do_until(reached, bump, &c, 0), expect_n, &c, 0);
}

static reef_future bump_then_fail(void *cap)
{
    struct counter *c = cap;
    if (++c->n == c->limit)
        return reef_fail_code(-ECANCELED);
    return reef_done();
}

static reef_future expect_cancel(void *cap, reef_future r)
{
    struct counter *c = cap;
    T_EQ(reef_future_take(r, NULL, NULL), -ECANCELED);
    T_EQ(c->n, c->limit);
    return reef_done();
}

REACTOR_TEST(keep_doing_runs_until_error)
{
    static struct counter c;
    c = (struct counter){0, 1000};
    return reef_then_wrapped(reef_keep_doing(bump_then_fail, &c, 0), expect_cancel, &c, 0);
}

/* ---- do_for_each ---------------------------------------------------------------- */

static int64_t seen[100];
static int nseen;

static reef_future record_index(void *cap, int64_t i)
{
    seen[nseen++] = i;
    return i % 3 ? reef_done() : reef_sleep(reef_us(50));
}

static reef_future record_elem(void *cap, void *elem)
{
    seen[nseen++] = *(int *)elem;
    return reef_done();
}

static reef_future expect_sequence(void *cap, reef_val v)
{
    int64_t first = *(int64_t *)cap;
    T_EQ(nseen, 10);
    for (int i = 0; i < 10; i++)
        T_EQ(seen[i], first + i);
    return reef_done();
}

REACTOR_TEST(do_for_range_in_order)
{
    nseen = 0;
    return reef_then(reef_do_for_range(5, 15, record_index, NULL, 0), expect_sequence,
                     REEF_CAP((int64_t){5}));
}

REACTOR_TEST(do_for_each_over_array)
{
    static int arr[10] = {20, 21, 22, 23, 24, 25, 26, 27, 28, 29};
    nseen = 0;
    return reef_then(reef_do_for_each(arr, 10, sizeof(int), record_elem, NULL, 0),
                     expect_sequence, REEF_CAP((int64_t){20}));
}

REACTOR_TEST(empty_ranges_resolve_at_once)
{
    reef_future f = reef_do_for_range(3, 3, record_index, NULL, 0);
    T_TRUE(reef_future_available(f));
    reef_future_ignore(f);
    f = reef_parallel_for_range(7, 2, record_index, NULL, 0);
    T_TRUE(reef_future_available(f));
    reef_future_ignore(f);
    return reef_done();
}

/* ---- parallel loops ------------------------------------------------------------ */

struct par_state {
    int in_flight, max_in_flight, done;
};

static reef_future par_finish(void *cap, reef_val v)
{
    struct par_state *st = cap;
    st->in_flight--;
    st->done++;
    return reef_done();
}

static reef_future par_body(void *cap, int64_t i)
{
    struct par_state *st = cap;
    if (++st->in_flight > st->max_in_flight)
        st->max_in_flight = st->in_flight;
    return reef_then(reef_sleep(reef_us(100 + (i % 7) * 50)), par_finish, st, 0);
}

static reef_future expect_all_parallel(void *cap, reef_val v)
{
    struct par_state *st = cap;
    T_EQ(st->done, 100);
    T_EQ(st->max_in_flight, 100); /* all started at once */
    T_EQ(st->in_flight, 0);
    return reef_done();
}

REACTOR_TEST(parallel_for_range_starts_all_at_once)
{
    static struct par_state st;
    st = (struct par_state){0, 0, 0};
    return reef_then(reef_parallel_for_range(0, 100, par_body, &st, 0), expect_all_parallel,
                     &st, 0);
}

static reef_future expect_limited(void *cap, reef_val v)
{
    struct par_state *st = cap;
    T_EQ(st->done, 100);
    T_EQ(st->max_in_flight, 7);
    T_EQ(st->in_flight, 0);
    return reef_done();
}

REACTOR_TEST(max_concurrent_limits_in_flight)
{
    static struct par_state st;
    st = (struct par_state){0, 0, 0};
    return reef_then(reef_max_concurrent_for_range(0, 100, 7, par_body, &st, 0), expect_limited,
                     &st, 0);
}

static reef_future elem_body(void *cap, void *elem)
{
    return par_body(cap, *(int *)elem);
}

REACTOR_TEST(parallel_and_limited_for_each_over_arrays)
{
    static int arr[100];
    static struct par_state a, b;
    for (int i = 0; i < 100; i++)
        arr[i] = i;
    a = b = (struct par_state){0, 0, 0};
    reef_future f1 = reef_then(reef_parallel_for_each(arr, 100, sizeof(int), elem_body, &a, 0),
                               expect_all_parallel, &a, 0);
    reef_future f2 = reef_then(reef_max_concurrent_for_each(arr, 100, sizeof(int), 7, elem_body,
                                                            &b, 0),
                               expect_limited, &b, 0);
    reef_discard(f1);
    return f2;
}

static int fails_started;
static reef_future failing_sleep(void *cap, reef_val v) { return reef_fail_code(-EIO); }
static reef_future fail_several(void *cap, int64_t i)
{
    if (i % 10 == 3) {
        fails_started++;
        return reef_then(reef_sleep(reef_us(100 * (i + 1))), failing_sleep, NULL, 0);
    }
    return reef_done();
}

static char log_buf[4096];
static int log_count;
static void capture(const char *line, size_t len, void *arg)
{
    log_count++;
    snprintf(log_buf, sizeof(log_buf), "%.*s", (int)len, line);
}

static reef_future expect_one_error(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), -EIO);
    T_EQ(fails_started, 10);
    T_EQ(log_count, 0); /* the other nine errors were consumed silently */
    return reef_done();
}

REACTOR_TEST(parallel_for_each_reports_one_error_silently_drops_others)
{
    fails_started = 0;
    log_count = 0;
    reef_log_set_sink(capture, NULL);
    reef_future f = reef_parallel_for_range(0, 100, fail_several, NULL, 0);
    return reef_then_wrapped(f, expect_one_error, NULL, 0);
}

static reef_future square_value(void *cap, reef_val v) { return reef_ready_i64(*(int64_t *)cap); }

static reef_future square(void *cap, int64_t i)
{
    if (i % 2)
        return reef_ready_i64(i * i);
    return reef_then(reef_sleep(reef_us(10 * i)), square_value, REEF_CAP((int64_t){i * i}));
}

static reef_val sum(void *cap, reef_val acc, reef_val v)
{
    acc.i += v.i;
    return acc;
}

static reef_future expect_sum(void *cap, reef_val v)
{
    /* sum of i*i for i < 50 */
    T_EQ(v.i, 40425);
    return reef_done();
}

REACTOR_TEST(map_reduce_folds_every_value)
{
    return reef_then(reef_map_reduce(0, 50, square, sum, (reef_val){.i = 0}, NULL, 0), expect_sum,
                     NULL, 0);
}

TEST_MAIN()
