/*
 * Tutorial chapter "Threads and memory" / "SMP": starting the same work on
 * every shard with submit_to. Each shard runs a short loop of its own
 * (counting to --count in steps that yield to the reactor) and reports
 * back; shard 0 prints the results in shard order.
 *
 *   build/bin/ex-smp-loop -c 2
 *   shard 0 counted to 1000
 *   shard 1 counted to 1000
 *   total 2000 on 2 shards
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <reef/reef.h>

struct counting {
    int64_t target, n;
};

static reef_future go_on(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_continue();
}

static reef_future count_step(void *cap)
{
    struct counting *c = *(struct counting **)cap;
    if (c->n == c->target)
        return reef_stop();
    c->n++;
    /* Every 100 steps, let the reactor run other work. */
    if (c->n % 100 == 0)
        return reef_then(reef_yield(), go_on, NULL, 0);
    return reef_continue();
}

static reef_future loop_done(void *cap, reef_val v)
{
    (void)v;
    struct counting *c = *(struct counting **)cap;
    int64_t n = c->n;
    free(c);
    return reef_ready_i64(n);
}

/* Runs on each shard: the loop's state is allocated there. */
static reef_future loop_on_shard(void *cap)
{
    struct counting *c = malloc(sizeof(*c));
    if (!c)
        return reef_fail_code(-ENOMEM);
    *c = (struct counting){*(int64_t *)cap, 0};
    return reef_then(reef_repeat(count_step, &c, sizeof(c)), loop_done, &c, sizeof(c));
}

struct results {
    unsigned shards;
    reef_val counts[]; /* filled by when_all_succeed */
};

static reef_future report(void *cap, reef_val v)
{
    (void)v;
    struct results *r = *(struct results **)cap;
    int64_t total = 0;
    for (unsigned i = 0; i < r->shards; i++) {
        printf("shard %u counted to %lld\n", i, (long long)r->counts[i].i);
        total += r->counts[i].i;
    }
    printf("total %lld on %u shards\n", (long long)total, r->shards);
    free(r);
    return reef_done();
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    int64_t target = reef_app_int(app, "count");
    unsigned n = reef_shard_count();
    struct results *r = malloc(sizeof(*r) + n * sizeof(reef_val));
    reef_future *fs = malloc(n * sizeof(*fs));
    if (!r || !fs) {
        free(r);
        free(fs);
        return reef_fail_code(-ENOMEM);
    }
    r->shards = n;
    for (unsigned i = 0; i < n; i++)
        fs[i] = reef_submit_to(i, loop_on_shard, &target, sizeof(target));
    reef_future all = reef_when_all_succeed(fs, n, r->counts);
    free(fs); /* read only during the call */
    return reef_then(all, report, &r, sizeof(r));
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-smp-loop", "A loop started on every shard.");
    reef_app_add_int(app, "count", 'n', 1000, "how far each shard counts");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
