/*
 * The C library's allocator, reached directly.
 *
 * When Reef replaces malloc (REEF_MALLOC_OVERRIDE), calling malloc() here
 * would come back to Reef; glibc exports its own entry points under
 * __libc_* names for exactly this purpose.
 */
#include <dlfcn.h>
#include <malloc.h>
#include <stdlib.h>

#include "mem/arena.h"

#ifdef REEF_MALLOC_OVERRIDE
extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

void *reef__libc_malloc(size_t size) { return __libc_malloc(size); }
void reef__libc_free(void *p) { __libc_free(p); }
void *reef__libc_realloc(void *p, size_t size) { return __libc_realloc(p, size); }
void *reef__libc_memalign(size_t align, size_t size) { return __libc_memalign(align, size); }
#else
void *reef__libc_malloc(size_t size) { return malloc(size); }
void reef__libc_free(void *p) { free(p); }
void *reef__libc_realloc(void *p, size_t size) { return realloc(p, size); }
void *reef__libc_memalign(size_t align, size_t size) { return memalign(align, size); }
#endif

#ifdef REEF_MALLOC_OVERRIDE
/* glibc has no __libc_ name for this one: find the C library's own
 * definition behind ours. dlsym may allocate, which is fine: off a shard
 * our malloc goes to __libc_malloc. */
size_t reef__libc_usable_size(void *p)
{
    static size_t (*libc_usable)(void *);
    if (!libc_usable)
        libc_usable = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
    return p && libc_usable ? libc_usable(p) : 0;
}
#else
size_t reef__libc_usable_size(void *p) { return p ? malloc_usable_size(p) : 0; }
#endif
