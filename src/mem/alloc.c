/*
 * The per-shard allocator: size classes, spans, large runs, frees that
 * come back from other threads, and the public reef_malloc family.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mem/arena.h"

__thread struct reef__shard_mem *reef__mem_local __attribute__((tls_model("initial-exec")));

/* Arenas are never unmapped (memory handed out may outlive the
 * application), so a pointer from an earlier run is still recognised. */
#define MAX_ARENAS 64
static struct reef__arena arenas[MAX_ARENAS];
static atomic_int arena_count;
static struct reef__arena *current;

/* ---- Size classes -------------------------------------------------------- */

/* 16-byte steps to 128, then four steps per power of two up to 16 KiB. */
static unsigned class_of(size_t size)
{
    if (size <= 128)
        return size ? (unsigned)((size + 15) >> 4) - 1 : 0;
    unsigned k = 63u - (unsigned)__builtin_clzll(size - 1);
    return 8 + (k - 7) * 4 + (unsigned)((size - 1) >> (k - 2)) - 4;
}

static size_t compute_class_size(unsigned cls)
{
    if (cls < 8)
        return (size_t)(cls + 1) << 4;
    unsigned k = 7 + (cls - 8) / 4, step = (cls - 8) % 4 + 1;
    return ((size_t)1 << k) + ((size_t)step << (k - 2));
}

static uint32_t class_sizes[REEF__SMALL_CLASSES_N];

__attribute__((constructor)) static void init_class_sizes(void)
{
    for (unsigned c = 0; c < REEF__SMALL_CLASSES_N; c++)
        class_sizes[c] = (uint32_t)compute_class_size(c);
}

static inline size_t class_size(unsigned cls) { return class_sizes[cls]; }

static uint32_t span_pages(unsigned cls)
{
    size_t bytes = class_size(cls) * 8;
    return (uint32_t)((bytes + REEF__PAGE_SIZE - 1) >> REEF__PAGE_SHIFT);
}

/* ---- Spans --------------------------------------------------------------- */

static void partial_add(struct reef__shard_mem *m, struct reef__page *span)
{
    unsigned cls = span->cls - 1u;
    span->prev = NULL;
    span->next = m->partial[cls];
    if (span->next)
        span->next->prev = span;
    m->partial[cls] = span;
    span->listed = 1;
}

static void partial_remove(struct reef__shard_mem *m, struct reef__page *span)
{
    if (span->prev)
        span->prev->next = span->next;
    else
        m->partial[span->cls - 1u] = span->next;
    if (span->next)
        span->next->prev = span->prev;
    span->next = span->prev = NULL;
    span->listed = 0;
}

static struct reef__page *new_span(struct reef__shard_mem *m, unsigned cls)
{
    uint32_t n = span_pages(cls);
    uint32_t start = reef__pages_alloc(m, n);
    if (start == UINT32_MAX)
        return NULL;
    for (uint32_t i = 0; i < n; i++)
        m->pages[start + i] = (struct reef__page){.start = start, .npages = n,
                                                  .cls = (uint16_t)(cls + 1)};
    struct reef__page *span = &m->pages[start];
    partial_add(m, span);
    return span;
}

static void *span_pop(struct reef__shard_mem *m, struct reef__page *span)
{
    unsigned cls = span->cls - 1u;
    void *p = span->freelist;
    if (p) {
        span->freelist = *(void **)p;
    } else {
        /* Cut the next object: spans are not threaded up front. */
        p = (char *)reef__page_addr(m, (uint32_t)(span - m->pages)) +
            (size_t)span->carved * class_size(cls);
        span->carved++;
    }
    span->used++;
    uint32_t capacity = (uint32_t)(((size_t)span->npages << REEF__PAGE_SHIFT) / class_size(cls));
    if (!span->freelist && span->carved == capacity)
        partial_remove(m, span);
    return p;
}

#define CACHE_LIMIT 256

static void *small_alloc(struct reef__shard_mem *m, unsigned cls)
{
    void *p = m->cache[cls];
    if (p) {
        m->cache[cls] = *(void **)p;
        m->cached[cls]--;
        m->stats.allocated += class_size(cls);
        return p;
    }
    struct reef__page *span = m->partial[cls];
    if (!span && !(span = new_span(m, cls)))
        return NULL;
    m->stats.allocated += class_size(cls);
    return span_pop(m, span);
}

static void small_free(struct reef__shard_mem *m, struct reef__page *span, void *p)
{
    *(void **)p = span->freelist;
    span->freelist = p;
    span->used--;
    m->stats.allocated -= class_size(span->cls - 1u);
    if (!span->listed)
        partial_add(m, span);
    /* An empty span goes back to the page runs, unless it is its class's
     * only one (keeps a steady alloc/free pattern from churning pages). */
    if (span->used == 0 && (span->next || span->prev)) {
        partial_remove(m, span);
        uint32_t start = (uint32_t)(span - m->pages), n = span->npages;
        for (uint32_t i = 0; i < n; i++)
            m->pages[start + i].cls = 0;
        reef__pages_free(m, start, n);
    }
}

/* ---- Large runs ------------------------------------------------------------ */

static void *large_alloc(struct reef__shard_mem *m, size_t size)
{
    size_t n = (size + REEF__PAGE_SIZE - 1) >> REEF__PAGE_SHIFT;
    if (n >= UINT32_MAX)
        return NULL;
    uint32_t start = reef__pages_alloc(m, (uint32_t)n);
    if (start == UINT32_MAX)
        return NULL;
    m->stats.allocated += n << REEF__PAGE_SHIFT;
    m->stats.large_allocations++;
    return reef__page_addr(m, start);
}

/* ---- Local allocation and free ----------------------------------------------- */

static void local_free(struct reef__shard_mem *m, void *p)
{
    struct reef__page *pg = &m->pages[reef__page_index(m, p)];
    struct reef__page *run = &m->pages[pg->start];
    if (run->cls) {
        unsigned cls = run->cls - 1u;
        if (m->cached[cls] < CACHE_LIMIT) {
            *(void **)p = m->cache[cls];
            m->cache[cls] = p;
            m->cached[cls]++;
            m->stats.allocated -= class_size(cls);
            return;
        }
        small_free(m, run, p);
        return;
    }
    m->stats.allocated -= (size_t)run->npages << REEF__PAGE_SHIFT;
    reef__pages_free(m, run->start, run->npages);
}

unsigned reef__mem_poll(void)
{
    struct reef__shard_mem *m = reef__mem_local;
    if (!m || !atomic_load_explicit(&m->remote, memory_order_relaxed))
        return 0;
    void *p = atomic_exchange_explicit(&m->remote, NULL, memory_order_acquire);
    unsigned n = 0;
    while (p) {
        void *next = *(void **)p;
        local_free(m, p);
        p = next;
        n++;
    }
    m->stats.cross_shard_frees += n;
    return n;
}

static void *local_alloc(struct reef__shard_mem *m, size_t size)
{
    void *p = size <= REEF__SMALL_LIMIT ? small_alloc(m, class_of(size)) : large_alloc(m, size);
    if (!p && reef__mem_poll()) /* memory may be waiting to come back */
        p = size <= REEF__SMALL_LIMIT ? small_alloc(m, class_of(size)) : large_alloc(m, size);
    if (!p) {
        m->stats.failed_allocations++;
        errno = ENOMEM;
    }
    return p;
}

/* ---- The arena --------------------------------------------------------------------- */

struct reef__arena *reef__mem_arena_of(const void *p, unsigned *shard)
{
    int n = atomic_load_explicit(&arena_count, memory_order_acquire);
    for (int i = n - 1; i >= 0; i--) {
        struct reef__arena *a = &arenas[i];
        size_t off = (size_t)((const char *)p - a->start);
        if ((const char *)p >= a->start && off < a->per_shard * a->count) {
            *shard = (unsigned)(off / a->per_shard);
            return a;
        }
    }
    return NULL;
}

int reef__mem_start(unsigned count, size_t per_shard)
{
    per_shard &= ~(((size_t)2 << 20) - 1); /* whole 2 MiB units */
    if (per_shard < ((size_t)8 << 20) || atomic_load(&arena_count) == MAX_ARENAS)
        return -EINVAL;
    size_t total = per_shard * count;
    void *start = mmap(NULL, total, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (start == MAP_FAILED)
        return -errno;
    struct reef__shard_mem *shards = calloc(count, sizeof(*shards));
    if (!shards) {
        munmap(start, total);
        return -ENOMEM;
    }
    size_t pages = per_shard >> REEF__PAGE_SHIFT;
    size_t desc_pages = (pages * sizeof(struct reef__page) + REEF__PAGE_SIZE - 1) >>
                        REEF__PAGE_SHIFT;
    for (unsigned i = 0; i < count; i++) {
        struct reef__shard_mem *m = &shards[i];
        char *part = (char *)start + per_shard * i;
        m->pages = (struct reef__page *)part;
        m->base = part + (desc_pages << REEF__PAGE_SHIFT);
        m->npages = (uint32_t)(pages - desc_pages);
        m->end = m->base + ((size_t)m->npages << REEF__PAGE_SHIFT);
        m->shard = i;
        m->stats.total = (uint64_t)m->npages << REEF__PAGE_SHIFT;
    }
    int idx = atomic_load(&arena_count);
    arenas[idx] = (struct reef__arena){start, per_shard, count, shards};
    current = &arenas[idx];
    atomic_store_explicit(&arena_count, idx + 1, memory_order_release);
    return 0;
}

void reef__mem_attach(unsigned shard, void (*wake)(void *arg), void *arg)
{
    if (!current || shard >= current->count)
        return;
    struct reef__shard_mem *m = &current->shards[shard];
    m->wake = wake;
    atomic_store_explicit(&m->wake_arg, arg, memory_order_release);
    reef__mem_local = m;
}

void reef__mem_detach(void)
{
    struct reef__shard_mem *m = reef__mem_local;
    if (!m)
        return;
    atomic_store_explicit(&m->wake_arg, NULL, memory_order_release);
    reef__mem_poll();
    reef__mem_local = NULL;
}

void reef__mem_stop(void) { current = NULL; }

/* ---- Public functions -------------------------------------------------------------- */

int reef_memory_owner(const void *p)
{
    unsigned shard;
    return reef__mem_arena_of(p, &shard) ? (int)shard : -1;
}

void *reef_malloc(size_t size)
{
    struct reef__shard_mem *m = reef__mem_local;
    if (!m)
        return reef__libc_malloc(size);
    return local_alloc(m, size ? size : 1);
}

void reef_free(void *p)
{
    if (!p)
        return;
    struct reef__shard_mem *m = reef__mem_local;
    if (m && (char *)p >= m->base && (char *)p < m->end) {
        local_free(m, p);
        return;
    }
    unsigned shard;
    struct reef__arena *a = reef__mem_arena_of(p, &shard);
    if (!a) {
        reef__libc_free(p);
        return;
    }
    struct reef__shard_mem *owner = &a->shards[shard];
    if (owner == reef__mem_local) {
        local_free(owner, p);
        return;
    }
    /* Someone else's memory: hand it back without touching its lists. */
    void *head = atomic_load_explicit(&owner->remote, memory_order_relaxed);
    do {
        *(void **)p = head;
    } while (!atomic_compare_exchange_weak_explicit(&owner->remote, &head, p,
                                                    memory_order_seq_cst, memory_order_relaxed));
    /* The first one back wakes the owner; the rest ride along. */
    void *arg = head ? NULL : atomic_load_explicit(&owner->wake_arg, memory_order_acquire);
    if (arg)
        owner->wake(arg);
}

void *reef_calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = reef_malloc(total);
    /* Fresh pages are zero, but recycled objects are not. */
    if (p)
        memset(p, 0, total);
    return p;
}

size_t reef_malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    unsigned shard;
    struct reef__arena *a = reef__mem_arena_of(p, &shard);
    if (!a)
        return reef__libc_usable_size(p);
    struct reef__shard_mem *m = &a->shards[shard];
    struct reef__page *run = &m->pages[m->pages[reef__page_index(m, p)].start];
    if (run->cls)
        return class_size(run->cls - 1u);
    char *end = (char *)reef__page_addr(m, run->start) + ((size_t)run->npages << REEF__PAGE_SHIFT);
    return (size_t)(end - (char *)p);
}

void *reef_realloc(void *p, size_t size)
{
    if (!p)
        return reef_malloc(size);
    if (size == 0) {
        reef_free(p);
        return NULL;
    }
    unsigned shard;
    if (!reef__mem_arena_of(p, &shard))
        return reef__libc_realloc(p, size);
    size_t have = reef_malloc_usable_size(p);
    if (size <= have && size > have / 2)
        return p;
    void *q = reef_malloc(size);
    if (!q)
        return NULL;
    memcpy(q, p, have < size ? have : size);
    reef_free(p);
    return q;
}

void *reef_aligned_alloc(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    struct reef__shard_mem *m = reef__mem_local;
    if (!m)
        return reef__libc_memalign(align, size);
    if (align <= 16)
        return reef_malloc(size);
    if (align <= REEF__PAGE_SIZE && size <= REEF__SMALL_LIMIT) {
        /* Objects of a class whose size is a multiple of align are aligned
         * (spans start on pages); the power-of-two classes are. */
        size_t want = size < align ? align : (size + align - 1) & ~(align - 1);
        unsigned cls = class_of(want);
        while (class_size(cls) % align)
            cls++;
        if (class_size(cls) <= REEF__SMALL_LIMIT)
            return local_alloc(m, class_size(cls));
    }
    if (align <= REEF__PAGE_SIZE)
        return local_alloc(m, size > REEF__SMALL_LIMIT ? size : REEF__SMALL_LIMIT + 1);
    /* Larger alignment: over-allocate a run and give back the slack. */
    size_t pages = (size + REEF__PAGE_SIZE - 1) >> REEF__PAGE_SHIFT;
    size_t extra = (align >> REEF__PAGE_SHIFT) - 1;
    uint32_t start = reef__pages_alloc(m, (uint32_t)(pages + extra));
    if (start == UINT32_MAX) {
        m->stats.failed_allocations++;
        errno = ENOMEM;
        return NULL;
    }
    uintptr_t addr = (uintptr_t)reef__page_addr(m, start);
    uintptr_t aligned = (addr + align - 1) & ~(uintptr_t)(align - 1);
    uint32_t lead = (uint32_t)((aligned - addr) >> REEF__PAGE_SHIFT);
    uint32_t total = (uint32_t)(pages + extra);
    /* Re-mark the kept part as its own run, free the rest. */
    reef__pages_free_split(m, start, total, start + lead, (uint32_t)pages);
    m->stats.allocated += pages << REEF__PAGE_SHIFT;
    m->stats.large_allocations++;
    return (void *)aligned;
}

int reef_memory_stats(struct reef_memory_stats *out)
{
    struct reef__shard_mem *m = reef__mem_local;
    if (!m)
        return -ESRCH;
    *out = m->stats;
    out->free = out->total > out->allocated ? out->total - out->allocated : 0;
    return 0;
}
