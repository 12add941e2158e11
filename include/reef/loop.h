/*
 * Loops over futures.
 *
 * Every loop here starts its first iteration at once and returns a future
 * that resolves when the loop ends: with no value on success, or with the
 * error of the iteration that failed. Each iteration is a preemption point:
 * when the task quota is used up, the loop lets the reactor poll before the
 * next iteration, so even a loop whose body is always ready runs with
 * constant stack and memory and does not starve timers or I/O.
 *
 * Captures: the capture (`cap`, `cap_size` bytes) is copied once into the
 * loop's own state, and every iteration receives a pointer to that same
 * copy, valid until the loop's future resolves — so iterations can share
 * state through it. With cap_size == 0 the pointer is passed unchanged and
 * the caller keeps the object alive. Arrays passed to the for_each forms
 * must stay alive and unchanged until the loop's future resolves.
 *
 * If the loop's state cannot be allocated, the loop fails with -ENOMEM and
 * no iteration runs.
 */
#ifndef REEF_LOOP_H
#define REEF_LOOP_H

#include <reef/future.h>

REEF_BEGIN_DECLS

/* Values a reef_repeat body resolves with. */
enum reef_stop_iteration { REEF_CONTINUE = 0, REEF_STOP = 1 };

static inline REEF_NODISCARD reef_future reef_stop(void) { return reef_ready_i64(REEF_STOP); }
static inline REEF_NODISCARD reef_future reef_continue(void)
{
    return reef_ready_i64(REEF_CONTINUE);
}

typedef bool (*reef_cond_fn)(void *cap);
typedef reef_future (*reef_index_fn)(void *cap, int64_t i);
typedef reef_future (*reef_elem_fn)(void *cap, void *elem);
typedef reef_val (*reef_reduce_fn)(void *cap, reef_val acc, reef_val v);

/* Runs body until its future resolves with REEF_STOP (or fails). The next
 * iteration starts only after the previous one resolved. */
REEF_API REEF_NODISCARD reef_future reef_repeat(reef_body_fn body, const void *cap,
                                                size_t cap_size);

/* Runs body while cond(cap) is false; cond is checked before each
 * iteration (the body may never run). */
REEF_API REEF_NODISCARD reef_future reef_do_until(reef_cond_fn cond, reef_body_fn body,
                                                  const void *cap, size_t cap_size);

/* Runs body over and over until it fails; the loop's future fails with
 * that error (it never succeeds). */
REEF_API REEF_NODISCARD reef_future reef_keep_doing(reef_body_fn body, const void *cap,
                                                    size_t cap_size);

/* Calls fn(cap, i) for i in [begin, end), one after another. */
REEF_API REEF_NODISCARD reef_future reef_do_for_range(int64_t begin, int64_t end,
                                                      reef_index_fn fn, const void *cap,
                                                      size_t cap_size);

/* Calls fn(cap, &elems[i]) for each of `count` elements of `elem_size`
 * bytes, one after another. */
REEF_API REEF_NODISCARD reef_future reef_do_for_each(void *elems, size_t count, size_t elem_size,
                                                     reef_elem_fn fn, const void *cap,
                                                     size_t cap_size);

/* Starts fn for every index (or element) at once; resolves when all have
 * resolved. If several fail, one error is reported and the others are
 * consumed silently. */
REEF_API REEF_NODISCARD reef_future reef_parallel_for_range(int64_t begin, int64_t end,
                                                            reef_index_fn fn, const void *cap,
                                                            size_t cap_size);
REEF_API REEF_NODISCARD reef_future reef_parallel_for_each(void *elems, size_t count,
                                                           size_t elem_size, reef_elem_fn fn,
                                                           const void *cap, size_t cap_size);

/* Like the parallel forms, with at most `max` iterations in flight (max 0
 * is treated as 1). Iterations start in order; after a failure no new
 * iteration starts, and the loop resolves once those in flight finish. */
REEF_API REEF_NODISCARD reef_future reef_max_concurrent_for_range(int64_t begin, int64_t end,
                                                                  size_t max, reef_index_fn fn,
                                                                  const void *cap,
                                                                  size_t cap_size);
REEF_API REEF_NODISCARD reef_future reef_max_concurrent_for_each(void *elems, size_t count,
                                                                 size_t elem_size, size_t max,
                                                                 reef_elem_fn fn, const void *cap,
                                                                 size_t cap_size);

/* Maps every index in [begin, end) with mapper (all started at once) and
 * folds the values with reducer(cap, acc, value), starting from `initial`,
 * in the order the mappers resolve. Resolves with the final accumulator, or
 * with one mapper's error (the others consumed silently). */
REEF_API REEF_NODISCARD reef_future reef_map_reduce(int64_t begin, int64_t end,
                                                    reef_index_fn mapper, reef_reduce_fn reducer,
                                                    reef_val initial, const void *cap,
                                                    size_t cap_size);

REEF_END_DECLS

#endif
