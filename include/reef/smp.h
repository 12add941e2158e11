/*
 * Shards: one reactor thread per core, and messages between them.
 *
 * reef_app_run() starts `-c N` shards (default: one per CPU the process may
 * use), shard 0 on the calling thread. The application's main function runs
 * on shard 0; work reaches other shards only through the calls below, and
 * everything a shard creates (futures, timers, objects) stays on it.
 *
 * reef_shard_id() and reef_shard_count() are in reactor.h.
 */
#ifndef REEF_SMP_H
#define REEF_SMP_H

#include <reef/common.h>
#include <reef/future.h>

REEF_BEGIN_DECLS

/* Runs fn(cap) on shard `shard` and resolves, on the calling shard, with
 * the result of the future fn returns (value or error). The capture is
 * copied (cap_size bytes) and travels with the request, so it must not
 * point at the caller's shard-local objects unless fn only passes them
 * back; with cap_size 0 the pointer itself is passed. fn runs in the
 * caller's current scheduling group, and calls from one shard to another
 * start in the order they were made. For the calling shard itself, fn is
 * called at once, with no message. Fails with -EINVAL for a shard that
 * does not exist, -ENOMEM if the request cannot be allocated. */
REEF_API REEF_NODISCARD reef_future reef_submit_to(unsigned shard, reef_body_fn fn,
                                                  const void *cap, size_t cap_size);

/* Runs fn(cap) on every shard (the calling one included) and resolves once
 * all have finished: with no value, or with one of the errors (the others
 * consumed). */
REEF_API REEF_NODISCARD reef_future reef_invoke_on_all(reef_body_fn fn, const void *cap,
                                                      size_t cap_size);

/* From a thread that is not a shard (an "alien" thread): runs fn(cap) on
 * shard `shard` of the running application and blocks until the future it
 * returns resolves. Returns 0 and stores the value in *out (if not NULL),
 * or returns the error code and hands the error to *err (if not NULL;
 * otherwise it is released). Returns -ESRCH if no application is running,
 * -EINVAL for a bad shard, -EDEADLK if called from a shard. Thread-safe. */
REEF_API int reef_alien_call(unsigned shard, reef_body_fn fn, void *cap, reef_val *out,
                             reef_err *err);

REEF_END_DECLS

#endif
