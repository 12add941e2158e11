/*
 * Buffered input and output streams over reference-counted buffers, on a
 * socket or a file.
 *
 * Input: the stream reads into a block (a reef_buf) and serves reads from
 * it: copying reads copy out of it, buffer reads hand out shared slices of
 * it. Bytes before `head` may be held by readers, so they are never
 * overwritten: a block that is still shared is replaced by a fresh one
 * when the stream needs its space back. A socket is read into the
 * stream's own block; a file is read ahead, a few aligned blocks at a
 * time, and each block that arrives becomes the stream's block (or is
 * copied behind the unread bytes when a read needs them contiguous).
 *
 * Output: buffers waiting to be written form a queue that a background
 * writer drains: one socket write at a time, or up to `depth` file writes
 * at once, each at the offset its buffer was given when it joined the
 * queue. Small writes are copied into a batch block, which joins the
 * queue when it is full or flushed; large buffers join the queue as they
 * are when the sink can take them from their own memory. An operation
 * resolves once at most `ahead` bytes wait in the queue (0 for flush and
 * for large copying writes, whose memory is only lent until then).
 *
 * Each multi-step input operation is a small loop (reef_repeat) over a
 * state object that lives until the operation's future resolves.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <reef/loop.h>
#include <reef/stream.h>

#define DEFAULT_BUFFER 8192
#define DEFAULT_FILE_BUFFER (128 * 1024)
#define DEFAULT_DEPTH 2
#define MAX_DEPTH 64
/* One file request's limit (reef_file_dma_read's). */
#define MAX_FILE_BUFFER (1u << 30)

/* A file read issued ahead of the reader. */
struct ahead {
    reef_future f; /* resolves with the count read */
    reef_buf b;    /* the block it reads into */
};

/* Where an input stream's file bytes come from: a ring of reads issued
 * ahead, the oldest at ring[first]. */
struct file_source {
    reef_file *f;  /* the stream's own reference */
    uint64_t next; /* offset of the next block to ask for (aligned) */
    size_t skip;   /* bytes of the first block before the stream's offset */
    struct ahead *ring;
    unsigned depth, first, count;
    bool ended; /* a short block was seen: the file ends there */
    int err;    /* bad options or a failed read: every later read fails */
};

struct reef_input_stream {
    reef_socket *s;           /* the source: a socket ... */
    struct file_source *file; /* ... or a file (exactly one is set) */
    size_t block;             /* size of a fresh block */
    reef_buf blk;             /* the block being read into, all of it */
    size_t head, tail;        /* unread bytes are blk[head, tail) */
    bool eof;
};

/* A buffer waiting to be written, and where (files). */
struct entry {
    reef_buf b;
    uint64_t off;
    bool done; /* written; waits for the ones before it to leave the queue */
};

struct reef_output_stream {
    reef_socket *s; /* the sink: a socket ... */
    reef_file *f;   /* ... or a file, the stream's own reference */
    size_t cap;     /* batch size */
    size_t ahead;   /* how many bytes may wait before a write waits */
    size_t align;   /* a buffer written from its own memory: a multiple of this */
    unsigned depth; /* writes under way at once */
    reef_buf batch; /* where small writes are copied (empty until needed) */
    size_t len;     /* bytes of batch in use */
    struct entry *q; /* ring of buffers to write, the oldest at q[first] */
    size_t first, count, qcap;
    size_t started; /* q[first, first + started) were handed to the sink */
    size_t flying;  /* ... of which this many are not written yet */
    uint64_t seq;   /* number of q[first] in the order of joining the queue */
    size_t queued;  /* bytes in q */
    reef_promise waiter; /* the operation waiting for queued <= limit */
    size_t limit;
    uint64_t pos;  /* file offset of the next buffer to join the queue */
    uint64_t cut;  /* with must_cut: the file's true end, past a padded block */
    bool must_cut;
    int err;    /* first failure; every later operation fails with it */
    bool freed; /* freed while writing: the last completion frees the stream */
};

static size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* Block size and depth from the options: 0 or -EINVAL (the defaults are
 * then used, and the stream fails its operations). */
static int file_options(const struct reef_file_stream_options *o, size_t align, bool input,
                        size_t *block, unsigned *depth)
{
    size_t size = o && o->buffer_size ? o->buffer_size : DEFAULT_FILE_BUFFER;
    unsigned d = o ? (input ? o->read_ahead : o->write_behind) : 0;
    int rc = 0;
    if (size > MAX_FILE_BUFFER || d > MAX_DEPTH) {
        rc = -EINVAL;
        size = DEFAULT_FILE_BUFFER;
        d = 0;
    }
    *block = align_up(size, align);
    *depth = d ? d : DEFAULT_DEPTH;
    return rc;
}

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

static void ask_ahead(reef_input_stream *in);

reef_input_stream *reef_file_input_stream_new(reef_file *f, uint64_t offset,
                                              const struct reef_file_stream_options *opts)
{
    size_t align = reef_file_alignment(f);
    size_t block;
    unsigned depth;
    int bad = file_options(opts, align, true, &block, &depth);
    reef_input_stream *in = calloc(1, sizeof(*in));
    struct file_source *fs = calloc(1, sizeof(*fs));
    struct ahead *ring = calloc(depth, sizeof(*ring));
    if (!in || !fs || !ring) {
        free(in);
        free(fs);
        free(ring);
        return NULL;
    }
    *fs = (struct file_source){.f = reef_file_share(f), .next = offset / align * align,
                               .skip = (size_t)(offset % align), .ring = ring, .depth = depth,
                               .err = bad};
    in->file = fs;
    in->block = block;
    ask_ahead(in); /* the reads start now, before the first one is wanted */
    return in;
}

/* What a freed input stream leaves behind: its reads still in flight,
 * and its file reference, dropped after the last of them so that closing
 * the file means the stream is entirely gone. */
struct leftovers {
    reef_file *f;
    unsigned left;
};

struct leftover_read {
    struct leftovers *l;
    reef_buf b;
};

static void drop_file(reef_file *f)
{
    reef_discard(reef_file_close(f)); /* the descriptor closes after the others go */
}

/* Releases an abandoned read's block once the kernel is done with it. */
static reef_future drop_block(void *cap, reef_future r)
{
    struct leftover_read *d = cap;
    reef_future_ignore(r);
    reef_buf_release(&d->b);
    if (--d->l->left == 0) {
        drop_file(d->l->f);
        free(d->l);
    }
    return reef_done();
}

static void free_source(struct file_source *fs)
{
    struct leftovers *l = fs->count ? malloc(sizeof(*l)) : NULL;
    if (l)
        *l = (struct leftovers){fs->f, fs->count};
    else
        drop_file(fs->f); /* nothing in flight (or no memory to wait with) */
    for (unsigned i = 0; i < fs->count; i++) {
        struct ahead *a = &fs->ring[(fs->first + i) % fs->depth];
        if (!l) { /* the block is lost rather than freed under the kernel */
            reef_future_ignore(a->f);
            continue;
        }
        struct leftover_read d = {l, a->b};
        reef_future_ignore(reef_then_wrapped(a->f, drop_block, &d, sizeof(d)));
    }
    free(fs->ring);
    free(fs);
}

void reef_input_stream_free(reef_input_stream *in)
{
    if (!in)
        return;
    if (in->file)
        free_source(in->file);
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

/* ---- Reading a file ahead ---- */

/* Keeps `depth` reads in flight until the file's end is seen. */
static void ask_ahead(reef_input_stream *in)
{
    struct file_source *fs = in->file;
    while (!fs->ended && !fs->err && fs->count < fs->depth) {
        struct ahead *a = &fs->ring[(fs->first + fs->count) % fs->depth];
        if (reef_file_alloc_buf(fs->f, in->block, &a->b) < 0)
            return; /* tried again at the next fill */
        a->f = reef_file_dma_read(fs->f, fs->next, reef_buf_data(a->b), in->block);
        fs->next += in->block;
        fs->count++;
    }
}

struct arrival {
    reef_input_stream *in;
    reef_buf b; /* the block read into */
    size_t want;
};

/* Puts n bytes of b behind the unread ones (taking b): the block itself
 * when nothing is unread, a copy otherwise. */
static int append(reef_input_stream *in, reef_buf b, size_t want)
{
    size_t n = reef_buf_size(b);
    if (buffered(in) == 0) {
        reef_buf_release(&in->blk);
        in->blk = b;
        in->head = 0;
        in->tail = n;
        return 0;
    }
    size_t need = buffered(in) + n;
    int rc = make_room(in, want > need ? want : need);
    if (rc == 0) {
        memcpy(reef_buf_data(in->blk) + in->tail, reef_buf_data(b), n);
        in->tail += n;
    }
    reef_buf_release(&b);
    return rc;
}

static reef_future arrived(void *cap, reef_future r)
{
    struct arrival *a = cap;
    reef_input_stream *in = a->in;
    struct file_source *fs = in->file;
    reef_val v;
    reef_err e;
    int rc = reef_future_take(r, &v, &e);
    if (rc < 0) { /* the stream's place in the file is lost: it stays failed */
        reef_buf_release(&a->b);
        fs->err = rc;
        return reef_fail(e);
    }
    if (v.u < in->block)
        fs->ended = true; /* a short block: the file ends inside it */
    reef_buf_trim(&a->b, v.u);
    reef_buf_trim_front(&a->b, fs->skip);
    fs->skip = 0;
    if (reef_buf_empty(a->b)) {
        in->eof = true;
        return reef_done();
    }
    rc = append(in, a->b, a->want);
    if (rc < 0)
        fs->err = rc; /* the block's bytes are gone */
    return rc < 0 ? reef_fail_code(rc) : reef_done();
}

/* Takes the oldest read ahead, and asks for one more in its place. */
static reef_future fill_from_file(reef_input_stream *in, size_t want)
{
    struct file_source *fs = in->file;
    if (fs->err)
        return reef_fail_code(fs->err);
    ask_ahead(in);
    if (fs->count == 0) {
        if (!fs->ended)
            return reef_fail_code(-ENOMEM); /* ask_ahead found no memory */
        in->eof = true;
        return reef_done();
    }
    struct ahead next = fs->ring[fs->first];
    fs->first = (fs->first + 1) % fs->depth;
    fs->count--;
    ask_ahead(in);
    struct arrival a = {in, next.b, want};
    return reef_then_wrapped(next.f, arrived, &a, sizeof(a));
}

/* ---- Reading a socket ---- */

static reef_future filled(void *cap, reef_val v)
{
    reef_input_stream *in = *(reef_input_stream **)cap;
    if (v.u == 0)
        in->eof = true;
    in->tail += v.u;
    return reef_done();
}

/* Reads once after making room for `want` bytes from head (0: whatever
 * fits, but not a sliver at the end of a shared block). A file's next
 * block comes whole, with room made for it and for `want`. */
static reef_future fill(reef_input_stream *in, size_t want)
{
    if (in->file)
        return fill_from_file(in, want);
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
    out->ahead = out->cap;
    out->align = 1;
    out->depth = 1; /* a socket takes one write at a time */
    out->s = s;
    return out;
}

reef_output_stream *reef_file_output_stream_new(reef_file *f, uint64_t offset,
                                                const struct reef_file_stream_options *opts)
{
    reef_output_stream *out = calloc(1, sizeof(*out));
    if (!out)
        return NULL;
    out->align = reef_file_alignment(f);
    out->err = file_options(opts, out->align, false, &out->cap, &out->depth);
    if (offset % out->align)
        out->err = -EINVAL; /* a direct file is written in whole aligned blocks */
    out->ahead = out->cap * out->depth;
    out->pos = offset;
    out->f = reef_file_share(f);
    return out;
}

static struct entry *entry_at(reef_output_stream *out, size_t i)
{
    return &out->q[(out->first + i) % out->qcap];
}

/* Releases the queued buffers, except those handed to the sink. */
static void drop_queue(reef_output_stream *out)
{
    for (size_t i = out->started; i < out->count; i++) {
        reef_buf *b = &entry_at(out, i)->b;
        out->queued -= reef_buf_size(*b);
        reef_buf_release(b);
    }
    out->count = out->started;
}

static void destroy(reef_output_stream *out)
{
    drop_queue(out);
    reef_buf_release(&out->batch);
    if (out->f)
        drop_file(out->f);
    free(out->q);
    free(out);
}

void reef_output_stream_free(reef_output_stream *out)
{
    if (!out)
        return;
    if (reef_promise_pending(&out->waiter)) /* freed with an operation outstanding */
        reef_promise_abandon(&out->waiter);
    if (out->flying) { /* the kernel still reads queued memory: the completions free */
        drop_queue(out);
        out->freed = true;
        return;
    }
    destroy(out);
}

/* Appends b, to be written at `off` (files), to the queue, taking its
 * reference. On failure b is released and the stream is broken (bytes
 * before it may already be queued). */
static int push(reef_output_stream *out, reef_buf b, uint64_t off)
{
    if (out->count == out->qcap) {
        size_t qcap = out->qcap ? 2 * out->qcap : 8;
        struct entry *q = malloc(qcap * sizeof(*q));
        if (!q) {
            reef_buf_release(&b);
            out->err = -ENOMEM;
            return -ENOMEM;
        }
        for (size_t i = 0; i < out->count; i++)
            q[i] = *entry_at(out, i);
        free(out->q);
        out->q = q;
        out->qcap = qcap;
        out->first = 0;
    }
    *entry_at(out, out->count++) = (struct entry){.b = b, .off = off};
    out->queued += reef_buf_size(b);
    return 0;
}

/* Moves the batch's bytes to the queue. */
static void seal(reef_output_stream *out)
{
    if (out->len == 0)
        return;
    reef_buf_trim(&out->batch, out->len);
    (void)push(out, out->batch, out->pos); /* a failure is recorded in out->err */
    out->pos += out->len;
    out->batch = (reef_buf){0};
    out->len = 0;
}

/* Seals the batch for a flush. A direct file takes whole aligned blocks
 * only, so a partial one is written padded with zeroes and stays in the
 * batch, to be written again, at the same offset, once it grows; the
 * flush then cuts the file at the true end. */
static void seal_last(reef_output_stream *out)
{
    size_t a = out->align;
    if (out->len % a == 0) {
        seal(out);
        return;
    }
    size_t padded = align_up(out->len, a);
    memset(reef_buf_data(out->batch) + out->len, 0, padded - out->len);
    /* The batch is shared until the write is done; the flush waits for it
     * before the next write can copy into the batch again. */
    (void)push(out, reef_buf_share(out->batch, 0, padded), out->pos);
    out->cut = out->pos + out->len;
    out->must_cut = true;
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

/* One queued buffer's write: its number and length. */
struct write_done {
    reef_output_stream *out;
    uint64_t seq;
    size_t len;
};

static reef_future written(void *cap, reef_future r)
{
    struct write_done *w = cap;
    reef_output_stream *out = w->out;
    reef_val v;
    int rc = reef_future_take(r, &v, NULL);
    if (rc == 0 && out->f && v.u != w->len)
        rc = -EIO; /* a file took fewer bytes than asked: nothing to retry */
    struct entry *e = entry_at(out, (size_t)(w->seq - out->seq));
    out->queued -= reef_buf_size(e->b);
    reef_buf_release(&e->b); /* the kernel has the bytes */
    e->done = true;
    out->flying--;
    /* File writes finish in any order; the queue lets go of them in order. */
    while (out->started && entry_at(out, 0)->done) {
        out->first = (out->first + 1) % out->qcap;
        out->count--;
        out->started--;
        out->seq++;
    }
    if (out->freed) {
        if (!out->flying)
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

/* Starts writing queued buffers, as many at once as the sink takes.
 * Nobody waits for the chains: their outcomes land in the stream. */
static void send_next(reef_output_stream *out)
{
    while (out->started < out->count && out->flying < out->depth && !out->err) {
        struct entry *e = entry_at(out, out->started);
        struct write_done w = {out, out->seq + out->started, reef_buf_size(e->b)};
        out->started++;
        out->flying++;
        char *p = reef_buf_data(e->b);
        reef_future f = out->f ? reef_file_dma_write(out->f, e->off, p, w.len)
                               : reef_socket_write(out->s, p, w.len);
        reef_future_ignore(reef_then_wrapped(f, written, &w, sizeof(w)));
    }
}

/* Resolves once at most `limit` bytes wait to be written. */
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

static int alloc_batch(reef_output_stream *out)
{
    if (out->f)
        return reef_file_alloc_buf(out->f, out->cap, &out->batch);
    return reef_buf_alloc(out->cap, &out->batch);
}

/* Copies what fits of n bytes at *p into the batch (allocating it if
 * needed) and seals the batch when it fills. Returns 0 or -ENOMEM. */
static int fill_batch(reef_output_stream *out, const char **p, size_t *n)
{
    if (reef_buf_empty(out->batch)) {
        int rc = alloc_batch(out);
        if (rc < 0)
            return rc;
    }
    size_t k = out->cap - out->len < *n ? out->cap - out->len : *n;
    memcpy(reef_buf_data(out->batch) + out->len, *p, k);
    out->len += k;
    *p += k;
    *n -= k;
    if (out->f && out->len == out->cap)
        seal(out); /* a full block goes to the disk while the writer fills the next */
    return 0;
}

/* A copying write larger than the room left in a file stream's batch: one
 * block at a time, waiting for the blocks behind to drain in between, so
 * the stream never holds more than its write-behind allows. */
struct copy_op {
    reef_output_stream *out;
    const char *p;
    size_t n;
    bool some; /* part of the write is in the stream */
};

static reef_future copy_step(void *cap)
{
    struct copy_op *c = *(struct copy_op **)cap;
    int rc = fill_batch(c->out, &c->p, &c->n);
    if (rc < 0) {
        if (c->some)
            c->out->err = rc; /* part of the write is in: the stream cannot go on */
        return reef_fail_code(rc);
    }
    c->some = true;
    if (c->n == 0)
        return reef_stop();
    return reef_then(wait_for(c->out, c->out->ahead), go_on, NULL, 0);
}

static reef_future copy_done(void *cap, reef_future r)
{
    struct copy_op *c = *(struct copy_op **)cap;
    reef_output_stream *out = c->out;
    free(c);
    if (reef_future_failed(r))
        return r;
    reef_future_ignore(r);
    return wait_for(out, out->ahead);
}

/* A copy of n bytes that does not fit the file batch's room goes a block
 * at a time, reading the source until its future resolves. */
static bool copies_in_steps(const reef_output_stream *out, size_t n)
{
    return out->f && n > out->cap - out->len;
}

/* n bytes into the batch, sealing it each time it fills. */
static reef_future copy_in(reef_output_stream *out, const void *src, size_t n)
{
    const char *p = src;
    if (!out->f && out->len + n > out->cap)
        seal(out); /* a socket: a small write is not split between two sends */
    if (copies_in_steps(out, n)) {
        struct copy_op *c = malloc(sizeof(*c));
        if (!c)
            return reef_fail_code(-ENOMEM);
        *c = (struct copy_op){out, p, n, false};
        return reef_then_wrapped(reef_repeat(copy_step, &c, sizeof(c)), copy_done, &c,
                                 sizeof(c));
    }
    int rc = fill_batch(out, &p, &n); /* it all fits */
    if (rc < 0)
        return reef_fail_code(rc);
    return wait_for(out, out->ahead);
}

/* b (taken) after what is batched. */
static reef_future enqueue(reef_output_stream *out, reef_buf b, size_t limit)
{
    seal(out);
    if (out->err) {
        reef_buf_release(&b);
        return reef_fail_code(out->err);
    }
    size_t n = reef_buf_size(b);
    (void)push(out, b, out->pos);
    out->pos += n;
    return wait_for(out, limit);
}

/* Whether n bytes at p can be written from where they are: a direct file
 * needs aligned memory and whole blocks, after a batch of whole blocks. */
static bool lendable(const reef_output_stream *out, const void *p, size_t n)
{
    size_t a = out->align;
    return (uintptr_t)p % a == 0 && n % a == 0 && out->len % a == 0;
}

reef_future reef_output_write(reef_output_stream *out, const void *src, size_t n)
{
    if (out->err)
        return reef_fail_code(out->err);
    if (n == 0)
        return reef_done();
    if (n < out->cap || !lendable(out, src, n))
        return copy_in(out, src, n);
    /* Large: written from src, which is lent until the future resolves, so
     * the future waits until the kernel has taken all of it. */
    reef_buf b;
    int rc = reef_buf_wrap((void *)src, n, NULL, NULL, &b);
    if (rc < 0)
        return reef_fail_code(rc);
    return enqueue(out, b, 0);
}

static reef_future release_after(void *cap, reef_future r)
{
    reef_buf_release((reef_buf *)cap);
    return r;
}

reef_future reef_output_write_buf(reef_output_stream *out, reef_buf b)
{
    if (out->err || reef_buf_empty(b)) {
        reef_buf_release(&b);
        return out->err ? reef_fail_code(out->err) : reef_done();
    }
    size_t n = reef_buf_size(b);
    /* Copying beats a system call of its own for a small buffer. */
    if (n < out->cap / 2 || !lendable(out, reef_buf_data(b), n)) {
        bool in_steps = copies_in_steps(out, n);
        reef_future f = copy_in(out, reef_buf_data(b), n);
        if (!in_steps) {
            reef_buf_release(&b); /* copied already: free for the caller at once */
            return f;
        }
        /* A long copy into a file stream reads b until it is done. */
        return reef_then_wrapped(f, release_after, &b, sizeof(b));
    }
    return enqueue(out, b, out->ahead);
}

static reef_future datasync(void *cap, reef_val v)
{
    (void)v;
    return reef_file_flush(*(reef_file **)cap);
}

/* After a file's queue is written: its size set to the true end if the
 * last block was padded, then the data made durable. */
static reef_future sync_file(void *cap, reef_val v)
{
    (void)v;
    reef_output_stream *out = *(reef_output_stream **)cap;
    reef_file *f = out->f;
    if (!out->must_cut)
        return reef_file_flush(f);
    out->must_cut = false;
    return reef_then(reef_file_truncate(f, out->cut), datasync, &f, sizeof(f));
}

reef_future reef_output_flush(reef_output_stream *out)
{
    if (!out->f) {
        seal(out);
        return wait_for(out, 0);
    }
    if (out->err)
        return reef_fail_code(out->err);
    seal_last(out);
    return reef_then(wait_for(out, 0), sync_file, &out, sizeof(out));
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
    if (out->f) /* the file stays open: the stream's reference goes when it is freed */
        return reef_output_flush(out);
    return reef_then(reef_output_flush(out), shut_output, &out, sizeof(out));
}
