/*
 * Shards: starting one reactor per core, stopping them, and carrying
 * messages between them (see smp_queue.h for the rings).
 *
 * Shard 0 is the calling thread; shards 1..N-1 are threads started here,
 * each pinned to its CPU. All reactors exist before the application's main
 * function runs (a barrier), and all have stopped and been destroyed before
 * reef__smp_run() returns.
 *
 * Waking: a reactor about to sleep sets its `sleeping` flag and then looks
 * at its incoming rings once more; a sender publishes a batch and then looks
 * at the flag. Both stores and both loads are sequentially consistent, so
 * at least one side sees the other: either the sleeper finds the message,
 * or the sender finds the sleeper and writes its eventfd. (The same holds
 * for memory handed back and for alien calls.)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/log.h>

#include "core/cpus.h"
#include "core/reactor_impl.h"
#include "core/run.h"
#include "core/smp_internal.h"
#include "mem/arena.h"

unsigned reef__smp_count = 1;
struct reef__smp reef__smp;

static struct reef__smp_ring *ring(unsigned from, unsigned to)
{
    return &reef__smp.rings[from * reef__smp.count + to];
}

/* ---- Sending and receiving --------------------------------------------------- */

static void wake(unsigned to)
{
    struct reef__reactor *target = reef__smp.shards[to].r;
    if (target)
        reef__reactor_wake(target);
}

static void flush_one(struct reef__reactor *r, unsigned to)
{
    struct reef__smp_outbox *out = &r->outboxes[to];
    bool was_pending = out->first != NULL;
    if (reef__smp_publish(ring(r->shard, to), out))
        wake(to);
    if (was_pending && !out->first)
        r->outbox_pending--;
}

void reef__smp_send(unsigned to, struct reef__smp_msg *m)
{
    struct reef__reactor *r = reef__r;
    struct reef__smp_outbox *out = &r->outboxes[to];
    if (!out->first)
        r->outbox_pending++;
    reef__smp_outbox_push(out, m);
    if (out->count >= REEF__SMP_BATCH)
        flush_one(r, to);
}

static unsigned flush_all(struct reef__reactor *r)
{
    if (!r->outbox_pending)
        return 0;
    for (unsigned to = 0; to < reef__smp.count; to++)
        if (r->outboxes[to].first)
            flush_one(r, to);
    return r->outbox_pending;
}

unsigned reef__smp_poll(struct reef__reactor *r)
{
    if (reef__smp.count <= 1 && !reef__smp.shards)
        return 0;
    struct reef__smp_shard *me = &reef__smp.shards[r->shard];
    unsigned n = 0;
    flush_all(r);
    for (unsigned from = 0; from < reef__smp.count; from++) {
        if (from != r->shard && reef__smp_ring_pending(ring(from, r->shard)))
            n += reef__smp_drain(ring(from, r->shard));
    }
    if (atomic_load_explicit(&me->alien_pending, memory_order_acquire))
        n += reef__alien_run_pending(r, me);
    if (atomic_load_explicit(&me->stop, memory_order_acquire))
        reef__reactor_stop(0);
    n += reef__mem_poll();
    /* Messages handled may have queued replies: send them now. */
    flush_all(r);
    return n;
}

bool reef__smp_pending(struct reef__reactor *r)
{
    if (!reef__smp.shards)
        return false;
    struct reef__smp_shard *me = &reef__smp.shards[r->shard];
    /* Sequentially consistent loads, after the sequentially consistent
     * store of `sleeping`: see the comment at the top. */
    if (r->outbox_pending || atomic_load(&me->alien_pending) || atomic_load(&me->stop) ||
        reef__mem_returned())
        return true;
    for (unsigned from = 0; from < reef__smp.count; from++) {
        if (from != r->shard && reef__smp_ring_pending_sc(ring(from, r->shard)))
            return true;
    }
    return false;
}

/* ---- Starting and stopping --------------------------------------------------- */

static void pin(unsigned shard)
{
    if (!reef__smp.pin || !reef__smp.cpus)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(reef__smp.cpus[shard], &set);
    int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    if (rc)
        reef_log_warn(&reef_logger_reef, "could not pin shard %u to CPU %d: %s", shard,
                      reef__smp.cpus[shard], strerror(rc));
}

static void wake_for_memory(void *arg) { reef__reactor_wake(arg); }

static int create_shard_reactor(unsigned shard, const struct reef__reactor_config *cfg)
{
    int rc = reef__reactor_create(shard, cfg);
    if (rc < 0)
        return rc;
    reef__mem_attach(shard, wake_for_memory, reef__r);
    struct reef__reactor *r = reef__r;
    r->outboxes = calloc(reef__smp.count, sizeof(*r->outboxes));
    if (!r->outboxes) {
        reef__reactor_destroy();
        return -ENOMEM;
    }
    reef__smp.shards[shard].r = r;
    return 0;
}

/* Returns the reactor's leftovers (timers armed + tasks queued). Called
 * only after every shard has left its loop and let go of its memory (the
 * `stopped` barrier), so that nobody wakes a destroyed reactor. */
static unsigned destroy_shard_reactor(void)
{
    struct reef__reactor *r = reef__r;
    free(r->outboxes);
    r->outboxes = NULL;
    return reef__reactor_destroy();
}

static void *shard_thread(void *arg)
{
    unsigned shard = (unsigned)(uintptr_t)arg;
    pin(shard);
    int rc = create_shard_reactor(shard, reef__smp.cfg);
    if (rc < 0) {
        reef_log_error(&reef_logger_reef, "shard %u could not start: %s", shard,
                       reef_strerror(rc));
        atomic_store(&reef__smp.failed, rc);
    }
    pthread_barrier_wait(&reef__smp.ready);
    /* Shard 0 decides whether the application runs. */
    pthread_barrier_wait(&reef__smp.go);
    if (rc == 0 && !atomic_load(&reef__smp.failed))
        reef__reactor_run();
    if (rc == 0)
        reef__mem_detach();
    pthread_barrier_wait(&reef__smp.stopped);
    if (rc == 0)
        destroy_shard_reactor();
    return NULL;
}

static int alloc_state(unsigned count, const struct reef__reactor_config *cfg)
{
    memset(&reef__smp, 0, sizeof(reef__smp));
    reef__smp.count = count;
    reef__smp.cfg = cfg;
    reef__smp.pin = cfg->pin;
    reef__smp.shards = calloc(count, sizeof(*reef__smp.shards));
    if (count > 1)
        reef__smp.rings = aligned_alloc(64, (size_t)count * count * sizeof(struct reef__smp_ring));
    if (!reef__smp.shards || (count > 1 && !reef__smp.rings))
        return -ENOMEM;
    if (count > 1)
        memset(reef__smp.rings, 0, (size_t)count * count * sizeof(struct reef__smp_ring));
    for (unsigned i = 0; i < count; i++)
        pthread_mutex_init(&reef__smp.shards[i].alien_lock, NULL);
    if (cfg->pin) {
        reef__smp.cpus = malloc(count * sizeof(int));
        if (!reef__smp.cpus)
            return -ENOMEM;
        if (cfg->cpus)
            memcpy(reef__smp.cpus, cfg->cpus, count * sizeof(int));
        else if (reef__cpus_ordered(reef__smp.cpus, count) < (int)count)
            return REEF_ENO_CPUS;
    }
    return 0;
}

/* Gives each shard its part of the memory (-m, or all of it minus the
 * reserve). Without a reservation (sanitizer builds, or mmap refused),
 * shards use the C library's allocator. */
static void reserve_memory(unsigned count, const struct reef__reactor_config *cfg)
{
#ifdef REEF_SANITIZE
    (void)count, (void)cfg;
#else
    uint64_t phys = reef__physical_memory();
    uint64_t reserve = cfg->reserve_memory;
    if (!reserve) {
        reserve = phys / 100 * 7;
        if (reserve < ((uint64_t)3 << 29))
            reserve = (uint64_t)3 << 29; /* 1.5 GiB */
    }
    uint64_t total = cfg->memory ? cfg->memory : (phys > reserve ? phys - reserve : phys / 2);
    int rc = reef__mem_start(count, (size_t)(total / count));
    if (rc < 0)
        reef_log_warn(&reef_logger_reef,
                      "per-shard memory unavailable (%s): using the C library's allocator",
                      reef_strerror(rc));
#endif
}

static void free_state(void)
{
    reef__mem_stop();
    for (unsigned i = 0; reef__smp.shards && i < reef__smp.count; i++)
        pthread_mutex_destroy(&reef__smp.shards[i].alien_lock);
    free(reef__smp.shards);
    free(reef__smp.rings);
    free(reef__smp.cpus);
    memset(&reef__smp, 0, sizeof(reef__smp));
    reef__smp_count = 1;
}

/* Asks every other shard to stop; they wait at the `stopped` barrier
 * before destroying anything, so the wake-ups here reach live reactors. */
static void stop_others(void)
{
    for (unsigned i = 1; i < reef__smp.count; i++) {
        atomic_store(&reef__smp.shards[i].stop, true);
        wake(i);
    }
}

int reef__smp_start(const struct reef__reactor_config *cfg)
{
    unsigned count = cfg->smp ? cfg->smp : 1;
    int rc = alloc_state(count, cfg);
    if (rc < 0) {
        free_state();
        return rc;
    }
    reef__smp_count = count;
    reserve_memory(count, cfg);
    pin(0);
    /* Shard 0 first: it blocks the signals it reads from a signalfd, and
     * the threads started below inherit that mask. */
    rc = create_shard_reactor(0, cfg);
    if (rc < 0) {
        free_state();
        return rc;
    }
    pthread_barrier_init(&reef__smp.ready, NULL, count);
    pthread_barrier_init(&reef__smp.go, NULL, count);
    pthread_barrier_init(&reef__smp.stopped, NULL, count);
    unsigned started = 1;
    for (; started < count; started++) {
        if (pthread_create(&reef__smp.shards[started].thread, NULL, shard_thread,
                           (void *)(uintptr_t)started) != 0)
            break;
    }
    if (started < count) {
        /* Threads that did start are stuck at the first barrier, which
         * needs `count` arrivals: this is unrecoverable. */
        fprintf(stderr, "reef: could not start shard threads\n");
        abort();
    }
    pthread_barrier_wait(&reef__smp.ready);
    rc = atomic_load(&reef__smp.failed);
    pthread_barrier_wait(&reef__smp.go);
    atomic_store(&reef__smp.running, rc == 0);
    /* Starting the shards took a while: the low-resolution clock must not
     * lag behind when the application's main function reads it. */
    reef__r->lowres_now = reef_now();
    if (rc < 0) {
        reef__smp_finish();
        return rc;
    }
    return 0;
}

unsigned reef__smp_finish(void)
{
    atomic_store(&reef__smp.running, false);
    reef__alien_fail_all();
    stop_others();
    reef__mem_detach();
    pthread_barrier_wait(&reef__smp.stopped);
    unsigned leftovers = destroy_shard_reactor();
    for (unsigned i = 1; i < reef__smp.count; i++)
        pthread_join(reef__smp.shards[i].thread, NULL);
    pthread_barrier_destroy(&reef__smp.ready);
    pthread_barrier_destroy(&reef__smp.go);
    pthread_barrier_destroy(&reef__smp.stopped);
    free_state();
    return leftovers;
}
