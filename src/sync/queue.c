/*
 * Bounded queues: a ring of items plus two wait queues, one of producers
 * waiting for room and one of consumers waiting for items. At most one of
 * the two is non-empty at any time.
 */
#include <errno.h>
#include <stdlib.h>

#include <reef/queue.h>

#include "sync/waitq.h"

int reef_queue_init(reef_queue *q, size_t capacity)
{
    if (capacity == 0)
        return -EINVAL;
    q->_buf = malloc(capacity * sizeof(*q->_buf));
    if (!q->_buf)
        return -ENOMEM;
    q->_cap = capacity;
    q->_head = q->_len = 0;
    reef__wq_init(&q->_pushers);
    reef__wq_init(&q->_poppers);
    q->_aborted = false;
    q->_err = (reef_err){0, NULL};
    return 0;
}

void reef_queue_fini(reef_queue *q)
{
    reef__wq_fail_all(&q->_pushers, reef_err_code(REEF_EABORTED));
    reef__wq_fail_all(&q->_poppers, reef_err_code(REEF_EABORTED));
    free(q->_buf);
    q->_buf = NULL;
    reef_err_release(q->_err);
    q->_err = (reef_err){0, NULL};
}

static void put(reef_queue *q, reef_val v)
{
    q->_buf[(q->_head + q->_len++) % q->_cap] = v;
}

static reef_val take(reef_queue *q)
{
    reef_val v = q->_buf[q->_head];
    q->_head = (q->_head + 1) % q->_cap;
    q->_len--;
    return v;
}

static reef_future aborted(reef_queue *q) { return reef_fail(reef_err_ref(q->_err)); }

bool reef_queue_try_push(reef_queue *q, reef_val v)
{
    if (q->_aborted)
        return false;
    if (q->_poppers.head) {
        reef__wq_succeed(q->_poppers.head, v);
        return true;
    }
    if (q->_len == q->_cap || q->_pushers.head)
        return false;
    put(q, v);
    return true;
}

/* After an item left: the oldest waiting producer moves its item in. */
static void admit_pusher(reef_queue *q)
{
    struct reef__wq_entry *e = q->_pushers.head;
    if (e && q->_len < q->_cap) {
        put(q, e->item);
        reef__wq_succeed(e, (reef_val){.u = 0});
    }
}

bool reef_queue_try_pop(reef_queue *q, reef_val *out)
{
    if (q->_aborted || q->_len == 0)
        return false;
    *out = take(q);
    admit_pusher(q);
    return true;
}

reef_future reef_queue_push_eventually(reef_queue *q, reef_val v)
{
    if (q->_aborted)
        return aborted(q);
    if (reef_queue_try_push(q, v))
        return reef_done();
    struct reef__wq_entry *e = reef__wq_push(&q->_pushers, NULL, NULL);
    if (!e)
        return reef_fail_code(-ENOMEM);
    e->item = v;
    return reef__wq_future(e);
}

reef_future reef_queue_pop_eventually(reef_queue *q)
{
    if (q->_aborted)
        return aborted(q);
    reef_val v;
    if (reef_queue_try_pop(q, &v))
        return reef_ready(v);
    struct reef__wq_entry *e = reef__wq_push(&q->_poppers, NULL, NULL);
    if (!e)
        return reef_fail_code(-ENOMEM);
    return reef__wq_future(e);
}

void reef_queue_abort(reef_queue *q, reef_err e)
{
    if (q->_aborted) {
        reef_err_release(e);
        return;
    }
    q->_aborted = true;
    q->_err = e.code ? e : reef_err_code(REEF_EABORTED);
    reef__wq_fail_all(&q->_pushers, q->_err);
    reef__wq_fail_all(&q->_poppers, q->_err);
}

size_t reef_queue_size(const reef_queue *q) { return q->_len; }
size_t reef_queue_capacity(const reef_queue *q) { return q->_cap; }
bool reef_queue_empty(const reef_queue *q) { return q->_len == 0; }
bool reef_queue_full(const reef_queue *q) { return q->_len == q->_cap; }
