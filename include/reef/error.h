/*
 * Errors: an int code plus an optional reference-counted detail.
 *
 * Codes are negative: either a negative errno value (-ECONNRESET) or one of
 * Reef's own codes below, all from one table that also gives their names and
 * messages. Applications may register codes of their own at or below
 * REEF_EUSER_BASE. A code alone needs no allocation, so failures can still be
 * reported when memory runs out.
 *
 * Ownership: a reef_err that carries a detail holds one reference to it.
 * Whoever holds the reef_err either passes it on (reef_fail() takes it over),
 * or releases it with reef_err_release(). Errors handed to callbacks are
 * lent for the duration of the call (see future.h).
 */
#ifndef REEF_ERROR_H
#define REEF_ERROR_H

#include <reef/common.h>
#include <stddef.h>

REEF_BEGIN_DECLS

/* Reef's own error codes: X(name, value, message). */
#define REEF_ERRORS(X)                                                                             \
    X(REEF_EBROKEN_PROMISE, -1000, "broken promise")                                               \
    X(REEF_ETIMEOUT, -1001, "timed out")                                                           \
    X(REEF_EGATE_CLOSED, -1002, "gate closed")                                                     \
    X(REEF_ESEM_BROKEN, -1003, "semaphore broken")                                                 \
    X(REEF_EPIPE_BROKEN, -1004, "broken pipe")                                                     \
    X(REEF_EABORTED, -1005, "operation aborted")                                                   \
    X(REEF_ECONDVAR_BROKEN, -1006, "condition variable broken")                                    \
    X(REEF_ESHUTDOWN, -1007, "reactor is shutting down")                                           \
    X(REEF_ENOT_FIBER, -1008, "waiting on a pending future outside a fiber")                       \
    X(REEF_ENO_CPUS, -1009, "insufficient processing units")                                       \
    X(REEF_ENO_PHYS_MEMORY, -1010, "insufficient physical memory")                                 \
    X(REEF_EOPTION, -1011, "invalid command-line option")                                          \
    X(REEF_EFAILED, -1012, "operation failed")                                                     \
    X(REEF_EBACKEND, -1013, "reactor backend unavailable")                                         \
    X(REEF_EQUEUE_FULL, -1014, "queue full")

enum reef_errc {
#define REEF_ERR_ENUM_(name, value, msg) name = value,
    REEF_ERRORS(REEF_ERR_ENUM_)
#undef REEF_ERR_ENUM_
    /* Codes at or below this are the application's (reef_err_register). */
    REEF_EUSER_BASE = -100000,
};

struct reef_err_detail; /* opaque, reference-counted */

typedef struct reef_err {
    int code;                       /* 0: no error; otherwise negative */
    struct reef_err_detail *detail; /* NULL for a plain code */
} reef_err;

/* A plain error for `code` (no detail, no allocation). */
static inline reef_err reef_err_code(int code)
{
    reef_err e = {code, NULL};
    return e;
}

/* An error with a formatted message. If memory runs out, the message is
 * dropped and the plain code is returned: never fails. */
REEF_API reef_err reef_err_msg(int code, const char *fmt, ...) REEF_PRINTF(2, 3);

/* Like reef_err_msg(), and records the caller's backtrace in the detail
 * (the tutorial's make_exception_future_with_backtrace). */
REEF_API reef_err reef_err_with_backtrace(int code, const char *fmt, ...) REEF_PRINTF(2, 3);

/* An error carrying an application payload. `dtor` (may be NULL) is called
 * with `payload` when the last reference goes. On allocation failure the
 * payload is destroyed at once and the plain code is returned. */
REEF_API reef_err reef_err_with_payload(int code, void *payload, void (*dtor)(void *));

/* Takes another reference (for keeping an error lent to a callback). */
REEF_API reef_err reef_err_ref(reef_err e);

/* Drops this reference; frees the detail when it was the last. */
REEF_API void reef_err_release(reef_err e);

/* The detail's message, backtrace text and payload, or NULL. Valid while
 * the caller holds (or borrows) `e`. */
REEF_API const char *reef_err_message(reef_err e);
REEF_API const char *reef_err_backtrace(reef_err e);
REEF_API void *reef_err_payload(reef_err e);

/* A new, independent copy of `e` (message and backtrace copied, payload
 * shared is not possible: the copy has none). Used to move errors across
 * shards, whose reference counts are not atomic. */
REEF_API reef_err reef_err_clone(reef_err e);

/* Writes "name (message)[: detail message]" into buf (always terminated);
 * returns the length it needed, like snprintf. */
REEF_API size_t reef_err_format(reef_err e, char *buf, size_t size);

/* Message and symbolic name for any code: Reef's own, a negative errno, or
 * a registered application code. Never NULL. */
REEF_API const char *reef_strerror(int code);
REEF_API const char *reef_err_name(int code);

/* Registers an application error code (code <= REEF_EUSER_BASE) with its
 * name and message; both strings must outlive the process's use of them
 * (string literals). Call before starting the application. Returns 0, or
 * -EINVAL for a code outside the user range, -EEXIST if already taken,
 * -ENOSPC when the table (256 codes) is full. */
REEF_API int reef_err_register(int code, const char *name, const char *message);

REEF_END_DECLS

#endif
