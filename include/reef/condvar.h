/*
 * Condition variables for fibers of continuations on one shard: wait until
 * another fiber signals. There is no mutex: code between two suspension
 * points already runs alone on its shard.
 */
#ifndef REEF_CONDVAR_H
#define REEF_CONDVAR_H

#include <reef/future.h>
#include <reef/waitq.h>

REEF_BEGIN_DECLS

typedef struct reef_condvar {
    /* private */
    struct reef__wq _wq;
    bool _broken;
    reef_err _err;
} reef_condvar;

REEF_API void reef_condvar_init(reef_condvar *cv);

/* Waiters still queued fail with REEF_ECONDVAR_BROKEN. */
REEF_API void reef_condvar_fini(reef_condvar *cv);

/* Resolves at the next signal or broadcast (FIFO among waiters). Fails
 * with the broken error, or -ENOMEM. */
REEF_API REEF_NODISCARD reef_future reef_condvar_wait(reef_condvar *cv);

/* Resolves once pred(arg) is true: checked now, then after each signal
 * that reaches this waiter (a signal that finds the predicate false passes
 * to the next waiter). */
REEF_API REEF_NODISCARD reef_future reef_condvar_wait_pred(reef_condvar *cv,
                                                           bool (*pred)(void *arg), void *arg);

/* Like reef_condvar_wait, failing with REEF_ETIMEOUT at the steady-clock
 * deadline. */
REEF_API REEF_NODISCARD reef_future reef_condvar_wait_until(reef_condvar *cv,
                                                            reef_time deadline);

/* Wakes the first waiter (whose predicate, if any, holds). */
REEF_API void reef_condvar_signal(reef_condvar *cv);

/* Wakes every waiter (whose predicate, if any, holds). */
REEF_API void reef_condvar_broadcast(reef_condvar *cv);

/* Fails every waiter, and later waits, with REEF_ECONDVAR_BROKEN (or `e`,
 * taken over by the condition variable). */
REEF_API void reef_condvar_broken(reef_condvar *cv);
REEF_API void reef_condvar_broken_err(reef_condvar *cv, reef_err e);

REEF_END_DECLS

#endif
