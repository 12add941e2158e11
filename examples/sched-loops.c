/*
 * Tutorial chapter "Isolation of application components": two counting
 * loops compete for the CPU, first both in the main group (the loop with
 * ten parallel strands gets ten times the work done), then each in its own
 * scheduling group with equal shares (equal work), then with shares 100
 * and 200 (twice the work for the second).
 *
 *   build/bin/ex-sched-loops [--duration-ms 10000]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <reef/reef.h>

/* ---- loop(parallelism): counts until the run is stopped ------------------ */

struct counting {
    const bool *stop;
    long counter;
};

static bool stopped(void *cap)
{
    struct counting *c = *(struct counting **)cap;
    return *c->stop;
}

static reef_future count_one(void *cap)
{
    struct counting *c = *(struct counting **)cap;
    c->counter++;
    return reef_done();
}

static reef_future one_strand(void *cap, int64_t i)
{
    (void)i;
    return reef_do_until(stopped, count_one, cap, sizeof(struct counting *));
}

struct loop_args {
    int parallelism;
    struct counting *c;
};

/* Runs `parallelism` strands incrementing one counter, in the current group. */
static reef_future loop(void *cap)
{
    struct loop_args *a = cap;
    return reef_parallel_for_range(0, a->parallelism, one_strand, &a->c, sizeof(a->c));
}

static reef_future loop_in_group(reef_sched_group g, int parallelism, struct counting *c)
{
    struct loop_args a = {parallelism, c};
    return reef_with_sched_group(g, loop, &a, sizeof(a));
}

/* ---- The three runs --------------------------------------------------------- */

struct demo {
    reef_duration duration;
    reef_sched_group g1, g2;
    bool stop;
    struct counting c1, c2;
    reef_timer stopper;
    int run;
    reef_val ids[2]; /* the groups, as their creation resolved */
};

static void stop_run(reef_timer *t, void *arg)
{
    (void)t;
    *(bool *)arg = true;
}

static reef_future next_run(void *cap, reef_val v);

static reef_future start_run(struct demo *d)
{
    char n1[32], n2[32];
    if (d->run == 0) {
        printf("Both loops in the main group, parallelism 1 and 10:\n");
    } else {
        printf("Loop 1 in group %s (%u shares), loop 2 in group %s (%u shares):\n",
               reef_sched_group_name(d->g1, n1, sizeof(n1)), reef_sched_group_shares(d->g1),
               reef_sched_group_name(d->g2, n2, sizeof(n2)), reef_sched_group_shares(d->g2));
    }
    fflush(stdout);
    d->stop = false;
    d->c1 = (struct counting){&d->stop, 0};
    d->c2 = (struct counting){&d->stop, 0};
    reef_timer_arm(&d->stopper, d->duration);
    reef_sched_group main_g = reef_sched_group_main();
    reef_future loops[2] = {
        loop_in_group(d->run ? d->g1 : main_g, 1, &d->c1),
        loop_in_group(d->run ? d->g2 : main_g, 10, &d->c2),
    };
    return reef_then(reef_when_all_succeed(loops, 2, NULL), next_run, &d, sizeof(d));
}

static reef_future next_run(void *cap, reef_val v)
{
    (void)v;
    struct demo *d = *(struct demo **)cap;
    printf("Counters: %ld, %ld\n", d->c1.counter, d->c2.counter);
    fflush(stdout);
    if (++d->run == 3) {
        reef_future_ignore(reef_sched_group_destroy(d->g1));
        reef_future_ignore(reef_sched_group_destroy(d->g2));
        free(d);
        return reef_done();
    }
    if (d->run == 2)
        reef_sched_group_set_shares(d->g2, 200);
    return start_run(d);
}

static reef_future groups_created(void *cap, reef_val v)
{
    (void)v;
    struct demo *d = *(struct demo **)cap;
    d->g1 = reef_sched_group_from_val(d->ids[0]);
    d->g2 = reef_sched_group_from_val(d->ids[1]);
    return start_run(d);
}

static reef_future app_main(reef_app *app, void *arg)
{
    (void)arg;
    struct demo *d = calloc(1, sizeof(*d));
    if (!d)
        return reef_fail_code(-ENOMEM);
    d->duration = reef_ms(reef_app_int(app, "duration-ms"));
    reef_timer_init(&d->stopper, REEF_CLOCK_STEADY, stop_run, &d->stop);
    /* Groups exist on every shard once their creation resolves. */
    reef_future made[2] = {reef_sched_group_create("loop1", 100),
                           reef_sched_group_create("loop2", 100)};
    return reef_then(reef_when_all_succeed(made, 2, d->ids), groups_created, &d, sizeof(d));
}

int main(int argc, char **argv)
{
    reef_app *app = reef_app_create("ex-sched-loops", "Two loops sharing a shard's CPU.");
    reef_app_add_int(app, "duration-ms", 'd', 10000, "how long each run lasts");
    int status = reef_app_run(app, argc, argv, app_main, NULL);
    reef_app_destroy(app);
    return status;
}
