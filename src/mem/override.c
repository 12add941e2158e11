/*
 * Reef's allocator as the process's malloc (REEF_MALLOC_OVERRIDE builds).
 *
 * Code on a shard gets memory from that shard's part; code elsewhere (other
 * threads, start-up, shutdown) gets the C library's, and every free goes to
 * whichever allocator the pointer came from. Sanitizer builds never
 * override: the sanitizers bring their own malloc.
 */
#if defined(REEF_MALLOC_OVERRIDE) && !defined(REEF_SANITIZE)
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include <reef/memory.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT void *malloc(size_t size) { return reef_malloc(size); }
EXPORT void free(void *p) { reef_free(p); }
EXPORT void *calloc(size_t n, size_t size) { return reef_calloc(n, size); }
EXPORT void *realloc(void *p, size_t size) { return reef_realloc(p, size); }
EXPORT size_t malloc_usable_size(void *p) { return reef_malloc_usable_size(p); }
EXPORT void *memalign(size_t align, size_t size) { return reef_aligned_alloc(align, size); }
EXPORT void *aligned_alloc(size_t align, size_t size) { return reef_aligned_alloc(align, size); }

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = reef_aligned_alloc(align, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

EXPORT void *valloc(size_t size) { return reef_aligned_alloc(4096, size); }
#else
/* Keeps the translation unit non-empty. */
typedef int reef__no_override;
#endif
