/* Tests for src/sync/rwlock.c. */
#include <errno.h>

#include <reef/fiber.h>
#include <reef/rwlock.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

static reef_rwlock lock;

REACTOR_TEST(try_forms_follow_the_rules)
{
    reef_rwlock_init(&lock);
    T_TRUE(reef_rwlock_try_lock_shared(&lock));
    T_TRUE(reef_rwlock_try_lock_shared(&lock)); /* readers share */
    T_FALSE(reef_rwlock_try_lock(&lock));        /* a writer does not */
    reef_rwlock_unlock_shared(&lock);
    reef_rwlock_unlock_shared(&lock);
    T_TRUE(reef_rwlock_try_lock(&lock));
    T_FALSE(reef_rwlock_try_lock_shared(&lock));
    T_FALSE(reef_rwlock_try_lock(&lock));
    reef_rwlock_unlock(&lock);
    reef_rwlock_fini(&lock);
    return reef_done();
}

/* Who holds the lock, in what mode, at each grant. */
static char events[16];
static int nevents;

static reef_future granted(void *cap, reef_val v)
{
    events[nevents++] = *(char *)cap;
    return reef_done();
}

static reef_future unlock_shared_later(void *cap, reef_val v)
{
    reef_rwlock_unlock_shared(&lock);
    return reef_done();
}

static reef_future check_order(void *cap, reef_val v)
{
    /* FIFO: reader a held; writer W queued; reader b queued behind W must
     * not overtake it (no writer starvation). */
    T_EQ(nevents, 3);
    T_EQ(events[0], 'a');
    T_EQ(events[1], 'W');
    T_EQ(events[2], 'b');
    reef_rwlock_unlock_shared(&lock);
    reef_rwlock_fini(&lock);
    return reef_done();
}

static reef_future writer_done(void *cap, reef_val v)
{
    reef_rwlock_unlock(&lock);
    return reef_then(reef_sleep(reef_ms(1)), check_order, NULL, 0);
}

REACTOR_TEST(waiters_are_served_in_order_and_writers_do_not_starve)
{
    reef_rwlock_init(&lock);
    nevents = 0;
    reef_discard(reef_then(reef_rwlock_lock_shared(&lock), granted, "a", 1));
    T_FALSE(reef_rwlock_try_lock(&lock));
    reef_future w = reef_then(reef_rwlock_lock(&lock), granted, "W", 1);
    reef_discard(reef_then(reef_rwlock_lock_shared(&lock), granted, "b", 1));
    T_FALSE(reef_rwlock_try_lock_shared(&lock)); /* a writer waits: no new reader */
    /* Reader a lets go a little later. */
    reef_discard(reef_then(reef_sleep(reef_ms(1)), unlock_shared_later, NULL, 0));
    return reef_then(w, writer_done, NULL, 0);
}

static int inside, max_inside;

static reef_future exclusive_body(void *cap)
{
    inside++;
    if (inside > max_inside)
        max_inside = inside;
    return reef_sleep(reef_ms(1));
}

static reef_future left(void *cap, reef_future r)
{
    inside--;
    return r;
}

static reef_future in_lock(void *cap)
{
    return reef_then_wrapped(exclusive_body(cap), left, NULL, 0);
}

static reef_future failing_body(void *cap) { return reef_fail_code(-EIO); }

static reef_future check_with_lock(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), -EIO);
    T_EQ(max_inside, 1); /* exclusive bodies never overlapped */
    /* Released although the last body failed. */
    T_TRUE(reef_rwlock_try_lock(&lock));
    reef_rwlock_unlock(&lock);
    reef_rwlock_fini(&lock);
    return reef_done();
}

REACTOR_TEST(with_lock_serialises_and_releases_on_failure)
{
    reef_rwlock_init(&lock);
    inside = max_inside = 0;
    reef_future fs[4];
    for (int i = 0; i < 3; i++)
        fs[i] = reef_with_lock(&lock, in_lock, NULL, 0);
    fs[3] = reef_with_lock(&lock, failing_body, NULL, 0);
    reef_future all = reef_when_all_succeed(fs, 4, NULL);
    return reef_then_wrapped(all, check_with_lock, NULL, 0);
}

static reef_future check_shared(void *cap, reef_val v)
{
    T_EQ(max_inside, 3); /* shared bodies ran together */
    reef_rwlock_fini(&lock);
    return reef_done();
}

REACTOR_TEST(with_shared_lets_readers_overlap)
{
    reef_rwlock_init(&lock);
    inside = max_inside = 0;
    reef_future fs[3];
    for (int i = 0; i < 3; i++)
        fs[i] = reef_with_shared(&lock, in_lock, NULL, 0);
    return reef_then(reef_when_all_succeed(fs, 3, NULL), check_shared, NULL, 0);
}

static reef_future expect_aborted(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), REEF_EABORTED);
    return reef_done();
}

REACTOR_TEST(fini_fails_waiters)
{
    reef_rwlock_init(&lock);
    T_TRUE(reef_rwlock_try_lock(&lock));
    reef_future f = reef_then_wrapped(reef_rwlock_lock_shared(&lock), expect_aborted, NULL, 0);
    reef_rwlock_fini(&lock);
    return f;
}

/* ---- FIFO fairness, looked at through the waiting futures ---------------------- */

static void settle_ms(int ms) { T_EQ(reef_fiber_wait(reef_sleep(reef_ms(ms)), NULL, NULL), 0); }

/* Checks which waiting futures have been granted: expect[i] is 'y' for
 * granted, 'n' for still waiting. */
static void granted_are(reef_future *w, const char *expect)
{
    for (int i = 0; expect[i]; i++)
        if (reef_future_available(w[i]) != (expect[i] == 'y'))
            th_fail(__FILE__, __LINE__, "waiter %d: expected %s", i,
                    expect[i] == 'y' ? "granted" : "still waiting");
}

/* A writer holds; behind it wait reader, reader, writer, reader, reader.
 * The two readers at the head go in together; the writer waits for both
 * to leave; the readers behind the writer wait for it (no overtaking). */
FIBER_TEST(readers_go_in_together_and_never_overtake_a_writer)
{
    reef_rwlock l;
    reef_rwlock_init(&l);
    T_EQ(reef_fiber_wait(reef_rwlock_lock(&l), NULL, NULL), 0); /* free: at once */
    reef_future w[5] = {reef_rwlock_lock_shared(&l), reef_rwlock_lock_shared(&l),
                        reef_rwlock_lock(&l), reef_rwlock_lock_shared(&l),
                        reef_rwlock_lock_shared(&l)};
    granted_are(w, "nnnnn");
    reef_rwlock_unlock(&l);
    granted_are(w, "yynnn");
    T_FALSE(reef_rwlock_try_lock_shared(&l)); /* the writer waits: no newcomer */
    T_FALSE(reef_rwlock_try_lock(&l));
    reef_rwlock_unlock_shared(&l);
    granted_are(w, "yynnn"); /* one reader still inside */
    reef_rwlock_unlock_shared(&l);
    granted_are(w, "yyynn");
    reef_rwlock_unlock(&l);
    granted_are(w, "yyyyy");
    for (int i = 0; i < 5; i++)
        T_EQ(reef_fiber_wait(w[i], NULL, NULL), 0);
    T_FALSE(reef_rwlock_try_lock(&l)); /* two readers hold it */
    T_TRUE(reef_rwlock_try_lock_shared(&l));
    for (int i = 0; i < 3; i++)
        reef_rwlock_unlock_shared(&l);
    T_TRUE(reef_rwlock_try_lock(&l));
    reef_rwlock_unlock(&l);
    reef_rwlock_fini(&l);
}

/* Writers get the lock one at a time, in the order they asked. */
FIBER_TEST(writers_are_served_one_at_a_time_in_order)
{
    reef_rwlock l;
    reef_rwlock_init(&l);
    T_TRUE(reef_rwlock_try_lock(&l));
    reef_future w[3] = {reef_rwlock_lock(&l), reef_rwlock_lock(&l), reef_rwlock_lock(&l)};
    granted_are(w, "nnn");
    reef_rwlock_unlock(&l);
    granted_are(w, "ynn");
    reef_rwlock_unlock(&l);
    granted_are(w, "yyn");
    reef_rwlock_unlock(&l);
    granted_are(w, "yyy");
    for (int i = 0; i < 3; i++)
        T_EQ(reef_fiber_wait(w[i], NULL, NULL), 0);
    reef_rwlock_unlock(&l);
    reef_rwlock_fini(&l);
}

/* Readers join readers at once while nobody waits; a writer then waits
 * for every one of them. */
FIBER_TEST(shared_locks_join_at_once_while_nobody_waits)
{
    reef_rwlock l;
    reef_rwlock_init(&l);
    reef_future r[3];
    for (int i = 0; i < 3; i++) {
        r[i] = reef_rwlock_lock_shared(&l);
        T_TRUE(reef_future_available(r[i]));
        T_EQ(reef_fiber_wait(r[i], NULL, NULL), 0);
    }
    reef_future w = reef_rwlock_lock(&l);
    for (int i = 0; i < 2; i++) {
        reef_rwlock_unlock_shared(&l);
        T_FALSE(reef_future_available(w));
    }
    reef_rwlock_unlock_shared(&l);
    T_EQ(reef_fiber_wait(w, NULL, NULL), 0);
    reef_rwlock_unlock(&l);
    reef_rwlock_fini(&l);
}

/* ---- with_lock / with_shared: values, captures, failures ------------------------ */

static int calls;

static reef_future value_of_cap(void *cap)
{
    calls++;
    return reef_ready_i64(*(int64_t *)cap);
}

/* The body gets its capture even when it runs long after the call (the
 * capture is copied while the lock is waited for), and its value comes
 * back. */
FIBER_TEST(with_lock_copies_a_waiting_capture_and_returns_the_value)
{
    reef_rwlock l;
    reef_rwlock_init(&l);
    calls = 0;
    T_TRUE(reef_rwlock_try_lock(&l));
    int64_t x = 11, y = 22;
    reef_future a = reef_with_lock(&l, value_of_cap, &x, sizeof(x));
    reef_future b = reef_with_shared(&l, value_of_cap, &y, sizeof(y));
    x = y = 0;
    settle_ms(1);
    T_EQ(calls, 0); /* both wait for the lock */
    reef_rwlock_unlock(&l);
    reef_val v;
    T_EQ(reef_fiber_wait(a, &v, NULL), 0);
    T_EQ(v.i, 11);
    T_EQ(reef_fiber_wait(b, &v, NULL), 0);
    T_EQ(v.i, 22);
    T_EQ(calls, 2);
    /* Released after each: free again. */
    T_TRUE(reef_rwlock_try_lock(&l));
    reef_rwlock_unlock(&l);
    reef_rwlock_fini(&l);
}

/* A body that is waiting for the lock when the lock is finalised is never
 * called; its result is the failure. */
FIBER_TEST(with_lock_waiting_at_fini_fails_without_calling_the_body)
{
    reef_rwlock l;
    reef_rwlock_init(&l);
    calls = 0;
    T_TRUE(reef_rwlock_try_lock(&l));
    int64_t x = 1;
    reef_future a = reef_with_lock(&l, value_of_cap, &x, sizeof(x));
    reef_future b = reef_with_shared(&l, value_of_cap, &x, sizeof(x));
    reef_rwlock_fini(&l);
    T_EQ(reef_fiber_wait(a, NULL, NULL), REEF_EABORTED);
    T_EQ(reef_fiber_wait(b, NULL, NULL), REEF_EABORTED);
    T_EQ(calls, 0);
}

/* Shared and exclusive bodies mixed: a writer's body never overlaps
 * another body, readers' bodies may overlap each other. */
static int readers_in, writers_in, max_readers_in;

static reef_future reader_left(void *cap, reef_val v)
{
    readers_in--;
    return reef_done();
}

static reef_future reader_body(void *cap)
{
    T_EQ(writers_in, 0);
    if (++readers_in > max_readers_in)
        max_readers_in = readers_in;
    return reef_then(reef_sleep(reef_us(300)), reader_left, NULL, 0);
}

static reef_future writer_left(void *cap, reef_val v)
{
    writers_in--;
    return reef_done();
}

static reef_future writer_body(void *cap)
{
    T_EQ(readers_in, 0);
    T_EQ(writers_in, 0);
    writers_in++;
    return reef_then(reef_sleep(reef_us(300)), writer_left, NULL, 0);
}

FIBER_TEST(writer_bodies_exclude_everyone_reader_bodies_share)
{
    reef_rwlock l;
    reef_rwlock_init(&l);
    readers_in = writers_in = max_readers_in = 0;
    reef_future fs[20];
    for (int i = 0; i < 20; i++)
        fs[i] = i % 5 == 4 ? reef_with_lock(&l, writer_body, NULL, 0)
                           : reef_with_shared(&l, reader_body, NULL, 0);
    T_EQ(reef_fiber_wait(reef_when_all_succeed(fs, 20, NULL), NULL, NULL), 0);
    /* Readers overlapped, but never more than the four between two
     * writers: none overtook a waiting writer. */
    T_GE(max_readers_in, 2);
    T_LE(max_readers_in, 4);
    T_EQ(readers_in + writers_in, 0);
    reef_rwlock_fini(&l);
}

TEST_MAIN()
