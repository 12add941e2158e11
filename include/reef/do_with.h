/*
 * do_with: keep state alive for exactly as long as an asynchronous
 * operation needs it.
 */
#ifndef REEF_DO_WITH_H
#define REEF_DO_WITH_H

#include <reef/future.h>

REEF_BEGIN_DECLS

typedef reef_future (*reef_with_fn)(void *state, void *arg);

/* Allocates `size` bytes of state, fills them from `init` (or with zeros
 * if init is NULL), calls fn(state, arg), and when the future fn returns
 * resolves — success or failure — calls dtor(state) (if not NULL) and frees
 * the state. The returned future resolves with fn's result after that.
 * fn and everything it starts may use `state` until fn's future resolves,
 * and not after. If the state cannot be allocated, fn is not called and
 * the result fails with -ENOMEM. */
REEF_API REEF_NODISCARD reef_future reef_do_with(const void *init, size_t size, reef_with_fn fn,
                                                 void *arg, void (*dtor)(void *state));

REEF_END_DECLS

#endif
