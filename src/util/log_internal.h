/*
 * What the reactor tells the logger: which shard the calling thread runs.
 */
#ifndef REEF_UTIL_LOG_INTERNAL_H
#define REEF_UTIL_LOG_INTERNAL_H

#include <reef/log.h>

/* The shard id of the calling thread's reactor, -1 when it has none. */
extern __thread int reef__log_shard;

#endif
