/*
 * Semaphores: a counter of units that waiters take and signals return.
 *
 * Fairness: waiters are served strictly in FIFO order. A waiter asking for
 * many units at the head of the queue blocks every later waiter, even ones
 * asking for fewer units than are available — so a large request cannot
 * starve, and order is predictable.
 *
 * A semaphore is embedded by its owner and used on one shard. Waiting
 * allocates one small entry per waiter that has to wait; a wait that can be
 * satisfied at once allocates nothing.
 */
#ifndef REEF_SEMAPHORE_H
#define REEF_SEMAPHORE_H

#include <reef/abort.h>
#include <reef/future.h>
#include <reef/waitq.h>

REEF_BEGIN_DECLS

typedef struct reef_sem {
    /* private */
    int64_t _count;
    struct reef__wq _wq;
    bool _broken;
    reef_err _err;
    size_t _units_out;              /* units objects not yet returned */
    struct reef_sem_units *_spent;  /* debug builds: returned units kept to catch reuse */
} reef_sem;

/* Initialises with `count` units (may be 0). */
REEF_API void reef_sem_init(reef_sem *s, int64_t count);

/* Releases the semaphore's resources. Waiters still queued fail with
 * REEF_ESEM_BROKEN. Debug builds report units objects never returned. */
REEF_API void reef_sem_fini(reef_sem *s);

/* Takes n units: resolves (no value) once they are available and every
 * earlier waiter has been served. Fails with the broken error, or -ENOMEM
 * if the waiter entry cannot be allocated (no units taken). */
static inline REEF_NODISCARD reef_future reef_sem_wait(reef_sem *s, uint64_t n);

/* Same, failing with REEF_ETIMEOUT if the units are not granted before the
 * steady-clock `deadline`. */
REEF_API REEF_NODISCARD reef_future reef_sem_wait_until(reef_sem *s, uint64_t n,
                                                        reef_time deadline);

/* Same, failing with the abort's error if `as` is requested first. */
REEF_API REEF_NODISCARD reef_future reef_sem_wait_abortable(reef_sem *s, uint64_t n,
                                                            reef_abort_source *as);

/* Takes n units if they are available now and nobody waits; never blocks
 * or allocates. */
REEF_API bool reef_sem_try_wait(reef_sem *s, uint64_t n);

/* Returns n units and wakes the waiters they satisfy, in order. Ignored on
 * a broken semaphore. */
static inline void reef_sem_signal(reef_sem *s, uint64_t n);

/* Breaks the semaphore: every waiter, and every later wait, fails with
 * REEF_ESEM_BROKEN (or with `e`, whose reference the semaphore takes). */
REEF_API void reef_sem_broken(reef_sem *s);
REEF_API void reef_sem_broken_err(reef_sem *s, reef_err e);

/* Units available now (never below 0) and the number of queued waiters. */
REEF_API int64_t reef_sem_available(const reef_sem *s);
REEF_API size_t reef_sem_waiters(const reef_sem *s);

/* Units taken with reef_sem_get_units: a small object that must be
 * returned exactly once with reef_sem_units_return (debug builds report a
 * second return, and, at reef_sem_fini, units never returned). */
typedef struct reef_sem_units reef_sem_units;

/* Resolves with a reef_sem_units * (in .p) holding n units. Errors as for
 * reef_sem_wait. */
REEF_API REEF_NODISCARD reef_future reef_sem_get_units(reef_sem *s, uint64_t n);

/* Returns the units to their semaphore and frees the object. */
REEF_API void reef_sem_units_return(reef_sem_units *u);

/* A drop function for captures holding one reef_sem_units * (`cap` points
 * at the pointer): pairs with reef_then_owned and reef_finally. */
REEF_API void reef_sem_units_drop_cap(void *cap);

/* Waits for n units, runs fn(cap), and returns the units when fn's future
 * resolves — whatever happens. Resolves with fn's result; if the wait
 * fails, fn is not called and the result is that failure. The capture is
 * copied as for reef_then. */
REEF_API REEF_NODISCARD reef_future reef_with_semaphore(reef_sem *s, uint64_t n,
                                                        reef_body_fn fn, const void *cap,
                                                        size_t cap_size);

/* The uncontended paths are inline (a compare and a subtraction); anything
 * involving waiters or a broken semaphore goes out of line. */
REEF_API REEF_NODISCARD reef_future reef__sem_wait_slow(reef_sem *s, uint64_t n);
REEF_API void reef__sem_signal_slow(reef_sem *s, uint64_t n);

static inline reef_future reef_sem_wait(reef_sem *s, uint64_t n)
{
    if (REEF_LIKELY(!s->_wq.head && !s->_broken && s->_count >= 0 &&
                    (uint64_t)s->_count >= n)) {
        s->_count -= (int64_t)n;
        return reef_done();
    }
    return reef__sem_wait_slow(s, n);
}

static inline void reef_sem_signal(reef_sem *s, uint64_t n)
{
    if (REEF_LIKELY(!s->_wq.head && !s->_broken)) {
        s->_count += (int64_t)n;
        return;
    }
    reef__sem_signal_slow(s, n);
}

REEF_END_DECLS

#endif
