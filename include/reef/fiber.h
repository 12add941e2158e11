/*
 * Fibers: code that waits for futures in sequence, on a small stack of its
 * own (the tutorial's seastar::thread and async).
 *
 *   static reef_future body(void *arg)
 *   {
 *       reef_val v;
 *       if (reef_fiber_wait(read_something(), &v, NULL) < 0)   // suspends
 *           return reef_fail_code(-EIO);
 *       reef_fiber_sleep(reef_ms(10));
 *       return reef_ready_i64(v.i + 1);
 *   }
 *   ... reef_async(body, arg) resolves with body's result ...
 *
 * A fiber runs on the shard that started it, in the scheduling group that
 * was current then, and only while the shard's other work is waiting: a
 * wait suspends the fiber, not the shard. Stacks are mmap'd with an
 * inaccessible guard page below them, so running off the end faults at
 * once instead of corrupting memory, and come from a per-shard pool.
 */
#ifndef REEF_FIBER_H
#define REEF_FIBER_H

#include <reef/common.h>
#include <reef/future.h>
#include <reef/timer.h>

REEF_BEGIN_DECLS

typedef struct reef_fiber reef_fiber;

/* A fiber's body: returns its result, as a future (usually ready; a
 * pending one is waited for before the fiber ends). */
typedef reef_future (*reef_fiber_fn)(void *arg);

struct reef_fiber_attr {
    size_t stack_size; /* bytes, rounded up to pages; 0: 128 KiB */
    const char *name;  /* for diagnostics, copied (31 bytes kept); may be NULL */
};

#define REEF_FIBER_DEFAULT_STACK (128u * 1024u)

/* Starts fn(arg) in a new fiber on the current shard; it first runs once
 * the current task yields to the reactor. `attr` may be NULL. Returns the
 * handle, to be joined exactly once, or NULL (errno ENOMEM) if no stack
 * could be had. `arg` must stay valid as long as fn uses it. */
REEF_API reef_fiber *reef_fiber_start(const struct reef_fiber_attr *attr, reef_fiber_fn fn,
                                      void *arg);

/* A future for the fiber's result: fn's value or error. Consumes the
 * handle; the fiber's stack is released once it has finished and been
 * joined (a finished fiber keeps its stack until then). */
REEF_API REEF_NODISCARD reef_future reef_fiber_join(reef_fiber *f);

/* Starts a fiber and joins it: one call (the tutorial's async). Fails with
 * -ENOMEM if it cannot start. */
REEF_API REEF_NODISCARD reef_future reef_async(reef_fiber_fn fn, void *arg);
REEF_API REEF_NODISCARD reef_future reef_async_attr(const struct reef_fiber_attr *attr,
                                                    reef_fiber_fn fn, void *arg);

/* ---- Inside a fiber ------------------------------------------------------ */

/* Waits for f (consumed) and returns 0 with its value in *out, or its
 * error code with the error in *err (released if err is NULL). Only the
 * calling fiber waits. Outside a fiber, a future that is already available
 * is taken at once; waiting on a pending one is a programming error that
 * aborts with a message. */
REEF_API int reef_fiber_wait(reef_future f, reef_val *out, reef_err *err);

/* Waits until *f is available, without taking it: afterwards *f is a
 * resolved future that the caller still owns (reef_future_failed,
 * reef_future_take, ...). The tutorial's wait() then failed() pattern. */
REEF_API void reef_fiber_await(reef_future *f);

/* Lets the shard's other ready tasks run, then continues. */
REEF_API void reef_fiber_yield(void);

/* Sleeps for d (only this fiber). */
REEF_API void reef_fiber_sleep(reef_duration d);

/* True when called from a fiber; the current fiber's name ("" if none). */
REEF_API bool reef_in_fiber(void);
REEF_API const char *reef_fiber_name(void);

REEF_END_DECLS

#endif
