/*
 * The shard's disk queue (io_queue.c): fair dispatch of file reads and
 * writes between I/O classes (include/reef/io_class.h).
 */
#ifndef REEF_FS_IO_QUEUE_H
#define REEF_FS_IO_QUEUE_H

#include <stdint.h>

struct reef__io_req;
typedef void (*reef__io_req_fn)(struct reef__io_req *req);

/* One request, embedded in the caller's operation; the caller owns it. */
struct reef__io_req {
    struct reef__io_req *next;
    reef__io_req_fn dispatch; /* hands it to the kernel */
    uint64_t bytes;
    uint64_t queued_at;
    uint16_t cls;
};

/* Queues req in the current scheduling group's class; dispatch() is
 * called, now or later, when it may go. */
void reef__io_queue_submit(struct reef__io_req *req);

/* req finished: frees its slot for the next waiting request. */
void reef__io_queue_done(struct reef__io_req *req);

/* Frees the calling shard's queue (reactor.c, as the shard ends). */
void reef__io_queue_fini(void);

/* Calls fn(class) on the calling shard each time it dispatches a request
 * (NULL: stop). For tests: the dispatch order, free of how the tasks that
 * see the completions are scheduled afterwards. */
void reef__io_queue_observe(void (*fn)(unsigned cls));

#endif
