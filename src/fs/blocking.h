/*
 * The shard's helper thread for system calls that have no asynchronous
 * form (open, stat, fsync on some filesystems, reading a directory, file
 * I/O on a reactor whose backend cannot do it asynchronously).
 *
 * Each shard gets one thread, started on first use. The reactor hands it a
 * function, never waits for it, and learns of the result through an
 * eventfd it polls like any descriptor, so a slow disk stalls that one
 * thread and not the shard.
 */
#ifndef REEF_FS_BLOCKING_H
#define REEF_FS_BLOCKING_H

#include <stdint.h>

#include <reef/future.h>

/* Runs on the helper thread: returns a result >= 0 or a negative errno. */
typedef int64_t (*reef__blocking_fn)(void *arg);

/* Runs fn(arg) on the calling shard's helper thread; resolves on the shard
 * with its result (.i), or fails with it when negative. arg and whatever
 * it points to are the caller's and must stay valid until the future
 * resolves; fn must not touch the shard's state (it runs on another
 * thread). Fails with -ENOMEM or the thread's creation error. Calls still
 * queued when the shard stops are dropped unresolved, so the file layer
 * finishes its calls before the application ends. */
reef_future reef__blocking(reef__blocking_fn fn, void *arg);

/* Consumes a resolved reef__blocking future: fn's result (>= 0), or the
 * -errno it failed with (the caller words its own message). */
int64_t reef__blocking_result(reef_future r);

/* Stops the calling shard's helper thread, if it has one (reactor.c, after
 * the loop has ended and the backend is gone). */
void reef__blocking_fini(void);

#endif
