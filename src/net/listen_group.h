/*
 * Listen groups (listen_group.c): the per-shard counts of open accepted
 * connections that the least-loaded spread reads.
 */
#ifndef REEF_NET_LISTEN_GROUP_H
#define REEF_NET_LISTEN_GROUP_H

/* Adds delta (+1 when the calling shard takes an accepted connection, -1
 * when it closes one) to the calling shard's count. Only the owner writes
 * its count; any shard reads it. */
void reef__accepted_count_add(int delta);

/* Shard `shard`'s count of open accepted connections (0 for a shard beyond
 * the counted ones). */
unsigned reef__accepted_count(unsigned shard);

#endif
