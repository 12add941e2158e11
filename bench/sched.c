/*
 * Scheduling-group benchmarks: how exactly shares divide the CPU, what a
 * hop between groups costs, how late a timer fires in one group while
 * another burns CPU, and what ten groups cost the deferred-continuation
 * path compared with one.
 *
 * Prints one line per figure: "name value unit".
 */
#include <string.h>

#include "bench.h"

/* ---- Share ratios ------------------------------------------------------------ */

struct spinner {
    const bool *stop;
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

static reef_sched_group new_group(const char *name, unsigned shares)
{
    reef_val v;
    if (reef_future_take(reef_sched_group_create(name, shares), &v, NULL) != 0)
        abort();
    return reef_sched_group_from_val(v);
}

struct ratio_run {
    unsigned shares_b;
    reef_sched_group a, b;
    struct spinner sa, sb;
    bool stop;
    reef_timer end;
    double *out;
};

static void end_run(reef_timer *t, void *arg) { *(bool *)arg = true; }

static reef_future ratio_done(void *cap, reef_val v)
{
    struct ratio_run *run = *(struct ratio_run **)cap;
    struct reef_sched_group_stats sa, sb;
    reef_sched_group_stats(run->a, &sa);
    reef_sched_group_stats(run->b, &sb);
    *run->out = (double)sb.runtime / (double)sa.runtime;
    reef_future_ignore(reef_sched_group_destroy(run->a));
    reef_future_ignore(reef_sched_group_destroy(run->b));
    return reef_done();
}

static reef_future bench_ratio(void *arg, unsigned shares_b)
{
    static struct ratio_run run;
    run = (struct ratio_run){.shares_b = shares_b, .out = arg};
    run.a = new_group("a", 100);
    run.b = new_group("b", shares_b);
    run.sa.stop = run.sb.stop = &run.stop;
    reef_timer_init(&run.end, REEF_CLOCK_STEADY, end_run, &run.stop);
    reef_timer_arm(&run.end, reef_ms(800));
    struct spinner *pa = &run.sa, *pb = &run.sb;
    reef_future fs[11];
    for (int i = 0; i < 10; i++) /* ten loops in a, one in b */
        fs[i] = reef_with_sched_group(run.a, start_spinner, &pa, sizeof(pa));
    fs[10] = reef_with_sched_group(run.b, start_spinner, &pb, sizeof(pb));
    struct ratio_run *p = &run;
    return reef_then(reef_when_all_succeed(fs, 11, NULL), ratio_done, &p, sizeof(p));
}

static reef_future bench_ratio_1_1(void *arg) { return bench_ratio(arg, 100); }
static reef_future bench_ratio_1_2(void *arg) { return bench_ratio(arg, 200); }
static reef_future bench_ratio_1_4(void *arg) { return bench_ratio(arg, 400); }

/* ---- A hop to another group and back -------------------------------------- */

#define HOPS 1000000L

struct hop_state {
    reef_sched_group other;
    long left;
    reef_time t0;
    double *out;
};

static reef_future hop_there(void *cap) { return reef_done(); }

static reef_future hop_back(void *cap, reef_val v)
{
    struct hop_state *st = *(struct hop_state **)cap;
    if (--st->left == 0) {
        *st->out = bench_ns_since(st->t0, HOPS * 2);
        reef_future_ignore(reef_sched_group_destroy(st->other));
        return reef_done();
    }
    return reef_then(reef_with_sched_group(st->other, hop_there, NULL, 0), hop_back, cap,
                     sizeof(st));
}

static reef_future bench_group_switch(void *arg)
{
    static struct hop_state st;
    st = (struct hop_state){new_group("other", 100), HOPS, reef_now(), arg};
    struct hop_state *p = &st;
    return hop_back(&p, (reef_val){0});
}

/* ---- Timer latency while another group is busy ----------------------------- */

#define WAKES 1000

struct latency_run {
    reef_sched_group busy, timers;
    bool stop;
    struct spinner spin[4];
    double late_us[WAKES];
    int n;
    reef_time asked;
    double *out;
};

static reef_future timer_wake(void *cap, reef_val v)
{
    struct latency_run *run = *(struct latency_run **)cap;
    if (run->asked)
        run->late_us[run->n++] = (double)(reef_now() - run->asked - reef_ms(1)) / 1e3;
    if (run->n == WAKES) {
        run->stop = true;
        return reef_done();
    }
    run->asked = reef_now();
    return reef_then(reef_sleep(reef_ms(1)), timer_wake, cap, sizeof(run));
}

static reef_future start_timers(void *cap) { return timer_wake(cap, (reef_val){0}); }

static reef_future latency_done(void *cap, reef_val v)
{
    struct latency_run *run = *(struct latency_run **)cap;
    bench_median(run->late_us, WAKES); /* sorts */
    *run->out = run->late_us[WAKES * 99 / 100];
    reef_future_ignore(reef_sched_group_destroy(run->busy));
    reef_future_ignore(reef_sched_group_destroy(run->timers));
    return reef_done();
}

static reef_future bench_timer_latency(void *arg)
{
    static struct latency_run run;
    memset(&run, 0, sizeof(run));
    run.out = arg;
    run.busy = new_group("busy", 1000);
    run.timers = new_group("timers", 100);
    struct latency_run *p = &run;
    reef_future fs[5];
    for (int i = 0; i < 4; i++) {
        run.spin[i].stop = &run.stop;
        struct spinner *sp = &run.spin[i];
        fs[i] = reef_with_sched_group(run.busy, start_spinner, &sp, sizeof(sp));
    }
    fs[4] = reef_with_sched_group(run.timers, start_timers, &p, sizeof(p));
    return reef_then(reef_when_all_succeed(fs, 5, NULL), latency_done, &p, sizeof(p));
}

/* ---- Deferred continuations spread over 1 or 10 groups --------------------- */

#define BATCH 32
static reef_promise promises[BATCH];
static reef_future futures[BATCH];

static reef_future inc(void *cap, reef_val v) { return reef_ready_i64(v.i + 1); }

static reef_future bench_deferred_groups(void *arg, int ngroups)
{
    double *out = arg;
    reef_sched_group gs[10];
    for (int g = 0; g < ngroups; g++)
        gs[g] = g ? new_group("g", 100) : reef_sched_group_main();
    long rounds = 100000;
    reef_time t0 = reef_now();
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < BATCH; i++) {
            /* Attach as if from a task of group i % ngroups: that is where
             * the continuation will run. */
            reef__r->current_group = gs[i % ngroups]._id;
            futures[i] = reef_then(reef_promise_init(&promises[i]), inc, NULL, 0);
        }
        reef__r->current_group = 0;
        for (int i = 0; i < BATCH; i++)
            reef_promise_resolve(&promises[i], (reef_val){.i = i});
        reef__sched_run(reef__r); /* the real picking, slice by slice */
        bench_drain_queue();      /* whatever a preemption left */
        for (int i = 0; i < BATCH; i++)
            reef_future_ignore(futures[i]);
    }
    *out = bench_ns_since(t0, rounds * BATCH);
    for (int g = 1; g < ngroups; g++)
        reef_future_ignore(reef_sched_group_destroy(gs[g]));
    return reef_done();
}

static reef_future bench_deferred_1(void *arg) { return bench_deferred_groups(arg, 1); }
static reef_future bench_deferred_10(void *arg) { return bench_deferred_groups(arg, 10); }

int main(int argc, char **argv)
{
    const char *backend = argc > 1 && strcmp(argv[1], "auto") != 0 ? argv[1] : NULL;
    bench_pin_to_cpu0();
    bench_print("sched.share_ratio_1_1", bench_on_reactor(bench_ratio_1_1, backend), "ratio");
    bench_print("sched.share_ratio_1_2", bench_on_reactor(bench_ratio_1_2, backend), "ratio");
    bench_print("sched.share_ratio_1_4", bench_on_reactor(bench_ratio_1_4, backend), "ratio");
    double sw[5], d1[5], d10[5];
    for (int r = 0; r < 5; r++) {
        sw[r] = bench_on_reactor(bench_group_switch, backend);
        d1[r] = bench_on_reactor(bench_deferred_1, backend);
        d10[r] = bench_on_reactor(bench_deferred_10, backend);
    }
    bench_print("sched.group_switch_ns", bench_median(sw, 5), "ns");
    bench_print("sched.timer_latency_under_load_us",
                bench_on_reactor(bench_timer_latency, backend), "us");
    double one = bench_median(d1, 5), ten = bench_median(d10, 5);
    bench_print("sched.then_deferred_ns_1_group", one, "ns");
    bench_print("sched.then_deferred_ns_10_groups", ten, "ns");
    bench_print("sched.ten_groups_cost", ten / one, "ratio");
    return 0;
}
