/*
 * Fibers: code that waits for futures one after another, on a stack of
 * its own (the tutorial's seastar::thread and async).
 *
 *   static reef_future body(void *arg)
 *   {
 *       reef_val v;
 *       reef_err e;
 *       if (reef_fiber_wait(read_something(arg), &v, &e) < 0) // suspends
 *           return reef_fail(e);
 *       reef_fiber_sleep(reef_ms(10));
 *       return reef_ready_i64(v.i + 1);
 *   }
 *   ... reef_async(body, arg) resolves with body's result ...
 *
 * A fiber runs on the shard that started it, in the scheduling group that
 * was current then, and never at the same time as the shard's other work:
 * a wait suspends the fiber, not the shard. Its stack is mmap'd with an
 * inaccessible guard page below it — running off the end kills the
 * process with SIGSEGV instead of corrupting memory — and comes from a
 * per-shard pool. The fiber's own state lives at the top of its stack, so
 * starting, waiting and joining allocate nothing.
 *
 * Rules (the full list is in docs/design.md, "Lifetime rules"):
 *  - A fiber is joined exactly once: reef_fiber_join, or reef_async which
 *    joins for you. The handle is valid until the join future has been
 *    consumed; the stack is released once the fiber has ended and its
 *    join future has been consumed.
 *  - Only a fiber waits: waiting on a pending future, yielding or sleeping
 *    outside a fiber aborts with a message.
 *  - Pointers to a fiber's locals may be lent to futures it waits for, and
 *    must not outlive the fiber's body.
 *  - A fiber should end before its shard's reactor is destroyed: a fiber
 *    still parked then is never resumed, and what its stack holds is lost.
 *  - A fiber must not block its thread (no blocking system calls): it
 *    waits on futures.
 */
#ifndef REEF_FIBER_H
#define REEF_FIBER_H

#include <reef/common.h>
#include <reef/future.h>
#include <reef/timer.h>

REEF_BEGIN_DECLS

/* A started fiber, until it is joined. Opaque. */
typedef struct reef_fiber reef_fiber;

/* A fiber's body. Its result becomes the join future's: usually a ready
 * value or an error; a pending future is waited for (inside the fiber)
 * before the fiber ends. */
typedef reef_future (*reef_fiber_fn)(void *arg);

#define REEF_FIBER_DEFAULT_STACK (128u * 1024u)
#define REEF_FIBER_MIN_STACK (16u * 1024u)

/* How to start a fiber; zero-initialise it for the defaults. */
struct reef_fiber_attr {
    /* Bytes of stack mapping, rounded up to pages, at least
     * REEF_FIBER_MIN_STACK; 0: REEF_FIBER_DEFAULT_STACK (the only size
     * that is pooled). The fiber's state, a few hundred bytes, is kept at
     * the top of it. */
    size_t stack_size;
    /* For diagnostics (reef_fiber_name); copied, up to 31 bytes. May be
     * NULL. */
    const char *name;
};

/* Starts fn(arg) in a new fiber on the current shard, with `attr` (may be
 * NULL: the defaults; not used after the call). The fiber first runs once
 * the current task or fiber lets the shard's queue move on. Returns the
 * handle, to be passed to reef_fiber_join exactly once, or NULL with errno
 * ENOMEM if no stack could be mapped (fn is then never called). `arg` is
 * the caller's: it must stay valid for as long as fn uses it. Must be
 * called on a shard (a thread with a running reactor). */
REEF_API reef_fiber *reef_fiber_start(const struct reef_fiber_attr *attr, reef_fiber_fn fn,
                                      void *arg);

/* Returns a future for the fiber's result — fn's value, or its error —
 * which resolves when the fiber ends. Consumes the handle: `f` must not be
 * used once this future has been consumed (the stack, with the fiber on
 * it, is then released or reused). Calling it twice aborts. */
REEF_API REEF_NODISCARD reef_future reef_fiber_join(reef_fiber *f);

/* Starts fn(arg) in a fiber and joins it: one call (the tutorial's
 * async). The future resolves with fn's result; it fails with -ENOMEM,
 * without calling fn, if the fiber could not be started. `arg` as for
 * reef_fiber_start. */
REEF_API REEF_NODISCARD reef_future reef_async(reef_fiber_fn fn, void *arg);
REEF_API REEF_NODISCARD reef_future reef_async_attr(const struct reef_fiber_attr *attr,
                                                    reef_fiber_fn fn, void *arg);

/* ---- Inside a fiber ------------------------------------------------------ */

/* Waits for `f` (consumed) and returns 0 with its value in *out (may be
 * NULL), or its negative error code with the error handed to *err — the
 * caller then owns it and releases it — or released at once if err is
 * NULL. Only the calling fiber is suspended; the shard runs other work
 * meanwhile. A future that is already available is taken without
 * suspending, also outside a fiber; waiting on a pending future outside a
 * fiber is a programming error: Reef logs it and aborts. */
REEF_API int reef_fiber_wait(reef_future f, reef_val *out, reef_err *err);

/* Waits until *f is available without taking its result: afterwards *f is
 * an available future the caller still owns and must consume
 * (reef_future_failed, then reef_future_take or reef_future_ignore ...).
 * The tutorial's wait() then failed() pattern (try_getchar). Same rules
 * as reef_fiber_wait for the outside-a-fiber case. */
REEF_API void reef_fiber_await(reef_future *f);

/* Lets the shard's other ready tasks and fibers run, then continues (the
 * fiber goes to the back of its scheduling group's queue). Outside a
 * fiber: logs and aborts. */
REEF_API void reef_fiber_yield(void);

/* Suspends this fiber for at least `d` on the steady clock. Returns 0, or
 * -ENOMEM at once if the sleep's timer could not be allocated. Outside a
 * fiber: logs and aborts. */
REEF_API int reef_fiber_sleep(reef_duration d);

/* True when called from inside a fiber. */
REEF_API bool reef_in_fiber(void);

/* The running fiber's name, "" if it has none or outside a fiber. Valid
 * until the fiber ends. */
REEF_API const char *reef_fiber_name(void);

REEF_END_DECLS

#endif
