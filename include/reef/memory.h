/*
 * Per-shard memory.
 *
 * Each shard gets an equal part of the application's memory (-m, or all
 * physical memory minus --reserve-memory) and allocates from it without
 * locks. Memory freed on another shard (or on a thread that is no shard)
 * is sent back to its owner, which reuses it at its next poll. A shard that
 * exhausts its part gets NULL (and futures of allocating operations fail
 * with -ENOMEM); the reactor keeps running.
 *
 * On threads that are not shards (and before the application starts),
 * reef_malloc and friends use the C library's allocator; reef_free and
 * reef_realloc accept pointers from either.
 *
 * Builds configured with -DREEF_MALLOC_OVERRIDE=ON make these the process's
 * malloc, free, calloc, realloc, posix_memalign, aligned_alloc, memalign
 * and malloc_usable_size (docs/design.md, "Per-shard memory"). Sanitizer
 * builds always use the C library's allocator, so that the sanitizer sees
 * every allocation.
 */
#ifndef REEF_MEMORY_H
#define REEF_MEMORY_H

#include <reef/common.h>
#include <stddef.h>
#include <stdint.h>

REEF_BEGIN_DECLS

/* As their C library namesakes. Memory is 16-byte aligned. */
REEF_API void *reef_malloc(size_t size);
REEF_API void reef_free(void *p);
REEF_API void *reef_calloc(size_t n, size_t size);
REEF_API void *reef_realloc(void *p, size_t size);
/* `align` a power of two; NULL (errno EINVAL) otherwise. */
REEF_API void *reef_aligned_alloc(size_t align, size_t size);
REEF_API size_t reef_malloc_usable_size(void *p);

/* The shard whose memory p belongs to, or -1 (C library memory). */
REEF_API int reef_memory_owner(const void *p);

struct reef_memory_stats {
    uint64_t total;             /* this shard's part */
    uint64_t allocated;         /* bytes handed out and not yet freed */
    uint64_t free;              /* total - allocated - bookkeeping */
    uint64_t large_allocations; /* allocations served as whole pages */
    uint64_t cross_shard_frees; /* frees that arrived from elsewhere */
    uint64_t failed_allocations;
};

/* Fills *out for the calling shard: 0, or -ESRCH off a shard (or when the
 * per-shard allocator is not in use, as in sanitizer builds). */
REEF_API int reef_memory_stats(struct reef_memory_stats *out);

REEF_END_DECLS

#endif
