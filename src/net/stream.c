/*
 * Buffered input and output streams.
 *
 * Each multi-step operation is a small loop (reef_repeat) over a state
 * object that lives until the operation's future resolves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <reef/loop.h>
#include <reef/stream.h>

#define DEFAULT_BUFFER 8192

struct reef_input_stream {
    reef_socket *s;
    char *buf;
    size_t cap, head, tail; /* unread bytes are buf[head, tail) */
    bool eof;
};

struct reef_output_stream {
    reef_socket *s;
    char *buf;
    size_t cap, len;
};

/* ---- Input ----------------------------------------------------------------- */

reef_input_stream *reef_input_stream_new(reef_socket *s, size_t buffer_size)
{
    reef_input_stream *in = calloc(1, sizeof(*in));
    if (!in)
        return NULL;
    in->cap = buffer_size ? buffer_size : DEFAULT_BUFFER;
    in->buf = malloc(in->cap);
    if (!in->buf) {
        free(in);
        return NULL;
    }
    in->s = s;
    return in;
}

void reef_input_stream_free(reef_input_stream *in)
{
    if (!in)
        return;
    free(in->buf);
    free(in);
}

static size_t buffered(const reef_input_stream *in) { return in->tail - in->head; }

/* Takes up to max buffered bytes into dst (NULL: drop them). */
static size_t take(reef_input_stream *in, char *dst, size_t max)
{
    size_t n = buffered(in) < max ? buffered(in) : max;
    if (dst)
        memcpy(dst, in->buf + in->head, n);
    in->head += n;
    if (in->head == in->tail)
        in->head = in->tail = 0;
    return n;
}

static reef_future filled(void *cap, reef_val v)
{
    reef_input_stream *in = *(reef_input_stream **)cap;
    if (v.u == 0)
        in->eof = true;
    in->tail += v.u;
    return reef_done();
}

/* Reads one block from the socket into the free end of the buffer. */
static reef_future fill(reef_input_stream *in)
{
    if (in->head > 0 && in->tail == in->cap) { /* make room at the end */
        memmove(in->buf, in->buf + in->head, buffered(in));
        in->tail -= in->head;
        in->head = 0;
    }
    return reef_then(reef_socket_read(in->s, in->buf + in->tail, in->cap - in->tail), filled,
                     &in, sizeof(in));
}

struct read_op {
    reef_input_stream *in;
    char *dst; /* NULL for skip */
    size_t want, got;
    bool exactly;
};

static reef_future go_on(void *cap, reef_val v)
{
    (void)cap, (void)v;
    return reef_continue();
}

static reef_future read_step(void *cap)
{
    struct read_op *op = *(struct read_op **)cap;
    op->got += take(op->in, op->dst ? op->dst + op->got : NULL, op->want - op->got);
    if (op->got == op->want || op->in->eof || (!op->exactly && op->got > 0))
        return reef_stop();
    return reef_then(fill(op->in), go_on, NULL, 0);
}

static reef_future read_result(void *cap, reef_future r)
{
    struct read_op *op = *(struct read_op **)cap;
    size_t got = op->got;
    free(op);
    if (reef_future_failed(r))
        return r;
    reef_future_ignore(r);
    return reef_ready_u64(got);
}

static reef_future start_read(reef_input_stream *in, char *dst, size_t n, bool exactly)
{
    /* Served from the buffer alone: no allocation, no system call. */
    if (buffered(in) >= n || (!exactly && buffered(in) > 0) || n == 0)
        return reef_ready_u64(take(in, dst, n));
    struct read_op *op = malloc(sizeof(*op));
    if (!op)
        return reef_fail_code(-ENOMEM);
    *op = (struct read_op){in, dst, n, 0, exactly};
    return reef_then_wrapped(reef_repeat(read_step, &op, sizeof(op)), read_result, &op,
                             sizeof(op));
}

reef_future reef_input_read_up_to(reef_input_stream *in, void *dst, size_t max)
{
    return start_read(in, dst, max, false);
}

reef_future reef_input_read_exactly(reef_input_stream *in, void *dst, size_t n)
{
    return start_read(in, dst, n, true);
}

reef_future reef_input_skip(reef_input_stream *in, size_t n)
{
    return start_read(in, NULL, n, true);
}

struct consume_op {
    reef_input_stream *in;
    reef_consumer_fn fn;
    void *cap;
    bool done;
};

static reef_future consume_step(void *cap)
{
    struct consume_op *op = *(struct consume_op **)cap;
    reef_input_stream *in = op->in;
    if (buffered(in) > 0) {
        ssize_t used = op->fn(op->cap, in->buf + in->head, buffered(in), &op->done);
        if (used < 0)
            return reef_fail_code((int)used);
        if ((size_t)used > buffered(in))
            return reef_fail_code(-EINVAL);
        take(in, NULL, (size_t)used);
        if (op->done)
            return reef_stop();
        if (used == 0 && in->head == 0 && in->tail == in->cap)
            return reef_fail_msg(-EMSGSIZE, "the parser needs more than the %zu-byte buffer",
                                 in->cap);
    }
    if (in->eof)
        return reef_stop();
    return reef_then(fill(in), go_on, NULL, 0);
}

static reef_future consume_result(void *cap, reef_future r)
{
    struct consume_op *op = *(struct consume_op **)cap;
    bool done = op->done;
    free(op);
    if (reef_future_failed(r))
        return r;
    reef_future_ignore(r);
    return reef_ready_u64(done);
}

reef_future reef_input_consume(reef_input_stream *in, reef_consumer_fn fn, void *cap)
{
    struct consume_op *op = malloc(sizeof(*op));
    if (!op)
        return reef_fail_code(-ENOMEM);
    *op = (struct consume_op){in, fn, cap, false};
    return reef_then_wrapped(reef_repeat(consume_step, &op, sizeof(op)), consume_result, &op,
                             sizeof(op));
}

/* ---- Output --------------------------------------------------------------------- */

reef_output_stream *reef_output_stream_new(reef_socket *s, size_t buffer_size)
{
    reef_output_stream *out = calloc(1, sizeof(*out));
    if (!out)
        return NULL;
    out->cap = buffer_size ? buffer_size : DEFAULT_BUFFER;
    out->buf = malloc(out->cap);
    if (!out->buf) {
        free(out);
        return NULL;
    }
    out->s = s;
    return out;
}

void reef_output_stream_free(reef_output_stream *out)
{
    if (!out)
        return;
    free(out->buf);
    free(out);
}

static reef_future flushed(void *cap, reef_val v)
{
    (void)v;
    reef_output_stream *out = *(reef_output_stream **)cap;
    out->len = 0;
    return reef_done();
}

reef_future reef_output_flush(reef_output_stream *out)
{
    if (out->len == 0)
        return reef_done();
    return reef_then(reef_socket_write(out->s, out->buf, out->len), flushed, &out, sizeof(out));
}

struct write_op {
    reef_output_stream *out;
    const char *src;
    size_t n;
};

static reef_future write_after_flush(void *cap, reef_val v)
{
    (void)v;
    struct write_op *op = cap;
    if (op->n >= op->out->cap) /* large: straight to the socket */
        return reef_socket_write(op->out->s, op->src, op->n);
    memcpy(op->out->buf, op->src, op->n);
    op->out->len = op->n;
    return reef_ready_u64(op->n);
}

reef_future reef_output_write(reef_output_stream *out, const void *src, size_t n)
{
    if (out->len + n <= out->cap) { /* the common case: just buffer it */
        memcpy(out->buf + out->len, src, n);
        out->len += n;
        return reef_ready_u64(n);
    }
    struct write_op op = {out, src, n};
    return reef_then(reef_output_flush(out), write_after_flush, &op, sizeof(op));
}

static reef_future shut_output(void *cap, reef_val v)
{
    (void)v;
    reef_output_stream *out = *(reef_output_stream **)cap;
    int rc = reef_socket_shutdown_output(out->s);
    return rc < 0 ? reef_fail_code(rc) : reef_done();
}

reef_future reef_output_close(reef_output_stream *out)
{
    return reef_then(reef_output_flush(out), shut_output, &out, sizeof(out));
}
