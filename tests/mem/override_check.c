/*
 * The per-shard allocator as the process's malloc (built with the
 * REEF_MALLOC_OVERRIDE objects; see tests/CMakeLists.txt).
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/memory.h>
#include <reef/reactor.h>
#include <reef/smp.h>
#include <reef/timer.h>

#include "harness/harness.h"

TH_SHARDS(2)

#ifdef REEF_SANITIZE
#define OVERRIDDEN 0 /* sanitizers keep their own malloc */
#else
#define OVERRIDDEN 1
#endif

static reef_future on_shard_1(void *cap)
{
    char *s = strdup("from shard 1");
    if (OVERRIDDEN)
        T_EQ(reef_memory_owner(s), 1);
    return reef_ready_ptr(s);
}

static void *libc_block;

static void *other_thread(void *arg)
{
    char *s = arg;
    T_STREQ(s, "from shard 1");
    free(s); /* shard 1's memory, freed on a thread that is no shard */
    libc_block = malloc(64);
    memset(libc_block, 0, 64);
    T_EQ(reef_memory_owner(libc_block), -1);
    return NULL;
}

static reef_future got_string(void *cap, reef_val v)
{
    pthread_t t;
    T_EQ(pthread_create(&t, NULL, other_thread, v.p), 0);
    pthread_join(t, NULL);
    /* A C-library block reallocated on a shard stays valid. */
    char *q = realloc(libc_block, 100000);
    T_TRUE(q != NULL);
    free(q);
    return reef_done();
}

REACTOR_TEST(malloc_free_and_friends_use_the_shards_memory)
{
    void *p = malloc(100);
    void *c = calloc(10, 10);
    void *a = NULL;
    T_EQ(posix_memalign(&a, 256, 1000), 0);
    T_EQ((uintptr_t)a % 256, 0);
    void *al = aligned_alloc(4096, 8192);
    T_EQ((uintptr_t)al % 4096, 0);
    T_GE(malloc_usable_size(p), 100);
    if (OVERRIDDEN) {
        T_EQ(reef_memory_owner(p), 0);
        T_EQ(reef_memory_owner(c), 0);
        T_EQ(reef_memory_owner(a), 0);
        T_EQ(reef_memory_owner(al), 0);
    }
    char buf[64];
    snprintf(buf, sizeof(buf), "%d-%s", 42, "stdio works");
    T_STREQ(buf, "42-stdio works");
    free(p);
    free(c);
    free(a);
    free(al);
    return reef_then(reef_submit_to(1, on_shard_1, NULL, 0), got_string, NULL, 0);
}

TEST(before_any_shard_the_c_library_serves)
{
    void *p = malloc(10);
    memset(p, 0, 10);
    T_EQ(reef_memory_owner(p), -1);
    free(p);
}

TEST_MAIN()
