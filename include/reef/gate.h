/*
 * Gates: count operations in progress, refuse new ones once closed, and
 * tell when the last one has left — the way to shut a service down
 * cleanly. Embedded by the owner; one shard.
 */
#ifndef REEF_GATE_H
#define REEF_GATE_H

#include <reef/future.h>

REEF_BEGIN_DECLS

typedef struct reef_gate {
    /* private */
    int64_t _count;
    bool _closed;
    reef_promise _closing;
} reef_gate;

REEF_API void reef_gate_init(reef_gate *g);

/* Registers an operation: 0, or REEF_EGATE_CLOSED once the gate is closed
 * (the operation must then not start). */
REEF_API int reef_gate_enter(reef_gate *g);

/* Ends an operation that entered. */
REEF_API void reef_gate_leave(reef_gate *g);

/* 0 while open, REEF_EGATE_CLOSED once closed: long operations call it to
 * stop early when a shutdown has begun. */
REEF_API int reef_gate_check(const reef_gate *g);

/* Closes the gate: later enters fail, and the returned future resolves
 * once every operation in progress has left (at once if none). Closing
 * twice fails with -EINVAL. */
REEF_API REEF_NODISCARD reef_future reef_gate_close(reef_gate *g);

REEF_API bool reef_gate_is_closed(const reef_gate *g);
REEF_API int64_t reef_gate_count(const reef_gate *g);

/* Enters the gate, runs fn(cap) and leaves when its future resolves. If the
 * gate is closed, fn is not called and the result fails with
 * REEF_EGATE_CLOSED. The capture is copied as for reef_then. */
REEF_API REEF_NODISCARD reef_future reef_with_gate(reef_gate *g, reef_body_fn fn,
                                                   const void *cap, size_t cap_size);

REEF_END_DECLS

#endif
