#include <errno.h>
#include <string.h>

#include "core/memory.h"
#include "sync/waitq.h"

static void entry_release(struct reef__cell *c)
{
    reef__free(c, sizeof(struct reef__wq_entry));
}

static void unlink_entry(struct reef__wq_entry *e)
{
    struct reef__wq *q = e->wq;
    if (!q)
        return;
    if (e->prev)
        e->prev->next = e->next;
    else
        q->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        q->tail = e->prev;
    q->count--;
    e->wq = NULL;
    e->next = e->prev = NULL;
}

struct reef__wq_entry *reef__wq_push(struct reef__wq *q, void (*on_cancel)(void *owner),
                                     void *owner)
{
    _Static_assert(offsetof(struct reef__wq_entry, cell) == 0, "release frees from the cell");
    struct reef__wq_entry *e = reef__alloc(sizeof(*e));
    if (!e)
        return NULL;
    memset(e, 0, sizeof(*e));
    reef__cell_init(&e->cell, entry_release);
    e->wq = q;
    e->prev = q->tail;
    if (q->tail)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
    q->count++;
    e->on_cancel = on_cancel;
    e->owner = owner;
    return e;
}

void reef__wq_complete(struct reef__wq_entry *e, uintptr_t s, reef_val v)
{
    unlink_entry(e);
    if (e->has_timer)
        reef_timer_cancel(&e->timer);
    if (e->has_sub)
        reef_abort_unsubscribe(&e->sub);
    e->has_timer = e->has_sub = false;
    reef__cell_resolve(&e->cell, s, v);
}

/* A timeout or abort took the waiter out: complete it, then let the owner
 * serve whoever is now at the head. */
static void cancel(struct reef__wq_entry *e, reef_future failure)
{
    void (*on_cancel)(void *) = e->on_cancel;
    void *owner = e->owner;
    reef__wq_complete(e, failure._s, failure._v);
    if (on_cancel)
        on_cancel(owner);
}

static void deadline_fired(reef_timer *t, void *arg)
{
    struct reef__wq_entry *e = arg;
    e->has_timer = false;
    cancel(e, reef_fail_code(REEF_ETIMEOUT));
}

void reef__wq_arm_deadline(struct reef__wq_entry *e, reef_time deadline)
{
    reef_timer_init(&e->timer, REEF_CLOCK_STEADY, deadline_fired, e);
    reef_timer_arm_at(&e->timer, deadline);
    e->has_timer = true;
}

static void aborted(void *arg, reef_err err)
{
    struct reef__wq_entry *e = arg;
    e->has_sub = false; /* fired subscriptions are already removed */
    cancel(e, reef_fail(reef_err_ref(err)));
}

int reef__wq_arm_abort(struct reef__wq_entry *e, reef_abort_source *as)
{
    if (reef_abort_subscribe(as, &e->sub, aborted, e) != 0) {
        cancel(e, reef_fail(reef_err_ref(reef_abort_error(as))));
        return REEF_EABORTED;
    }
    e->has_sub = true;
    return 0;
}

void reef__wq_fail_all(struct reef__wq *q, reef_err err)
{
    while (q->head) {
        reef_future f = reef_fail(reef_err_ref(err));
        reef__wq_complete(q->head, f._s, f._v);
    }
}
