/*
 * Sharded services: one instance of a service per shard, each touched only
 * by its own shard, and calls that reach the instance of a chosen shard or
 * of all of them (the tutorial's seastar::sharded).
 *
 *   static const struct reef_service_ops counter_ops = {
 *       .name = "counter", .instance_size = sizeof(struct counter),
 *       .start = counter_start, .stop = counter_stop,
 *   };
 *   reef_future f = reef_sharded_start(&counter_ops, &cfg, sizeof(cfg));
 *   ... f resolves with the service (reef_sharded *, in .p) ...
 *   reef_sharded_invoke_on_all(svc, counter_add, &n, sizeof(n));
 *   ...
 *   reef_sharded_stop(svc);   // must happen before the application ends
 */
#ifndef REEF_SHARDED_H
#define REEF_SHARDED_H

#include <reef/common.h>
#include <reef/future.h>
#include <reef/loop.h>

REEF_BEGIN_DECLS

typedef struct reef_sharded reef_sharded;

struct reef_service_ops {
    const char *name;     /* for diagnostics; must outlive the service */
    size_t instance_size; /* bytes of one instance, zeroed before start */
    /* Sets up the instance on the current shard; `arg` is the start
     * argument (valid during the call and until the future resolves).
     * May be NULL. */
    reef_future (*start)(void *instance, const void *arg);
    /* Winds the instance down (close, flush, wait for work in flight); may
     * be NULL. */
    reef_future (*stop)(void *instance);
    /* Releases what the instance owns, after stop; may be NULL. The
     * instance's memory itself is freed by Reef. */
    void (*destroy)(void *instance);
};

/* A function run against one shard's instance. */
typedef reef_future (*reef_service_fn)(void *instance, void *cap);

/* Creates and starts an instance on every shard; `arg` (arg_size bytes) is
 * copied and handed to every start. Resolves with the service (.p) once all
 * have started; if one start fails, the instances that exist are destroyed
 * (without stop) and the future fails with that error. `ops` must outlive
 * the service. */
REEF_API REEF_NODISCARD reef_future reef_sharded_start(const struct reef_service_ops *ops,
                                                      const void *arg, size_t arg_size);

/* The calling shard's instance (a plain pointer, valid until stop). */
REEF_API void *reef_sharded_local(reef_sharded *s);

/* Runs fn(instance, cap) on shard `shard` (capture copied as for
 * reef_submit_to) and resolves with its result on the calling shard. */
REEF_API REEF_NODISCARD reef_future reef_sharded_invoke_on(reef_sharded *s, unsigned shard,
                                                          reef_service_fn fn, const void *cap,
                                                          size_t cap_size);

/* Runs fn on every shard's instance; resolves when all have finished (one
 * error reported if some failed). */
REEF_API REEF_NODISCARD reef_future reef_sharded_invoke_on_all(reef_sharded *s,
                                                              reef_service_fn fn,
                                                              const void *cap, size_t cap_size);

/* Maps every instance with mapper (all shards at once) and folds the
 * values with reducer(reducer_cap, acc, value) from `initial`, in the
 * order they arrive. The mapper's capture (cap_size bytes) is copied; the
 * reducer's pointer is passed as is. */
REEF_API REEF_NODISCARD reef_future reef_sharded_map_reduce(reef_sharded *s, reef_service_fn mapper,
                                                           const void *cap, size_t cap_size,
                                                           reef_reduce_fn reducer,
                                                           void *reducer_cap, reef_val initial);

/* Stops every instance (ops->stop, then ops->destroy) and frees the
 * service once all have stopped; resolves then (with one error if a stop
 * failed; the service is freed anyway). A service still running when the
 * application's main function ends is reported with a warning. */
REEF_API REEF_NODISCARD reef_future reef_sharded_stop(reef_sharded *s);

REEF_END_DECLS

#endif
