/*
 * The reactor's private state. One per shard, reached through the
 * thread-local reef__r.
 */
#ifndef REEF_CORE_REACTOR_IMPL_H
#define REEF_CORE_REACTOR_IMPL_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include <reef/reactor.h>
#include <reef/timer.h>

#include "backend/backend.h"
#include "core/task.h"

#define REEF__INLINE_BUDGET 256

struct reef__timer_heap {
    reef_timer **items;
    uint32_t count, cap;
};

struct reef__reactor_config {
    reef_duration task_quota;
    reef_duration idle_poll;
    bool poll_mode;
    const char *backend; /* NULL: automatic */
};

struct reef__reactor {
    /* Hot: touched by every continuation. */
    struct reef__taskq q;
    int inline_budget;
    volatile sig_atomic_t need_preempt;
    uint16_t current_group;
    unsigned shard;

    reef_time lowres_now;
    struct reef__timer_heap timers[2]; /* by enum reef_clock */

    const struct reef__backend_ops *ops;
    struct reef__backend *be;

    /* Waking the reactor from other threads. */
    int wake_fd;
    struct reef__io wake_io;
    atomic_int sleeping;

    /* Signals, read through a signalfd (shard 0 only). */
    int sig_fd;
    struct reef__io sig_io;
    struct reef__signal_slot *signals;
    sigset_t sig_mask;

    /* Preemption: a per-thread POSIX timer raising a signal every quota. */
    timer_t preempt_timer;
    bool preempt_timer_valid;
    volatile sig_atomic_t preempt_armed;

    /* Stopping. */
    bool stop;
    int exit_status;
    int stop_requests;
    reef_stop_hook *stop_hooks;

    struct reef__reactor_config cfg;

    /* Statistics. */
    uint64_t tasks_run, polls, sleeps, wakeups_sent;
};

extern __thread struct reef__reactor *reef__r __attribute__((tls_model("initial-exec")));

/* Queues a task on the current shard. */
_Noreturn void reef__no_reactor(const char *what);

static inline void reef__schedule(struct reef__task *t)
{
    struct reef__reactor *r = reef__r;
    if (__builtin_expect(!r, 0))
        reef__no_reactor("resolving a future");
    reef__taskq_push(&r->q, t);
}

/* Creates the calling thread's reactor as shard `shard`: 0 or a negative
 * error code (REEF_EBACKEND when no backend can be created). */
int reef__reactor_create(unsigned shard, const struct reef__reactor_config *cfg);

/* Runs the loop until reef__reactor_stop() (or a stop request). */
void reef__reactor_run(void);

/* Makes reef__reactor_run() return after the current iteration. */
void reef__reactor_stop(int status);

/* Destroys the calling thread's reactor. Returns the number of timers still
 * armed plus tasks still queued (0 for a clean shutdown). */
unsigned reef__reactor_destroy(void);

/* Timers (timer.c). */
void reef__timers_init(struct reef__reactor *r);
void reef__timers_fini(struct reef__reactor *r);
/* Fires expired timers; returns how many fired. */
unsigned reef__timers_expire(struct reef__reactor *r, reef_time now);
/* Nanoseconds until the next timer is due (0 if overdue), or -1 if none. */
int64_t reef__timers_next_timeout(struct reef__reactor *r, reef_time now);
unsigned reef__timers_armed(struct reef__reactor *r);

/* Preemption timer (preempt.c). */
int reef__preempt_init(struct reef__reactor *r);
void reef__preempt_fini(struct reef__reactor *r);
void reef__preempt_arm(struct reef__reactor *r);
void reef__preempt_disarm(struct reef__reactor *r);

/* Signals (signal.c). */
int reef__signals_init(struct reef__reactor *r);
void reef__signals_fini(struct reef__reactor *r);

/* Wakes a sleeping reactor from any thread. */
void reef__reactor_wake(struct reef__reactor *r);

#endif
