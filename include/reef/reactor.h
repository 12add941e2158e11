/*
 * The per-shard reactor: the loop that runs tasks, fires timers, polls I/O
 * and sleeps when there is nothing to do.
 *
 * Each shard has one reactor thread. Everything a shard owns (futures,
 * timers, loggers' state) is touched only from that thread; the few
 * functions safe to call from another thread say so.
 */
#ifndef REEF_REACTOR_H
#define REEF_REACTOR_H

#include <reef/common.h>
#include <reef/future.h>

REEF_BEGIN_DECLS

/* True when the current task has used up its quota (--task-quota-ms) and
 * should let the reactor poll I/O and timers. Long hand-written loops call
 * this and, when true, continue in a continuation of reef_yield(). Costs a
 * thread-local load. False outside a reactor. */
REEF_API bool reef_need_preempt(void);

/* A future that resolves after the tasks already queued have run. If the
 * task quota is used up (reef_need_preempt()), the reactor also polls I/O
 * and fires timers before it resolves: the way to split a long computation
 * into pieces that do not stall the shard. */
REEF_API REEF_NODISCARD reef_future reef_yield(void);

/* The current shard's id (0 on the main reactor) and the number of shards;
 * 0 and 1 outside a running application. */
REEF_API unsigned reef_shard_id(void);
REEF_API unsigned reef_shard_count(void);

/* True on a thread that runs a Reef reactor. */
REEF_API bool reef_in_reactor(void);

/* Name of the running reactor's I/O backend: "io_uring" or "epoll". */
REEF_API const char *reef_backend_name(void);

/* Registers fn to run on shard 0's reactor (as ordinary code, not in signal
 * context) each time signal `signo` arrives, replacing any earlier handler
 * for it, including the default SIGINT/SIGTERM handling. fn == NULL restores
 * the default. Must be called on shard 0 while the application runs.
 * Returns 0 or -EINVAL (signal that cannot be handled: SIGKILL, SIGSTOP,
 * SIGSEGV, ...). */
REEF_API int reef_signal_handle(int signo, void (*fn)(int signo, void *arg), void *arg);

/* Stop hooks: code that makes the application's main future resolve when a
 * stop is requested (e.g. a server closing its listener).
 *
 * A stop is requested by SIGINT or SIGTERM (unless the application handles
 * them itself) or by reef_request_stop(). If at least one hook is
 * registered, every hook is called once and the application keeps running
 * until its main future resolves; a second request stops the reactor at
 * once. With no hooks registered, the reactor stops at once and the
 * application exits with status 128 + signal number (or the status given to
 * reef_request_stop). The hook object is embedded by the caller and must
 * stay valid until it is called or removed. */
typedef struct reef_stop_hook {
    /* private */
    void (*_fn)(void *arg);
    void *_arg;
    struct reef_stop_hook *_next, *_prev;
} reef_stop_hook;

REEF_API void reef_stop_hook_add(reef_stop_hook *h, void (*fn)(void *arg), void *arg);
REEF_API void reef_stop_hook_remove(reef_stop_hook *h);

/* Requests a stop as a signal would; `status` is the exit status used if
 * the reactor has to stop at once. Call on shard 0. */
REEF_API void reef_request_stop(int status);

/* True once a stop has been requested. */
REEF_API bool reef_stop_requested(void);

REEF_END_DECLS

#endif
