/*
 * Calls into a shard from threads that are not shards.
 *
 * The calling thread queues a request on the shard (a mutex-protected
 * list: aliens are rare and must not slow shard-to-shard traffic), wakes
 * the reactor, and blocks on a condition variable until the function's
 * future has resolved on the shard.
 */
#include <errno.h>

#include <reef/smp.h>

#include "core/reactor_impl.h"
#include "core/smp_internal.h"
#include "util/container_of.h"

struct reef__alien_req {
    struct reef__alien_req *next;
    struct reef__task task;
    reef_body_fn fn;
    void *cap;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    uintptr_t s;
    reef_val v;
};

static void complete(struct reef__alien_req *q, uintptr_t s, reef_val v)
{
    pthread_mutex_lock(&q->lock);
    q->s = s;
    q->v = v;
    q->done = true;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

static reef_future alien_done(void *cap, reef_future resolved)
{
    struct reef__alien_req *q = *(struct reef__alien_req **)cap;
    complete(q, resolved._s, resolved._v);
    return reef_done();
}

static void run_alien(struct reef__task *t)
{
    struct reef__alien_req *q = container_of(t, struct reef__alien_req, task);
    reef_discard(reef_then_wrapped(q->fn(q->cap), alien_done, &q, sizeof(q)));
}

unsigned reef__alien_run_pending(struct reef__reactor *r, struct reef__smp_shard *me)
{
    (void)r;
    pthread_mutex_lock(&me->alien_lock);
    struct reef__alien_req *q = me->alien_first;
    me->alien_first = me->alien_last = NULL;
    atomic_store(&me->alien_pending, false);
    pthread_mutex_unlock(&me->alien_lock);
    unsigned n = 0;
    while (q) {
        struct reef__alien_req *next = q->next;
        reef__schedule(&q->task);
        q = next;
        n++;
    }
    return n;
}

void reef__alien_fail_all(void)
{
    for (unsigned i = 0; reef__smp.shards && i < reef__smp.count; i++) {
        struct reef__smp_shard *sh = &reef__smp.shards[i];
        pthread_mutex_lock(&sh->alien_lock);
        struct reef__alien_req *q = sh->alien_first;
        sh->alien_first = sh->alien_last = NULL;
        pthread_mutex_unlock(&sh->alien_lock);
        while (q) {
            struct reef__alien_req *next = q->next;
            reef_err e = reef_err_code(REEF_ESHUTDOWN);
            complete(q, ((uintptr_t)(uint32_t)e.code << 32) | REEF__FAILED_TAG, (reef_val){.p = NULL});
            q = next;
        }
    }
}

int reef_alien_call(unsigned shard, reef_body_fn fn, void *cap, reef_val *out, reef_err *err)
{
    if (reef__r)
        return -EDEADLK;
    if (!atomic_load(&reef__smp.running) || !reef__smp.shards)
        return -ESRCH;
    if (shard >= reef__smp.count)
        return -EINVAL;
    struct reef__alien_req q = {.fn = fn, .cap = cap};
    q.task = (struct reef__task){run_alien, 0};
    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.cond, NULL);
    struct reef__smp_shard *sh = &reef__smp.shards[shard];
    pthread_mutex_lock(&sh->alien_lock);
    /* Checked again under the lock that reef__alien_fail_all takes after
     * clearing the flag: a request is either refused here or failed there. */
    if (!atomic_load(&reef__smp.running)) {
        pthread_mutex_unlock(&sh->alien_lock);
        pthread_cond_destroy(&q.cond);
        pthread_mutex_destroy(&q.lock);
        return -ESRCH;
    }
    if (sh->alien_last)
        sh->alien_last->next = &q;
    else
        sh->alien_first = &q;
    sh->alien_last = &q;
    atomic_store(&sh->alien_pending, true);
    pthread_mutex_unlock(&sh->alien_lock);
    reef__reactor_wake(sh->r);

    pthread_mutex_lock(&q.lock);
    while (!q.done)
        pthread_cond_wait(&q.cond, &q.lock);
    pthread_mutex_unlock(&q.lock);
    pthread_cond_destroy(&q.cond);
    pthread_mutex_destroy(&q.lock);
    if ((q.s & 3) == REEF__FAILED_TAG) {
        reef_err e = {(int)(int32_t)(q.s >> 32), (struct reef_err_detail *)q.v.p};
        if (err)
            *err = e;
        else
            reef_err_release(e);
        return e.code;
    }
    if (out)
        *out = q.v;
    return 0;
}
