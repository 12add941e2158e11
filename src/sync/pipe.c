/*
 * Pipes, built on the bounded queue: the writer pushes, the reader pops.
 * Closing the writer turns the reader's pending and future pops into end of
 * file once the buffer is empty; closing the reader aborts the queue with
 * REEF_EPIPE_BROKEN, which fails waiting and later writes.
 */
#include <errno.h>
#include <stdlib.h>

#include <reef/pipe.h>
#include <reef/queue.h>

/* Internal code for "writer closed": turned into end of file for reads. */
#define PIPE_EOF (REEF_EPIPE_BROKEN - 1000)

struct reef_pipe {
    reef_queue q;
    bool reader_open, writer_open;
};

static void maybe_free(reef_pipe *p)
{
    if (p->reader_open || p->writer_open)
        return;
    reef_queue_fini(&p->q);
    free(p);
}

reef_pipe *reef_pipe_create(size_t capacity)
{
    reef_pipe *p = malloc(sizeof(*p));
    if (!p)
        return NULL;
    if (reef_queue_init(&p->q, capacity) != 0) {
        free(p);
        return NULL;
    }
    p->reader_open = p->writer_open = true;
    return p;
}

static reef_future stored(void *cap, reef_future r)
{
    reef_val *out = cap;
    reef_val v;
    reef_err e;
    int rc = reef_future_take(r, &v, &e);
    if (rc == PIPE_EOF)
        return reef_ready_i64(0);
    if (rc != 0)
        return reef_fail(e);
    *out = v;
    return reef_ready_i64(1);
}

reef_future reef_pipe_read(reef_pipe *p, reef_val *out)
{
    if (!p->reader_open)
        return reef_fail_code(REEF_EPIPE_BROKEN);
    if (!p->writer_open && reef_queue_empty(&p->q))
        return reef_ready_i64(0);
    return reef_then_wrapped(reef_queue_pop_eventually(&p->q), stored, out, 0);
}

reef_future reef_pipe_write(reef_pipe *p, reef_val v)
{
    if (!p->reader_open)
        return reef_fail_code(REEF_EPIPE_BROKEN);
    return reef_queue_push_eventually(&p->q, v);
}

void reef_pipe_close_reader(reef_pipe *p)
{
    p->reader_open = false;
    reef_queue_abort(&p->q, reef_err_code(REEF_EPIPE_BROKEN));
    maybe_free(p);
}

void reef_pipe_close_writer(reef_pipe *p)
{
    p->writer_open = false;
    /* A reader waiting now has an empty buffer: end of file. */
    if (reef_queue_empty(&p->q))
        reef_queue_abort(&p->q, reef_err_code(PIPE_EOF));
    maybe_free(p);
}
