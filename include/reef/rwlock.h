/*
 * A readers/writer lock (the tutorial's shared_mutex) for fibers on one
 * shard. Strictly FIFO: a writer waiting behind readers blocks the readers
 * that come after it, so writers cannot starve.
 */
#ifndef REEF_RWLOCK_H
#define REEF_RWLOCK_H

#include <reef/future.h>
#include <reef/waitq.h>

REEF_BEGIN_DECLS

typedef struct reef_rwlock {
    /* private */
    int64_t _readers; /* holders in shared mode */
    bool _writer;     /* held exclusively */
    struct reef__wq _wq;
} reef_rwlock;

REEF_API void reef_rwlock_init(reef_rwlock *l);

/* Waiters still queued fail with REEF_EABORTED. */
REEF_API void reef_rwlock_fini(reef_rwlock *l);

/* Exclusive: resolves once held. Unlock with reef_rwlock_unlock. */
REEF_API REEF_NODISCARD reef_future reef_rwlock_lock(reef_rwlock *l);
REEF_API bool reef_rwlock_try_lock(reef_rwlock *l);
REEF_API void reef_rwlock_unlock(reef_rwlock *l);

/* Shared: resolves once held. Unlock with reef_rwlock_unlock_shared. */
REEF_API REEF_NODISCARD reef_future reef_rwlock_lock_shared(reef_rwlock *l);
REEF_API bool reef_rwlock_try_lock_shared(reef_rwlock *l);
REEF_API void reef_rwlock_unlock_shared(reef_rwlock *l);

/* Holds the lock (exclusive / shared) while fn(cap) runs and releases it
 * when fn's future resolves, whatever the outcome. The capture is used
 * during the call only (fn is called once the lock is held: it is copied
 * if the lock must be waited for). */
REEF_API REEF_NODISCARD reef_future reef_with_lock(reef_rwlock *l, reef_body_fn fn,
                                                   const void *cap, size_t cap_size);
REEF_API REEF_NODISCARD reef_future reef_with_shared(reef_rwlock *l, reef_body_fn fn,
                                                     const void *cap, size_t cap_size);

REEF_END_DECLS

#endif
