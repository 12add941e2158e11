/*
 * Shards and cross-shard calls (src/core/smp.c, smp_queue.c, submit.c,
 * alien.c), on three shards.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <reef/loop.h>
#include <reef/reactor.h>
#include <reef/sched_group.h>
#include <reef/semaphore.h>
#include <reef/smp.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

TH_SHARDS(3)

#define SHARDS 3

static reef_future whoami(void *cap)
{
    return reef_ready_u64(reef_shard_id());
}

static reef_future check_whoami(void *cap, reef_val v)
{
    T_UEQ(v.u, *(unsigned *)cap);
    return reef_done();
}

REACTOR_TEST(submit_to_runs_on_the_target_and_replies_here)
{
    T_EQ(reef_shard_count(), SHARDS);
    T_EQ(reef_shard_id(), 0);
    reef_future fs[SHARDS];
    for (unsigned s = 0; s < SHARDS; s++) {
        reef_future f = reef_submit_to(s, whoami, NULL, 0);
        /* The current shard: called at once, no message. */
        T_EQ(reef_future_available(f), s == 0);
        fs[s] = reef_then(f, check_whoami, &s, sizeof(s));
    }
    T_EQ(reef_future_take(reef_submit_to(7, whoami, NULL, 0), NULL, NULL), -EINVAL);
    return reef_when_all_succeed(fs, SHARDS, NULL);
}

static reef_future fail_there(void *cap)
{
    return reef_fail_msg(-ENOENT, "no such key on shard %u", reef_shard_id());
}

static reef_future check_error(void *cap, reef_future r)
{
    reef_err e;
    T_EQ(reef_future_take(r, NULL, &e), -ENOENT);
    char buf[256];
    reef_err_format(e, buf, sizeof(buf));
    T_CONTAINS(buf, "no such key on shard 2");
    reef_err_release(e);
    return reef_done();
}

REACTOR_TEST(errors_cross_shards_with_their_detail)
{
    return reef_then_wrapped(reef_submit_to(2, fail_there, NULL, 0), check_error, NULL, 0);
}

/* ---- Many messages, every direction ------------------------------------- */

#ifdef REEF_SANITIZE
#define PER_PAIR 20000
#else
#define PER_PAIR 170000 /* 1M messages in all */
#endif

/* Per shard: the next sequence number expected from each sender. Each
 * row is written only by its own shard. */
static long expected[SHARDS][SHARDS];
static atomic_long received;

struct seq_msg {
    unsigned from;
    long seq;
};

static reef_future receive(void *cap)
{
    struct seq_msg *m = cap;
    unsigned me = reef_shard_id();
    T_EQ(m->seq, expected[me][m->from]); /* no loss, duplication or reordering */
    expected[me][m->from]++;
    atomic_fetch_add_explicit(&received, 1, memory_order_relaxed);
    return reef_done();
}

struct sender {
    reef_sem window; /* bounds the requests in flight */
    long next[SHARDS];
};

static reef_future sent_one(void *cap, reef_future r)
{
    struct sender *s = *(struct sender **)cap;
    T_EQ(reef_future_take(r, NULL, NULL), 0);
    reef_sem_signal(&s->window, 1);
    return reef_done();
}

static reef_future send_round(void *cap, reef_val v)
{
    struct sender *s = *(struct sender **)cap;
    unsigned me = reef_shard_id();
    for (unsigned to = 0; to < SHARDS; to++) {
        if (to == me)
            continue;
        struct seq_msg m = {me, s->next[to]++};
        reef_discard(reef_then_wrapped(reef_submit_to(to, receive, &m, sizeof(m)), sent_one, &s,
                                       sizeof(s)));
    }
    return reef_done();
}

static reef_future one_round(void *cap, int64_t i)
{
    struct sender *s = *(struct sender **)cap;
    return reef_then(reef_sem_wait(&s->window, SHARDS - 1), send_round, &s, sizeof(s));
}

#define WINDOW (256 * (SHARDS - 1))

static reef_future free_sender(void *cap, reef_val v)
{
    struct sender *s = *(struct sender **)cap;
    reef_sem_fini(&s->window);
    free(s);
    return reef_done();
}

static reef_future drain_window(void *cap, reef_val v)
{
    struct sender *s = *(struct sender **)cap;
    /* Every reply back: the whole window returned. */
    return reef_then(reef_sem_wait(&s->window, WINDOW), free_sender, &s, sizeof(s));
}

/* On every shard: PER_PAIR numbered messages to each other shard, at most
 * WINDOW in flight. */
static reef_future run_sender(void *cap)
{
    struct sender *s = calloc(1, sizeof(*s));
    reef_sem_init(&s->window, WINDOW);
    reef_future all = reef_do_for_range(0, PER_PAIR, one_round, &s, sizeof(s));
    return reef_then(all, drain_window, &s, sizeof(s));
}

static reef_future check_counts(void *cap, reef_val v)
{
    T_EQ(atomic_load(&received), (long)PER_PAIR * SHARDS * (SHARDS - 1));
    for (unsigned to = 0; to < SHARDS; to++)
        for (unsigned from = 0; from < SHARDS; from++)
            T_EQ(expected[to][from], from == to ? 0 : PER_PAIR);
    return reef_done();
}

REACTOR_TEST(millions_of_messages_in_every_direction_arrive_once_in_order)
{
    return reef_then(reef_invoke_on_all(run_sender, NULL, 0), check_counts, NULL, 0);
}

/* ---- invoke_on_all -------------------------------------------------------- */

static atomic_int visits[SHARDS];

static reef_future visit(void *cap)
{
    T_EQ(*(int *)cap, 99);
    atomic_fetch_add(&visits[reef_shard_id()], 1);
    return reef_sleep(reef_ms(1));
}

static reef_future check_visits(void *cap, reef_val v)
{
    for (unsigned s = 0; s < SHARDS; s++)
        T_EQ(atomic_load(&visits[s]), 1);
    return reef_done();
}

REACTOR_TEST(invoke_on_all_runs_once_on_every_shard)
{
    int magic = 99;
    return reef_then(reef_invoke_on_all(visit, &magic, sizeof(magic)), check_visits, NULL, 0);
}

/* ---- Scheduling groups follow the request --------------------------------- */

static reef_sched_group remote_group;

static reef_future report_group(void *cap)
{
    return reef_ready_u64(reef_sched_group_current()._id);
}

static reef_future check_group(void *cap, reef_val v)
{
    T_UEQ(v.u, remote_group._id);
    T_EQ(reef_future_take(reef_sched_group_destroy(remote_group), NULL, NULL), 0);
    return reef_done();
}

static reef_future submit_from_group(void *cap)
{
    return reef_submit_to(1, report_group, NULL, 0);
}

REACTOR_TEST(submit_to_runs_in_the_callers_group)
{
    reef_val v;
    T_EQ(reef_future_take(reef_sched_group_create("remote", 300), &v, NULL), 0);
    remote_group = reef_sched_group_from_val(v);
    reef_future f = reef_with_sched_group(remote_group, submit_from_group, NULL, 0);
    return reef_then(f, check_group, NULL, 0);
}

/* ---- Alien calls ---------------------------------------------------------- */

static atomic_bool alien_finished;
static int alien_rc, alien_err_rc;
static reef_val alien_value;

static reef_future double_it(void *cap)
{
    return reef_ready_i64(*(int64_t *)cap * 2 + (int64_t)reef_shard_id());
}

static void *alien_thread(void *arg)
{
    int64_t x = 21;
    alien_rc = reef_alien_call(2, double_it, &x, &alien_value, NULL);
    reef_err e;
    alien_err_rc = reef_alien_call(1, fail_there, NULL, NULL, &e);
    if (alien_err_rc)
        reef_err_release(e);
    atomic_store(&alien_finished, true);
    return NULL;
}

static pthread_t alien;

static reef_future keep_waiting(void *cap, reef_val v) { return reef_continue(); }

static reef_future wait_alien(void *cap)
{
    if (atomic_load(&alien_finished))
        return reef_stop();
    return reef_then(reef_sleep(reef_ms(1)), keep_waiting, NULL, 0);
}

static reef_future check_alien(void *cap, reef_val v)
{
    pthread_join(alien, NULL);
    T_EQ(alien_rc, 0);
    T_EQ(alien_value.i, 21 * 2 + 2);
    T_EQ(alien_err_rc, -ENOENT);
    /* From a shard, an alien call would deadlock: refused. */
    T_EQ(reef_alien_call(1, double_it, NULL, NULL, NULL), -EDEADLK);
    return reef_done();
}

REACTOR_TEST(alien_threads_call_into_shards_and_block_for_the_result)
{
    T_EQ(pthread_create(&alien, NULL, alien_thread, NULL), 0);
    return reef_then(reef_repeat(wait_alien, NULL, 0), check_alien, NULL, 0);
}

TEST(alien_call_without_an_application_is_refused)
{
    T_EQ(reef_alien_call(0, double_it, NULL, NULL, NULL), -ESRCH);
}

TEST_MAIN()
