/*
 * Buffered streams over a connected socket.
 *
 * An input stream reads from the socket in blocks of its buffer size and
 * serves reads from the buffer: many small reads cost one system call.
 * An output stream gathers small writes into its buffer and sends it when
 * it fills, on flush or on close; a write larger than the buffer goes out
 * directly. A write's future resolves once the data is buffered or sent,
 * so a slow peer slows the writer instead of growing memory.
 *
 * One operation at a time per stream. The stream does not own the socket:
 * close the socket after freeing the streams.
 */
#ifndef REEF_STREAM_H
#define REEF_STREAM_H

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

/* Buffers (or, for large data, sends) n bytes of src (valid until the
 * future resolves). */
REEF_API REEF_NODISCARD reef_future reef_output_write(reef_output_stream *out, const void *src,
                                                     size_t n);

/* Sends what is buffered. */
REEF_API REEF_NODISCARD reef_future reef_output_flush(reef_output_stream *out);

/* Flushes, then ends the sending direction (the peer sees end of stream). */
REEF_API REEF_NODISCARD reef_future reef_output_close(reef_output_stream *out);

REEF_END_DECLS

#endif
