/*
 * The reactor loop.
 *
 * One iteration:
 *   1. run ready tasks until the queue is empty or the task quota expires;
 *   2. poll: fire due timers, reap I/O completions (no blocking);
 *   3. if nothing became ready: busy-poll for --idle-poll-time-us, then
 *      sleep in the backend until I/O, a wake-up or the next timer.
 */
#include <errno.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <poll.h>

#include <reef/log.h>
#include <reef/reactor.h>

#include "core/cell.h"
#include "core/memory.h"
#include "core/reactor_impl.h"
#include "fs/blocking.h"
#include "fs/io_queue.h"
#include "util/log_internal.h"

static inline void reef__cpu_relax(void)
{
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

__thread struct reef__reactor *reef__r __attribute__((tls_model("initial-exec")));

_Noreturn void reef__no_reactor(const char *what)
{
    fprintf(stderr, "reef: %s needs a running reactor on this thread\n", what);
    abort();
}

/* ---- Waking up -------------------------------------------------------------- */

static void wake_done(struct reef__io *io, int res);

/* drained: the eventfd was just read empty, so only a new write matters. */
static void arm_wake(struct reef__reactor *r, bool drained)
{
    r->wake_io = (struct reef__io){.done = wake_done, .op = REEF__IO_POLL, .fd = r->wake_fd,
                                   .events = POLLIN, .flags = drained ? REEF__POLL_DRAINED : 0};
    r->ops->submit(r->be, &r->wake_io);
}

static void wake_done(struct reef__io *io, int res)
{
    struct reef__reactor *r = reef__r;
    uint64_t v;
    while (read(r->wake_fd, &v, sizeof(v)) > 0)
        r->wakeups++;
    arm_wake(r, true);
}

void reef__reactor_wake(struct reef__reactor *r)
{
    /* Pairs with the store of `sleeping` before the reactor's last check:
     * either the reactor sees our work, or we see it asleep. */
    if (atomic_load_explicit(&r->sleeping, memory_order_seq_cst)) {
        uint64_t one = 1;
        ssize_t n = write(r->wake_fd, &one, sizeof(one));
        (void)n;
    }
}

void reef__fd_close(int fd)
{
    struct reef__reactor *r = reef__r;
    if (r)
        r->ops->forget(r->be, fd);
    close(fd);
}

/* ---- Creation ------------------------------------------------------------- */

static int open_backend(struct reef__reactor *r, const char *name)
{
    const struct reef__backend_ops *choices[] = {&reef__backend_uring, &reef__backend_epoll};
    int rc = -ENOENT;
    for (unsigned i = 0; i < 2; i++) {
        if (name && strcmp(name, choices[i]->name) != 0)
            continue;
        rc = choices[i]->create(&r->be);
        if (rc == 0) {
            r->ops = choices[i];
            return 0;
        }
        reef_log_info(&reef_logger_reef, "%s backend unavailable: %s", choices[i]->name,
                      strerror(-rc));
    }
    return rc;
}

int reef__reactor_create(unsigned shard, const struct reef__reactor_config *cfg)
{
    struct reef__reactor *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->shard = shard;
    r->cfg = *cfg;
    r->inline_budget = REEF__INLINE_BUDGET;
    r->wake_fd = r->sig_fd = -1;
    r->lowres_now = reef_now();
    reef__timers_init(r);
    if (reef__sched_init(r) < 0) {
        reef__sched_fini(r);
        free(r);
        return -ENOMEM;
    }
    if (open_backend(r, cfg->backend) < 0) {
        reef__sched_fini(r);
        free(r);
        return REEF_EBACKEND;
    }
    if (r->cfg.blocked_notify <= 0)
        r->cfg.blocked_notify = REEF__DEFAULT_BLOCKED_NOTIFY_NS;
    reef__r = r;
    reef__log_shard = (int)shard;
    /* The kernel may delay a sleeping thread's wake-up by its timer slack
     * (50 us by default) to batch wake-ups; a reactor's timers are its
     * deadlines, so it asks for none (see docs/benchmarks.md). */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int rc = r->wake_fd < 0 ? -errno : 0;
    if (rc == 0)
        arm_wake(r, false);
    if (rc == 0 && shard == 0)
        rc = reef__signals_init(r);
    if (rc == 0)
        rc = reef__preempt_init(r);
    if (rc == 0)
        reef__stall_init(r);
    if (rc < 0) {
        reef__reactor_destroy();
        return rc;
    }
    /* The application's main function runs before the first sleep: count
     * its time against the quota like any task's. */
    reef__preempt_arm(r);
    return 0;
}

unsigned reef__reactor_destroy(void)
{
    struct reef__reactor *r = reef__r;
    if (!r)
        return 0;
    unsigned leftovers = reef__timers_armed(r);
    reef__preempt_fini(r);
    reef__signals_fini(r);
    r->ops->destroy(r->be);
    reef__blocking_fini();
    reef__io_queue_fini();
    if (r->wake_fd >= 0)
        close(r->wake_fd);
    reef__timers_fini(r);
    leftovers += reef__sched_fini(r);
    reef__fiber_pool_drain();
    free(r);
    reef__r = NULL;
    reef__log_shard = -1;
    reef__small_cache_drain();
    return leftovers;
}

/* ---- The loop ----------------------------------------------------------------- */

/* Step 2: returns the number of events that may have made tasks ready. */
static unsigned poll_once(struct reef__reactor *r)
{
    r->need_preempt = 0;
    r->polls++;
    unsigned n = reef__timers_expire(r, reef_now());
    int m = r->ops->poll(r->be);
    n += reef__smp_poll(r);
    return n + (m > 0 ? (unsigned)m : 0);
}

static bool has_work(struct reef__reactor *r) { return reef__sched_has_work(r) || r->stop; }

static void sleep_until_work(struct reef__reactor *r)
{
    int64_t timeout = reef__timers_next_timeout(r, reef_now());
    if (timeout == 0)
        return;
    atomic_store_explicit(&r->sleeping, 1, memory_order_seq_cst);
    /* A message sent before the flag was visible: do not sleep on it. */
    if (reef__smp_pending(r)) {
        atomic_store_explicit(&r->sleeping, 0, memory_order_relaxed);
        return;
    }
    r->sleeps++;
    r->ops->wait(r->be, timeout);
    atomic_store_explicit(&r->sleeping, 0, memory_order_relaxed);
}

static void idle(struct reef__reactor *r)
{
    if (r->cfg.poll_mode)
        return;
    if (r->cfg.idle_poll > 0) {
        reef_time end = reef_now() + r->cfg.idle_poll;
        do {
            if (poll_once(r) || has_work(r))
                return;
            reef__cpu_relax();
            /* poll_once() just read the clock into lowres_now. */
        } while (r->lowres_now < end);
    }
    sleep_until_work(r);
    poll_once(r);
}

void reef__reactor_run(void)
{
    struct reef__reactor *r = reef__r;
    while (!r->stop) {
        reef__sched_run(r);
        if (r->stop)
            break;
        if (!poll_once(r) && !has_work(r))
            idle(r);
    }
    reef__preempt_disarm(r);
}

void reef__reactor_stop(int status)
{
    struct reef__reactor *r = reef__r;
    if (!r->stop)
        r->exit_status = status;
    r->stop = true;
}

/* ---- Public helpers ------------------------------------------------------------- */

bool reef_need_preempt(void)
{
    struct reef__reactor *r = reef__r;
    return r && r->need_preempt;
}

static void yield_run(struct reef__task *t)
{
    struct reef__waiter *w = (struct reef__waiter *)t;
    struct reef__cell *c = (struct reef__cell *)(w + 1);
    reef__cell_resolve(c, 0, (reef_val){.u = 0});
}

struct yielder {
    struct reef__waiter w; /* only its task is used */
    struct reef__cell cell;
};

static void yielder_release(struct reef__cell *c)
{
    reef__free((char *)c - offsetof(struct yielder, cell), sizeof(struct yielder));
}

reef_future reef_yield(void)
{
    struct reef__reactor *r = reef__r;
    if (!r)
        return reef_done();
    struct yielder *y = reef__alloc(sizeof(*y));
    if (!y)
        return reef_fail_code(-ENOMEM);
    _Static_assert(offsetof(struct yielder, cell) == sizeof(struct reef__waiter), "layout");
    y->w.task.run = yield_run;
    y->w.task.group = r->current_group;
    reef__cell_init(&y->cell, yielder_release);
    /* Behind the tasks already queued, and after a poll if the quota is up. */
    reef__schedule(&y->w.task);
    return reef__future_of_cell(&y->cell);
}

unsigned reef_shard_id(void)
{
    struct reef__reactor *r = reef__r;
    return r ? r->shard : 0;
}

unsigned reef_shard_count(void) { return reef__smp_count; }

bool reef_in_reactor(void) { return reef__r != NULL; }

const char *reef_backend_name(void)
{
    struct reef__reactor *r = reef__r;
    return r ? r->ops->name : "none";
}
