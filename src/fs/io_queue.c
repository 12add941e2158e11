/*
 * The shard's disk queue: per-class FIFOs and a fair choice between them.
 *
 * Each class keeps a virtual time: the service it has received (bytes
 * plus REQUEST_COST per request) divided by its shares. When a slot is
 * free, the waiting class with the smallest virtual time goes next. A
 * class that had nothing queued starts again from the smallest virtual
 * time among the active ones, so idling earns no credit to burst with
 * later.
 *
 * Shares are process-wide (set from any shard, read with relaxed atomics);
 * queues and statistics are the shard's own.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <reef/io_class.h>
#include <reef/timer.h>

#include "core/reactor_impl.h"
#include "fs/io_queue.h"

#define DEFAULT_SHARES 100
#define DEFAULT_MAX_IN_FLIGHT 128
/* A request's fixed cost, in bytes: what the device spends on one request
 * beyond moving its data (a 4 KiB transfer's worth). */
#define REQUEST_COST 4096
/* Virtual time is service * SCALE / shares, kept in 64 bits. */
#define SCALE 1000

static atomic_uint io_shares[REEF_SCHED_GROUP_MAX];

struct cls {
    struct reef__io_req *head, *tail;
    uint64_t vtime;
    struct reef_io_class_stats stats;
};

struct queue {
    struct cls cls[REEF_SCHED_GROUP_MAX];
    uint64_t active; /* bit c: class c has requests waiting */
    unsigned in_flight, max_in_flight;
};

static __thread struct queue *q;
static __thread void (*observer)(unsigned cls);

void reef__io_queue_observe(void (*fn)(unsigned cls)) { observer = fn; }

static unsigned shares_of(unsigned c)
{
    unsigned s = atomic_load_explicit(&io_shares[c], memory_order_relaxed);
    return s ? s : DEFAULT_SHARES;
}

int reef_io_set_shares(reef_sched_group g, unsigned shares)
{
    if (g._id >= REEF_SCHED_GROUP_MAX || shares < 1 || shares > 1000)
        return -EINVAL;
    atomic_store_explicit(&io_shares[g._id], shares, memory_order_relaxed);
    return 0;
}

unsigned reef_io_shares(reef_sched_group g)
{
    return g._id < REEF_SCHED_GROUP_MAX ? shares_of(g._id) : 0;
}

static struct queue *queue(void)
{
    if (!q) {
        q = calloc(1, sizeof(*q));
        if (!q)
            abort(); /* a few KiB, once per shard: nothing sensible is left */
        q->max_in_flight = DEFAULT_MAX_IN_FLIGHT;
    }
    return q;
}

int reef_io_set_max_in_flight(unsigned n)
{
    if (n < 1 || n > 4096)
        return -EINVAL;
    queue()->max_in_flight = n;
    return 0;
}

int reef_io_class_stats(reef_sched_group g, struct reef_io_class_stats *out)
{
    if (g._id >= REEF_SCHED_GROUP_MAX)
        return -EINVAL;
    *out = queue()->cls[g._id].stats;
    return 0;
}

/* The smallest virtual time among the classes with requests waiting. */
static uint64_t min_active_vtime(const struct queue *qq)
{
    uint64_t min = UINT64_MAX;
    for (uint64_t m = qq->active; m; m &= m - 1) {
        unsigned c = (unsigned)__builtin_ctzll(m);
        if (qq->cls[c].vtime < min)
            min = qq->cls[c].vtime;
    }
    return min;
}

static void dispatch_waiting(struct queue *qq)
{
    while (qq->active && qq->in_flight < qq->max_in_flight) {
        unsigned best = 0;
        uint64_t best_vt = UINT64_MAX;
        for (uint64_t m = qq->active; m; m &= m - 1) {
            unsigned c = (unsigned)__builtin_ctzll(m);
            if (qq->cls[c].vtime < best_vt) {
                best_vt = qq->cls[c].vtime;
                best = c;
            }
        }
        struct cls *k = &qq->cls[best];
        struct reef__io_req *req = k->head;
        k->head = req->next;
        if (!k->head) {
            k->tail = NULL;
            qq->active &= ~(1ull << best);
        }
        k->stats.queued--;
        k->vtime += (req->bytes + REQUEST_COST) * SCALE / shares_of(best);
        k->stats.queue_ns += (uint64_t)(reef_now() - (reef_time)req->queued_at);
        qq->in_flight++;
        if (observer)
            observer(best);
        req->dispatch(req);
    }
}

void reef__io_queue_submit(struct reef__io_req *req)
{
    struct queue *qq = queue();
    req->cls = reef__current_group();
    if (req->cls >= REEF_SCHED_GROUP_MAX)
        req->cls = 0;
    struct cls *k = &qq->cls[req->cls];
    if (!(qq->active & (1ull << req->cls))) {
        /* Back from idle: no credit for the time it asked for nothing. */
        uint64_t floor = min_active_vtime(qq);
        if (floor != UINT64_MAX && k->vtime < floor)
            k->vtime = floor;
        qq->active |= 1ull << req->cls;
    }
    req->next = NULL;
    req->queued_at = (uint64_t)reef_now();
    if (k->tail)
        k->tail->next = req;
    else
        k->head = req;
    k->tail = req;
    k->stats.queued++;
    dispatch_waiting(qq);
}

void reef__io_queue_done(struct reef__io_req *req)
{
    struct queue *qq = q;
    struct cls *k = &qq->cls[req->cls];
    k->stats.ops++;
    k->stats.bytes += req->bytes;
    qq->in_flight--;
    dispatch_waiting(qq);
}

void reef__io_queue_fini(void)
{
    free(q);
    q = NULL;
}
