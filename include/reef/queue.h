/*
 * A bounded FIFO of reef_val items with future-based push and pop, for
 * producers and consumers on one shard.
 */
#ifndef REEF_QUEUE_H
#define REEF_QUEUE_H

#include <reef/future.h>
#include <reef/waitq.h>

REEF_BEGIN_DECLS

typedef struct reef_queue {
    /* private */
    reef_val *_buf;
    size_t _cap, _head, _len;
    struct reef__wq _pushers, _poppers;
    bool _aborted;
    reef_err _err;
} reef_queue;

/* Initialises a queue holding up to `capacity` items (>= 1). Returns 0,
 * -EINVAL or -ENOMEM. */
REEF_API int reef_queue_init(reef_queue *q, size_t capacity);

/* Frees the queue; waiters still queued fail with REEF_EABORTED. Items
 * still inside are dropped (they are plain values). */
REEF_API void reef_queue_fini(reef_queue *q);

/* Non-blocking forms: false when full / empty (or aborted). */
REEF_API bool reef_queue_try_push(reef_queue *q, reef_val v);
REEF_API bool reef_queue_try_pop(reef_queue *q, reef_val *out);

/* Resolves (no value) once v is in the queue or handed to a waiting
 * popper; pushes complete in order. Fails with the abort error. */
REEF_API REEF_NODISCARD reef_future reef_queue_push_eventually(reef_queue *q, reef_val v);

/* Resolves with the next item; pops complete in order. Fails with the
 * abort error. */
REEF_API REEF_NODISCARD reef_future reef_queue_pop_eventually(reef_queue *q);

/* Aborts the queue: every waiter and every later push or pop fails with
 * `e` (the queue takes the reference; an error with code 0 means
 * REEF_EABORTED). Items still inside stay there, unreachable, until
 * reef_queue_fini. Aborting again does nothing (`e` is released). */
REEF_API void reef_queue_abort(reef_queue *q, reef_err e);

REEF_API size_t reef_queue_size(const reef_queue *q);
REEF_API size_t reef_queue_capacity(const reef_queue *q);
REEF_API bool reef_queue_empty(const reef_queue *q);
REEF_API bool reef_queue_full(const reef_queue *q);

REEF_END_DECLS

#endif
