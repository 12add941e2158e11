/* Buffered streams (src/io/stream.c) over loopback TCP, on both backends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <reef/fiber.h>
#include <reef/net.h>
#include <reef/stream.h>

#include "harness/harness.h"
#include "net/net_test_util.h"

struct writer_args {
    reef_socket *s;
    int records;
};

static reef_future write_records(void *arg)
{
    struct writer_args *w = arg;
    reef_output_stream *out = reef_output_stream_new(w->s, 256);
    char rec[10];
    for (int i = 0; i < w->records; i++) {
        snprintf(rec, sizeof(rec), "%09u", (unsigned)i % 1000000000u); /* 9 digits + NUL = 10 bytes */
        T_EQ(reef_fiber_wait(reef_output_write(out, rec, sizeof(rec)), NULL, NULL), 0);
    }
    /* A block larger than the buffer goes out directly, in order. */
    static char big[100000];
    memset(big, 'z', sizeof(big));
    T_EQ(reef_fiber_wait(reef_output_write(out, big, sizeof(big)), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_output_write(out, "tail", 4), NULL, NULL), 0);
    T_EQ(reef_fiber_wait(reef_output_close(out), NULL, NULL), 0);
    reef_output_stream_free(out);
    return reef_done();
}

FIBER_TEST(small_writes_are_batched_and_reads_come_in_exact_pieces)
{
    struct pair p;
    connect_pair(&p);
    struct writer_args w = {p.w, 2000};
    reef_future writer = reef_async(write_records, &w);
    reef_input_stream *in = reef_input_stream_new(p.r, 100);
    char rec[10], expect[10];
    reef_val n;
    for (int i = 0; i < w.records; i++) {
        T_EQ(reef_fiber_wait(reef_input_read_exactly(in, rec, sizeof(rec)), &n, NULL), 0);
        T_UEQ(n.u, sizeof(rec));
        snprintf(expect, sizeof(expect), "%09u", (unsigned)i % 1000000000u);
        T_TRUE(memcmp(rec, expect, sizeof(rec)) == 0);
    }
    T_EQ(reef_fiber_wait(reef_input_skip(in, 100000), &n, NULL), 0);
    T_UEQ(n.u, 100000);
    char tail[16];
    T_EQ(reef_fiber_wait(reef_input_read_exactly(in, tail, sizeof(tail)), &n, NULL), 0);
    T_UEQ(n.u, 4); /* fewer: the stream ended */
    T_TRUE(memcmp(tail, "tail", 4) == 0);
    T_EQ(reef_fiber_wait(reef_input_read_up_to(in, tail, sizeof(tail)), &n, NULL), 0);
    T_UEQ(n.u, 0);
    T_EQ(reef_fiber_wait(writer, NULL, NULL), 0);
    reef_input_stream_free(in);
    close_pair(&p);
}

/* A line parser: collects bytes up to '\n'. */
struct line {
    char text[64];
    size_t len;
};

static ssize_t line_parser(void *cap, const char *data, size_t len, bool *done)
{
    struct line *l = cap;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            *done = true;
            return (ssize_t)(i + 1);
        }
        if (l->len + 1 >= sizeof(l->text))
            return -EMSGSIZE;
        l->text[l->len++] = data[i];
    }
    return (ssize_t)len;
}

static reef_future send_lines(void *arg)
{
    reef_socket *s = arg;
    const char *parts[] = {"hel", "lo\nwor", "ld\n", "unfinished"};
    for (int i = 0; i < 4; i++) {
        T_EQ(reef_fiber_wait(reef_socket_write(s, parts[i], strlen(parts[i])), NULL, NULL), 0);
        reef_fiber_sleep(reef_ms(2)); /* arrive in pieces */
    }
    T_EQ(reef_socket_shutdown_output(s), 0);
    return reef_done();
}

FIBER_TEST(consume_feeds_an_incremental_parser)
{
    struct pair p;
    connect_pair(&p);
    reef_future sender = reef_async(send_lines, p.w);
    reef_input_stream *in = reef_input_stream_new(p.r, 0);
    const char *expect[] = {"hello", "world", "unfinished"};
    for (int i = 0; i < 3; i++) {
        struct line l = {.len = 0};
        reef_val done;
        T_EQ(reef_fiber_wait(reef_input_consume(in, line_parser, &l), &done, NULL), 0);
        l.text[l.len] = '\0';
        T_STREQ(l.text, expect[i]);
        T_EQ(done.u, i < 2); /* the last line ends with the stream, not '\n' */
    }
    T_EQ(reef_fiber_wait(sender, NULL, NULL), 0);
    reef_input_stream_free(in);
    close_pair(&p);
}

static reef_future send_long_line(void *arg)
{
    reef_socket *s = arg;
    char junk[200];
    memset(junk, 'x', sizeof(junk));
    T_EQ(reef_fiber_wait(reef_socket_write(s, junk, sizeof(junk)), NULL, NULL), 0);
    T_EQ(reef_socket_shutdown_output(s), 0);
    return reef_done();
}

FIBER_TEST(a_parser_error_fails_the_consume)
{
    struct pair p;
    connect_pair(&p);
    reef_future sender = reef_async(send_long_line, p.w);
    reef_input_stream *in = reef_input_stream_new(p.r, 0);
    struct line l = {.len = 0};
    T_EQ(reef_fiber_wait(reef_input_consume(in, line_parser, &l), NULL, NULL), -EMSGSIZE);
    T_EQ(reef_fiber_wait(sender, NULL, NULL), 0);
    reef_input_stream_free(in);
    close_pair(&p);
}

TEST_MAIN()
