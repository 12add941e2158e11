/*
 * The per-shard allocator (src/mem/), on two shards. Sanitizer builds use
 * the C library's allocator instead, so the cases that look at where
 * memory comes from only check that the API still works there.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <reef/memory.h>
#include <reef/reactor.h>
#include <reef/smp.h>
#include <reef/timer.h>

#include "harness/harness.h"

TH_SHARDS(2)

#ifdef REEF_SANITIZE
#define ARENA 0
#else
#define ARENA 1
#endif

static uint64_t allocated(void)
{
    struct reef_memory_stats st;
    T_EQ(reef_memory_stats(&st), 0);
    return st.allocated;
}

REACTOR_TEST(memory_comes_from_the_shards_part)
{
    if (!ARENA) {
        T_EQ(reef_memory_stats(&(struct reef_memory_stats){0}), -ESRCH);
        return reef_done();
    }
    uint64_t before = allocated();
    size_t sizes[] = {1, 8, 16, 17, 100, 128, 129, 1000, 4096, 5000, 16384, 16385, 100000,
                      1 << 20};
    void *ps[sizeof(sizes) / sizeof(sizes[0])];
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        ps[i] = reef_malloc(sizes[i]);
        T_TRUE(ps[i] != NULL);
        T_EQ(reef_memory_owner(ps[i]), 0);
        T_EQ((uintptr_t)ps[i] % 16, 0);
        T_GE(reef_malloc_usable_size(ps[i]), sizes[i]);
        memset(ps[i], (int)i, sizes[i]);
    }
    T_GE(allocated(), before + 1100000);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        const unsigned char *b = ps[i];
        T_EQ(b[0], (unsigned char)i);
        T_EQ(b[sizes[i] - 1], (unsigned char)i);
        reef_free(ps[i]);
    }
    T_UEQ(allocated(), before);
    struct reef_memory_stats st;
    T_EQ(reef_memory_stats(&st), 0);
    T_GE(st.large_allocations, 2);
    T_GE(st.total, 8u << 20);
    return reef_done();
}

/* Random sizes, random order, contents checked before every free. */
REACTOR_TEST(random_patterns_keep_contents_and_account_exactly)
{
    enum { LIVE = 1000, OPS = 200000 };
    static void *live[LIVE];
    static size_t size[LIVE];
    uint64_t before = ARENA ? allocated() : 0;
    unsigned seed = 12345;
    for (int op = 0; op < OPS; op++) {
        unsigned i = (unsigned)rand_r(&seed) % LIVE;
        if (live[i]) {
            unsigned char *b = live[i];
            T_EQ(b[0], (unsigned char)(i ^ size[i]));
            T_EQ(b[size[i] - 1], (unsigned char)(i ^ size[i]));
            reef_free(live[i]);
            live[i] = NULL;
            continue;
        }
        unsigned r = (unsigned)rand_r(&seed);
        size[i] = r % 8 == 0 ? 1 + r % 200000 : 1 + r % 2000;
        live[i] = reef_malloc(size[i]);
        T_TRUE(live[i] != NULL);
        memset(live[i], (int)(i ^ size[i]), size[i]);
    }
    for (unsigned i = 0; i < LIVE; i++)
        reef_free(live[i]);
    if (ARENA)
        T_UEQ(allocated(), before);
    return reef_done();
}

REACTOR_TEST(realloc_calloc_and_alignment)
{
    char *p = reef_malloc(10);
    memcpy(p, "0123456789", 10);
    p = reef_realloc(p, 100000);
    T_TRUE(memcmp(p, "0123456789", 10) == 0);
    p = reef_realloc(p, 5);
    T_TRUE(memcmp(p, "01234", 5) == 0);
    T_TRUE(reef_realloc(p, 0) == NULL);
    /* calloc zeroes recycled memory too. */
    unsigned char *dirty = reef_malloc(256);
    memset(dirty, 0xab, 256);
    reef_free(dirty);
    unsigned char *z = reef_calloc(16, 16);
    for (int i = 0; i < 256; i++)
        T_EQ(z[i], 0);
    reef_free(z);
    T_TRUE(reef_calloc(SIZE_MAX / 2, 4) == NULL);
    for (size_t align = 32; align <= 65536; align *= 2) {
        for (size_t size = 1; size <= 70000; size = size * 7 + 3) {
            void *a = reef_aligned_alloc(align, size);
            T_TRUE(a != NULL);
            T_EQ((uintptr_t)a % align, 0);
            T_GE(reef_malloc_usable_size(a), size);
            if (ARENA)
                T_EQ(reef_memory_owner(a), 0);
            memset(a, 1, size);
            reef_free(a);
        }
    }
    errno = 0;
    T_TRUE(reef_aligned_alloc(24, 10) == NULL);
    T_EQ(errno, EINVAL);
    return reef_done();
}

/* ---- Frees from elsewhere go home --------------------------------------- */

static reef_future alloc_on_1(void *cap)
{
    void **out = *(void ***)cap;
    for (int i = 0; i < 100; i++)
        out[i] = reef_malloc(64 + (size_t)i * 100);
    return reef_ready_u64(allocated());
}

static reef_future stats_on_1(void *cap)
{
    struct reef_memory_stats *out = *(struct reef_memory_stats **)cap;
    T_EQ(reef_memory_stats(out), 0);
    return reef_done();
}

static void *blocks[100];
static uint64_t allocated_on_1;
static struct reef_memory_stats after;

static reef_future check_returned(void *cap, reef_val v)
{
    T_EQ(after.cross_shard_frees, 100);
    T_LE(after.allocated, allocated_on_1 - 100 * 64);
    return reef_done();
}

static reef_future read_stats_later(void *cap, reef_val v)
{
    struct reef_memory_stats *p = &after;
    return reef_then(reef_submit_to(1, stats_on_1, &p, sizeof(p)), check_returned, NULL, 0);
}

static reef_future free_here(void *cap, reef_val v)
{
    allocated_on_1 = v.u;
    for (int i = 0; i < 100; i++) {
        T_EQ(reef_memory_owner(blocks[i]), 1);
        reef_free(blocks[i]); /* shard 0 frees shard 1's memory */
    }
    /* Shard 1 takes them back at its next poll. */
    return reef_then(reef_sleep(reef_ms(5)), read_stats_later, NULL, 0);
}

REACTOR_TEST(frees_from_another_shard_return_to_the_owner)
{
    if (!ARENA)
        return reef_done();
    void **out = blocks;
    return reef_then(reef_submit_to(1, alloc_on_1, &out, sizeof(out)), free_here, NULL, 0);
}

static void *off_shard(void *arg)
{
    void **shard_block = arg;
    void *p = reef_malloc(100);
    T_EQ(reef_memory_owner(p), -1); /* C library memory off shards */
    reef_free(p);
    reef_free(*shard_block); /* and shard memory can be freed here too */
    return NULL;
}

static reef_future check_thread_free(void *cap, reef_val v)
{
    T_EQ(reef_memory_stats(&after), 0);
    T_EQ(after.cross_shard_frees, 1);
    return reef_done();
}

REACTOR_TEST(threads_that_are_not_shards_use_and_free_memory)
{
    if (!ARENA)
        return reef_done();
    static void *block;
    block = reef_malloc(300);
    pthread_t t;
    T_EQ(pthread_create(&t, NULL, off_shard, &block), 0);
    pthread_join(t, NULL);
    return reef_then(reef_sleep(reef_ms(2)), check_thread_free, NULL, 0);
}

TEST_MAIN()
