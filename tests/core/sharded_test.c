/*
 * Sharded services and foreign pointers (src/core/sharded.c, foreign.c),
 * on three shards.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <reef/app.h>
#include <reef/foreign.h>
#include <reef/log.h>
#include <reef/reactor.h>
#include <reef/sharded.h>
#include <reef/smp.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

TH_SHARDS(3)

#define SHARDS 3

struct counter {
    unsigned shard;
    int64_t value;
    int64_t step;
};

static atomic_int starts, stops, destroys;

static reef_future counter_start(void *inst, const void *arg)
{
    struct counter *c = inst;
    T_EQ(c->value, 0); /* zeroed */
    c->shard = reef_shard_id();
    c->step = *(const int64_t *)arg;
    atomic_fetch_add(&starts, 1);
    return reef_done();
}

static reef_future counter_stop(void *inst)
{
    struct counter *c = inst;
    T_EQ(c->shard, reef_shard_id()); /* stopped where it lives */
    atomic_fetch_add(&stops, 1);
    return reef_done();
}

static void counter_destroy(void *inst)
{
    struct counter *c = inst;
    T_EQ(c->shard, reef_shard_id());
    atomic_fetch_add(&destroys, 1);
}

static const struct reef_service_ops counter_ops = {
    .name = "counter",
    .instance_size = sizeof(struct counter),
    .start = counter_start,
    .stop = counter_stop,
    .destroy = counter_destroy,
};

static reef_future add(void *inst, void *cap)
{
    struct counter *c = inst;
    T_EQ(c->shard, reef_shard_id());
    c->value += c->step * *(int64_t *)cap;
    return reef_ready_i64(c->value);
}

static reef_future get(void *inst, void *cap)
{
    struct counter *c = inst;
    return reef_ready_i64(c->value);
}

static reef_val sum(void *cap, reef_val acc, reef_val v)
{
    T_EQ(*(int *)cap, 5);
    acc.i += v.i;
    return acc;
}

static reef_sharded *svc;
static int reducer_cap = 5;

static reef_future after_stop(void *cap, reef_val v)
{
    T_EQ(atomic_load(&stops), SHARDS);
    T_EQ(atomic_load(&destroys), SHARDS);
    return reef_done();
}

static reef_future check_sum(void *cap, reef_val v)
{
    /* step 10: shard 1 got +1 +2 (from invoke_on_all and invoke_on), the
     * others +1 each: 10 + 30 + 10. */
    T_EQ(v.i, 50 + 1000);
    return reef_then(reef_sharded_stop(svc), after_stop, NULL, 0);
}

static reef_future check_one(void *cap, reef_val v)
{
    T_EQ(v.i, 30);
    return reef_then(reef_sharded_map_reduce(svc, get, NULL, 0, sum, &reducer_cap,
                                             (reef_val){.i = 1000}),
                     check_sum, NULL, 0);
}

static reef_future after_all(void *cap, reef_val v)
{
    int64_t two = 2;
    T_EQ(((struct counter *)reef_sharded_local(svc))->value, 10);
    return reef_then(reef_sharded_invoke_on(svc, 1, add, &two, sizeof(two)), check_one, NULL, 0);
}

static reef_future have_service(void *cap, reef_val v)
{
    svc = v.p;
    T_EQ(atomic_load(&starts), SHARDS);
    T_EQ(reef_future_take(reef_sharded_invoke_on(svc, 9, add, NULL, 0), NULL, NULL), -EINVAL);
    int64_t one = 1;
    return reef_then(reef_sharded_invoke_on_all(svc, add, &one, sizeof(one)), after_all, NULL, 0);
}

REACTOR_TEST(start_invoke_map_reduce_stop)
{
    int64_t step = 10;
    reef_future f = reef_sharded_start(&counter_ops, &step, sizeof(step));
    step = -1; /* the argument was copied */
    return reef_then(f, have_service, NULL, 0);
}

/* ---- A start that fails on one shard ---------------------------------------- */

static reef_future picky_start(void *inst, const void *arg)
{
    atomic_fetch_add(&starts, 1);
    if (reef_shard_id() == 2)
        return reef_fail_msg(-EACCES, "shard 2 refuses");
    return reef_done();
}

static void count_destroy(void *inst) { atomic_fetch_add(&destroys, 1); }

static const struct reef_service_ops picky_ops = {
    .name = "picky",
    .instance_size = 8,
    .start = picky_start,
    .stop = counter_stop,
    .destroy = count_destroy,
};

static reef_future check_failed_start(void *cap, reef_future r)
{
    reef_err e;
    T_EQ(reef_future_take(r, NULL, &e), -EACCES);
    reef_err_release(e);
    T_EQ(atomic_load(&stops), 0);         /* never started: never stopped */
    T_EQ(atomic_load(&destroys), SHARDS); /* but every instance freed */
    return reef_done();
}

REACTOR_TEST(a_failed_start_destroys_what_was_created)
{
    return reef_then_wrapped(reef_sharded_start(&picky_ops, NULL, 0), check_failed_start, NULL,
                             0);
}

/* ---- Forgetting stop ------------------------------------------------------------ */

static char logged[8192];

static void sink(const char *line, size_t len, void *arg)
{
    strncat(logged, line, sizeof(logged) - strlen(logged) - 1);
}

static reef_future forget(void *cap, reef_val v)
{
    return reef_done(); /* the service (v.p) is never stopped */
}

static reef_future start_and_forget(reef_app *app, void *arg)
{
    int64_t step = 1;
    return reef_then(reef_sharded_start(&counter_ops, &step, sizeof(step)), forget, NULL, 0);
}

TEST(a_service_never_stopped_is_reported)
{
    reef_log_set_sink(sink, NULL);
    reef_app *app = reef_app_create("forgetful", NULL);
    char *argv[] = {"forgetful", "-c", "2", "--overprovisioned", NULL};
    T_EQ(reef_app_run(app, 4, argv, start_and_forget, NULL), 0);
    reef_app_destroy(app);
    reef_log_set_sink(NULL, NULL);
    T_CONTAINS(logged, "WARN  ");
    T_CONTAINS(logged, "sharded service 'counter' was not stopped before the application ended");
    /* The service was leaked on purpose: leave without the leak check. */
    _exit(0);
}

/* ---- Foreign pointers --------------------------------------------------------- */

struct blob {
    unsigned home;
    int refs;
};

static atomic_int destroyed_on = -1;

static void blob_unref(void *p)
{
    struct blob *b = p;
    T_EQ(b->home, reef_shard_id()); /* always back home */
    if (--b->refs == 0) {
        atomic_store(&destroyed_on, (int)reef_shard_id());
        free(b);
    }
}

static void *blob_ref(void *p)
{
    struct blob *b = p;
    T_EQ(b->home, reef_shard_id());
    b->refs++;
    return b;
}

static reef_future make_blob(void *cap)
{
    struct blob *b = malloc(sizeof(*b));
    *b = (struct blob){reef_shard_id(), 1};
    reef_foreign_ptr *out = *(reef_foreign_ptr **)cap;
    *out = reef_foreign_make(b, blob_unref);
    return reef_done();
}

static reef_foreign_ptr fp, fp2;

static reef_future after_destroy(void *cap, reef_val v)
{
    T_EQ(atomic_load(&destroyed_on), 1);
    return reef_done();
}

static reef_future copied(void *cap, reef_val v)
{
    T_EQ(reef_foreign_owner(fp2), 1);
    T_TRUE(reef_foreign_get(fp2) == reef_foreign_get(fp));
    reef_foreign_destroy(&fp); /* one reference left: nothing freed */
    T_TRUE(reef_foreign_get(fp) == NULL);
    reef_foreign_destroy(&fp); /* empty: nothing */
    reef_foreign_destroy(&fp2);
    /* Give the destroy messages time to run on shard 1. */
    return reef_then(reef_sleep(reef_ms(20)), after_destroy, NULL, 0);
}

static reef_future have_blob(void *cap, reef_val v)
{
    T_EQ(reef_foreign_owner(fp), 1);
    T_EQ(((struct blob *)reef_foreign_get(fp))->home, 1);
    T_EQ(atomic_load(&destroyed_on), -1);
    return reef_then(reef_foreign_copy(fp, blob_ref, &fp2), copied, NULL, 0);
}

REACTOR_TEST(foreign_objects_are_copied_and_destroyed_on_their_home_shard)
{
    reef_foreign_ptr *out = &fp;
    return reef_then(reef_submit_to(1, make_blob, &out, sizeof(out)), have_blob, NULL, 0);
}

TEST(releasing_gives_the_object_back)
{
    int x;
    reef_foreign_ptr p = reef_foreign_make(&x, NULL);
    T_EQ(reef_foreign_owner(p), 0);
    T_TRUE(reef_foreign_release(&p) == &x);
    T_TRUE(reef_foreign_get(p) == NULL);
}

TEST_MAIN()
