/*
 * Fiber stacks: one mmap'd region each, with an inaccessible guard page
 * below the stack and room at the top for the owner's state, so that a
 * fiber needs no allocation besides its stack:
 *
 *   map            lo                                owner        desc
 *   | guard page   | stack, growing down <- - - - - | reserve     | struct reef__stack |
 *   | PROT_NONE    |<------------- size ----------->|             |                    |
 *                                                                   map + map_size ^
 *
 * A stack overflow runs into the guard page and faults at once (SIGSEGV)
 * instead of overwriting whatever lies below. Stacks of the default size
 * are kept in a per-shard pool of free stacks, so starting a fiber does not
 * call mmap; the pool is emptied when the shard's reactor is destroyed
 * (reef__fiber_pool_drain, called from reactor.c).
 */
#ifndef REEF_CORE_FIBER_STACK_H
#define REEF_CORE_FIBER_STACK_H

#include <stddef.h>

struct reef__stack {
    struct reef__stack *next; /* in the pool, while free */
    char *map;                /* the whole mapping: guard page + stack + top */
    size_t map_size;
    char *lo;         /* lowest usable byte (just above the guard page) */
    size_t size;      /* usable bytes, [lo, lo + size) */
    size_t requested; /* the mapping's stack size: the pool's key */
    void *owner;      /* `reserve` bytes, 16-byte aligned, above the stack */
    unsigned valgrind_id;
};

/* Returns a stack with at least `size` bytes (rounded up to pages, counting
 * the `reserve` bytes kept for the owner at the top), from the pool when it
 * has one of that size, or NULL if the memory could not be mapped. */
struct reef__stack *reef__stack_get(size_t size, size_t reserve);

/* Bytes at the top of a mapping that are not stack: the descriptor and a
 * `reserve` of that size. */
size_t reef__stack_top_bytes(size_t reserve);

/* The same for a fiber's stack (fiber.c), for benchmarks. */
size_t reef__fiber_top_bytes(void);

/* Gives a stack back: to the pool, or to the kernel when the pool is full
 * or the size is not pooled. Nothing may run on it any more. */
void reef__stack_put(struct reef__stack *s);

#endif
