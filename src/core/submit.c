/*
 * reef_submit_to and reef_invoke_on_all.
 *
 * A request is one allocation made on the calling shard. It travels to the
 * target, runs there, carries the
 * result back, and becomes the caller's future: it is freed, on the calling
 * shard, once the caller has taken the result. So memory goes back to the
 * shard that allocated it, and the target allocates only the continuation
 * that waits for the function's future. The function runs in the caller's
 * scheduling group: its continuations are tasks of that group on the
 * target (the first, synchronous part runs as messages are drained).
 */
#include <errno.h>
#include <string.h>

#include <reef/smp.h>
#include <reef/when.h>

#include "core/cell.h"
#include "core/memory.h"
#include "core/reactor_impl.h"
#include "util/container_of.h"

struct request {
    struct reef__smp_msg msg;
    uint16_t group;         /* the caller's scheduling group */
    struct reef__cell out;  /* the caller's future (caller's shard) */
    reef_body_fn fn;
    void *arg;
    unsigned from;
    uintptr_t s; /* the result, carried back */
    reef_val v;
    size_t alloc_size;
    _Alignas(16) unsigned char cap[];
};

static void request_release(struct reef__cell *c)
{
    struct request *q = container_of(c, struct request, out);
    reef__free(q, q->alloc_size);
}

/* Back on the calling shard: the result becomes the caller's. */
static void handle_reply(struct reef__smp_msg *m)
{
    struct request *q = container_of(m, struct request, msg);
    reef__cell_resolve(&q->out, q->s, q->v);
}

static reef_future send_reply(void *cap, reef_future resolved)
{
    struct request *q = *(struct request **)cap;
    q->s = resolved._s; /* the continuation owns the result: it moves on */
    q->v = resolved._v;
    q->msg.handle = handle_reply;
    reef__smp_send(q->from, &q->msg);
    return reef_done();
}

/* On the target shard, as messages are drained: requests from one shard
 * start in the order they were sent (the function is called right away,
 * not queued, so even the debug scheduler keeps that order). */
static void handle_request(struct reef__smp_msg *m)
{
    struct request *q = container_of(m, struct request, msg);
    struct reef__reactor *r = reef__r;
    uint16_t saved = r->current_group;
    r->current_group = q->group;
    r->inline_budget = REEF__INLINE_BUDGET;
    reef_future f = q->fn(q->arg);
    reef_discard(reef_then_wrapped(f, send_reply, &q, sizeof(q)));
    r->current_group = saved;
}

reef_future reef_submit_to(unsigned shard, reef_body_fn fn, const void *cap, size_t cap_size)
{
    struct reef__reactor *r = reef__r;
    if (!r)
        reef__no_reactor("reef_submit_to");
    if (shard >= reef__smp_count)
        return reef_fail_code(-EINVAL);
    if (shard == r->shard)
        return fn((void *)cap);
    size_t size = sizeof(struct request) + cap_size;
    struct request *q = reef__alloc(size);
    if (!q)
        return reef_fail_code(-ENOMEM);
    q->msg.handle = handle_request;
    q->group = r->current_group;
    reef__cell_init(&q->out, request_release);
    q->fn = fn;
    q->arg = (void *)cap;
    q->from = r->shard;
    q->alloc_size = size;
    if (cap_size) {
        memcpy(q->cap, cap, cap_size);
        q->arg = q->cap;
    }
    reef__smp_send(shard, &q->msg);
    return reef__future_of_cell(&q->out);
}

reef_future reef_invoke_on_all(reef_body_fn fn, const void *cap, size_t cap_size)
{
    unsigned n = reef__smp_count;
    reef_future small[16];
    reef_future *fs = n <= 16 ? small : malloc(n * sizeof(*fs));
    if (!fs)
        return reef_fail_code(-ENOMEM);
    for (unsigned i = 0; i < n; i++)
        fs[i] = reef_submit_to(i, fn, cap, cap_size);
    reef_future all = reef_when_all_succeed(fs, n, NULL);
    if (fs != small)
        free(fs);
    return all;
}
