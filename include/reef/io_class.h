/*
 * Disk I/O classes: how a shard shares its disk between components.
 *
 * A file read or write belongs to the scheduling group it is issued from
 * (reef_sched_group_current), so one concept isolates a component's CPU
 * and its disk. Each group also has disk shares (100 unless set). Every
 * shard queues its requests per group and keeps at most max_in_flight of
 * them in the kernel at once; when requests wait, the next one comes from
 * the group that has received the least service for its shares, service
 * being measured in bytes plus a fixed cost per request. Two groups that
 * keep the disk busy with shares 100 and 200 thus move bytes in the ratio
 * 1 : 2; a group alone gets the whole disk.
 */
#ifndef REEF_IO_CLASS_H
#define REEF_IO_CLASS_H

#include <stdint.h>

#include <reef/common.h>
#include <reef/sched_group.h>

REEF_BEGIN_DECLS

/* Sets group g's disk shares (1..1000), for every shard: 0, or -EINVAL. */
REEF_API int reef_io_set_shares(reef_sched_group g, unsigned shares);

/* Group g's disk shares. */
REEF_API unsigned reef_io_shares(reef_sched_group g);

/* How many requests the calling shard keeps in the kernel at once (1..4096;
 * 128 by default): fewer gives the classes finer control, more gives the
 * device deeper queues. 0, or -EINVAL. */
REEF_API int reef_io_set_max_in_flight(unsigned n);

struct reef_io_class_stats {
    uint64_t ops;      /* requests completed */
    uint64_t bytes;    /* bytes they moved */
    uint64_t queue_ns; /* total time they waited to be dispatched */
    uint64_t queued;   /* requests waiting now */
};

/* Group g's figures on the calling shard since it started: 0, or -EINVAL
 * for a group that does not exist. */
REEF_API int reef_io_class_stats(reef_sched_group g, struct reef_io_class_stats *out);

REEF_END_DECLS

#endif
