/*
 * Shard-wide state shared by smp.c, submit.c and alien.c.
 */
#ifndef REEF_CORE_SMP_INTERNAL_H
#define REEF_CORE_SMP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/reactor_impl.h"

struct reef__alien_req;

struct reef__smp_shard {
    struct reef__reactor *r; /* set once the shard's reactor exists */
    pthread_t thread;
    atomic_bool stop; /* set by shard 0 at shutdown */
    /* Calls from threads that are not shards: a locked list, off the
     * shard-to-shard path. */
    pthread_mutex_t alien_lock;
    struct reef__alien_req *alien_first, *alien_last;
    atomic_bool alien_pending;
};

struct reef__smp {
    unsigned count;
    struct reef__smp_shard *shards;
    struct reef__smp_ring *rings; /* [from * count + to] */
    int *cpus;                    /* pinning targets, NULL: no pinning */
    bool pin;
    const struct reef__reactor_config *cfg;
    pthread_barrier_t ready, go, stopped;
    atomic_int failed;
    atomic_bool running; /* alien calls accepted */
};

extern struct reef__smp reef__smp;

/* Starts every shard (shard 0 on this thread, which then owns reef__r):
 * 0 or a negative error, after which nothing is left running. */
int reef__smp_start(const struct reef__reactor_config *cfg);

/* Stops and joins the other shards, destroys shard 0's reactor and frees
 * the shared state; returns shard 0's leftovers. */
unsigned reef__smp_finish(void);

/* Alien calls (alien.c). */
unsigned reef__alien_run_pending(struct reef__reactor *r, struct reef__smp_shard *me);
/* Fails every queued alien call (the application is stopping). */
void reef__alien_fail_all(void);

#endif
