/*
 * Running a main function on a fresh reactor on the calling thread: shared
 * by reef_app_run() and the test harness.
 */
#ifndef REEF_CORE_RUN_H
#define REEF_CORE_RUN_H

#include <reef/future.h>

#include "core/reactor_impl.h"

/* The default --idle-poll-time-us, in ns (see docs/benchmarks.md). */
#define REEF__DEFAULT_IDLE_POLL_NS 50000

struct reef__run_result {
    int status;         /* 0: main future succeeded; 1: it failed; 128+n: stopped by signal n */
    reef_err err;       /* the failure (owned by the caller), when status == 1 */
    unsigned leftovers; /* timers armed + tasks queued at shutdown */
};

/* Creates the reactor, calls start(arg), runs until its future resolves or
 * the reactor is stopped, destroys the reactor. Returns 0, or a negative
 * code if the reactor could not be created (nothing was run). */
int reef__run_main(const struct reef__reactor_config *cfg, reef_future (*start)(void *arg),
                   void *arg, struct reef__run_result *out);

#endif
