/*
 * Reference-counted byte buffers.
 *
 * A reef_buf is a small value (data pointer, length, storage pointer) that
 * names a range of bytes inside a shared, reference-counted storage block.
 * Sharing a buffer, or a slice of it, takes a new reference and copies no
 * bytes; trimming moves the range; the storage is freed (or its deleter
 * called) when the last reference goes. Streams hand out slices of the
 * block they read into, and send the bytes of the buffers they are given
 * straight from their memory, so data read from one socket can be written
 * to another without a copy.
 *
 *     storage block (one allocation in the common case)
 *     +--------+--------------------------------------------+
 *     | header |              bytes                         |
 *     +--------+--------------------------------------------+
 *              ^ b1._data             ^ b2._data
 *              <-- b1._len -->        <--- b2._len --->
 *     b1 and b2 both hold a reference (header refs == 2)
 *
 * Rules (docs/design.md, "Lifetime rules", rule 30):
 *  - A reef_buf holding bytes owns one reference: release it exactly once
 *    (reef_buf_release), or hand it to a function documented as taking it
 *    (reef_output_write_buf). Copying the struct does not take a reference:
 *    use reef_buf_share for a second owner.
 *  - A zero-initialised reef_buf is the empty buffer: it holds no
 *    reference, and releasing it does nothing. An operation that leaves a
 *    buffer with no bytes (trim to 0, trim_front of everything, a share of
 *    0 bytes) drops the reference at once.
 *  - Reference counts are plain integers: a buffer and its shares belong
 *    to the shard that made them. To hand bytes to another shard, copy them
 *    (reef_buf_copy on the target, while the source keeps its buffer until
 *    the target is done), or keep the buffer on its shard and send a
 *    foreign pointer to a heap copy of the struct whose destructor releases
 *    it there. Debug builds check the shard at every call that changes a
 *    reference count.
 *  - Bytes are writable through reef_buf_data; whether anyone else sees
 *    the write depends on who shares the storage (reef_buf_unique).
 */
#ifndef REEF_BUF_H
#define REEF_BUF_H

#include <reef/common.h>

REEF_BEGIN_DECLS

struct reef__buf_storage;

typedef struct reef_buf {
    /* private: use the accessors below. */
    char *_data;
    size_t _len;
    struct reef__buf_storage *_st; /* NULL for the empty buffer */
} reef_buf;

/* Called once, on the owning shard, when the last reference to wrapped
 * memory goes: receives the `arg` and `data` given to reef_buf_wrap. */
typedef void (*reef_buf_deleter)(void *arg, void *data);

/* The first byte (NULL for the empty buffer) and the length. */
static inline char *reef_buf_data(reef_buf b) { return b._data; }
static inline size_t reef_buf_size(reef_buf b) { return b._len; }
static inline bool reef_buf_empty(reef_buf b) { return b._len == 0; }

/* n uninitialised bytes, header and bytes in one allocation from the
 * shard's memory (16-byte aligned). 0 and the buffer in *out; -ENOMEM with
 * *out empty. n == 0 gives the empty buffer. */
REEF_API int reef_buf_alloc(size_t n, reef_buf *out);

/* n uninitialised bytes starting at a multiple of `align` (a power of
 * two; 4096 for O_DIRECT, say). -EINVAL for a bad alignment, -ENOMEM;
 * *out is empty on failure. Alignments above 16 cost a second allocation
 * for the header, so that the bytes waste no padding. */
REEF_API int reef_buf_alloc_aligned(size_t align, size_t n, reef_buf *out);

/* A buffer over the caller's n bytes at `data`. When the last reference
 * goes, deleter(arg, data) runs; a NULL deleter means the memory outlives
 * every reference on its own (static data, say). On failure (-ENOMEM;
 * -EINVAL for NULL data with n > 0) the deleter is not called and the
 * memory stays the caller's. A wrapped buffer of 0 bytes still holds its
 * reference, so the deleter runs at its release. */
REEF_API int reef_buf_wrap(void *data, size_t n, reef_buf_deleter deleter, void *arg,
                           reef_buf *out);

/* A new buffer holding a copy of n bytes from src: 0 or -ENOMEM (as
 * reef_buf_alloc). */
REEF_API int reef_buf_copy(const void *src, size_t n, reef_buf *out);

/* A new reference to `len` bytes of b starting at `off`, without copying;
 * b is unchanged and keeps its own reference. The range is clamped to b:
 * an offset past the end gives the empty buffer, a length past the end
 * stops at the end (len = SIZE_MAX shares everything from off). Cannot
 * fail. */
REEF_API reef_buf reef_buf_share(reef_buf b, size_t off, size_t len);

/* Keeps the first n bytes: n >= size changes nothing, n == 0 releases. */
REEF_API void reef_buf_trim(reef_buf *b, size_t n);

/* Drops the first n bytes: n == 0 changes nothing, n >= size releases. */
REEF_API void reef_buf_trim_front(reef_buf *b, size_t n);

/* Drops b's reference and leaves b empty. Nothing for an empty buffer. */
REEF_API void reef_buf_release(reef_buf *b);

/* True when b holds the only reference to its storage (false for the
 * empty buffer): nobody else can see writes into it. */
REEF_API bool reef_buf_unique(reef_buf b);

REEF_END_DECLS

#endif
