/*
 * Waiting for several futures, and for a future with a deadline.
 *
 * The arrays passed here belong to the caller and must stay alive until
 * the returned future resolves; the futures in them are consumed (rule 1).
 */
#ifndef REEF_WHEN_H
#define REEF_WHEN_H

#include <reef/future.h>

REEF_BEGIN_DECLS

/* Resolves when every future in futs[0..n) has resolved. Each futs[i] is
 * then replaced by its resolved result (a ready or failed future) that the
 * caller must consume (reef_future_take / reef_future_ignore). The
 * returned future resolves with futs (as .p) and fails only with -ENOMEM,
 * in which case every input is consumed. */
REEF_API REEF_NODISCARD reef_future reef_when_all(reef_future *futs, size_t n);

/* Resolves when all have resolved: with no value after storing each value
 * in values[i] (values may be NULL when only success matters), or with the
 * error of one that failed (the others consumed silently; `values` then
 * holds nothing useful). Unlike reef_when_all, futs[] is only read during
 * the call (it may be a local array); values[] must stay valid until the
 * returned future resolves. */
REEF_API REEF_NODISCARD reef_future reef_when_all_succeed(reef_future *futs, size_t n,
                                                          reef_val *values);

/* Resolves with the index (as .i) of the first future to resolve, after
 * replacing futs[index] by its resolved result, which the caller must
 * consume. The other futures still run to completion and their results
 * are consumed silently. n must be at least 1 (else: fails with -EINVAL). */
REEF_API REEF_NODISCARD reef_future reef_when_any(reef_future *futs, size_t n);

/* Resolves like f, unless the steady clock reaches `deadline` first: then
 * fails with REEF_ETIMEOUT. f still runs to completion and its late result
 * is consumed silently. */
REEF_API REEF_NODISCARD reef_future reef_with_timeout(reef_time deadline, reef_future f);

REEF_END_DECLS

#endif
