/*
 * What every benchmark program shares: medians, timing, output lines, and
 * running a function on a fresh reactor.
 *
 * Output is one line per figure, "name value unit", so that `make bench`
 * output can be diffed and parsed.
 */
#ifndef REEF_BENCH_H
#define REEF_BENCH_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include <reef/reef.h>

#include "core/reactor_impl.h"
#include "core/run.h"

/* Sorts v in place and returns its median. */
static inline double bench_median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

static inline double bench_ns_since(reef_time t0, long n)
{
    return (double)(reef_now() - t0) / (double)n;
}

static inline void bench_print(const char *name, double v, const char *unit)
{
    printf("%s %.4g %s\n", name, v, unit);
    fflush(stdout);
}

/* Runs the tasks queued on this reactor until none is left, without the
 * loop's polling in between: isolates the cost of the work itself. */
static inline void bench_drain_queue(void) { reef__sched_drain(reef__r); }

/* Runs fn(&result) as the main function of a fresh reactor configured
 * with cfg and returns result; exits if it cannot run. */
static inline double bench_on_reactor_cfg(reef_future (*fn)(void *),
                                          const struct reef__reactor_config *cfg)
{
    double result = 0;
    struct reef__run_result res;
    int rc = reef__run_main(cfg, fn, &result, &res);
    if (rc < 0 || res.status != 0) {
        fprintf(stderr, "benchmark failed to run: %s\n",
                rc < 0 ? reef_strerror(rc) : "its main future failed");
        exit(1);
    }
    return result;
}

/* The same with the default configuration; backend NULL: automatic. */
static inline double bench_on_reactor(reef_future (*fn)(void *), const char *backend)
{
    /* Benchmarks run long loops in one task on purpose: no stall reports. */
    struct reef__reactor_config cfg = {
        .task_quota = 500000,
        .idle_poll = REEF__DEFAULT_IDLE_POLL_NS,
        .backend = backend,
        .blocked_notify = reef_s(3600),
    };
    return bench_on_reactor_cfg(fn, &cfg);
}

/* Best effort: keep the benchmark on one CPU, away from migrations. */
static inline void bench_pin_to_cpu0(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

#endif
