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
#include "core/smp_queue.h"
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
    reef_duration blocked_notify; /* stall report threshold; 0: the default */
    /* Shards (smp.c): count (0 means 1), whether to pin each shard's
     * thread, and to which CPUs (cpus[i] for shard i; NULL: the usable
     * CPUs, physical cores first). */
    unsigned smp;
    bool pin;
    const int *cpus;
    /* Memory for all shards (0: physical memory minus reserve_memory) and
     * the part left to the system (0: the larger of 1.5 GiB and 7%). */
    uint64_t memory, reserve_memory;
};

#define REEF__DEFAULT_BLOCKED_NOTIFY_NS 25000000

/* Scheduling groups: at most this many per process (ids 0..63; 0 is the
 * main group), and this many per-group data keys. */
#define REEF__MAX_GROUPS 64
#define REEF__SCHED_KEYS 16

/* A group's state on one shard. */
struct reef__group_rt {
    struct reef__taskq q; /* ring allocated when the group first gets a task */
    uint64_t vruntime;    /* run time weighted by 1024 / shares */
    reef_duration runtime;
    uint64_t tasks_run;
    void *specific[REEF__SCHED_KEYS];
};

struct reef__reactor {
    /* Hot: touched by every continuation. */
    struct reef__group_rt *groups; /* [REEF__MAX_GROUPS] */
    uint64_t active;               /* bit g: group g has queued tasks */
    int inline_budget;
    volatile sig_atomic_t need_preempt;
    uint16_t current_group;
    unsigned shard;

    uint64_t min_vruntime; /* floor given to a group that becomes active */
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

    /* Stall detection (stall.c), driven by the task-quota signal. */
    uint64_t stall_seen_tasks, stall_seen_polls;
    reef_time stall_since; /* when progress was last seen */
    reef_duration stall_next_report;
    unsigned stall_reports;
    reef_time stall_window_start;

    /* Shards (smp.c): this shard's outboxes, one per target shard. */
    struct reef__smp_outbox *outboxes;
    unsigned outbox_pending; /* targets with a non-empty outbox */

    /* Statistics. */
    uint64_t tasks_run, polls, sleeps, wakeups; /* wakeups: eventfd wake-ups received */
};

extern __thread struct reef__reactor *reef__r __attribute__((tls_model("initial-exec")));

/* Queues a task on the current shard. */
_Noreturn void reef__no_reactor(const char *what);

/* Makes group g runnable (sched.c). */
void reef__sched_activate(struct reef__reactor *r, unsigned g);

static inline void reef__schedule(struct reef__task *t)
{
    struct reef__reactor *r = reef__r;
    if (__builtin_expect(!r, 0))
        reef__no_reactor("resolving a future");
    if (__builtin_expect(!(r->active & (1ull << t->group)), 0))
        reef__sched_activate(r, t->group);
    reef__taskq_push(&r->groups[t->group].q, t);
}

/* The scheduling group new tasks inherit: the running task's. */
static inline uint16_t reef__current_group(void)
{
    struct reef__reactor *r = reef__r;
    return r ? r->current_group : 0;
}

/* The scheduler (sched.c). */
int reef__sched_init(struct reef__reactor *r);
/* Frees the queues; returns the number of tasks still queued. */
unsigned reef__sched_fini(struct reef__reactor *r);
/* Runs ready tasks, group by group, until none is left, the quota is up
 * or the reactor is stopping. */
void reef__sched_run(struct reef__reactor *r);
/* Runs every queued task now, ignoring the quota and the groups' shares
 * (benchmarks and tests that want the work without the loop around it). */
void reef__sched_drain(struct reef__reactor *r);
static inline bool reef__sched_has_work(const struct reef__reactor *r) { return r->active != 0; }

/* Group registry (sched_group.c): shares of group g (>= 1), and how many
 * groups exist (the main group included). */
unsigned reef__group_shares(unsigned g);
unsigned reef__groups_in_use(void);

/* Shards (smp.c). */
/* Publishes outboxes, handles incoming messages and alien calls; returns
 * the number of messages handled. */
unsigned reef__smp_poll(struct reef__reactor *r);
/* True if messages wait for this shard (checked before sleeping). */
bool reef__smp_pending(struct reef__reactor *r);
/* Queues a message for shard `to` (not the current one). */
void reef__smp_send(unsigned to, struct reef__smp_msg *m);
/* The number of shards of the running application (1 if none). */
extern unsigned reef__smp_count;

/* Frees the calling shard's pool of fiber stacks (fiber.c). */
void reef__fiber_pool_drain(void);

/* Stall detection (stall.c). */
void reef__stall_init(struct reef__reactor *r);
/* Called from the task-quota signal handler: async-signal-safe. */
void reef__stall_tick(struct reef__reactor *r);

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

/* Closes a descriptor that operations were submitted for on this shard,
 * telling the backend to drop what it remembers about it first. */
void reef__fd_close(int fd);

#endif
