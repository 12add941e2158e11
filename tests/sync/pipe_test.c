/* Tests for src/sync/pipe.c. */
#include <errno.h>

#include <reef/loop.h>
#include <reef/pipe.h>
#include <reef/timer.h>
#include <reef/when.h>

#include "harness/harness.h"

REACTOR_TEST(bad_capacity_is_refused)
{
    T_TRUE(reef_pipe_create(0) == NULL);
    return reef_done();
}

/* A writer sending 1..N through a pipe of capacity 2 and a reader checking
 * them: both sides wait for each other, nothing is lost or reordered, and
 * the reader sees end-of-file after the last item. */
#define N 1000

struct transfer {
    reef_pipe *p;
    int64_t next_write, expect;
    reef_val slot;
    bool eof;
};

static reef_future go_on(void *cap, reef_val v) { return reef_continue(); }

static reef_future write_one(void *cap)
{
    struct transfer *t = *(struct transfer **)cap;
    if (t->next_write > N) {
        reef_pipe_close_writer(t->p);
        return reef_stop();
    }
    return reef_then(reef_pipe_write(t->p, (reef_val){.i = t->next_write++}), go_on, NULL, 0);
}

static reef_future got_one(void *cap, reef_val v)
{
    struct transfer *t = *(struct transfer **)cap;
    if (v.i == 0) { /* end of file */
        t->eof = true;
        reef_pipe_close_reader(t->p);
        return reef_stop();
    }
    T_EQ(t->slot.i, t->expect);
    t->expect++;
    return reef_continue();
}

static reef_future read_one(void *cap)
{
    struct transfer *t = *(struct transfer **)cap;
    return reef_then(reef_pipe_read(t->p, &t->slot), got_one, &t, sizeof(t));
}

static reef_future transfer_done(void *cap, reef_val v)
{
    struct transfer *t = *(struct transfer **)cap;
    T_EQ(t->expect, N + 1);
    T_TRUE(t->eof);
    free(t);
    return reef_done();
}

REACTOR_TEST(items_flow_in_order_with_back_pressure_and_eof)
{
    struct transfer *t = calloc(1, sizeof(*t));
    t->p = reef_pipe_create(2);
    t->next_write = t->expect = 1;
    reef_future both[2] = {reef_repeat(write_one, &t, sizeof(t)),
                           reef_repeat(read_one, &t, sizeof(t))};
    return reef_then(reef_when_all_succeed(both, 2, NULL), transfer_done, &t, sizeof(t));
}

static reef_pipe *bp;

static reef_future expect_broken(void *cap, reef_future r)
{
    T_EQ(reef_future_take(r, NULL, NULL), REEF_EPIPE_BROKEN);
    return reef_done();
}

static reef_future after_reader_closed(void *cap, reef_val v)
{
    /* Later writes fail too; then the writer closes its end. */
    T_EQ(reef_future_take(reef_pipe_write(bp, (reef_val){.i = 9}), NULL, NULL),
         REEF_EPIPE_BROKEN);
    reef_pipe_close_writer(bp);
    return reef_done();
}

REACTOR_TEST(closing_the_reader_breaks_a_waiting_writer)
{
    bp = reef_pipe_create(1);
    T_EQ(reef_future_take(reef_pipe_write(bp, (reef_val){.i = 1}), NULL, NULL), 0);
    reef_future waiting = reef_pipe_write(bp, (reef_val){.i = 2}); /* full: waits */
    T_FALSE(reef_future_available(waiting));
    reef_discard(reef_then_wrapped(waiting, expect_broken, NULL, 0));
    reef_pipe_close_reader(bp);
    return reef_then(reef_sleep(reef_ms(1)), after_reader_closed, NULL, 0);
}

static reef_val eof_slot;

static reef_future check_eof(void *cap, reef_val v)
{
    T_EQ(v.i, 0);
    reef_pipe_close_reader(bp);
    return reef_done();
}

REACTOR_TEST(closing_the_writer_gives_a_waiting_reader_eof)
{
    bp = reef_pipe_create(4);
    reef_future r = reef_pipe_read(bp, &eof_slot);
    T_FALSE(reef_future_available(r));
    reef_pipe_close_writer(bp);
    return reef_then(r, check_eof, NULL, 0);
}

TEST_MAIN()
