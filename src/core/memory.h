/*
 * Small-object allocation for the core's hot objects (continuations,
 * promise cells, sleep timers). Per-thread free lists in 16-byte size
 * classes up to 512 bytes, so a continuation allocation is a list pop.
 * Sanitizer builds go straight to malloc so that use-after-free is caught.
 */
#ifndef REEF_CORE_MEMORY_H
#define REEF_CORE_MEMORY_H

#include <stddef.h>
#include <stdlib.h>

#define REEF__SMALL_MAX 512
#define REEF__SMALL_CLASSES (REEF__SMALL_MAX / 16)

struct reef__free_block {
    struct reef__free_block *next;
};

struct reef__small_cache {
    struct reef__free_block *lists[REEF__SMALL_CLASSES];
    unsigned counts[REEF__SMALL_CLASSES];
};

extern __thread struct reef__small_cache reef__small __attribute__((tls_model("initial-exec")));

/* Returns at most this many blocks per class to the cache before freeing. */
#define REEF__SMALL_CACHE_LIMIT 8192

static inline unsigned reef__small_class(size_t size) { return (unsigned)((size + 15) >> 4) - 1; }

/* Allocates `size` bytes (16-byte aligned); NULL when out of memory. */
static inline void *reef__alloc(size_t size)
{
#ifndef REEF_SANITIZE
    if (size <= REEF__SMALL_MAX) {
        unsigned c = reef__small_class(size);
        struct reef__free_block *b = reef__small.lists[c];
        if (b) {
            reef__small.lists[c] = b->next;
            reef__small.counts[c]--;
            return b;
        }
        return aligned_alloc(16, (size_t)(c + 1) << 4);
    }
#endif
    return aligned_alloc(16, (size + 15) & ~(size_t)15);
}

/* Frees a block from reef__alloc(); `size` must be the size allocated. */
static inline void reef__free(void *p, size_t size)
{
#ifndef REEF_SANITIZE
    if (size <= REEF__SMALL_MAX) {
        unsigned c = reef__small_class(size);
        if (reef__small.counts[c] < REEF__SMALL_CACHE_LIMIT) {
            struct reef__free_block *b = p;
            b->next = reef__small.lists[c];
            reef__small.lists[c] = b;
            reef__small.counts[c]++;
            return;
        }
    }
#endif
    (void)size;
    free(p);
}

/* Returns every cached block of the calling thread to malloc. */
void reef__small_cache_drain(void);

#endif
