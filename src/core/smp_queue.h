/*
 * Cross-shard messages: one single-producer/single-consumer ring per
 * ordered pair of shards.
 *
 * A sender does not touch the ring for every message: it appends to a
 * local outbox per target and publishes the whole outbox at once (one
 * release store of the ring's tail) when the outbox reaches a batch, and
 * at every poll of its reactor. The receiver drains a ring in one pass and
 * publishes its new head once. So a cache line changes hands once per
 * batch, not per message, and no lock or read-modify-write atomic is on
 * the path. A full ring never drops or blocks: messages wait in the
 * outbox until the receiver makes room.
 */
#ifndef REEF_CORE_SMP_QUEUE_H
#define REEF_CORE_SMP_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REEF__SMP_RING_SIZE 256u /* power of two */
#define REEF__SMP_BATCH 16u       /* outbox size that triggers a publish */

struct reef__smp_msg;

/* Handles a message on the receiving shard. */
typedef void (*reef__smp_handler)(struct reef__smp_msg *m);

struct reef__smp_msg {
    reef__smp_handler handle;
    struct reef__smp_msg *next; /* outbox link, sender side only */
};

struct reef__smp_ring {
    _Alignas(64) atomic_uint tail; /* written by the sender */
    unsigned head_cache;           /* sender's last view of head */
    _Alignas(64) atomic_uint head; /* written by the receiver */
    _Alignas(64) struct reef__smp_msg *slots[REEF__SMP_RING_SIZE];
};

struct reef__smp_outbox {
    struct reef__smp_msg *first, *last;
    unsigned count;
};

/* Moves as much of the outbox into the ring as fits and publishes it.
 * Returns true if anything was published. */
bool reef__smp_publish(struct reef__smp_ring *ring, struct reef__smp_outbox *out);

/* Handles every message published in the ring; returns how many. */
unsigned reef__smp_drain(struct reef__smp_ring *ring);

/* True if the ring holds unhandled messages (receiver side). */
static inline bool reef__smp_ring_pending(struct reef__smp_ring *ring)
{
    return atomic_load_explicit(&ring->tail, memory_order_acquire) !=
           atomic_load_explicit(&ring->head, memory_order_relaxed);
}

/* The same, ordered with the receiver's store of its `sleeping` flag. */
static inline bool reef__smp_ring_pending_sc(struct reef__smp_ring *ring)
{
    return atomic_load_explicit(&ring->tail, memory_order_seq_cst) !=
           atomic_load_explicit(&ring->head, memory_order_relaxed);
}

static inline void reef__smp_outbox_push(struct reef__smp_outbox *out, struct reef__smp_msg *m)
{
    m->next = NULL;
    if (out->last)
        out->last->next = m;
    else
        out->first = m;
    out->last = m;
    out->count++;
}

#endif
