/*
 * Fiber stacks: guard-paged mappings and the per-shard pool of free ones
 * (layout in fiber_stack.h).
 */
#include <sys/mman.h>
#include <unistd.h>

#include <reef/fiber.h>

#include "core/fiber_stack.h"
#include "core/reactor_impl.h"

#ifdef REEF_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_STACKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_STACKS 1
#endif
#endif
#ifdef ASAN_STACKS
#include <sanitizer/asan_interface.h>
#endif

/* Free stacks kept per shard. A parked stack keeps the pages its last
 * fiber touched (usually a few), so the pool is bounded. */
#define POOL_LIMIT 64

/* Alignment of the descriptor and the owner's reserve: what the ABI wants
 * for any object (the stack top below them keeps it too). */
#define ALIGN 16

static __thread struct reef__stack *pool;
static __thread unsigned pool_count;

static size_t page_size(void)
{
    static size_t ps;
    if (!ps)
        ps = (size_t)sysconf(_SC_PAGESIZE);
    return ps;
}

static size_t round_up(size_t n, size_t to) { return (n + to - 1) & ~(to - 1); }

/* Frames of the stack's previous fiber left ASan redzones behind. */
static void unpoison(struct reef__stack *s)
{
#ifdef ASAN_STACKS
    __asan_unpoison_memory_region(s->lo, s->size);
#else
    (void)s;
#endif
}

static struct reef__stack *pool_take(size_t size)
{
    struct reef__stack *s = pool;
    if (!s || s->requested != size)
        return NULL;
    pool = s->next;
    pool_count--;
    unpoison(s);
    return s;
}

/* Maps guard page + stack; the descriptor and the owner's reserve go at
 * the top of the stack's own pages. */
static struct reef__stack *stack_map(size_t size, size_t reserve)
{
    size_t ps = page_size();
    size_t map_size = ps + size;
    char *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                     -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    if (mprotect(map, ps, PROT_NONE) < 0) {
        munmap(map, map_size);
        return NULL;
    }
    char *top = map + map_size;
    struct reef__stack *s = (struct reef__stack *)(top - round_up(sizeof(*s), ALIGN));
    s->map = map;
    s->map_size = map_size;
    s->lo = map + ps;
    s->owner = top - reef__stack_top_bytes(reserve);
    s->size = (size_t)((char *)s->owner - s->lo);
    s->requested = size;
#ifdef REEF_HAVE_VALGRIND_H
    /* Without this, Valgrind takes a switch to this stack for a huge
     * stack-pointer change and reports bogus errors. */
    s->valgrind_id = VALGRIND_STACK_REGISTER(s->lo, s->lo + s->size);
#endif
    return s;
}

static void stack_unmap(struct reef__stack *s)
{
    unpoison(s); /* the next mapping at this address starts clean */
#ifdef REEF_HAVE_VALGRIND_H
    VALGRIND_STACK_DEREGISTER(s->valgrind_id);
#endif
    munmap(s->map, s->map_size);
}

size_t reef__stack_top_bytes(size_t reserve)
{
    return round_up(reserve, ALIGN) + round_up(sizeof(struct reef__stack), ALIGN);
}

struct reef__stack *reef__stack_get(size_t size, size_t reserve)
{
    size_t ps = page_size();
    size_t least = reef__stack_top_bytes(reserve) + ps;
    size = round_up(size < least ? least : size, ps);
    struct reef__stack *s = pool_take(size);
    return s ? s : stack_map(size, reserve);
}

void reef__stack_put(struct reef__stack *s)
{
    if (s->requested == REEF_FIBER_DEFAULT_STACK && pool_count < POOL_LIMIT) {
        s->next = pool;
        pool = s;
        pool_count++;
        return;
    }
    stack_unmap(s);
}

void reef__fiber_pool_drain(void)
{
    while (pool) {
        struct reef__stack *s = pool;
        pool = s->next;
        stack_unmap(s);
    }
    pool_count = 0;
}
