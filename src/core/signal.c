/*
 * Signals: shard 0 blocks the signals it handles and reads them from a
 * signalfd through its backend, so handlers run as ordinary reactor code.
 * SIGINT and SIGTERM request a stop unless the application handles them.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <poll.h>

#include <reef/log.h>

#include "core/reactor_impl.h"

struct reef__signal_slot {
    void (*fn)(int signo, void *arg);
    void *arg;
};

static void read_signals(struct reef__io *io, int res);

/* drained: the signalfd was just read empty, so only a new signal matters. */
static void arm(struct reef__reactor *r, bool drained)
{
    r->sig_io = (struct reef__io){.done = read_signals, .op = REEF__IO_POLL, .fd = r->sig_fd,
                                  .events = POLLIN, .flags = drained ? REEF__POLL_DRAINED : 0};
    r->ops->submit(r->be, &r->sig_io);
}

static void dispatch(struct reef__reactor *r, int signo)
{
    struct reef__signal_slot *s = &r->signals[signo];
    if (s->fn)
        s->fn(signo, s->arg);
    else if (signo == SIGINT || signo == SIGTERM)
        reef_request_stop(128 + signo);
}

static void read_signals(struct reef__io *io, int res)
{
    struct reef__reactor *r = reef__r;
    struct signalfd_siginfo info[8];
    ssize_t n;
    while ((n = read(r->sig_fd, info, sizeof(info))) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof(info[0]); i++)
            dispatch(r, (int)info[i].ssi_signo);
    }
    arm(r, true);
}

int reef__signals_init(struct reef__reactor *r)
{
    r->signals = calloc(NSIG, sizeof(*r->signals));
    if (!r->signals)
        return -ENOMEM;
    sigemptyset(&r->sig_mask);
    sigaddset(&r->sig_mask, SIGINT);
    sigaddset(&r->sig_mask, SIGTERM);
    /* Writing to a closed socket must be an EPIPE error, not a death. */
    signal(SIGPIPE, SIG_IGN);
    if (pthread_sigmask(SIG_BLOCK, &r->sig_mask, NULL) != 0)
        return -EINVAL;
    r->sig_fd = signalfd(-1, &r->sig_mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (r->sig_fd < 0)
        return -errno;
    arm(r, false);
    return 0;
}

void reef__signals_fini(struct reef__reactor *r)
{
    if (r->sig_fd >= 0) {
        close(r->sig_fd);
        pthread_sigmask(SIG_UNBLOCK, &r->sig_mask, NULL);
    }
    r->sig_fd = -1;
    free(r->signals);
    r->signals = NULL;
}

static bool handleable(int signo)
{
    return signo > 0 && signo < NSIG && signo != SIGKILL && signo != SIGSTOP &&
           signo != SIGSEGV && signo != SIGBUS && signo != SIGFPE && signo != SIGILL &&
           signo < SIGRTMIN;
}

int reef_signal_handle(int signo, void (*fn)(int signo, void *arg), void *arg)
{
    struct reef__reactor *r = reef__r;
    if (!r || !r->signals || !handleable(signo))
        return -EINVAL;
    r->signals[signo] = (struct reef__signal_slot){fn, arg};
    if (fn && !sigismember(&r->sig_mask, signo)) {
        sigaddset(&r->sig_mask, signo);
        pthread_sigmask(SIG_BLOCK, &r->sig_mask, NULL);
        signalfd(r->sig_fd, &r->sig_mask, 0);
    }
    return 0;
}

/* ---- Stopping ------------------------------------------------------------- */

void reef_stop_hook_add(reef_stop_hook *h, void (*fn)(void *arg), void *arg)
{
    struct reef__reactor *r = reef__r;
    h->_fn = fn;
    h->_arg = arg;
    h->_prev = NULL;
    h->_next = r->stop_hooks;
    if (r->stop_hooks)
        r->stop_hooks->_prev = h;
    r->stop_hooks = h;
}

void reef_stop_hook_remove(reef_stop_hook *h)
{
    struct reef__reactor *r = reef__r;
    if (h->_prev)
        h->_prev->_next = h->_next;
    else if (r && r->stop_hooks == h)
        r->stop_hooks = h->_next;
    if (h->_next)
        h->_next->_prev = h->_prev;
    h->_next = h->_prev = NULL;
}

void reef_request_stop(int status)
{
    struct reef__reactor *r = reef__r;
    if (!r)
        return;
    if (r->stop_requests++ == 0 && r->stop_hooks) {
        reef_log_info(&reef_logger_reef, "stop requested, shutting down");
        while (r->stop_hooks) {
            reef_stop_hook *h = r->stop_hooks;
            reef_stop_hook_remove(h);
            h->_fn(h->_arg);
        }
        return;
    }
    reef__reactor_stop(status);
}

bool reef_stop_requested(void)
{
    struct reef__reactor *r = reef__r;
    return r && r->stop_requests > 0;
}
