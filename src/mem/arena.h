/*
 * The per-shard allocator's internals.
 *
 * One virtual-memory reservation holds every shard's part, one after the
 * other, so the owner of any pointer is (p - start) / per_shard: no lookup
 * table, no lock. A shard's part begins with one descriptor per page,
 * followed by the pages. Physical memory is used only as pages are
 * touched (the reservation is MAP_NORESERVE).
 *
 * Pages are handed out in runs (first fit in power-of-two buckets, split
 * and coalesced with boundary tags). Small objects (up to 16 KiB) come from
 * spans: page runs cut into objects of one size class, each span with its
 * own free list, so an empty span can go back to the page runs.
 */
#ifndef REEF_MEM_ARENA_H
#define REEF_MEM_ARENA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <reef/memory.h>

#define REEF__PAGE_SHIFT 12
#define REEF__PAGE_SIZE ((size_t)1 << REEF__PAGE_SHIFT)
#define REEF__SMALL_CLASSES_N 36
#define REEF__SMALL_LIMIT 16384

struct reef__page {
    uint32_t start;  /* first page of the run (set on every page of a span,
                        on the first and last page of other runs) */
    uint32_t npages; /* on the first (and, when free, last) page: run length */
    uint16_t cls;    /* span: class + 1; 0: a large run or free */
    uint8_t free;    /* first and last page of a free run */
    uint8_t listed;  /* span: on its class's partial list */
    uint32_t used;   /* span: objects handed out */
    uint32_t carved; /* span: objects cut so far (cut lazily) */
    void *freelist;  /* span: freed objects */
    struct reef__page *next, *prev;
};

struct reef__shard_mem {
    char *base;               /* page 0 */
    struct reef__page *pages; /* descriptors */
    uint32_t npages;          /* pages available */
    uint32_t top;             /* pages [top, npages) were never handed out */
    struct reef__page *free_runs[32];
    struct reef__page *partial[REEF__SMALL_CLASSES_N];
    /* Objects freed recently, per class, handed out first: a free and a
     * malloc of the same size cost a list push and pop. */
    void *cache[REEF__SMALL_CLASSES_N];
    uint32_t cached[REEF__SMALL_CLASSES_N];
    char *end; /* base + npages pages */
    _Atomic(void *) remote; /* freed elsewhere; linked through word 0 */
    void (*wake)(void *arg); /* rouses the owner when `remote` fills */
    void *_Atomic wake_arg;
    struct reef_memory_stats stats;
    unsigned shard;
};

struct reef__arena {
    char *start;
    size_t per_shard; /* bytes of one shard's part */
    unsigned count;
    struct reef__shard_mem *shards;
};

/* The calling thread's shard memory, NULL off shards. */
extern __thread struct reef__shard_mem *reef__mem_local __attribute__((tls_model("initial-exec")));

/* Reserves memory for `count` shards of `per_shard` bytes: 0, or a
 * negative errno (then the C library's allocator is used). */
int reef__mem_start(unsigned count, size_t per_shard);
/* Makes the calling thread shard `shard` for allocation purposes;
 * wake(arg) is called (from any thread) when memory starts coming back to
 * it from elsewhere, so that it polls. */
void reef__mem_attach(unsigned shard, void (*wake)(void *arg), void *arg);
void reef__mem_detach(void);
/* Frees what other threads sent back to the calling shard; returns how
 * many objects. */
unsigned reef__mem_poll(void);
/* True if memory freed elsewhere waits for the calling shard. */
static inline bool reef__mem_returned(void)
{
    return reef__mem_local && atomic_load(&reef__mem_local->remote) != NULL;
}

/* Ends allocation from the arena (the reservation stays mapped: memory
 * handed out may still be in use). */
void reef__mem_stop(void);

/* The arena holding p (NULL: C library memory) and its shard. */
struct reef__arena *reef__mem_arena_of(const void *p, unsigned *shard);

/* Page runs (pages.c). */
/* Returns the first page of a run of n pages, or UINT32_MAX. */
uint32_t reef__pages_alloc(struct reef__shard_mem *m, uint32_t n);
void reef__pages_free(struct reef__shard_mem *m, uint32_t start, uint32_t n);
/* Of the handed-out run [start, start + total), keeps [keep, keep + n) as a
 * run of its own and frees the rest. */
void reef__pages_free_split(struct reef__shard_mem *m, uint32_t start, uint32_t total,
                            uint32_t keep, uint32_t n);

/* The C library's allocator (libc.c): what reef_malloc uses off shards,
 * reached without going through an overriding malloc. */
void *reef__libc_malloc(size_t size);
void reef__libc_free(void *p);
void *reef__libc_realloc(void *p, size_t size);
void *reef__libc_memalign(size_t align, size_t size);
size_t reef__libc_usable_size(void *p);

static inline uint32_t reef__page_index(const struct reef__shard_mem *m, const void *p)
{
    return (uint32_t)(((const char *)p - m->base) >> REEF__PAGE_SHIFT);
}

static inline void *reef__page_addr(const struct reef__shard_mem *m, uint32_t page)
{
    return m->base + ((size_t)page << REEF__PAGE_SHIFT);
}

#endif
