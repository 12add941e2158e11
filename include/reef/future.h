/*
 * Futures, promises and continuations.
 *
 * A reef_future is a 16-byte value: ready (with a reef_val), failed (with a
 * reef_err) or pending (referring to a heap cell that its producer, a
 * promise, will resolve). Ready and failed futures allocate nothing.
 *
 * Rules (see docs/design.md, "Lifetime rules"):
 *  1. A future is consumed exactly once: by reef_then / reef_then_wrapped /
 *     reef_finally / reef_handle_error, by a fiber waiting on it, by
 *     reef_future_take (available futures only), reef_future_ignore, or by
 *     reef_discard. After that the value must not be used again.
 *  2. A capture (`cap`, `cap_size` bytes) is used in place when the
 *     continuation can run at once, and copied into the continuation's single
 *     allocation when it must wait. The continuation receives a pointer that
 *     is valid only during its call. With cap_size == 0, `cap` is passed
 *     through unchanged (use it for a pointer the caller keeps alive).
 *  3. The resolved future handed to a reef_then_wrapped continuation is the
 *     continuation's own: it consumes it (rule 1) — returns it, takes it,
 *     or ignores it. The error handed to a reef_handle_error handler is
 *     lent: `return reef_fail(err);` passes it on; otherwise Reef releases
 *     it after the handler returns. Never release a lent error; to keep it
 *     past the handler, take a reference with reef_err_ref().
 *  4. A promise is resolved exactly once. After resolving it, the producer
 *     must not touch it again.
 *  5. A continuation runs on the shard that attached it, never concurrently
 *     with other code of that shard.
 */
#ifndef REEF_FUTURE_H
#define REEF_FUTURE_H

#include <reef/common.h>
#include <reef/error.h>

REEF_BEGIN_DECLS

/* The value a future carries. Which member is meaningful is part of the
 * producing function's contract. */
typedef union reef_val {
    int64_t i;
    uint64_t u;
    double d;
    void *p;
} reef_val;

struct reef__cell;

typedef struct reef_future {
    /* private: 0 = ready; low bits 01 = failed, code in the upper 32 bits,
     * detail in _v.p; otherwise a pointer to the pending cell. */
    uintptr_t _s;
    reef_val _v;
} reef_future;

_Static_assert(sizeof(reef_future) == 16, "a future travels in two registers");

#define REEF__FAILED_TAG ((uintptr_t)1)

/* ---- Making futures ---------------------------------------------------- */

static inline REEF_NODISCARD reef_future reef_ready(reef_val v)
{
    reef_future f = {0, v};
    return f;
}
static inline REEF_NODISCARD reef_future reef_ready_i64(int64_t i)
{
    reef_val v = {.i = i};
    return reef_ready(v);
}
static inline REEF_NODISCARD reef_future reef_ready_u64(uint64_t u)
{
    reef_val v = {.u = u};
    return reef_ready(v);
}
static inline REEF_NODISCARD reef_future reef_ready_f64(double d)
{
    reef_val v = {.d = d};
    return reef_ready(v);
}
static inline REEF_NODISCARD reef_future reef_ready_ptr(void *p)
{
    reef_val v = {.p = p};
    return reef_ready(v);
}
/* A ready future with no meaningful value (the tutorial's future<>). */
static inline REEF_NODISCARD reef_future reef_done(void) { return reef_ready_u64(0); }

/* A failed future; takes over the caller's reference to `e`. `e.code` must
 * be non-zero. */
static inline REEF_NODISCARD reef_future reef_fail(reef_err e)
{
    reef_future f;
    f._s = ((uintptr_t)(uint32_t)e.code << 32) | REEF__FAILED_TAG;
    f._v.p = e.detail;
    return f;
}
static inline REEF_NODISCARD reef_future reef_fail_code(int code)
{
    return reef_fail(reef_err_code(code));
}
/* A failed future with a formatted message in its detail. */
REEF_API REEF_NODISCARD reef_future reef_fail_msg(int code, const char *fmt, ...)
    REEF_PRINTF(2, 3);
/* Same, recording the current backtrace in the detail. */
REEF_API REEF_NODISCARD reef_future reef_fail_with_backtrace(int code, const char *fmt, ...)
    REEF_PRINTF(2, 3);

/* ---- Looking at futures ------------------------------------------------ */

/* True once the future holds a value or an error (pending ones may become
 * available when their producer resolves them). Does not consume it. */
REEF_API bool reef_future_available(reef_future f);

/* True if the future is available and holds an error. Does not consume. */
REEF_API bool reef_future_failed(reef_future f);

/* Consumes an available future: returns 0 and stores its value in *v (may
 * be NULL), or returns its error code and hands its error to *e (which the
 * caller then owns; if e is NULL the error is released). Calling this on a
 * future that is not available is a programming error (aborts with a
 * message); use reef_future_available() or a fiber wait first. */
REEF_API int reef_future_take(reef_future f, reef_val *v, reef_err *e);

/* Consumes a future, dropping its value or error silently (the tutorial's
 * ignore_ready_future). A future that is still pending is dropped when it
 * resolves, without a report; to have a failure reported, use
 * reef_discard. */
REEF_API void reef_future_ignore(reef_future f);

/* Consumes a future whose result nobody will wait for (fire and forget).
 * If it fails — now or later — Reef logs
 * "Exceptional future ignored: <error>" with a backtrace. */
REEF_API void reef_discard(reef_future f);

/* ---- Continuations ----------------------------------------------------- */

/* Continuation types. `cap` points at the capture (rule 2). */
typedef reef_future (*reef_then_fn)(void *cap, reef_val v);
typedef reef_future (*reef_wrapped_fn)(void *cap, reef_future resolved);
typedef reef_future (*reef_finally_fn)(void *cap);
typedef reef_future (*reef_error_fn)(void *cap, reef_err err);
typedef void (*reef_drop_fn)(void *cap);
/* An asynchronous action taking only its capture (loop bodies,
 * with_semaphore, with_gate, ...). */
typedef reef_future (*reef_body_fn)(void *cap);

/* Runs fn(cap, value) when `f` succeeds and returns a future for fn's
 * result. If `f` fails, fn is skipped and the error propagates to the
 * returned future. Consumes `f`. fn may return a ready value, an error or
 * another future (which is chained without an extra task).
 *
 * Ready futures run fn at once, up to 256 in a row before the reactor gets
 * control back; after that, or when `f` is pending, the continuation is
 * queued. If the continuation's allocation fails the returned future fails
 * with -ENOMEM and fn is not called. */
REEF_API REEF_NODISCARD reef_future reef_then(reef_future f, reef_then_fn fn, const void *cap,
                                              size_t cap_size);

/* Like reef_then(), for captures that own resources: exactly one of fn or
 * drop(cap) is called — drop when fn is skipped because `f` failed (or the
 * continuation could not be allocated). drop may be NULL. */
REEF_API REEF_NODISCARD reef_future reef_then_owned(reef_future f, reef_then_fn fn,
                                                    reef_drop_fn drop, const void *cap,
                                                    size_t cap_size);

/* Runs fn(cap, resolved) when `f` resolves, success or failure; `resolved`
 * is available and belongs to fn, which must consume it (rule 3). */
REEF_API REEF_NODISCARD reef_future reef_then_wrapped(reef_future f, reef_wrapped_fn fn,
                                                      const void *cap, size_t cap_size);

/* Runs fn(cap) when `f` resolves, success or failure. If fn's future fails,
 * that failure replaces the result; otherwise `f`'s result passes through
 * once fn's future has resolved. */
REEF_API REEF_NODISCARD reef_future reef_finally(reef_future f, reef_finally_fn fn,
                                                 const void *cap, size_t cap_size);

/* Runs fn(cap, err) only if `f` fails; fn's future replaces the result.
 * `err` is lent (rule 3). On success the value passes through and fn is
 * not called. */
REEF_API REEF_NODISCARD reef_future reef_handle_error(reef_future f, reef_error_fn fn,
                                                      const void *cap, size_t cap_size);

/* A synchronous function that may fail immediately: returns a negative
 * error code, or >= 0 and stores its value in *out. */
typedef int (*reef_sync_fn)(void *cap, reef_val *out);

/* Calls fn and turns its immediate result into a future: a failed future
 * for a negative return, a ready one otherwise (the tutorial's
 * futurize_invoke). */
REEF_API REEF_NODISCARD reef_future reef_futurize(reef_sync_fn fn, void *cap);

/* Turns an immediate status into a future: ready(rc) for rc >= 0, failed
 * with code rc otherwise. */
static inline REEF_NODISCARD reef_future reef_from_status(int rc)
{
    return rc < 0 ? reef_fail_code(rc) : reef_ready_i64(rc);
}

/* Expands to the two capture arguments for a compound literal or an
 * lvalue: reef_then(f, fn, REEF_CAP((struct cap){ .i = i }));
 * The expression is evaluated once (sizeof does not evaluate it). */
#define REEF_CAP(...) &(__VA_ARGS__), sizeof(__VA_ARGS__)

/* ---- Promises (the producer side) ---------------------------------------- */

typedef struct reef_promise {
    struct reef__cell *_cell; /* private */
} reef_promise;

/* Creates a promise and returns the future it will resolve. On allocation
 * failure the future fails with -ENOMEM and the promise is left empty
 * (resolving an empty promise does nothing). */
REEF_API REEF_NODISCARD reef_future reef_promise_init(reef_promise *p);

/* Resolves the promise with a value or an error (taking over `e`), or with
 * the eventual result of another future (consumed). Exactly once. */
REEF_API void reef_promise_resolve(reef_promise *p, reef_val v);
REEF_API void reef_promise_fail(reef_promise *p, reef_err e);
REEF_API void reef_promise_forward(reef_promise *p, reef_future f);

/* Fails the promise with REEF_EBROKEN_PROMISE: the producer gave up. */
REEF_API void reef_promise_abandon(reef_promise *p);

/* True while the promise has not been resolved. */
static inline bool reef_promise_pending(const reef_promise *p) { return p->_cell != NULL; }

REEF_END_DECLS

#endif
