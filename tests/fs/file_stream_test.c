/*
 * File streams (src/io/stream.c over include/reef/file.h) on both
 * backends: direct files on the disk under /tmp, buffered ones on tmpfs
 * (/dev/shm). Bytes follow a pattern keyed by their offset in the file,
 * so every byte a reader sees is checked where it lands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/file.h>
#include <reef/memory.h>
#include <reef/net.h>
#include <reef/stream.h>

#include "fs/fs_test_util.h"
#include "harness/harness.h"
#include "net/net_test_util.h"

/* ---- Helpers ------------------------------------------------------------------- */

/* Byte `i` of the file. */
static char pat(uint64_t i) { return (char)(((i * 2654435761u) >> 13) ^ (i >> 12)); }

static void pat_fill(uint64_t off, char *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = pat(off + i);
}

static void pat_check(uint64_t off, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (src[i] != pat(off + i))
            th_fail(__FILE__, __LINE__, "byte %llu of the file: got 0x%02x, expected 0x%02x",
                    (unsigned long long)(off + i), (unsigned char)src[i],
                    (unsigned char)pat(off + i));
}

#define RW_NEW (REEF_FILE_READ | REEF_FILE_WRITE | REEF_FILE_CREATE | REEF_FILE_TRUNCATE)

/* Writes `total` bytes of the pattern through an output stream, in
 * pieces of awkward sizes, alternating copying writes and buffers (one of
 * them aligned for the file, so it may go out from its own memory). */
static void write_pattern(reef_file *f, uint64_t total, const struct reef_file_stream_options *o)
{
    static const size_t sizes[] = {1, 4095, 70000, 3, 8192, 12345, 65543, 131072, 511};
    reef_output_stream *out = reef_file_output_stream_new(f, 0, o);
    T_TRUE(out != NULL);
    char *tmp = malloc(131072);
    uint64_t at = 0;
    for (unsigned i = 0; at < total; i++) {
        size_t n = sizes[i % 9];
        if (n > total - at)
            n = (size_t)(total - at);
        if (i % 2 == 0) {
            pat_fill(at, tmp, n);
            T_EQ(reef_fiber_wait(reef_output_write(out, tmp, n), NULL, NULL), 0);
        } else {
            reef_buf b;
            T_EQ(reef_file_alloc_buf(f, n, &b), 0);
            reef_buf_trim(&b, n);
            pat_fill(at, reef_buf_data(b), n);
            T_EQ(reef_fiber_wait(reef_output_write_buf(out, b), NULL, NULL), 0);
        }
        at += n;
    }
    free(tmp);
    T_EQ(reef_fiber_wait(reef_output_close(out), NULL, NULL), 0);
    reef_output_stream_free(out);
}

/* A parser that takes up to `left` bytes, checking them. */
struct taker {
    uint64_t at, left;
};

static ssize_t take_some(void *cap, const char *data, size_t len, bool *done)
{
    struct taker *t = cap;
    size_t n = len < t->left ? len : (size_t)t->left;
    pat_check(t->at, data, n);
    t->at += n;
    t->left -= n;
    *done = t->left == 0;
    return (ssize_t)n;
}

/* Reads the file from `start` to its end (`total`) with every kind of
 * read in turn, each crossing block boundaries, then checks end of file. */
static void read_pattern(reef_file *f, uint64_t start, uint64_t total,
                         const struct reef_file_stream_options *o)
{
    reef_input_stream *in = reef_file_input_stream_new(f, start, o);
    T_TRUE(in != NULL);
    char *tmp = malloc(200000);
    uint64_t at = start;
    reef_val v;
    for (unsigned i = 0; at < total; i++) {
        size_t want = (size_t[]){1, 4095, 70000, 3, 150000, 12345}[i % 6];
        size_t left = total - at < want ? (size_t)(total - at) : want;
        reef_buf b;
        switch (i % 5) {
        case 0:
            T_UEQ(wait_u(reef_input_read_exactly(in, tmp, want)), left);
            pat_check(at, tmp, left);
            at += left;
            break;
        case 1: {
            uint64_t n = wait_u(reef_input_read_up_to(in, tmp, want));
            T_TRUE(n > 0 && n <= left);
            pat_check(at, tmp, n);
            at += n;
            break;
        }
        case 2:
            T_UEQ(wait_u(reef_input_skip(in, want)), left);
            at += left;
            break;
        case 3: {
            struct taker t = {at, want};
            T_EQ(reef_fiber_wait(reef_input_consume(in, take_some, &t), &v, NULL), 0);
            T_UEQ(v.u, left == want); /* done, unless the file ended first */
            T_UEQ(t.at, at + left);
            at += left;
            break;
        }
        default:
            if (i % 2) {
                uint64_t n = wait_u(reef_input_read_buf(in, &b));
                T_TRUE(n > 0 && n <= total - at);
                T_UEQ(reef_buf_size(b), n);
                pat_check(at, reef_buf_data(b), n);
                at += n;
            } else {
                T_UEQ(wait_u(reef_input_read_exactly_buf(in, want, &b)), left);
                pat_check(at, reef_buf_data(b), left);
                at += left;
            }
            reef_buf_release(&b);
        }
    }
    /* End of file, for every kind of read, and again. */
    reef_buf b;
    T_UEQ(wait_u(reef_input_read_up_to(in, tmp, 10)), 0);
    T_UEQ(wait_u(reef_input_read_exactly(in, tmp, 10)), 0);
    T_UEQ(wait_u(reef_input_read_buf(in, &b)), 0);
    T_TRUE(reef_buf_empty(b));
    T_UEQ(wait_u(reef_input_read_exactly_buf(in, 5, &b)), 0);
    T_TRUE(reef_buf_empty(b));
    T_UEQ(wait_u(reef_input_skip(in, 10)), 0);
    free(tmp);
    reef_input_stream_free(in);
}

static void round_trip(const char *base, bool direct, const struct reef_file_stream_options *o)
{
    struct scratch s;
    scratch_init(&s, base);
    reef_file *f = open_ok(s.path, RW_NEW);
    T_EQ(reef_file_is_direct(f), direct);
    const uint64_t total = 3 * 1024 * 1024 + 777; /* ends inside a block */
    write_pattern(f, total, o);
    T_UEQ(wait_u(reef_file_size(f)), total);
    read_pattern(f, 0, total, o);
    read_pattern(f, 12345, total, o); /* a start inside a block */
    read_pattern(f, total - 5, total, o);
    read_pattern(f, total, total, o);
    read_pattern(f, total + 4096, total, o);
    close_ok(f);
    scratch_fini(&s);
}

/* ---- Round trips ------------------------------------------------------------------- */

FIBER_TEST(a_direct_file_round_trips_with_one_block_read_ahead)
{
    struct reef_file_stream_options o = {.buffer_size = 16384, .read_ahead = 1, .write_behind = 1};
    round_trip("/tmp", true, &o);
}

FIBER_TEST(a_direct_file_round_trips_with_four_blocks_read_ahead)
{
    struct reef_file_stream_options o = {.buffer_size = 10000, .read_ahead = 4, .write_behind = 4};
    round_trip("/tmp", true, &o);
}

FIBER_TEST(a_direct_file_round_trips_with_the_defaults)
{
    round_trip("/tmp", true, NULL);
}

FIBER_TEST(a_buffered_file_round_trips_with_one_and_four_blocks_read_ahead)
{
    struct reef_file_stream_options o = {.buffer_size = 10000, .read_ahead = 1, .write_behind = 1};
    round_trip("/dev/shm", false, &o);
    o = (struct reef_file_stream_options){.buffer_size = 4096, .read_ahead = 4, .write_behind = 4};
    round_trip("/dev/shm", false, &o);
}

FIBER_TEST(a_long_unaligned_write_holds_only_the_blocks_behind_it)
{
    /* Memory that is not aligned cannot go to a direct file as it is: the
     * stream copies it, a block at a time, waiting for the blocks being
     * written before it takes more. Right after the call only the first
     * block is in; the rest follows as the disk takes the earlier ones. */
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_file *f = open_ok(s.path, RW_NEW);
    T_TRUE(reef_file_is_direct(f));
    size_t total = 16u << 20;
    char *mem = malloc(total + 1);
    T_TRUE(mem != NULL);
    pat_fill(0, mem + 1, total);
    struct reef_file_stream_options o = {.buffer_size = 65536, .write_behind = 2};
    reef_output_stream *out = reef_file_output_stream_new(f, 0, &o);
    struct reef_memory_stats before, after;
    bool counted = reef_memory_stats(&before) == 0; /* not in sanitizer builds */
    reef_future w = reef_output_write(out, mem + 1, total);
    if (counted) {
        T_EQ(reef_memory_stats(&after), 0);
        T_TRUE(after.allocated - before.allocated < 4 * 65536);
    }
    T_FALSE(reef_future_available(w));
    T_EQ(reef_fiber_wait(w, NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_output_close(out), NULL, NULL), 0);
    reef_output_stream_free(out);
    free(mem);
    T_UEQ(wait_u(reef_file_size(f)), total);
    read_pattern(f, 0, total, &o);
    close_ok(f);
    scratch_fini(&s);
}

FIBER_TEST(a_partial_last_block_on_a_direct_file_gives_the_exact_size)
{
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_file *f = open_ok(s.path, RW_NEW);
    T_TRUE(reef_file_is_direct(f));
    struct reef_file_stream_options o = {.buffer_size = 8192};
    reef_output_stream *out = reef_file_output_stream_new(f, 0, &o);
    char buf[20000];
    pat_fill(0, buf, sizeof(buf));
    /* Each flush writes the partial block padded, then cuts the file. */
    static const size_t steps[] = {1, 9999, 100, 6284, 3616};
    uint64_t at = 0;
    for (unsigned i = 0; i < 5; i++) {
        T_EQ(reef_fiber_wait(reef_output_write(out, buf + at, steps[i]), NULL, NULL), 0);
        at += steps[i];
        T_EQ(reef_fiber_wait(reef_output_flush(out), NULL, NULL), 0);
        T_UEQ(wait_u(reef_file_size(f)), at);
    }
    T_UEQ(at, sizeof(buf));
    T_EQ(reef_fiber_wait(reef_output_close(out), NULL, NULL), 0);
    reef_output_stream_free(out);
    T_UEQ(wait_u(reef_file_size(f)), sizeof(buf));
    read_pattern(f, 0, sizeof(buf), &o);
    close_ok(f);
    scratch_fini(&s);
}

/* ---- One copy loop for sockets and files ------------------------------------------ */

/* Copies `in` to `out` until the input ends, then closes `out`: the same
 * code whether either side is a socket or a file. Resolves with the
 * number of bytes copied. */
static reef_future copy_stream(reef_input_stream *in, reef_output_stream *out)
{
    uint64_t total = 0;
    for (;;) {
        reef_buf b;
        reef_val n;
        int rc = reef_fiber_wait(reef_input_read_buf(in, &b), &n, NULL);
        if (rc < 0)
            return reef_fail_code(rc);
        if (n.u == 0)
            break;
        total += n.u;
        rc = reef_fiber_wait(reef_output_write_buf(out, b), NULL, NULL);
        if (rc < 0)
            return reef_fail_code(rc);
    }
    int rc = reef_fiber_wait(reef_output_close(out), NULL, NULL);
    return rc < 0 ? reef_fail_code(rc) : reef_ready_u64(total);
}

struct copy_job {
    reef_input_stream *in;
    reef_output_stream *out;
};

static reef_future run_copy(void *arg)
{
    struct copy_job *j = arg;
    return copy_stream(j->in, j->out);
}

/* file -> socket -> socket -> file, every hop the same copy_stream. */
static void copy_through_sockets(const char *base)
{
    struct scratch s;
    scratch_init(&s, base);
    reef_file *src = open_ok(s.path, RW_NEW);
    const uint64_t total = 2 * 1024 * 1024 + 4321;
    write_pattern(src, total, NULL);
    reef_file *dst = open_ok(s.path2, RW_NEW);
    struct pair p, q;
    connect_pair(&p);
    connect_pair(&q);
    struct reef_file_stream_options o = {.buffer_size = 65536, .read_ahead = 3};
    struct copy_job jobs[3] = {
        {reef_file_input_stream_new(src, 0, &o), reef_output_stream_new(p.w, 65536)},
        {reef_input_stream_new(p.r, 65536), reef_output_stream_new(q.w, 65536)},
        {reef_input_stream_new(q.r, 65536), reef_file_output_stream_new(dst, 0, &o)},
    };
    reef_future done[3];
    for (int i = 0; i < 3; i++)
        done[i] = reef_async(run_copy, &jobs[i]);
    for (int i = 0; i < 3; i++) {
        T_UEQ(wait_u(done[i]), total);
        reef_input_stream_free(jobs[i].in);
        reef_output_stream_free(jobs[i].out);
    }
    close_pair(&p);
    close_pair(&q);
    T_UEQ(wait_u(reef_file_size(dst)), total);
    read_pattern(dst, 0, total, NULL);
    close_ok(src);
    close_ok(dst);
    scratch_fini(&s);
}

FIBER_TEST(a_direct_file_copies_to_a_socket_with_the_socket_to_socket_loop)
{
    copy_through_sockets("/tmp");
}

FIBER_TEST(a_buffered_file_copies_to_a_socket_with_the_socket_to_socket_loop)
{
    copy_through_sockets("/dev/shm");
}

/* ---- Errors ----------------------------------------------------------------------------- */

static void errors_on(const char *base)
{
    struct scratch s;
    scratch_init(&s, base);
    close_ok(open_ok(s.path, RW_NEW));
    /* Writing a file opened for reading only: the write fails, and the
     * stream stays failed. */
    reef_file *ro = open_ok(s.path, REEF_FILE_READ);
    reef_output_stream *out = reef_file_output_stream_new(ro, 0, NULL);
    const size_t big = 300000;
    char *buf = malloc(big);
    pat_fill(0, buf, big);
    int rc = reef_fiber_wait(reef_output_write(out, buf, big), NULL, NULL);
    if (rc == 0)
        rc = reef_fiber_wait(reef_output_flush(out), NULL, NULL);
    T_EQ(rc, -EBADF);
    T_EQ(reef_fiber_wait(reef_output_write(out, buf, 10), NULL, NULL), -EBADF);
    T_EQ(reef_fiber_wait(reef_output_close(out), NULL, NULL), -EBADF);
    reef_output_stream_free(out);
    close_ok(ro);
    /* Reading one opened for writing only. */
    reef_file *wo = open_ok(s.path, REEF_FILE_WRITE);
    reef_input_stream *in = reef_file_input_stream_new(wo, 0, NULL);
    T_EQ(reef_fiber_wait(reef_input_read_up_to(in, buf, 10), NULL, NULL), -EBADF);
    T_EQ(reef_fiber_wait(reef_input_skip(in, 10), NULL, NULL), -EBADF);
    reef_input_stream_free(in);
    /* Options out of range. */
    struct reef_file_stream_options huge = {.buffer_size = (size_t)1 << 31};
    struct reef_file_stream_options deep = {.read_ahead = 1000, .write_behind = 1000};
    in = reef_file_input_stream_new(wo, 0, &huge);
    T_EQ(reef_fiber_wait(reef_input_read_up_to(in, buf, 10), NULL, NULL), -EINVAL);
    reef_input_stream_free(in);
    in = reef_file_input_stream_new(wo, 0, &deep);
    T_EQ(reef_fiber_wait(reef_input_read_up_to(in, buf, 10), NULL, NULL), -EINVAL);
    reef_input_stream_free(in);
    out = reef_file_output_stream_new(wo, 0, &deep);
    T_EQ(reef_fiber_wait(reef_output_write(out, buf, 10), NULL, NULL), -EINVAL);
    reef_output_stream_free(out);
    /* A direct file is written from an aligned offset only. */
    out = reef_file_output_stream_new(wo, 1, NULL);
    T_EQ(reef_fiber_wait(reef_output_write(out, buf, 10), NULL, NULL),
         reef_file_is_direct(wo) ? -EINVAL : 0);
    T_EQ(reef_fiber_wait(reef_output_close(out), NULL, NULL),
         reef_file_is_direct(wo) ? -EINVAL : 0);
    reef_output_stream_free(out);
    close_ok(wo);
    free(buf);
    scratch_fini(&s);
}

FIBER_TEST(failures_are_typed_errors_on_a_direct_file) { errors_on("/tmp"); }

FIBER_TEST(failures_are_typed_errors_on_a_buffered_file) { errors_on("/dev/shm"); }

/* The caller's reference may go first: the streams keep the file open. */
FIBER_TEST(a_stream_keeps_its_file_open_after_the_caller_closes_it)
{
    struct scratch s;
    scratch_init(&s, "/tmp");
    reef_file *f = open_ok(s.path, RW_NEW);
    reef_output_stream *out = reef_file_output_stream_new(f, 0, NULL);
    reef_future closing = reef_file_close(f);
    char buf[5000];
    pat_fill(0, buf, sizeof(buf));
    T_EQ(reef_fiber_wait(reef_output_write(out, buf, sizeof(buf)), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_output_close(out), NULL, NULL), 0);
    T_FALSE(reef_future_available(closing));
    reef_output_stream_free(out);
    T_EQ(reef_fiber_wait(closing, NULL, NULL), 0);
    f = open_ok(s.path, REEF_FILE_READ);
    reef_input_stream *in = reef_file_input_stream_new(f, 0, NULL);
    closing = reef_file_close(f);
    char back[6000];
    T_UEQ(wait_u(reef_input_read_exactly(in, back, sizeof(back))), sizeof(buf));
    pat_check(0, back, sizeof(buf));
    T_FALSE(reef_future_available(closing));
    reef_input_stream_free(in);
    T_EQ(reef_fiber_wait(closing, NULL, NULL), 0);
    scratch_fini(&s);
}

TEST_MAIN()
