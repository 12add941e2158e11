/*
 * Pending futures: cells and waiters.
 *
 * A pending future points at a cell owned jointly by its producer and its
 * consumer. The producer resolves the cell once; the consumer either
 * attaches a waiter, marks the cell discarded, or takes a result that is
 * already there. Whoever comes second frees the cell (through `release`,
 * which knows the allocation the cell is embedded in):
 *
 *   producer resolves first  -> result kept in the cell until the consumer
 *                               takes it, then the consumer releases it;
 *   consumer attaches first  -> the producer hands the result to the waiter,
 *                               releases the cell and schedules the waiter;
 *   consumer discarded first -> the producer releases the cell (and reports
 *                               the result if it is an error);
 *   consumer forwards        -> (the waiter field holds another cell, tagged
 *                               with bit 0) the producer releases this cell
 *                               and resolves the other one with the result.
 */
#ifndef REEF_CORE_CELL_H
#define REEF_CORE_CELL_H

#include <reef/future.h>

#include "core/task.h"

/* Result word of a cell that has not been resolved (neither 0 = ready nor
 * odd = failed). */
#define REEF__UNRESOLVED ((uintptr_t)2)
#define REEF__DISCARDED ((struct reef__waiter *)2)
#define REEF__FORWARD_TAG ((uintptr_t)1)
/* Discard site of a future dropped with reef_future_ignore(): no report. */
#define REEF__SILENT_SITE ((void *)1)

struct reef__waiter {
    struct reef__task task;
    uintptr_t s; /* the delivered result, as in reef_future */
    reef_val v;
};

struct reef__cell {
    struct reef__waiter *waiter; /* NULL, REEF__DISCARDED, tagged cell, or waiter */
    uintptr_t s;                 /* REEF__UNRESOLVED until resolved */
    reef_val v;                  /* result; the discard site while discarded */
    void (*release)(struct reef__cell *c);
};

static inline bool reef__is_failed(uintptr_t s) { return (s & 3) == REEF__FAILED_TAG; }

static inline reef_err reef__err_of(uintptr_t s, reef_val v)
{
    reef_err e = {(int)(int32_t)(s >> 32), (struct reef_err_detail *)v.p};
    return e;
}

static inline reef_future reef__future_of_cell(struct reef__cell *c)
{
    reef_future f = {(uintptr_t)c, {.u = 0}};
    return f;
}

static inline void reef__cell_init(struct reef__cell *c, void (*release)(struct reef__cell *))
{
    c->waiter = NULL;
    c->s = REEF__UNRESOLVED;
    c->v.u = 0;
    c->release = release;
}

/* Resolves a cell with a result (s, v); see the table above. */
void reef__cell_resolve(struct reef__cell *c, uintptr_t s, reef_val v);

/* Resolves a cell with the eventual result of future f (consumed). */
void reef__cell_forward(struct reef__cell *c, reef_future f);

/* Makes `w` receive f's result: if f is already resolved, the result is
 * stored in w and true is returned (nothing scheduled); otherwise w is
 * attached and will be scheduled when f resolves, and false is returned. */
bool reef__future_wait(reef_future f, struct reef__waiter *w);

/* Logs "Exceptional future ignored" for a failed result and releases it.
 * `site` is where the future was discarded (NULL: the current backtrace is
 * the interesting one). */
void reef__report_ignored(uintptr_t s, reef_val v, void *site);

/* Releases the error a failed result carries (nothing for a value). */
static inline void reef__result_release(uintptr_t s, reef_val v)
{
    if (reef__is_failed(s) && v.p)
        reef_err_release(reef__err_of(s, v));
}

#endif
