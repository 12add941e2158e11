/*
 * Which CPUs shards run on.
 */
#ifndef REEF_CORE_CPUS_H
#define REEF_CORE_CPUS_H

/* Fills out[0..max) with the CPUs this process may use, one per physical
 * core first and then their hyperthread siblings; returns how many were
 * written (the number usable, capped at max). */
int reef__cpus_ordered(int *out, unsigned max);

/* Parses a CPU list such as "0-3,8,10-11" into out (at most max entries,
 * in the order given, duplicates dropped): the count, or -EINVAL. */
int reef__cpus_parse(const char *list, int *out, unsigned max);

/* Bytes of physical memory (0 if unknown). */
#include <stdint.h>
uint64_t reef__physical_memory(void);

#endif
