/*
 * Semaphores with strictly FIFO waiters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/log.h>
#include <reef/semaphore.h>

#include "core/memory.h"
#include "sync/waitq.h"

struct reef_sem_units {
    reef_sem *sem;
    uint64_t n;
    struct reef_sem_units *next_spent; /* debug builds */
    bool returned;
};

void reef_sem_init(reef_sem *s, int64_t count)
{
    s->_count = count < 0 ? 0 : count;
    reef__wq_init(&s->_wq);
    s->_broken = false;
    s->_err = (reef_err){0, NULL};
    s->_units_out = 0;
    s->_spent = NULL;
}

void reef_sem_fini(reef_sem *s)
{
    if (s->_wq.count)
        reef__wq_fail_all(&s->_wq, reef_err_code(REEF_ESEM_BROKEN));
#ifdef REEF_DEBUG_SCHED
    if (s->_units_out)
        reef_log_error(&reef_logger_reef, "semaphore destroyed with %zu units object(s) never "
                                          "returned", s->_units_out);
#endif
    while (s->_spent) {
        struct reef_sem_units *u = s->_spent;
        s->_spent = u->next_spent;
        free(u);
    }
    reef_err_release(s->_err);
    s->_err = (reef_err){0, NULL};
}

/* Grants units to waiters at the head for as long as they fit. */
static void serve(reef_sem *s)
{
    while (s->_wq.head && (uint64_t)s->_count >= s->_wq.head->n) {
        struct reef__wq_entry *e = s->_wq.head;
        s->_count -= (int64_t)e->n;
        reef__wq_succeed(e, (reef_val){.u = 0});
    }
}

static void on_cancel(void *owner) { serve(owner); }

static reef_future broken_failure(reef_sem *s)
{
    return reef_fail(s->_err.code ? reef_err_ref(s->_err) : reef_err_code(REEF_ESEM_BROKEN));
}

/* Either grants at once (*e stays NULL) or queues a waiter. */
static reef_future wait_common(reef_sem *s, uint64_t n, struct reef__wq_entry **e)
{
    *e = NULL;
    if (s->_broken)
        return broken_failure(s);
    if (!s->_wq.head && (uint64_t)s->_count >= n) {
        s->_count -= (int64_t)n;
        return reef_done();
    }
    *e = reef__wq_push(&s->_wq, on_cancel, s);
    if (!*e)
        return reef_fail_code(-ENOMEM);
    (*e)->n = n;
    return reef__wq_future(*e);
}

reef_future reef__sem_wait_slow(reef_sem *s, uint64_t n)
{
    struct reef__wq_entry *e;
    return wait_common(s, n, &e);
}

reef_future reef_sem_wait_until(reef_sem *s, uint64_t n, reef_time deadline)
{
    struct reef__wq_entry *e;
    reef_future f = wait_common(s, n, &e);
    if (e)
        reef__wq_arm_deadline(e, deadline);
    return f;
}

reef_future reef_sem_wait_abortable(reef_sem *s, uint64_t n, reef_abort_source *as)
{
    struct reef__wq_entry *e;
    if (reef_abort_requested(as))
        return reef_fail(reef_err_ref(reef_abort_error(as)));
    reef_future f = wait_common(s, n, &e);
    if (e)
        reef__wq_arm_abort(e, as);
    return f;
}

bool reef_sem_try_wait(reef_sem *s, uint64_t n)
{
    if (s->_broken || s->_wq.head || (uint64_t)s->_count < n)
        return false;
    s->_count -= (int64_t)n;
    return true;
}

void reef__sem_signal_slow(reef_sem *s, uint64_t n)
{
    if (s->_broken)
        return;
    s->_count += (int64_t)n;
    serve(s);
}

void reef_sem_broken_err(reef_sem *s, reef_err e)
{
    if (s->_broken) {
        reef_err_release(e);
        return;
    }
    s->_broken = true;
    s->_err = e;
    reef__wq_fail_all(&s->_wq, e);
}

void reef_sem_broken(reef_sem *s) { reef_sem_broken_err(s, reef_err_code(REEF_ESEM_BROKEN)); }

int64_t reef_sem_available(const reef_sem *s) { return s->_count; }
size_t reef_sem_waiters(const reef_sem *s) { return s->_wq.count; }

/* ---- Units ------------------------------------------------------------------ */

static reef_future make_units(void *cap, reef_val v)
{
    reef_sem *s = ((void **)cap)[0];
    uint64_t n = (uint64_t)(uintptr_t)((void **)cap)[1];
    struct reef_sem_units *u = malloc(sizeof(*u));
    if (!u) {
        reef_sem_signal(s, n);
        return reef_fail_code(-ENOMEM);
    }
    *u = (struct reef_sem_units){s, n, NULL, false};
    s->_units_out++;
    return reef_ready_ptr(u);
}

reef_future reef_sem_get_units(reef_sem *s, uint64_t n)
{
    void *cap[2] = {s, (void *)(uintptr_t)n};
    return reef_then(reef_sem_wait(s, n), make_units, cap, sizeof(cap));
}

void reef_sem_units_return(reef_sem_units *u)
{
    if (!u)
        return;
    reef_sem *s = u->sem;
    uint64_t n = u->n;
#ifdef REEF_DEBUG_SCHED
    if (u->returned) {
        reef_log_error(&reef_logger_reef, "semaphore units returned twice");
        abort();
    }
    /* Keep the object until the semaphore goes, so a second return is
     * caught instead of being a use after free. */
    u->returned = true;
    u->next_spent = s->_spent;
    s->_spent = u;
#else
    free(u);
#endif
    s->_units_out--;
    reef_sem_signal(s, n);
}

void reef_sem_units_drop_cap(void *cap) { reef_sem_units_return(*(reef_sem_units **)cap); }

/* ---- with_semaphore ------------------------------------------------------------ */

struct with_sem {
    reef_sem *sem;
    uint64_t n;
    reef_body_fn fn;
    void *cap;
    size_t alloc_size;
    _Alignas(16) unsigned char capture[];
};

static reef_future with_sem_done(void *cap)
{
    struct with_sem *w = *(struct with_sem **)cap;
    reef_sem_signal(w->sem, w->n);
    reef__free(w, w->alloc_size);
    return reef_done();
}

/* The wait resolved: on failure no units are held and fn never runs. */
static reef_future with_sem_start(void *cap, reef_future r)
{
    struct with_sem *w = *(struct with_sem **)cap;
    if (reef_future_failed(r)) {
        reef__free(w, w->alloc_size);
        return r;
    }
    reef_future_ignore(r);
    return reef_finally(w->fn(w->cap), with_sem_done, &w, sizeof(w));
}

reef_future reef_with_semaphore(reef_sem *s, uint64_t n, reef_body_fn fn, const void *cap,
                                size_t cap_size)
{
    size_t size = sizeof(struct with_sem) + cap_size;
    struct with_sem *w = reef__alloc(size);
    if (!w)
        return reef_fail_code(-ENOMEM);
    *w = (struct with_sem){s, n, fn, (void *)cap, size};
    if (cap_size) {
        memcpy(w->capture, cap, cap_size);
        w->cap = w->capture;
    }
    return reef_then_wrapped(reef_sem_wait(s, n), with_sem_start, &w, sizeof(w));
}
