/* Tests for src/core/timer.c: clocks, timers and sleep. */
#include <errno.h>

#include <reef/reactor.h>
#include <reef/timer.h>

#include <reef/fiber.h>

#include "harness/harness.h"

TEST(durations_have_readable_helpers)
{
    T_EQ(reef_ns(5), 5);
    T_EQ(reef_us(3), 3000);
    T_EQ(reef_ms(2), 2000000);
    T_EQ(reef_s(1), 1000000000);
}

TEST(steady_clock_moves_forward)
{
    reef_time a = reef_now();
    reef_time b = reef_now();
    T_LE(a, b);
    T_LE(reef_lowres_now() - b, reef_ms(100)); /* off a reactor: the steady clock */
}

/* Written sequentially: the case runs in a fiber. */
FIBER_TEST(sleep_waits_at_least_its_duration)
{
    reef_time start = reef_now();
    T_EQ(reef_fiber_wait(reef_sleep(reef_ms(20)), NULL, NULL), 0);
    T_GE(reef_now() - start, reef_ms(20));
}

FIBER_TEST(lowres_sleep_waits_at_least_its_duration)
{
    reef_time start = reef_now();
    T_EQ(reef_fiber_wait(reef_sleep_lowres(reef_ms(15)), NULL, NULL), 0);
    T_GE(reef_now() - start, reef_ms(15));
}

static int order[8], norder;
static reef_future note(void *cap, reef_val v)
{
    order[norder++] = *(int *)cap;
    return reef_done();
}

static reef_future check_order(void *cap, reef_val v)
{
    T_EQ(norder, 3);
    T_EQ(order[0], 1);
    T_EQ(order[1], 2);
    T_EQ(order[2], 3);
    return reef_done();
}

REACTOR_TEST(timers_fire_in_deadline_order)
{
    norder = 0;
    reef_discard(reef_then(reef_sleep(reef_ms(30)), note, &(int){3}, sizeof(int)));
    reef_discard(reef_then(reef_sleep(reef_ms(10)), note, &(int){1}, sizeof(int)));
    reef_discard(reef_then(reef_sleep(reef_ms(20)), note, &(int){2}, sizeof(int)));
    return reef_then(reef_sleep(reef_ms(50)), check_order, NULL, 0);
}

static int fired;
static void count_fire(reef_timer *t, void *arg) { fired++; }

FIBER_TEST(cancelled_timer_never_fires)
{
    reef_timer t;
    fired = 0;
    reef_timer_init(&t, REEF_CLOCK_STEADY, count_fire, NULL);
    T_FALSE(reef_timer_armed(&t));
    reef_timer_arm(&t, reef_ms(5));
    T_TRUE(reef_timer_armed(&t));
    T_TRUE(reef_timer_cancel(&t));
    T_EQ(reef_fiber_sleep(reef_ms(20)), 0);
    T_EQ(fired, 0);
    T_FALSE(reef_timer_armed(&t));
    T_FALSE(reef_timer_cancel(&t)); /* already cancelled */
}

FIBER_TEST(rearming_moves_the_deadline)
{
    reef_timer t;
    fired = 0;
    reef_timer_init(&t, REEF_CLOCK_STEADY, count_fire, NULL);
    reef_timer_arm(&t, reef_ms(5));
    reef_timer_arm(&t, reef_ms(25)); /* replaces the first deadline */
    T_EQ(reef_fiber_sleep(reef_ms(15)), 0);
    T_EQ(fired, 0);
    T_EQ(reef_fiber_sleep(reef_ms(30)), 0);
    T_EQ(fired, 1); /* only the later deadline fired */
}

static void periodic_fire(reef_timer *t, void *arg)
{
    if (++fired == 5)
        reef_timer_cancel(t); /* a periodic timer may cancel itself */
}

FIBER_TEST(periodic_timer_repeats_until_cancelled)
{
    reef_timer t; /* on the fiber's stack: alive across the sleep */
    fired = 0;
    reef_timer_init(&t, REEF_CLOCK_STEADY, periodic_fire, NULL);
    reef_timer_arm_periodic(&t, reef_ms(2));
    T_EQ(reef_fiber_sleep(reef_ms(60)), 0);
    T_EQ(fired, 5);
    T_FALSE(reef_timer_armed(&t));
}

static reef_future many_done(void *cap, reef_val v)
{
    T_EQ(fired, 10000);
    return reef_done();
}

REACTOR_TEST(ten_thousand_timers)
{
    static reef_timer ts[10000];
    fired = 0;
    for (int i = 0; i < 10000; i++) {
        reef_timer_init(&ts[i], i % 2 ? REEF_CLOCK_LOWRES : REEF_CLOCK_STEADY, count_fire, NULL);
        reef_timer_arm(&ts[i], reef_us((i * 7919) % 20000));
    }
    /* Cancel and re-arm a third of them to exercise removal from the heap. */
    for (int i = 0; i < 10000; i += 3) {
        T_TRUE(reef_timer_cancel(&ts[i]));
        reef_timer_arm(&ts[i], reef_ms(1));
    }
    return reef_then(reef_sleep(reef_ms(60)), many_done, NULL, 0);
}

static reef_future past_done(void *cap, reef_val v)
{
    T_EQ(fired, 1);
    return reef_done();
}

REACTOR_TEST(deadline_in_the_past_fires_at_next_poll)
{
    static reef_timer t;
    fired = 0;
    reef_timer_init(&t, REEF_CLOCK_STEADY, count_fire, NULL);
    reef_timer_arm_at(&t, reef_now() - reef_s(1));
    return reef_then(reef_sleep(reef_ms(1)), past_done, NULL, 0);
}

TEST_MAIN()
