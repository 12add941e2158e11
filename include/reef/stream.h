/*
 * Buffered streams over a connected socket.
 *
 * An input stream reads from the socket in blocks of its buffer size into
 * reference-counted buffers (reef/buf.h) and serves reads from them: many
 * small reads cost one system call. The copying reads copy out of the
 * block; the buffer reads hand out slices of it without copying, and the
 * stream never overwrites bytes a slice still covers (it reads into a
 * fresh block instead).
 *
 * An output stream copies small writes into a batch buffer that is sent
 * when it fills, on flush or on close; large buffers are sent straight
 * from their own memory. Buffers wait in a queue that the stream sends in
 * the background, one socket write at a time. A write resolves once at
 * most buffer_size bytes wait to be sent, so a slow peer slows the writer
 * instead of growing memory. The first failure of a background send (or
 * running out of memory) breaks the stream: the operation waiting then,
 * and every later one, fails with that code.
 *
 * One operation at a time per stream. The stream does not own the socket:
 * free the streams first (an output stream freed while the kernel still
 * reads one of its buffers finishes that write on its own, dropping the
 * rest: close or flush first to send everything), then close the socket.
 * Buffers are the shard's, like the streams (docs/design.md, rule 30).
 */
#ifndef REEF_STREAM_H
#define REEF_STREAM_H

#include <reef/buf.h>
#include <reef/common.h>
#include <reef/future.h>
#include <reef/net.h>

REEF_BEGIN_DECLS

typedef struct reef_input_stream reef_input_stream;
typedef struct reef_output_stream reef_output_stream;

/* buffer_size 0: 8 KiB. NULL when out of memory. */
REEF_API reef_input_stream *reef_input_stream_new(reef_socket *s, size_t buffer_size);
REEF_API void reef_input_stream_free(reef_input_stream *in);

/* Up to `max` bytes into dst (valid until the future resolves): resolves
 * with the count (.u), 0 at end of stream. */
REEF_API REEF_NODISCARD reef_future reef_input_read_up_to(reef_input_stream *in, void *dst,
                                                         size_t max);

/* Exactly n bytes, fewer only at end of stream: resolves with the count. */
REEF_API REEF_NODISCARD reef_future reef_input_read_exactly(reef_input_stream *in, void *dst,
                                                           size_t n);

/* The next available bytes without copying: stores a slice of the
 * stream's block in *out (valid until the future resolves; left empty on
 * failure) and resolves with its size (.u), 0 and an empty *out at end of
 * stream. The slice is the caller's to release. */
REEF_API REEF_NODISCARD reef_future reef_input_read_buf(reef_input_stream *in, reef_buf *out);

/* Exactly n contiguous bytes without copying (fewer only at end of
 * stream), as reef_input_read_buf. n may exceed the buffer size: the
 * stream then reads into a block of n bytes. */
REEF_API REEF_NODISCARD reef_future reef_input_read_exactly_buf(reef_input_stream *in, size_t n,
                                                               reef_buf *out);

/* Discards n bytes (fewer at end of stream): resolves with the count. */
REEF_API REEF_NODISCARD reef_future reef_input_skip(reef_input_stream *in, size_t n);

/* An incremental parser: sees the buffered bytes, returns how many it
 * used (<= len) and sets *done when it has what it wanted; a negative
 * return (an errno) fails the consume. */
typedef ssize_t (*reef_consumer_fn)(void *cap, const char *data, size_t len, bool *done);

/* Feeds the parser until it is done (resolves with 1) or the stream ends
 * (resolves with 0). Bytes the parser does not use stay in the stream. */
REEF_API REEF_NODISCARD reef_future reef_input_consume(reef_input_stream *in, reef_consumer_fn fn,
                                                      void *cap);

/* buffer_size 0: 8 KiB. NULL when out of memory. */
REEF_API reef_output_stream *reef_output_stream_new(reef_socket *s, size_t buffer_size);
REEF_API void reef_output_stream_free(reef_output_stream *out);

/* Copies n bytes of src (valid until the future resolves) into the
 * batch; n >= buffer_size is sent from src directly, and the future then
 * resolves once the kernel has taken all of it. */
REEF_API REEF_NODISCARD reef_future reef_output_write(reef_output_stream *out, const void *src,
                                                     size_t n);

/* Takes b's reference, whatever happens. A buffer smaller than half the
 * buffer size is copied into the batch and released; a larger one is
 * queued as it is, sent from its own memory and released once the kernel
 * has taken it. Resolves when at most buffer_size bytes wait to be sent. */
REEF_API REEF_NODISCARD reef_future reef_output_write_buf(reef_output_stream *out, reef_buf b);

/* Sends what is batched and queued: resolves once the kernel has taken
 * all of it. */
REEF_API REEF_NODISCARD reef_future reef_output_flush(reef_output_stream *out);

/* Flushes, then ends the sending direction (the peer sees end of stream). */
REEF_API REEF_NODISCARD reef_future reef_output_close(reef_output_stream *out);

REEF_END_DECLS

#endif
