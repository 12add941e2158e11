/* Tests for src/sync/pipe.c. */
#include <errno.h>

#include <reef/fiber.h>
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
    T_EQ(eof_slot.i, -5); /* nothing stored at end of file */
    reef_pipe_close_reader(bp);
    return reef_done();
}

REACTOR_TEST(closing_the_writer_gives_a_waiting_reader_eof)
{
    bp = reef_pipe_create(4);
    eof_slot.i = -5;
    reef_future r = reef_pipe_read(bp, &eof_slot);
    T_FALSE(reef_future_available(r));
    reef_pipe_close_writer(bp);
    return reef_then(r, check_eof, NULL, 0);
}

/* ---- one end at a time -------------------------------------------------------- */

static reef_val I(int64_t i) { return (reef_val){.i = i}; }

/* Reads one item: returns what the read resolved with (1 item, 0 end of
 * file, or the error code) and the item in *slot. */
static int64_t read_one_item(reef_pipe *p, reef_val *slot)
{
    reef_val r;
    int rc = reef_fiber_wait(reef_pipe_read(p, slot), &r, NULL);
    return rc ? rc : r.i;
}

/* Closing the writer does not lose what it wrote: the reader gets the
 * buffered items in order, then end of file, and end of file again. */
FIBER_TEST(buffered_items_are_read_before_end_of_file)
{
    reef_pipe *p = reef_pipe_create(4);
    for (int i = 1; i <= 3; i++)
        T_EQ(reef_fiber_wait(reef_pipe_write(p, I(i)), NULL, NULL), 0);
    reef_pipe_close_writer(p);
    reef_val slot;
    for (int i = 1; i <= 3; i++) {
        T_EQ(read_one_item(p, &slot), 1);
        T_EQ(slot.i, i);
    }
    slot.i = -5;
    T_EQ(read_one_item(p, &slot), 0);
    T_EQ(slot.i, -5); /* nothing stored at end of file */
    T_EQ(read_one_item(p, &slot), 0);
    reef_pipe_close_reader(p);
}

/* A write while the reader waits goes straight to it. */
FIBER_TEST(a_waiting_reader_gets_the_next_write)
{
    reef_pipe *p = reef_pipe_create(1);
    reef_val slot = {.i = 0};
    reef_future r = reef_pipe_read(p, &slot);
    T_FALSE(reef_future_available(r));
    reef_future w = reef_pipe_write(p, I(5));
    T_TRUE(reef_future_available(w)); /* the reader took it: no wait */
    T_EQ(reef_fiber_wait(w, NULL, NULL), 0);
    reef_val n;
    T_EQ(reef_fiber_wait(r, &n, NULL), 0);
    T_EQ(n.i, 1);
    T_EQ(slot.i, 5);
    /* The buffer is still free for one more. */
    T_TRUE(reef_future_available(w = reef_pipe_write(p, I(6))));
    T_EQ(reef_fiber_wait(w, NULL, NULL), 0);
    reef_pipe_close_writer(p);
    T_EQ(read_one_item(p, &slot), 1);
    T_EQ(slot.i, 6);
    T_EQ(read_one_item(p, &slot), 0);
    reef_pipe_close_reader(p);
}

/* A writer waiting for room goes on when the reader takes an item. */
FIBER_TEST(a_waiting_writer_goes_on_when_the_reader_reads)
{
    reef_pipe *p = reef_pipe_create(1);
    T_EQ(reef_fiber_wait(reef_pipe_write(p, I(1)), NULL, NULL), 0);
    reef_future w = reef_pipe_write(p, I(2));
    T_FALSE(reef_future_available(w));
    reef_val slot;
    T_EQ(read_one_item(p, &slot), 1);
    T_EQ(slot.i, 1);
    T_TRUE(reef_future_available(w));
    T_EQ(reef_fiber_wait(w, NULL, NULL), 0);
    T_EQ(read_one_item(p, &slot), 1);
    T_EQ(slot.i, 2);
    reef_pipe_close_writer(p);
    reef_pipe_close_reader(p);
}

/* Once the reader is gone, reads fail too and buffered items are dropped;
 * the writer end is closed afterwards, which frees the pipe. */
FIBER_TEST(the_closed_reader_end_refuses_everything)
{
    reef_pipe *p = reef_pipe_create(2);
    T_EQ(reef_fiber_wait(reef_pipe_write(p, I(1)), NULL, NULL), 0);
    reef_pipe_close_reader(p);
    reef_val slot;
    T_EQ(reef_fiber_wait(reef_pipe_read(p, &slot), NULL, NULL), REEF_EPIPE_BROKEN);
    T_EQ(reef_fiber_wait(reef_pipe_write(p, I(2)), NULL, NULL), REEF_EPIPE_BROKEN);
    reef_pipe_close_writer(p);
}

/* Either end may be closed first; both orders free the pipe (checked by
 * the leak checker), with and without items left inside. */
FIBER_TEST(ends_close_in_either_order)
{
    for (int items = 0; items <= 1; items++) {
        reef_pipe *a = reef_pipe_create(1), *b = reef_pipe_create(1);
        if (items) {
            T_EQ(reef_fiber_wait(reef_pipe_write(a, I(1)), NULL, NULL), 0);
            T_EQ(reef_fiber_wait(reef_pipe_write(b, I(1)), NULL, NULL), 0);
        }
        reef_pipe_close_reader(a);
        reef_pipe_close_writer(a);
        reef_pipe_close_writer(b);
        reef_pipe_close_reader(b);
    }
}

TEST_MAIN()
