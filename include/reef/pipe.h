/*
 * Pipes: a fixed-capacity buffer of reef_val items between one reader and
 * one writer (two fibers of continuations), like a Unix pipe: the writer
 * waits while the buffer is full, the reader while it is empty, and
 * closing either end unblocks the other — the reader sees end-of-file
 * once the buffered items are drained, the writer a broken pipe.
 *
 * One read and one write may be outstanding at a time (single reader,
 * single writer). The pipe is freed when both ends are closed; each end
 * must be closed exactly once, after its last operation has resolved.
 */
#ifndef REEF_PIPE_H
#define REEF_PIPE_H

#include <reef/future.h>

REEF_BEGIN_DECLS

typedef struct reef_pipe reef_pipe;

/* Creates a pipe buffering up to `capacity` items (>= 1); NULL on bad
 * capacity or out of memory. */
REEF_API reef_pipe *reef_pipe_create(size_t capacity);

/* Reads the next item into *out (which must stay valid until the future
 * resolves): resolves with 1 (.i) when an item was stored, 0 at end of
 * file (writer closed and buffer empty; *out is then left as it was).
 * Fails with REEF_EPIPE_BROKEN if the reader end is already closed. */
REEF_API REEF_NODISCARD reef_future reef_pipe_read(reef_pipe *p, reef_val *out);

/* Writes an item: resolves when it is buffered (or taken by the reader).
 * Fails with REEF_EPIPE_BROKEN once the reader end is closed — including a
 * write that was waiting for room. */
REEF_API REEF_NODISCARD reef_future reef_pipe_write(reef_pipe *p, reef_val v);

/* Closes one end (see above). */
REEF_API void reef_pipe_close_reader(reef_pipe *p);
REEF_API void reef_pipe_close_writer(reef_pipe *p);

REEF_END_DECLS

#endif
