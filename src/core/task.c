#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/task.h"

#define INITIAL_SIZE 1024u

int reef__taskq_init(struct reef__taskq *q)
{
    q->ring = malloc(INITIAL_SIZE * sizeof(*q->ring));
    q->head = q->tail = 0;
    q->mask = INITIAL_SIZE - 1;
    return q->ring ? 0 : -1;
}

void reef__taskq_fini(struct reef__taskq *q)
{
    free(q->ring);
    q->ring = NULL;
}

/* Doubles the ring, unrolling the wrapped part so indices stay valid. */
void reef__taskq_grow(struct reef__taskq *q)
{
    uint32_t size = q->mask + 1, len = q->tail - q->head;
    struct reef__task **ring = malloc(2 * (size_t)size * sizeof(*ring));
    if (!ring) {
        fputs("reef: out of memory growing the task queue\n", stderr);
        abort();
    }
    for (uint32_t i = 0; i < len; i++)
        ring[i] = q->ring[(q->head + i) & q->mask];
    free(q->ring);
    q->ring = ring;
    q->head = 0;
    q->tail = len;
    q->mask = 2 * size - 1;
}
