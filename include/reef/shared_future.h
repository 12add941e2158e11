/*
 * Shared futures: one result delivered to any number of consumers.
 */
#ifndef REEF_SHARED_FUTURE_H
#define REEF_SHARED_FUTURE_H

#include <reef/future.h>
#include <reef/waitq.h>

REEF_BEGIN_DECLS

typedef struct reef_shared_future {
    /* private */
    bool _resolved;
    uintptr_t _s;
    reef_val _v;
    struct reef__wq _wq;
    struct reef_shared_future_link *_link;
} reef_shared_future;

/* Takes over `f`; the shared future must stay alive (and not be finied)
 * until f has resolved, or -ENOMEM is returned (f is then ignored). */
REEF_API int reef_shared_future_init(reef_shared_future *sf, reef_future f);

/* Releases the stored result. Consumers still waiting fail with
 * REEF_EBROKEN_PROMISE; if the source has not resolved yet, its result
 * will be dropped silently. */
REEF_API void reef_shared_future_fini(reef_shared_future *sf);

/* A new future for the shared result: the same value, or the same error
 * (each consumer holds its own reference). */
REEF_API REEF_NODISCARD reef_future reef_shared_future_get(reef_shared_future *sf);

REEF_API bool reef_shared_future_available(const reef_shared_future *sf);

REEF_END_DECLS

#endif
