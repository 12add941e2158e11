/*
 * The task-quota timer.
 *
 * Reading the clock after every task would cost more than many tasks
 * (~25 ns here), so instead a per-thread POSIX timer raises a signal every
 * task quota while the reactor is busy; the handler sets need_preempt, a
 * flag that reef_need_preempt() and the run loop read for the price of a
 * load. The timer is armed when tasks start running after a sleep and
 * disarmed by the first tick that finds the reactor asleep, so an idle
 * reactor receives no signals at all.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/reactor_impl.h"

static int preempt_signal(void) { return SIGRTMIN; }

static void set_timer(struct reef__reactor *r, reef_duration period)
{
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = period / 1000000000;
    its.it_value.tv_nsec = period % 1000000000;
    its.it_interval = its.it_value;
    timer_settime(r->preempt_timer, 0, &its, NULL);
}

static void on_tick(int sig, siginfo_t *si, void *uc)
{
    struct reef__reactor *r = reef__r;
    if (!r || !r->preempt_timer_valid)
        return;
    if (atomic_load_explicit(&r->sleeping, memory_order_relaxed)) {
        int saved = errno;
        set_timer(r, 0);
        r->preempt_armed = 0;
        errno = saved;
        return;
    }
    r->need_preempt = 1;
    reef__stall_tick(r);
}

int reef__preempt_init(struct reef__reactor *r)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_tick;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(preempt_signal(), &sa, NULL) < 0)
        return -errno;

    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = preempt_signal();
    sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
    if (timer_create(CLOCK_MONOTONIC, &sev, &r->preempt_timer) < 0)
        return -errno;
    r->preempt_timer_valid = true;
    r->preempt_armed = 0;
    return 0;
}

void reef__preempt_fini(struct reef__reactor *r)
{
    if (!r->preempt_timer_valid)
        return;
    r->preempt_timer_valid = false;
    timer_delete(r->preempt_timer);
}

void reef__preempt_arm(struct reef__reactor *r)
{
    if (r->preempt_armed || !r->preempt_timer_valid)
        return;
    r->preempt_armed = 1;
    set_timer(r, r->cfg.task_quota);
}

void reef__preempt_disarm(struct reef__reactor *r)
{
    if (!r->preempt_armed)
        return;
    r->preempt_armed = 0;
    set_timer(r, 0);
}
