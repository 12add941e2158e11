/*
 * FIFO wait queues for the synchronisation primitives.
 *
 * Each waiter is one allocation: the cell of the future it waits on, its
 * links, and room for the optional deadline timer and abort subscription.
 * The entry is freed by the cell's release, i.e. once the waiter's future
 * has been resolved and consumed. A waiter that times out or is aborted
 * leaves the queue at once and the owner is told (on_cancel) so that it can
 * serve the waiters behind it.
 */
#ifndef REEF_SYNC_WAITQ_H
#define REEF_SYNC_WAITQ_H

#include <reef/abort.h>
#include <reef/future.h>
#include <reef/timer.h>
#include <reef/waitq.h>

#include "core/cell.h"

struct reef__wq_entry {
    struct reef__cell cell;
    struct reef__wq_entry *next, *prev;
    struct reef__wq *wq; /* NULL once off the queue */
    uint64_t n;          /* what the waiter asks for (units, lock kind...) */
    reef_val item;       /* a value the waiter brings (queue push) */
    reef_val *out;       /* where the waiter wants a value stored */
    bool (*pred)(void *arg);
    void *pred_arg;
    reef_timer timer;
    reef_abort_sub sub;
    bool has_timer, has_sub;
    void (*on_cancel)(void *owner);
    void *owner;
};

static inline void reef__wq_init(struct reef__wq *q)
{
    q->head = q->tail = NULL;
    q->count = 0;
}

/* Appends a new waiter; NULL when out of memory. `on_cancel(owner)` runs
 * after a timeout or abort removed it (may be NULL). */
struct reef__wq_entry *reef__wq_push(struct reef__wq *q, void (*on_cancel)(void *owner),
                                     void *owner);

/* The waiter's future (call once). */
static inline reef_future reef__wq_future(struct reef__wq_entry *e)
{
    return reef__future_of_cell(&e->cell);
}

/* Fails the waiter with REEF_ETIMEOUT at `deadline` unless completed first. */
void reef__wq_arm_deadline(struct reef__wq_entry *e, reef_time deadline);

/* Fails the waiter with the abort's error when `as` is requested. Returns
 * 0, or REEF_EABORTED if it already was (the waiter is then completed with
 * that error at once). */
int reef__wq_arm_abort(struct reef__wq_entry *e, reef_abort_source *as);

/* Takes the waiter off its queue (if on one) and resolves its future with
 * (s, v). The entry must not be touched afterwards. */
void reef__wq_complete(struct reef__wq_entry *e, uintptr_t s, reef_val v);

static inline void reef__wq_succeed(struct reef__wq_entry *e, reef_val v)
{
    reef__wq_complete(e, 0, v);
}

/* Fails every waiter with its own reference to `e` (which stays the
 * caller's). */
void reef__wq_fail_all(struct reef__wq *q, reef_err e);

#endif
