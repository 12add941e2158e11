/*
 * Buffered input and output streams over reference-counted buffers.
 *
 * Input: the stream reads from the socket into a block (a reef_buf) and
 * serves reads from it: copying reads copy out of it, buffer reads hand
 * out shared slices of it. Bytes before `head` may be held by readers, so
 * they are never overwritten: a block that is still shared is replaced by
 * a fresh one when the stream needs its space back.
 *
 * Output: buffers waiting to be sent form a queue that a background
 * sender drains one socket write at a time. Small writes are copied into
 * a batch block, which joins the queue when it is full or flushed; large
 * buffers join the queue as they are. An operation resolves once at most
 * `cap` bytes wait in the queue (0 for flush and for large copying
 * writes, whose memory is only lent until then).
 *
 * Each multi-step input operation is a small loop (reef_repeat) over a
 * state object that lives until the operation's future resolves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <reef/loop.h>
#include <reef/stream.h>

#define DEFAULT_BUFFER 8192

struct reef_input_stream {
    reef_socket *s;
    size_t block; /* size of a fresh block */
    reef_buf blk; /* the block being read into, all of it */
    size_t head, tail; /* unread bytes are blk[head, tail) */
    bool eof;
};

struct reef_output_stream {
    reef_socket *s;
    size_t cap;     /* batch size, and how many bytes may wait before a write waits */
    reef_buf batch; /* where small writes are copied (empty until needed) */
    size_t len;     /* bytes of batch in use */
    reef_buf *q;    /* ring of buffers to send, the oldest (maybe in flight) at q[first] */
    size_t first, count, qcap;
    size_t queued;        /* bytes in q */
    reef_promise waiter;  /* the operation waiting for queued <= limit */
    size_t limit;
    int err;      /* first failure; every later operation fails with it */
    bool sending; /* q[first] is being written */
    bool freed;   /* freed while sending: the completion frees the stream */
};

/* ---- Input ----------------------------------------------------------------- */

reef_input_stream *reef_input_stream_new(reef_socket *s, size_t buffer_size)
{
    reef_input_stream *in = calloc(1, sizeof(*in));
    if (!in)
        return NULL;
    in->block = buffer_size ? buffer_size : DEFAULT_BUFFER;
    if (reef_buf_alloc(in->block, &in->blk) < 0) {
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
    reef_buf_release(&in->blk);
    free(in);
}

static size_t buffered(const reef_input_stream *in) { return in->tail - in->head; }
static char *unread(const reef_input_stream *in) { return reef_buf_data(in->blk) + in->head; }
static size_t capacity(const reef_input_stream *in) { return reef_buf_size(in->blk); }

/* Takes up to max buffered bytes into dst (NULL: drop them). */
static size_t take(reef_input_stream *in, char *dst, size_t max)
{
    size_t n = buffered(in) < max ? buffered(in) : max;
    if (dst && n)
        memcpy(dst, unread(in), n);
    in->head += n;
    return n;
}

/* Hands up to max buffered bytes out as a slice of the block. */
static size_t hand_out(reef_input_stream *in, reef_buf *out, size_t max)
{
    size_t n = buffered(in) < max ? buffered(in) : max;
    *out = reef_buf_share(in->blk, in->head, n);
    in->head += n;
    return n;
}

/* Makes room for `want` bytes from head on (the unread ones included). */
static int make_room(reef_input_stream *in, size_t want)
{
    size_t n = buffered(in);
    bool mine = reef_buf_unique(in->blk); /* no reader holds a slice */
    if (n == 0 && mine)
        in->head = in->tail = 0;
    if (in->head + want <= capacity(in))
        return 0;
    if (mine && want <= capacity(in)) {
        memmove(reef_buf_data(in->blk), unread(in), n);
    } else {
        reef_buf fresh;
        int rc = reef_buf_alloc(want > in->block ? want : in->block, &fresh);
        if (rc < 0)
            return rc;
        if (n)
            memcpy(reef_buf_data(fresh), unread(in), n);
        reef_buf_release(&in->blk);
        in->blk = fresh;
    }
    in->head = 0;
    in->tail = n;
    return 0;
}

static reef_future filled(void *cap, reef_val v)
{
    reef_input_stream *in = *(reef_input_stream **)cap;
    if (v.u == 0)
        in->eof = true;
    in->tail += v.u;
    return reef_done();
}

/* Reads once from the socket after making room for `want` bytes from head
 * (0: whatever fits, but not a sliver at the end of a shared block). */
static reef_future fill(reef_input_stream *in, size_t want)
{
    if (want == 0)
        want = buffered(in) ? buffered(in) + 1 : (in->block + 3) / 4;
    int rc = make_room(in, want);
    if (rc < 0)
        return reef_fail_code(rc);
    return reef_then(reef_socket_read(in->s, reef_buf_data(in->blk) + in->tail,
                                      capacity(in) - in->tail),
                     filled, &in, sizeof(in));
}

struct read_op {
    reef_input_stream *in;
    char *dst;     /* copying reads; NULL for skip */
    reef_buf *out; /* buffer reads */
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
    reef_input_stream *in = op->in;
    if (op->out) { /* contiguous: wait until enough is buffered */
        if (buffered(in) >= op->want || in->eof || (!op->exactly && buffered(in) > 0)) {
            op->got = hand_out(in, op->out, op->want);
            return reef_stop();
        }
        return reef_then(fill(in, op->exactly ? op->want : 0), go_on, NULL, 0);
    }
    op->got += take(in, op->dst ? op->dst + op->got : NULL, op->want - op->got);
    if (op->got == op->want || in->eof || (!op->exactly && op->got > 0))
        return reef_stop();
    return reef_then(fill(in, 0), go_on, NULL, 0);
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

static reef_future start_read(struct read_op o)
{
    reef_input_stream *in = o.in;
    /* Served from the buffer alone: no allocation, no system call. */
    if (buffered(in) >= o.want || (!o.exactly && buffered(in) > 0) || o.want == 0 || in->eof) {
        if (o.out)
            return reef_ready_u64(hand_out(in, o.out, o.want));
        return reef_ready_u64(take(in, o.dst, o.want));
    }
    struct read_op *op = malloc(sizeof(*op));
    if (!op)
        return reef_fail_code(-ENOMEM);
    *op = o;
    return reef_then_wrapped(reef_repeat(read_step, &op, sizeof(op)), read_result, &op,
                             sizeof(op));
}

reef_future reef_input_read_up_to(reef_input_stream *in, void *dst, size_t max)
{
    return start_read((struct read_op){.in = in, .dst = dst, .want = max});
}

reef_future reef_input_read_exactly(reef_input_stream *in, void *dst, size_t n)
{
    return start_read((struct read_op){.in = in, .dst = dst, .want = n, .exactly = true});
}

reef_future reef_input_skip(reef_input_stream *in, size_t n)
{
    return start_read((struct read_op){.in = in, .want = n, .exactly = true});
}

reef_future reef_input_read_buf(reef_input_stream *in, reef_buf *out)
{
    *out = (reef_buf){0};
    return start_read((struct read_op){.in = in, .out = out, .want = SIZE_MAX});
}

reef_future reef_input_read_exactly_buf(reef_input_stream *in, size_t n, reef_buf *out)
{
    *out = (reef_buf){0};
    return start_read((struct read_op){.in = in, .out = out, .want = n, .exactly = true});
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
        ssize_t used = op->fn(op->cap, unread(in), buffered(in), &op->done);
        if (used < 0)
            return reef_fail_code((int)used);
        if ((size_t)used > buffered(in))
            return reef_fail_code(-EINVAL);
        take(in, NULL, (size_t)used);
        if (op->done)
            return reef_stop();
        if (used == 0 && buffered(in) >= in->block)
            return reef_fail_msg(-EMSGSIZE, "the parser needs more than the %zu-byte buffer",
                                 in->block);
    }
    if (in->eof)
        return reef_stop();
    return reef_then(fill(in, 0), go_on, NULL, 0);
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
    out->s = s;
    return out;
}

/* Releases the queued buffers, except the one in flight. */
static void drop_queue(reef_output_stream *out)
{
    size_t keep = out->sending ? 1 : 0;
    for (size_t i = keep; i < out->count; i++) {
        reef_buf *b = &out->q[(out->first + i) % out->qcap];
        out->queued -= reef_buf_size(*b);
        reef_buf_release(b);
    }
    out->count = keep;
}

static void destroy(reef_output_stream *out)
{
    drop_queue(out);
    reef_buf_release(&out->batch);
    free(out->q);
    free(out);
}

void reef_output_stream_free(reef_output_stream *out)
{
    if (!out)
        return;
    if (reef_promise_pending(&out->waiter)) /* freed with an operation outstanding */
        reef_promise_abandon(&out->waiter);
    if (out->sending) { /* the kernel still reads q[first]: let the completion free */
        drop_queue(out);
        out->freed = true;
        return;
    }
    destroy(out);
}

/* Appends b to the queue, taking its reference. On failure b is released
 * and the stream is broken (bytes before it may already be queued). */
static int push(reef_output_stream *out, reef_buf b)
{
    if (out->count == out->qcap) {
        size_t qcap = out->qcap ? 2 * out->qcap : 8;
        reef_buf *q = malloc(qcap * sizeof(*q));
        if (!q) {
            reef_buf_release(&b);
            out->err = -ENOMEM;
            return -ENOMEM;
        }
        for (size_t i = 0; i < out->count; i++)
            q[i] = out->q[(out->first + i) % out->qcap];
        free(out->q);
        out->q = q;
        out->qcap = qcap;
        out->first = 0;
    }
    out->q[(out->first + out->count++) % out->qcap] = b;
    out->queued += reef_buf_size(b);
    return 0;
}

/* Moves the batch's bytes to the queue. */
static void seal(reef_output_stream *out)
{
    if (out->len == 0)
        return;
    reef_buf_trim(&out->batch, out->len);
    (void)push(out, out->batch); /* a failure is recorded in out->err */
    out->batch = (reef_buf){0};
    out->len = 0;
}

static void wake(reef_output_stream *out)
{
    if (!reef_promise_pending(&out->waiter))
        return;
    if (out->err)
        reef_promise_fail(&out->waiter, reef_err_code(out->err));
    else if (out->queued <= out->limit)
        reef_promise_resolve(&out->waiter, (reef_val){0});
}

static void send_next(reef_output_stream *out);

static reef_future sent(void *cap, reef_future r)
{
    reef_output_stream *out = *(reef_output_stream **)cap;
    int rc = reef_future_take(r, NULL, NULL);
    reef_buf *b = &out->q[out->first];
    out->queued -= reef_buf_size(*b);
    reef_buf_release(b); /* the kernel has the bytes */
    out->first = (out->first + 1) % out->qcap;
    out->count--;
    out->sending = false;
    if (out->freed) {
        destroy(out);
        return reef_done();
    }
    if (rc < 0 && !out->err)
        out->err = rc;
    if (out->err)
        drop_queue(out);
    send_next(out);
    wake(out);
    return reef_done();
}

/* Starts writing the oldest queued buffer, unless a write is under way.
 * Nobody waits for the chain: its outcome lands in the stream. */
static void send_next(reef_output_stream *out)
{
    if (out->sending || out->count == 0 || out->err)
        return;
    out->sending = true;
    reef_buf b = out->q[out->first];
    reef_future_ignore(reef_then_wrapped(
        reef_socket_write(out->s, reef_buf_data(b), reef_buf_size(b)), sent, &out, sizeof(out)));
}

/* Resolves once at most `limit` bytes wait to be sent. */
static reef_future wait_for(reef_output_stream *out, size_t limit)
{
    send_next(out);
    if (out->err)
        return reef_fail_code(out->err);
    if (out->queued <= limit)
        return reef_done();
    out->limit = limit;
    return reef_promise_init(&out->waiter);
}

/* n < cap bytes into the batch. */
static reef_future copy_in(reef_output_stream *out, const void *src, size_t n)
{
    if (out->len + n > out->cap)
        seal(out);
    if (reef_buf_empty(out->batch)) {
        int rc = reef_buf_alloc(out->cap, &out->batch);
        if (rc < 0)
            return reef_fail_code(rc);
    }
    memcpy(reef_buf_data(out->batch) + out->len, src, n);
    out->len += n;
    return wait_for(out, out->cap);
}

/* b (taken) after what is batched. */
static reef_future enqueue(reef_output_stream *out, reef_buf b, size_t limit)
{
    seal(out);
    if (out->err) {
        reef_buf_release(&b);
        return reef_fail_code(out->err);
    }
    (void)push(out, b);
    return wait_for(out, limit);
}

reef_future reef_output_write(reef_output_stream *out, const void *src, size_t n)
{
    if (out->err)
        return reef_fail_code(out->err);
    if (n == 0)
        return reef_done();
    if (n < out->cap)
        return copy_in(out, src, n);
    /* Large: sent from src, which is lent until the future resolves, so the
     * future waits until the kernel has taken all of it. */
    reef_buf b;
    int rc = reef_buf_wrap((void *)src, n, NULL, NULL, &b);
    if (rc < 0)
        return reef_fail_code(rc);
    return enqueue(out, b, 0);
}

reef_future reef_output_write_buf(reef_output_stream *out, reef_buf b)
{
    if (out->err || reef_buf_empty(b)) {
        reef_buf_release(&b);
        return out->err ? reef_fail_code(out->err) : reef_done();
    }
    if (reef_buf_size(b) < out->cap / 2) { /* copying beats a system call of its own */
        reef_future f = copy_in(out, reef_buf_data(b), reef_buf_size(b));
        reef_buf_release(&b);
        return f;
    }
    return enqueue(out, b, out->cap);
}

reef_future reef_output_flush(reef_output_stream *out)
{
    seal(out);
    return wait_for(out, 0);
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
