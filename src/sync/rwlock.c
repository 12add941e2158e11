/*
 * Readers/writer lock with one FIFO queue of waiters; e->n says which mode
 * a waiter wants.
 */
#include <errno.h>
#include <string.h>

#include <reef/rwlock.h>

#include "core/memory.h"
#include "sync/waitq.h"

enum { SHARED = 0, EXCLUSIVE = 1 };

void reef_rwlock_init(reef_rwlock *l)
{
    l->_readers = 0;
    l->_writer = false;
    reef__wq_init(&l->_wq);
}

void reef_rwlock_fini(reef_rwlock *l) { reef__wq_fail_all(&l->_wq, reef_err_code(REEF_EABORTED)); }

static bool can_share(const reef_rwlock *l) { return !l->_writer; }
static bool can_own(const reef_rwlock *l) { return !l->_writer && l->_readers == 0; }

/* Grants the lock to waiters at the head while their mode fits. */
static void serve(reef_rwlock *l)
{
    struct reef__wq_entry *e;
    while ((e = l->_wq.head)) {
        if (e->n == EXCLUSIVE && can_own(l))
            l->_writer = true;
        else if (e->n == SHARED && can_share(l))
            l->_readers++;
        else
            return;
        reef__wq_succeed(e, (reef_val){.u = 0});
    }
}

static reef_future wait_for(reef_rwlock *l, uint64_t mode)
{
    struct reef__wq_entry *e = reef__wq_push(&l->_wq, NULL, NULL);
    if (!e)
        return reef_fail_code(-ENOMEM);
    e->n = mode;
    return reef__wq_future(e);
}

bool reef_rwlock_try_lock(reef_rwlock *l)
{
    if (l->_wq.head || !can_own(l))
        return false;
    l->_writer = true;
    return true;
}

bool reef_rwlock_try_lock_shared(reef_rwlock *l)
{
    if (l->_wq.head || !can_share(l))
        return false;
    l->_readers++;
    return true;
}

reef_future reef_rwlock_lock(reef_rwlock *l)
{
    return reef_rwlock_try_lock(l) ? reef_done() : wait_for(l, EXCLUSIVE);
}

reef_future reef_rwlock_lock_shared(reef_rwlock *l)
{
    return reef_rwlock_try_lock_shared(l) ? reef_done() : wait_for(l, SHARED);
}

void reef_rwlock_unlock(reef_rwlock *l)
{
    l->_writer = false;
    serve(l);
}

void reef_rwlock_unlock_shared(reef_rwlock *l)
{
    l->_readers--;
    serve(l);
}

/* ---- with_lock / with_shared --------------------------------------------- */

struct with_lock {
    reef_rwlock *lock;
    bool shared;
    reef_body_fn fn;
    void *cap;
    size_t alloc_size;
    _Alignas(16) unsigned char capture[];
};

static reef_future unlock_after(void *cap)
{
    struct with_lock *w = *(struct with_lock **)cap;
    if (w->shared)
        reef_rwlock_unlock_shared(w->lock);
    else
        reef_rwlock_unlock(w->lock);
    reef__free(w, w->alloc_size);
    return reef_done();
}

static reef_future locked(void *cap, reef_future r)
{
    struct with_lock *w = *(struct with_lock **)cap;
    if (reef_future_failed(r)) {
        reef__free(w, w->alloc_size);
        return r;
    }
    reef_future_ignore(r);
    return reef_finally(w->fn(w->cap), unlock_after, &w, sizeof(w));
}

static reef_future with_mode(reef_rwlock *l, bool shared, reef_body_fn fn, const void *cap,
                             size_t cap_size)
{
    size_t size = sizeof(struct with_lock) + cap_size;
    struct with_lock *w = reef__alloc(size);
    if (!w)
        return reef_fail_code(-ENOMEM);
    *w = (struct with_lock){l, shared, fn, (void *)cap, size};
    if (cap_size) {
        memcpy(w->capture, cap, cap_size);
        w->cap = w->capture;
    }
    reef_future f = shared ? reef_rwlock_lock_shared(l) : reef_rwlock_lock(l);
    return reef_then_wrapped(f, locked, &w, sizeof(w));
}

reef_future reef_with_lock(reef_rwlock *l, reef_body_fn fn, const void *cap, size_t cap_size)
{
    return with_mode(l, false, fn, cap, cap_size);
}

reef_future reef_with_shared(reef_rwlock *l, reef_body_fn fn, const void *cap, size_t cap_size)
{
    return with_mode(l, true, fn, cap, cap_size);
}
