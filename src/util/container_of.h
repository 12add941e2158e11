/*
 * container_of: from a pointer to a member back to the struct that holds
 * it. The library embeds its nodes (tasks, backend operations, queue
 * entries) in the objects they belong to, and finds the object again here.
 */
#ifndef REEF_UTIL_CONTAINER_OF_H
#define REEF_UTIL_CONTAINER_OF_H

#include <stddef.h>

#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

#endif
