/*
 * Abort sources: a one-shot signal that cancels waits and sleeps.
 *
 * An abort source is embedded by its owner (reef_abort_source_init) and
 * used on one shard. Operations that accept one fail with the abort's error
 * (REEF_EABORTED unless another was given) when it is requested.
 */
#ifndef REEF_ABORT_H
#define REEF_ABORT_H

#include <reef/future.h>

REEF_BEGIN_DECLS

struct reef_abort_sub;

typedef struct reef_abort_source {
    /* private */
    bool _requested;
    reef_err _err;
    struct reef_abort_sub *_head;
} reef_abort_source;

/* A subscription: embedded by the subscriber, valid until it fires or is
 * removed. */
typedef struct reef_abort_sub {
    /* private */
    void (*_fn)(void *arg, reef_err err);
    void *_arg;
    struct reef_abort_sub *_next, *_prev;
    reef_abort_source *_src;
} reef_abort_sub;

REEF_API void reef_abort_source_init(reef_abort_source *as);

/* Releases the stored error. No subscription may remain. */
REEF_API void reef_abort_source_fini(reef_abort_source *as);

/* Requests the abort (once; later calls do nothing and release `e`): every
 * subscriber's callback runs now, in subscription order, with the error
 * lent to it. The plain form uses REEF_EABORTED. */
REEF_API void reef_abort_request(reef_abort_source *as);
REEF_API void reef_abort_request_err(reef_abort_source *as, reef_err e);

REEF_API bool reef_abort_requested(const reef_abort_source *as);

/* The abort's error, lent ({0, NULL} before a request). */
REEF_API reef_err reef_abort_error(const reef_abort_source *as);

/* Calls fn(arg, err) when the abort is requested. Returns 0, or
 * REEF_EABORTED if it already was (fn is then not called and `sub` is not
 * registered). The callback must not free the source. */
REEF_API int reef_abort_subscribe(reef_abort_source *as, reef_abort_sub *sub,
                                  void (*fn)(void *arg, reef_err err), void *arg);

/* Removes a subscription that has not fired (safe on one that has). */
REEF_API void reef_abort_unsubscribe(reef_abort_sub *sub);

/* Sleeps for `d`, failing early with the abort's error (a new reference)
 * if `as` is requested. Fails at once if it already was. */
REEF_API REEF_NODISCARD reef_future reef_sleep_abortable(reef_duration d, reef_abort_source *as);

REEF_END_DECLS

#endif
