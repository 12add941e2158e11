/* Tests for src/sync/rwlock.c. */
#include <errno.h>

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

TEST_MAIN()
