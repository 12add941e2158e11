/*
 * The single-producer/single-consumer rings between shards.
 */
#include "core/smp_queue.h"

#define MASK (REEF__SMP_RING_SIZE - 1)

bool reef__smp_publish(struct reef__smp_ring *ring, struct reef__smp_outbox *out)
{
    if (!out->first)
        return false;
    unsigned tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    unsigned room = REEF__SMP_RING_SIZE - (tail - ring->head_cache);
    if (room < out->count) {
        /* Only now look at the receiver's cache line. */
        ring->head_cache = atomic_load_explicit(&ring->head, memory_order_acquire);
        room = REEF__SMP_RING_SIZE - (tail - ring->head_cache);
    }
    if (room == 0)
        return false;
    unsigned start = tail;
    while (out->first && room) {
        struct reef__smp_msg *m = out->first;
        out->first = m->next;
        ring->slots[tail++ & MASK] = m;
        room--;
        out->count--;
    }
    if (!out->first)
        out->last = NULL;
    /* Sequentially consistent: ordered before the sender's look at the
     * receiver's `sleeping` flag (see smp.c). One per batch. */
    atomic_store_explicit(&ring->tail, tail, memory_order_seq_cst);
    return tail != start;
}

unsigned reef__smp_drain(struct reef__smp_ring *ring)
{
    unsigned head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    unsigned tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
    unsigned n = tail - head;
    while (head != tail) {
        struct reef__smp_msg *m = ring->slots[head++ & MASK];
        m->handle(m);
    }
    atomic_store_explicit(&ring->head, head, memory_order_release);
    return n;
}
