/*
 * Tasks and the per-shard ready queue.
 *
 * A task is anything the reactor can run later: a deferred continuation, a
 * fiber to resume, a timer-driven action. It is embedded in its owner; the
 * queue holds pointers to it. The queue is a power-of-two ring of pointers
 * that doubles when full, so pushing never fails after start-up except when
 * memory runs out (then the reactor aborts: a lost task would be a hang).
 */
#ifndef REEF_CORE_TASK_H
#define REEF_CORE_TASK_H

#include <stdint.h>

struct reef__task {
    void (*run)(struct reef__task *t);
    uint16_t group; /* scheduling group the task runs in */
};

struct reef__taskq {
    struct reef__task **ring;
    uint32_t head; /* next to run */
    uint32_t tail; /* next free slot */
    uint32_t mask; /* ring size - 1 */
};

int reef__taskq_init(struct reef__taskq *q);
void reef__taskq_fini(struct reef__taskq *q);
void reef__taskq_grow(struct reef__taskq *q);

static inline uint32_t reef__taskq_len(const struct reef__taskq *q) { return q->tail - q->head; }

static inline void reef__taskq_push(struct reef__taskq *q, struct reef__task *t)
{
    if (__builtin_expect(q->tail - q->head > q->mask, 0))
        reef__taskq_grow(q);
    q->ring[q->tail++ & q->mask] = t;
}

static inline struct reef__task *reef__taskq_pop(struct reef__taskq *q)
{
    return q->ring[q->head++ & q->mask];
}

#endif
