/*
 * Files with direct I/O.
 *
 * A file is opened with O_DIRECT where the filesystem allows it, so reads
 * and writes go between the disk and the caller's memory without the page
 * cache; where it does not (tmpfs, for one), the file is opened buffered
 * and says so (reef_file_is_direct), and a log line reports it. Direct
 * reads and writes need their offset, length and memory aligned to
 * reef_file_alignment(); a misaligned request fails with -EINVAL before it
 * reaches the kernel.
 *
 * Opening, reads, writes, flushes, stat, allocate, discard and close run
 * asynchronously on io_uring; with epoll, reads and writes of direct files
 * go through Linux AIO. The calls that have no asynchronous form on the
 * backend in use (truncate; under epoll also the others on a buffered
 * file, opening, stat, flush, allocate and discard) run on the shard's
 * helper thread, so the reactor never blocks on the disk.
 *
 * A reef_file is a counted reference to one open file, owned by the shard
 * that opened it: reef_file_share makes another, and the descriptor is
 * closed once the last reference is gone and the operations in flight have
 * finished. Every function below takes a reference the caller holds.
 */
#ifndef REEF_FILE_H
#define REEF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <reef/buf.h>
#include <reef/common.h>
#include <reef/future.h>

REEF_BEGIN_DECLS

typedef struct reef_file reef_file;

enum reef_file_flags {
    REEF_FILE_READ = 1u << 0,
    REEF_FILE_WRITE = 1u << 1,
    REEF_FILE_CREATE = 1u << 2,    /* create if missing (mode 0644 before umask) */
    REEF_FILE_EXCLUSIVE = 1u << 3, /* with CREATE: fail with -EEXIST if it exists */
    REEF_FILE_TRUNCATE = 1u << 4,  /* empty it on opening */
    REEF_FILE_BUFFERED = 1u << 5,  /* do not ask for direct I/O */
};

/* Opens `path` (copied) with `flags` (READ and/or WRITE required): resolves
 * with a reef_file * (.p), the caller's reference. Fails with the open's
 * -errno (-ENOENT, -EEXIST, -EACCES, -EISDIR, ...), -EINVAL for flags
 * without READ or WRITE, -ENOMEM. */
REEF_API REEF_NODISCARD reef_future reef_file_open(const char *path, unsigned flags);

/* Whether reads and writes bypass the page cache. */
REEF_API bool reef_file_is_direct(const reef_file *f);

/* The alignment direct I/O needs for offsets, lengths and memory (the
 * filesystem's, 4096 where it does not say); 1 for a buffered file. */
REEF_API size_t reef_file_alignment(const reef_file *f);

/* n bytes (rounded up to the alignment) of memory aligned for f's I/O:
 * 0 and *out, or -ENOMEM (*out empty). */
REEF_API int reef_file_alloc_buf(const reef_file *f, size_t n, reef_buf *out);

/* Another reference to the same open file (no system call). */
REEF_API reef_file *reef_file_share(reef_file *f);

/* Drops the caller's reference. The future resolves once the descriptor is
 * closed: at once if this was the last reference and nothing is in
 * flight, otherwise when the others are gone and the operations finished
 * (it fails with close's -errno, -EIO say, if closing reports one). */
REEF_API REEF_NODISCARD reef_future reef_file_close(reef_file *f);

/* Reads up to n bytes at `offset` into dst (both valid until the future
 * resolves): resolves with the count (.u), fewer at the end of the file.
 * On a direct file offset, n and dst must be aligned, and n is at most
 * 1 GiB per request: -EINVAL otherwise, with a message saying which. */
REEF_API REEF_NODISCARD reef_future reef_file_dma_read(reef_file *f, uint64_t offset, void *dst,
                                                       size_t n);

/* Writes n bytes from src at `offset` (same rules): resolves with the
 * count written; -ENOSPC, -EIO, -EFBIG ... on failure. */
REEF_API REEF_NODISCARD reef_future reef_file_dma_write(reef_file *f, uint64_t offset,
                                                        const void *src, size_t n);

/* Reads the range [offset, offset + n) at any alignment into a new buffer
 * stored in *out (valid until the future resolves): resolves with its size
 * (.u), shorter at the end of the file. */
REEF_API REEF_NODISCARD reef_future reef_file_read_bulk(reef_file *f, uint64_t offset, size_t n,
                                                        reef_buf *out);

/* The file's size in bytes (.u). */
REEF_API REEF_NODISCARD reef_future reef_file_size(reef_file *f);

/* fstat into *out (valid until the future resolves). */
REEF_API REEF_NODISCARD reef_future reef_file_stat(reef_file *f, struct stat *out);

/* Sets the size to `length` (ftruncate). */
REEF_API REEF_NODISCARD reef_future reef_file_truncate(reef_file *f, uint64_t length);

/* Reserves disk space for [offset, offset + n), growing the size if the
 * range ends past it (fallocate): -ENOSPC when the disk is full,
 * -EOPNOTSUPP where the filesystem cannot. */
REEF_API REEF_NODISCARD reef_future reef_file_allocate(reef_file *f, uint64_t offset, uint64_t n);

/* Gives back the space of [offset, offset + n) (reads then see zeroes);
 * the size is unchanged. */
REEF_API REEF_NODISCARD reef_future reef_file_discard(reef_file *f, uint64_t offset, uint64_t n);

/* Makes the written data durable (fdatasync). */
REEF_API REEF_NODISCARD reef_future reef_file_flush(reef_file *f);

REEF_END_DECLS

#endif
