/*
 * Files (src/fs/file.c) on both backends: direct files on the disk under
 * /tmp, buffered ones on tmpfs (/dev/shm, and a small tmpfs mounted for
 * the disk-full case).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/file.h>

#include "fs/fs_test_util.h"
#include "harness/harness.h"

/* Byte i of the pattern for block `tag`. */
static char pattern(unsigned tag, size_t i) { return (char)(tag * 31 + i * 7 + (i >> 9)); }

static void fill(reef_buf b, unsigned tag)
{
    for (size_t i = 0; i < reef_buf_size(b); i++)
        reef_buf_data(b)[i] = pattern(tag, i);
}

static bool matches(const char *p, size_t n, unsigned tag, size_t from)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(tag, from + i))
            return false;
    return true;
}

FIBER_TEST(a_file_on_disk_is_direct_and_round_trips_at_many_offsets_and_sizes)
{
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_file *f = open_ok(s.path, REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE);
    T_TRUE(reef_file_is_direct(f));
    size_t a = reef_file_alignment(f);
    T_TRUE(a >= 512 && (a & (a - 1)) == 0);
    static const size_t blocks[] = {1, 2, 3, 8, 16, 33};
    static const uint64_t at[] = {0, 1, 5, 64, 1000, 4096};
    for (unsigned i = 0; i < 6; i++) {
        size_t n = blocks[i] * a;
        uint64_t off = at[i] * a;
        reef_buf w, r;
        T_EQ(reef_file_alloc_buf(f, n, &w), 0);
        T_EQ(reef_file_alloc_buf(f, n, &r), 0);
        fill(w, i);
        T_UEQ(wait_u(reef_file_dma_write(f, off, reef_buf_data(w), n)), n);
        memset(reef_buf_data(r), 0, n);
        T_UEQ(wait_u(reef_file_dma_read(f, off, reef_buf_data(r), n)), n);
        T_TRUE(matches(reef_buf_data(r), n, i, 0));
        reef_buf_release(&w);
        reef_buf_release(&r);
    }
    T_UEQ(wait_u(reef_file_size(f)), (4096 + 33) * a);
    T_EQ(reef_fiber_wait(reef_file_flush(f), NULL, NULL), 0);
    close_ok(f);
    scratch_fini(&s);
}

FIBER_TEST(reads_at_the_end_are_short_and_bulk_reads_take_any_range)
{
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_file *f = open_ok(s.path, REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE);
    size_t a = reef_file_alignment(f);
    reef_buf w;
    T_EQ(reef_file_alloc_buf(f, 4 * a, &w), 0);
    fill(w, 9);
    T_UEQ(wait_u(reef_file_dma_write(f, 0, reef_buf_data(w), 4 * a)), 4 * a);
    /* Cut the file inside its last block: a read there returns the rest. */
    T_EQ(reef_fiber_wait(reef_file_truncate(f, 3 * a + 100), NULL, NULL), 0);
    reef_buf r;
    T_EQ(reef_file_alloc_buf(f, 2 * a, &r), 0);
    T_UEQ(wait_u(reef_file_dma_read(f, 2 * a, reef_buf_data(r), 2 * a)), a + 100);
    T_TRUE(matches(reef_buf_data(r), a + 100, 9, 2 * a));
    T_UEQ(wait_u(reef_file_dma_read(f, 8 * a, reef_buf_data(r), a)), 0);
    /* Unaligned ranges, through an aligned read underneath. */
    reef_buf bulk;
    T_UEQ(wait_u(reef_file_read_bulk(f, 7, 1000, &bulk)), 1000);
    T_TRUE(matches(reef_buf_data(bulk), 1000, 9, 7));
    reef_buf_release(&bulk);
    T_UEQ(wait_u(reef_file_read_bulk(f, 3 * a + 50, 1000, &bulk)), 50);
    T_TRUE(matches(reef_buf_data(bulk), 50, 9, 3 * a + 50));
    reef_buf_release(&bulk);
    reef_buf_release(&w);
    reef_buf_release(&r);
    close_ok(f);
    scratch_fini(&s);
}

FIBER_TEST(misaligned_direct_requests_fail_clearly)
{
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_file *f = open_ok(s.path, REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE);
    size_t a = reef_file_alignment(f);
    reef_buf b;
    T_EQ(reef_file_alloc_buf(f, 2 * a, &b), 0);
    reef_err e;
    T_EQ(reef_fiber_wait(reef_file_dma_read(f, 1, reef_buf_data(b), a), NULL, &e), -EINVAL);
    T_TRUE(strstr(reef_err_message(e), "multiples of") != NULL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_file_dma_write(f, 0, reef_buf_data(b) + 1, a), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_file_dma_write(f, 0, reef_buf_data(b), a - 1), NULL, &e), -EINVAL);
    reef_err_release(e);
    reef_buf_release(&b);
    close_ok(f);
    scratch_fini(&s);
}

FIBER_TEST(on_tmpfs_the_file_is_buffered_and_says_so)
{
    struct scratch s;
    scratch_init(&s, "/dev/shm");
    reef_file *f = open_ok(s.path, REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE);
    T_FALSE(reef_file_is_direct(f));
    T_UEQ(reef_file_alignment(f), 1);
    const char msg[] = "any offset, any length";
    T_UEQ(wait_u(reef_file_dma_write(f, 3, msg, sizeof(msg))), sizeof(msg));
    char back[sizeof(msg)];
    T_UEQ(wait_u(reef_file_dma_read(f, 3, back, sizeof(back))), sizeof(back));
    T_TRUE(memcmp(back, msg, sizeof(msg)) == 0);
    T_EQ(reef_fiber_wait(reef_file_flush(f), NULL, NULL), 0);
    close_ok(f);
    scratch_fini(&s);
}

FIBER_TEST(metadata_calls_report_and_change_the_file)
{
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_file *f = open_ok(s.path, REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE);
    size_t a = reef_file_alignment(f);
    T_UEQ(wait_u(reef_file_size(f)), 0);
    T_EQ(reef_fiber_wait(reef_file_allocate(f, 0, 16 * a), NULL, NULL), 0);
    T_UEQ(wait_u(reef_file_size(f)), 16 * a);
    struct stat st;
    T_EQ(reef_fiber_wait(reef_file_stat(f, &st), NULL, NULL), 0);
    T_TRUE(S_ISREG(st.st_mode));
    T_TRUE((uint64_t)st.st_blocks * 512 >= 16 * a); /* the space is reserved */
    reef_buf b;
    T_EQ(reef_file_alloc_buf(f, a, &b), 0);
    fill(b, 3);
    T_UEQ(wait_u(reef_file_dma_write(f, 4 * a, reef_buf_data(b), a)), a);
    T_EQ(reef_fiber_wait(reef_file_discard(f, 4 * a, a), NULL, NULL), 0);
    T_UEQ(wait_u(reef_file_dma_read(f, 4 * a, reef_buf_data(b), a)), a);
    for (size_t i = 0; i < a; i++)
        T_EQ(reef_buf_data(b)[i], 0);
    T_UEQ(wait_u(reef_file_size(f)), 16 * a); /* discarding keeps the size */
    T_EQ(reef_fiber_wait(reef_file_truncate(f, a), NULL, NULL), 0);
    T_UEQ(wait_u(reef_file_size(f)), a);
    reef_buf_release(&b);
    close_ok(f);
    scratch_fini(&s);
}

FIBER_TEST(opening_fails_with_typed_errors)
{
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_err e;
    T_EQ(reef_fiber_wait(reef_file_open(s.path, REEF_FILE_READ), NULL, &e), -ENOENT);
    T_TRUE(strstr(reef_err_message(e), s.path) != NULL);
    reef_err_release(e);
    close_ok(open_ok(s.path, REEF_FILE_WRITE | REEF_FILE_CREATE | REEF_FILE_EXCLUSIVE));
    T_EQ(reef_fiber_wait(reef_file_open(s.path, REEF_FILE_WRITE | REEF_FILE_CREATE |
                                                    REEF_FILE_EXCLUSIVE),
                         NULL, &e),
         -EEXIST);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_file_open(s.path, 0), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_file_open(s.dir, REEF_FILE_WRITE), NULL, &e), -EISDIR);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_file_open(s.dir, REEF_FILE_READ), NULL, &e), -EISDIR);
    T_TRUE(strstr(reef_err_message(e), s.dir) != NULL);
    reef_err_release(e);
    scratch_fini(&s);
}

FIBER_TEST(shared_handles_close_the_file_after_the_last_one_and_its_operations)
{
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_file *f = open_ok(s.path, REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE);
    reef_file *g = reef_file_share(f);
    size_t a = reef_file_alignment(f);
    reef_buf b;
    T_EQ(reef_file_alloc_buf(f, 64 * a, &b), 0);
    fill(b, 5);
    reef_future first_closed = reef_file_close(f);
    T_FALSE(reef_future_available(first_closed)); /* g still holds it */
    /* g works on; its close waits for the write in flight. */
    reef_future w = reef_file_dma_write(g, 0, reef_buf_data(b), 64 * a);
    reef_future last_closed = reef_file_close(g);
    T_UEQ(wait_u(w), 64 * a);
    T_EQ(reef_fiber_wait(last_closed, NULL, NULL), 0);
    T_EQ(reef_fiber_wait(first_closed, NULL, NULL), 0);
    /* The data reached the file. */
    reef_file *h = open_ok(s.path, REEF_FILE_READ);
    T_UEQ(wait_u(reef_file_dma_read(h, 0, reef_buf_data(b), 64 * a)), 64 * a);
    T_TRUE(matches(reef_buf_data(b), 64 * a, 5, 0));
    close_ok(h);
    reef_buf_release(&b);
    scratch_fini(&s);
}

FIBER_TEST(concurrent_writers_and_readers_each_get_their_own_blocks)
{
    enum { N = 64 };
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_file *f = open_ok(s.path, REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE);
    size_t a = reef_file_alignment(f);
    static reef_buf bufs[N];
    static reef_future fs[N];
    for (unsigned i = 0; i < N; i++) {
        T_EQ(reef_file_alloc_buf(f, 2 * a, &bufs[i]), 0);
        fill(bufs[i], i);
        fs[i] = reef_file_dma_write(f, (uint64_t)i * 2 * a, reef_buf_data(bufs[i]), 2 * a);
    }
    for (unsigned i = 0; i < N; i++)
        T_UEQ(wait_u(fs[i]), 2 * a);
    for (unsigned i = 0; i < N; i++)
        memset(reef_buf_data(bufs[i]), 0, 2 * a);
    for (unsigned i = 0; i < N; i++) /* last block first */
        fs[N - 1 - i] = reef_file_dma_read(f, (uint64_t)(N - 1 - i) * 2 * a,
                                           reef_buf_data(bufs[N - 1 - i]), 2 * a);
    for (unsigned i = 0; i < N; i++) {
        T_UEQ(wait_u(fs[i]), 2 * a);
        T_TRUE(matches(reef_buf_data(bufs[i]), 2 * a, i, 0));
        reef_buf_release(&bufs[i]);
    }
    close_ok(f);
    scratch_fini(&s);
}

FIBER_TEST(a_full_filesystem_is_a_typed_error)
{
    /* A 256 KiB tmpfs of our own; without the right to mount (not root,
     * or in a container that forbids it) there is nothing to fill. */
    struct scratch s;
    scratch_init(&s, "/tmp");
    if (mount("reef-test", s.dir, "tmpfs", 0, "size=256k") != 0) {
        printf("SKIP a_full_filesystem_is_a_typed_error: mount: %s\n", strerror(errno));
        scratch_fini(&s);
        return;
    }
    reef_file *f = open_ok(s.path, REEF_FILE_WRITE | REEF_FILE_CREATE);
    static char block[64 * 1024];
    memset(block, 'x', sizeof(block));
    int rc = 0;
    uint64_t off = 0;
    for (int i = 0; i < 16 && rc == 0; i++) {
        reef_val v;
        reef_err e;
        rc = reef_fiber_wait(reef_file_dma_write(f, off, block, sizeof(block)), &v, &e);
        if (rc < 0) {
            T_STREQ(reef_strerror(e.code), "No space left on device");
            reef_err_release(e);
        } else if (v.u < sizeof(block)) {
            off += v.u; /* a short write at the edge; the next one fails */
        } else {
            off += sizeof(block);
        }
    }
    T_EQ(rc, -ENOSPC);
    T_TRUE(off <= 256 * 1024);
    close_ok(f);
    unlink(s.path);
    T_EQ(umount(s.dir), 0);
    scratch_fini(&s);
}

/* Runs a shell command; true if it succeeded. */
static bool sh(const char *fmt, const char *a, const char *b)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), fmt, a, b);
    return system(cmd) == 0;
}

FIBER_TEST(a_failing_disk_is_a_typed_error)
{
    /* A small ext4 on a loop device, shut down under an open file: from
     * then on the filesystem fails every request with EIO, as a dying
     * disk would. Needs root and mkfs.ext4; without them there is no disk
     * to break. */
    struct scratch s;
    scratch_init(&s, "/tmp");
    char img[96], mnt[96];
    snprintf(img, sizeof(img), "%s/img", s.dir);
    snprintf(mnt, sizeof(mnt), "%s/mnt", s.dir);
    T_EQ(mkdir(mnt, 0755), 0);
    if (!sh("truncate -s 16M %s && mkfs.ext4 -q -F %s >/dev/null 2>&1", img, img) ||
        !sh("mount -o loop %s %s 2>/dev/null", img, mnt)) {
        printf("SKIP a_failing_disk_is_a_typed_error: cannot make a loop-mounted ext4\n");
        unlink(img);
        rmdir(mnt);
        scratch_fini(&s);
        return;
    }
    char path[128];
    snprintf(path, sizeof(path), "%s/data", mnt);
    reef_file *f = open_ok(path, REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE);
    size_t a = reef_file_alignment(f);
    reef_buf b;
    T_EQ(reef_file_alloc_buf(f, a, &b), 0);
    fill(b, 1);
    T_UEQ(wait_u(reef_file_dma_write(f, 0, reef_buf_data(b), a)), a);

    int dfd = open(mnt, O_RDONLY | O_DIRECTORY);
    T_TRUE(dfd >= 0);
    uint32_t how = 2; /* EXT4_GOING_FLAGS_NOLOGFLUSH: stop at once */
    T_EQ(ioctl(dfd, _IOR('X', 125, uint32_t), &how), 0); /* EXT4_IOC_SHUTDOWN */
    close(dfd);

    reef_err e;
    T_EQ(reef_fiber_wait(reef_file_dma_read(f, 0, reef_buf_data(b), a), NULL, &e), -EIO);
    T_STREQ(reef_strerror(e.code), "Input/output error");
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_file_dma_write(f, a, reef_buf_data(b), a), NULL, &e), -EIO);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_file_flush(f), NULL, &e), -EIO);
    reef_err_release(e);
    int rc = reef_fiber_wait(reef_file_close(f), NULL, NULL);
    T_TRUE(rc == 0 || rc == -EIO);
    reef_buf_release(&b);
    T_TRUE(sh("umount %s%s", mnt, ""));
    unlink(img);
    T_EQ(rmdir(mnt), 0);
    scratch_fini(&s);
}

TEST_MAIN()
