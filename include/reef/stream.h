/*
 * Buffered streams over a connected socket or a file, with one API: code
 * written against reef_input_stream and reef_output_stream (a copy loop
 * of read_buf and write_buf, say) works the same whichever they sit on.
 *
 * An input stream reads in blocks of its buffer size into
 * reference-counted buffers (reef/buf.h) and serves reads from them: many
 * small reads cost one system call. The copying reads copy out of the
 * block; the buffer reads hand out slices of it without copying, and the
 * stream never overwrites bytes a slice still covers (it reads into a
 * fresh block instead). A file input stream keeps `read_ahead` aligned
 * blocks being read ahead of the reader, and ends where the file does.
 *
 * An output stream copies small writes into a batch buffer that is
 * written when it fills, on flush or on close; large buffers are written
 * straight from their own memory when the sink can take them that way.
 * Buffers wait in a queue that the stream writes in the background: one
 * socket write at a time, or up to `write_behind` file writes at once. A
 * write resolves once at most buffer_size bytes wait (write_behind blocks
 * for a file), so a slow peer or disk slows the writer instead of growing
 * memory. The first failure of a background write (or running out of
 * memory) breaks the stream: the operation waiting then, and every later
 * one, fails with that code.
 *
 * One operation at a time per stream, and free a stream only once its
 * last operation has resolved. A socket stream does not own its socket:
 * free the streams first (an output stream freed while the kernel still
 * reads one of its buffers finishes that write on its own, dropping the
 * rest: close or flush first to send everything), then close the socket.
 * A file stream holds its own reference to the file (reef_file_share),
 * dropped when the stream is freed and its writes are done: the caller
 * may close its reference at any time after creating the stream.
 * Buffers are the shard's, like the streams (docs/design.md, rule 30);
 * bytes handed to an output stream are lent to it until it lets go of
 * them (rule 31).
 */
#ifndef REEF_STREAM_H
#define REEF_STREAM_H

#include <reef/buf.h>
#include <reef/common.h>
#include <reef/file.h>
#include <reef/future.h>
#include <reef/net.h>

REEF_BEGIN_DECLS

typedef struct reef_input_stream reef_input_stream;
typedef struct reef_output_stream reef_output_stream;

/* Options of the file streams; NULL or zero fields mean the defaults. */
struct reef_file_stream_options {
    size_t buffer_size;    /* bytes per block (0: 128 KiB), rounded up to the file's
                            * alignment; at most 1 GiB */
    unsigned read_ahead;   /* input: blocks being read ahead of the reader (0: 2; at most 64) */
    unsigned write_behind; /* output: blocks being written at once (0: 2; at most 64) */
};

/* An input stream over socket s (the caller's, which must outlive the
 * stream). buffer_size 0: 8 KiB. NULL when out of memory. */
REEF_API reef_input_stream *reef_input_stream_new(reef_socket *s, size_t buffer_size);

/* An input stream over f's bytes from `offset` (any offset) to the end of
 * the file, read in aligned blocks, read_ahead of them in flight. Takes
 * its own reference to f. NULL when out of memory. Options out of range
 * make every read fail with -EINVAL; a failed file read (-EBADF for a file
 * not opened for reading, -EIO, ...) fails that read and every later
 * one. */
REEF_API reef_input_stream *reef_file_input_stream_new(reef_file *f, uint64_t offset,
                                                      const struct reef_file_stream_options *opts);

/* Frees the stream and its unread bytes (slices handed out stay valid).
 * A file stream's reads in flight finish on their own, then its reference
 * to the file goes. NULL: nothing. */
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

/* An output stream over socket s (the caller's, which must outlive the
 * stream). buffer_size 0: 8 KiB. NULL when out of memory. */
REEF_API reef_output_stream *reef_output_stream_new(reef_socket *s, size_t buffer_size);

/* An output stream writing f from `offset` on, in blocks of buffer_size
 * at consecutive offsets, write_behind of them at once. Takes its own
 * reference to f. On a direct file the offset must be a multiple of
 * reef_file_alignment(f), and a flush writes a partial last block padded
 * with zeroes, then cuts the file at the last byte written (so the stream
 * is for writing a file up to its end). NULL when out of memory. Options
 * out of range, or a misaligned offset, make every operation fail with
 * -EINVAL; a failed write (-EBADF for a file not opened for writing,
 * -ENOSPC, -EIO, ...) breaks the stream. */
REEF_API reef_output_stream *reef_file_output_stream_new(reef_file *f, uint64_t offset,
                                                        const struct reef_file_stream_options *opts);

/* Frees the stream, dropping what was not written yet: flush or close
 * first. Writes already under way finish on their own (the stream's
 * reference to a file goes after them). NULL: nothing. */
REEF_API void reef_output_stream_free(reef_output_stream *out);

/* Copies n bytes of src (valid until the future resolves) into the
 * batch; n >= buffer_size is sent from src directly (on a direct file,
 * only when src, n and the batch are aligned), and the future then
 * resolves once the kernel has taken all of it. */
REEF_API REEF_NODISCARD reef_future reef_output_write(reef_output_stream *out, const void *src,
                                                     size_t n);

/* Takes b's reference, whatever happens. A buffer smaller than half the
 * buffer size is copied into the batch and released; a larger one is
 * queued as it is, sent from its own memory and released once the kernel
 * has taken it (on a direct file, only when its memory and size are
 * aligned and the batch holds whole blocks; otherwise it is copied).
 * Resolves when at most buffer_size bytes wait to be sent (write_behind
 * blocks of them for a file). */
REEF_API REEF_NODISCARD reef_future reef_output_write_buf(reef_output_stream *out, reef_buf b);

/* Sends what is batched and queued: resolves once the kernel has taken
 * all of it. On a file: once it is written, the file cut at the true end
 * after a padded last block (see reef_file_output_stream_new), and the
 * data made durable (reef_file_flush). */
REEF_API REEF_NODISCARD reef_future reef_output_flush(reef_output_stream *out);

/* Flushes, then ends the sending direction (the peer sees end of
 * stream). On a file, close is a flush (the file stays open). */
REEF_API REEF_NODISCARD reef_future reef_output_close(reef_output_stream *out);

REEF_END_DECLS

#endif
