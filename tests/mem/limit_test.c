/*
 * A shard that exhausts its part of the memory gets NULL, keeps running,
 * and can allocate again once memory is freed.
 */
#include <errno.h>
#include <string.h>

#include <reef/memory.h>
#include <reef/timer.h>

#include "harness/harness.h"

TH_SHARDS(1)
TH_MEMORY(64u << 20)

#ifndef REEF_SANITIZE /* the C library's allocator has no per-shard limit */
static void *blocks[200];
static int count;

static reef_future after_sleep(void *cap, reef_val v)
{
    /* The reactor survived; free everything and try again. */
    for (int i = 0; i < count; i++)
        reef_free(blocks[i]);
    void *again = reef_malloc(1 << 20);
    T_TRUE(again != NULL);
    reef_free(again);
    return reef_done();
}

REACTOR_TEST(exhausting_the_shards_part_fails_cleanly)
{
    struct reef_memory_stats st;
    T_EQ(reef_memory_stats(&st), 0);
    T_LE(st.total, 64u << 20);
    T_GE(st.total, 60u << 20);
    for (count = 0; count < 200; count++) {
        errno = 0;
        blocks[count] = reef_malloc(1 << 20);
        if (!blocks[count]) {
            T_EQ(errno, ENOMEM);
            break;
        }
        memset(blocks[count], 1, 1 << 20); /* the memory is real */
    }
    T_GE(count, 55);
    T_LE(count, 64);
    T_EQ(reef_memory_stats(&st), 0);
    T_EQ(st.failed_allocations, 1);
    return reef_then(reef_sleep(reef_ms(1)), after_sleep, NULL, 0);
}
#endif

TEST_MAIN()
