/* Reference-counted buffers (src/core/buf.c): every function, off a shard
 * (C library memory) and on one (the shard's memory). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <reef/buf.h>
#include <reef/memory.h>

#include "harness/harness.h"

struct deleter_log {
    int calls;
    void *last_data;
};

static void count_delete(void *arg, void *data)
{
    struct deleter_log *log = arg;
    log->calls++;
    log->last_data = data;
}

TEST(alloc_gives_writable_bytes_and_release_empties)
{
    reef_buf b;
    T_EQ(reef_buf_alloc(100, &b), 0);
    T_UEQ(reef_buf_size(b), 100);
    T_FALSE(reef_buf_empty(b));
    T_TRUE(reef_buf_unique(b));
    T_EQ((uintptr_t)reef_buf_data(b) % 16, 0);
    memset(reef_buf_data(b), 'a', 100);
    reef_buf_release(&b);
    T_TRUE(reef_buf_empty(b));
    T_TRUE(reef_buf_data(b) == NULL);
    T_FALSE(reef_buf_unique(b));
    reef_buf_release(&b); /* releasing the empty buffer does nothing */
}

TEST(zero_bytes_and_impossible_sizes)
{
    reef_buf b;
    T_EQ(reef_buf_alloc(0, &b), 0);
    T_TRUE(reef_buf_empty(b));
    T_FALSE(reef_buf_unique(b)); /* no storage behind it */
    reef_buf_release(&b);
    T_EQ(reef_buf_alloc(SIZE_MAX, &b), -ENOMEM);
    T_TRUE(reef_buf_empty(b));
    T_EQ(reef_buf_alloc((size_t)PTRDIFF_MAX + 1, &b), -ENOMEM);
    T_EQ(reef_buf_alloc_aligned(4096, SIZE_MAX, &b), -ENOMEM);
    T_TRUE(reef_buf_empty(b));
    T_EQ(reef_buf_alloc_aligned(4096, 0, &b), 0);
    T_TRUE(reef_buf_empty(b));
}

static void check_aligned(size_t align, size_t n)
{
    reef_buf b;
    T_EQ(reef_buf_alloc_aligned(align, n, &b), 0);
    T_UEQ(reef_buf_size(b), n);
    T_EQ((uintptr_t)reef_buf_data(b) % align, 0);
    memset(reef_buf_data(b), 0x5a, n); /* every byte is ours */
    reef_buf part = reef_buf_share(b, n / 2, SIZE_MAX);
    reef_buf_release(&b);
    T_EQ((unsigned char)reef_buf_data(part)[0], 0x5a); /* alive through the share */
    reef_buf_release(&part);
}

TEST(aligned_allocation_off_a_shard)
{
    size_t aligns[] = {1, 2, 16, 64, 512, 4096, 65536};
    for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
        check_aligned(aligns[i], 4096);
        check_aligned(aligns[i], aligns[i] * 3 + 2);
    }
}

TEST(bad_alignments_are_refused)
{
    reef_buf b;
    T_EQ(reef_buf_alloc_aligned(0, 10, &b), -EINVAL);
    T_TRUE(reef_buf_empty(b));
    T_EQ(reef_buf_alloc_aligned(3, 10, &b), -EINVAL);
    T_EQ(reef_buf_alloc_aligned(4097, 10, &b), -EINVAL);
}

TEST(copy_holds_its_own_bytes)
{
    char src[] = "hello, buffers";
    reef_buf b;
    T_EQ(reef_buf_copy(src, sizeof(src), &b), 0);
    T_TRUE(reef_buf_data(b) != src);
    src[0] = 'j';
    T_STREQ(reef_buf_data(b), "hello, buffers");
    reef_buf_release(&b);
    T_EQ(reef_buf_copy(NULL, 0, &b), 0);
    T_TRUE(reef_buf_empty(b));
}

TEST(the_deleter_runs_once_when_the_last_share_goes)
{
    static char mem[64] = "0123456789";
    struct deleter_log log = {0};
    reef_buf b;
    T_EQ(reef_buf_wrap(mem, 10, count_delete, &log, &b), 0);
    T_TRUE(reef_buf_data(b) == mem); /* no copy */
    reef_buf s1 = reef_buf_share(b, 0, SIZE_MAX);
    reef_buf s2 = reef_buf_share(b, 2, 3);
    reef_buf s3 = reef_buf_share(s2, 1, 1);
    T_FALSE(reef_buf_unique(b));
    T_TRUE(memcmp(reef_buf_data(s2), "234", 3) == 0);
    T_EQ(reef_buf_data(s3)[0], '3');
    reef_buf_release(&b);
    reef_buf_release(&s1);
    reef_buf_release(&s3);
    T_EQ(log.calls, 0);
    T_TRUE(reef_buf_unique(s2));
    reef_buf_release(&s2);
    T_EQ(log.calls, 1);
    T_TRUE(log.last_data == mem);
    reef_buf_release(&s2); /* now empty: nothing more */
    T_EQ(log.calls, 1);
}

TEST(wrap_without_a_deleter_and_bad_wraps)
{
    static char mem[4] = "abc";
    reef_buf b;
    T_EQ(reef_buf_wrap(mem, 3, NULL, NULL, &b), 0);
    T_TRUE(reef_buf_unique(b));
    reef_buf_release(&b);
    struct deleter_log log = {0};
    T_EQ(reef_buf_wrap(NULL, 1, count_delete, &log, &b), -EINVAL);
    T_TRUE(reef_buf_empty(b));
    T_EQ(log.calls, 0); /* a failed wrap never calls the deleter */
    /* Zero bytes of wrapped memory still own it until released. */
    T_EQ(reef_buf_wrap(mem, 0, count_delete, &log, &b), 0);
    T_TRUE(reef_buf_empty(b));
    T_TRUE(reef_buf_unique(b));
    reef_buf_release(&b);
    T_EQ(log.calls, 1);
}

TEST(share_clamps_out_of_range_slices)
{
    static char mem[] = "abcdefgh";
    struct deleter_log log = {0};
    reef_buf b;
    T_EQ(reef_buf_wrap(mem, 8, count_delete, &log, &b), 0);
    reef_buf s = reef_buf_share(b, 8, 1); /* offset at the end */
    T_TRUE(reef_buf_empty(s));
    s = reef_buf_share(b, SIZE_MAX, SIZE_MAX);
    T_TRUE(reef_buf_empty(s));
    s = reef_buf_share(b, 3, 0);
    T_TRUE(reef_buf_empty(s));
    T_TRUE(reef_buf_unique(b)); /* empty shares took no reference */
    s = reef_buf_share(b, 6, 100);
    T_UEQ(reef_buf_size(s), 2);
    T_TRUE(reef_buf_data(s) == mem + 6);
    reef_buf_release(&s);
    s = reef_buf_share(b, 5, SIZE_MAX - 2); /* off + len overflows */
    T_UEQ(reef_buf_size(s), 3);
    reef_buf_release(&s);
    reef_buf empty = {0};
    s = reef_buf_share(empty, 0, SIZE_MAX);
    T_TRUE(reef_buf_empty(s));
    reef_buf_release(&b);
    T_EQ(log.calls, 1);
}

TEST(trim_and_trim_front_move_the_range)
{
    static char mem[] = "abcdefgh";
    struct deleter_log log = {0};
    reef_buf b;
    T_EQ(reef_buf_wrap(mem, 8, count_delete, &log, &b), 0);
    reef_buf_trim(&b, 100); /* past the end: unchanged */
    T_UEQ(reef_buf_size(b), 8);
    reef_buf_trim(&b, 6);
    T_UEQ(reef_buf_size(b), 6);
    reef_buf_trim_front(&b, 0);
    T_TRUE(reef_buf_data(b) == mem);
    reef_buf_trim_front(&b, 2);
    T_TRUE(reef_buf_data(b) == mem + 2);
    T_UEQ(reef_buf_size(b), 4);
    reef_buf keep = reef_buf_share(b, 1, 2); /* "de" */
    reef_buf_trim_front(&b, 10); /* past the end: drops everything */
    T_TRUE(reef_buf_empty(b));
    T_TRUE(reef_buf_data(b) == NULL);
    T_EQ(log.calls, 0);
    reef_buf_trim(&keep, 0); /* trimming to nothing releases */
    T_TRUE(reef_buf_empty(keep));
    T_EQ(log.calls, 1);
    reef_buf empty = {0};
    reef_buf_trim(&empty, 5);
    reef_buf_trim_front(&empty, 5);
    T_TRUE(reef_buf_empty(empty));
}

FIBER_TEST(buffers_on_a_shard_use_its_memory)
{
    reef_buf b, a;
    T_EQ(reef_buf_alloc(1000, &b), 0);
    T_EQ(reef_buf_alloc_aligned(4096, 8192, &a), 0);
    T_EQ((uintptr_t)reef_buf_data(a) % 4096, 0);
#ifndef REEF_SANITIZE
    T_EQ(reef_memory_owner(reef_buf_data(b)), 0);
    T_EQ(reef_memory_owner(reef_buf_data(a)), 0);
#endif
    reef_buf s = reef_buf_share(a, 4096, 4096);
    T_EQ((uintptr_t)reef_buf_data(s) % 4096, 0);
    reef_buf_release(&a);
    memset(reef_buf_data(s), 1, reef_buf_size(s));
    reef_buf_release(&s);
    reef_buf_release(&b);
}

FIBER_TEST(aligned_allocation_on_a_shard)
{
    size_t aligns[] = {32, 256, 4096, 16384, 65536};
    for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
        check_aligned(aligns[i], 100);
        check_aligned(aligns[i], 70000);
    }
}

TEST_MAIN()
