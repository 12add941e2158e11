/*
 * Implementation detail shared by the synchronisation primitives' embedded
 * structs (semaphore, condition variable, queue, rwlock, ...): the head of
 * a FIFO list of waiters. Not an API; fields are private.
 */
#ifndef REEF_WAITQ_H
#define REEF_WAITQ_H

#include <reef/common.h>

struct reef__wq_entry;

struct reef__wq {
    struct reef__wq_entry *head, *tail;
    size_t count;
};

#endif
