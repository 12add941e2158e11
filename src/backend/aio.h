/*
 * Linux native AIO (io_submit) for the epoll backend: asynchronous reads
 * and writes of files opened with O_DIRECT, which epoll cannot wait for.
 * Completions are signalled on an eventfd that the epoll backend watches.
 * (On a file without O_DIRECT the kernel would perform the "asynchronous"
 * call synchronously inside io_submit, so the file layer sends those to
 * the shard's helper thread instead.)
 */
#ifndef REEF_BACKEND_AIO_H
#define REEF_BACKEND_AIO_H

#include "backend/backend.h"

struct reef__aio;

/* 0 and *out, or a negative errno (-ENOSYS: no AIO in this kernel). */
int reef__aio_create(struct reef__aio **out);
/* Outstanding operations are abandoned (the shard is going away). */
void reef__aio_destroy(struct reef__aio *a);
/* The eventfd that becomes readable when operations complete. */
int reef__aio_event_fd(const struct reef__aio *a);
/* Hands a READ or WRITE (offset >= 0) to the kernel at once, or queues it
 * for the next reef__aio_flush when every slot is taken. Returns 0, or the
 * kernel's refusal (-EINVAL for a misaligned request, ...), in which case
 * the caller completes io itself. */
int reef__aio_submit(struct reef__aio *a, struct reef__io *io);
/* Submits what is queued (as many as the context has room for); an
 * operation the kernel refuses completes with its error. Returns the
 * number completed that way. */
int reef__aio_flush(struct reef__aio *a);
/* After the eventfd fired: completes every finished operation through
 * io->done; returns how many. */
int reef__aio_reap(struct reef__aio *a);

#endif
