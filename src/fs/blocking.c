/*
 * The shard's helper thread (blocking.h).
 *
 *   shard                                  helper thread
 *   -----                                  -------------
 *   reef__blocking: queue a call    --->   take calls in order, run each
 *                                          put it on the done list and
 *   eventfd readable  <--- write(efd) ---  write the eventfd (only when the
 *   take the done list, resolve            list was empty: one wake-up per
 *   each promise, poll the eventfd again   batch)
 *
 * Both lists sit under one mutex, held only to link or unlink: a call
 * costs two lock round trips and, when the shard was idle, one wake-up.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend/backend.h"
#include "core/reactor_impl.h"
#include "fs/blocking.h"

struct call {
    struct call *next;
    reef__blocking_fn fn;
    void *arg;
    int64_t result;
    reef_promise done;
};

struct helper {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work; /* signalled when a call is queued or on stop */
    struct call *todo, *todo_tail;
    struct call *done, *done_tail;
    bool stopping;
    int efd;
    struct reef__io io; /* the shard's poll of efd */
};

static __thread struct helper *me;

static void append(struct call **head, struct call **tail, struct call *c)
{
    c->next = NULL;
    if (*tail)
        (*tail)->next = c;
    else
        *head = c;
    *tail = c;
}

static void *helper_main(void *arg)
{
    struct helper *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (!h->todo && !h->stopping)
            pthread_cond_wait(&h->work, &h->lock);
        if (h->stopping)
            break;
        struct call *c = h->todo;
        h->todo = c->next;
        if (!h->todo)
            h->todo_tail = NULL;
        pthread_mutex_unlock(&h->lock);
        c->result = c->fn(c->arg);
        pthread_mutex_lock(&h->lock);
        bool wake = !h->done;
        append(&h->done, &h->done_tail, c);
        if (wake) {
            uint64_t one = 1;
            ssize_t n = write(h->efd, &one, sizeof(one));
            (void)n; /* the counter cannot overflow: it is drained on every wake */
        }
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static void arm(struct helper *h);

/* On the shard: the eventfd became readable. */
static void calls_done(struct reef__io *io, int res)
{
    struct helper *h = me;
    (void)io;
    if (res == -ECANCELED)
        return;
    uint64_t n;
    ssize_t got = read(h->efd, &n, sizeof(n));
    (void)got;
    pthread_mutex_lock(&h->lock);
    struct call *c = h->done;
    h->done = h->done_tail = NULL;
    pthread_mutex_unlock(&h->lock);
    arm(h);
    while (c) {
        struct call *next = c->next;
        if (c->result < 0)
            reef_promise_fail(&c->done, reef_err_code((int)c->result));
        else
            reef_promise_resolve(&c->done, (reef_val){.i = c->result});
        free(c);
        c = next;
    }
}

static void arm(struct helper *h)
{
    struct reef__reactor *r = reef__r;
    h->io = (struct reef__io){.done = calls_done, .op = REEF__IO_POLL, .fd = h->efd,
                              .events = POLLIN, .flags = REEF__POLL_DRAINED};
    r->ops->submit(r->be, &h->io);
}

static int start(void)
{
    struct helper *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (h->efd < 0) {
        int rc = -errno;
        free(h);
        return rc;
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->work, NULL);
    int rc = pthread_create(&h->thread, NULL, helper_main, h);
    if (rc != 0) {
        close(h->efd);
        pthread_mutex_destroy(&h->lock);
        pthread_cond_destroy(&h->work);
        free(h);
        return -rc;
    }
    pthread_setname_np(h->thread, "reef-blocking");
    me = h;
    arm(h);
    return 0;
}

reef_future reef__blocking(reef__blocking_fn fn, void *arg)
{
    if (!me) {
        int rc = start();
        if (rc < 0)
            return reef_fail_code(rc);
    }
    struct call *c = malloc(sizeof(*c));
    if (!c)
        return reef_fail_code(-ENOMEM);
    c->fn = fn;
    c->arg = arg;
    reef_future f = reef_promise_init(&c->done);
    pthread_mutex_lock(&me->lock);
    append(&me->todo, &me->todo_tail, c);
    pthread_cond_signal(&me->work);
    pthread_mutex_unlock(&me->lock);
    return f;
}

int64_t reef__blocking_result(reef_future r)
{
    reef_val v;
    reef_err e;
    int rc = reef_future_take(r, &v, &e);
    if (rc == 0)
        return v.i;
    reef_err_release(e);
    return rc;
}

static void drop(struct call *c)
{
    while (c) {
        struct call *next = c->next;
        free(c); /* its promise dies with the shard: nobody can wait on it */
        c = next;
    }
}

void reef__blocking_fini(void)
{
    struct helper *h = me;
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    pthread_cond_signal(&h->work);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    drop(h->todo);
    drop(h->done);
    close(h->efd); /* the backend is gone: nothing to forget */
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->work);
    free(h);
    me = NULL;
}
