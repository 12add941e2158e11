/*
 * Condition variables.
 */
#include <errno.h>

#include <reef/condvar.h>

#include "sync/waitq.h"

void reef_condvar_init(reef_condvar *cv)
{
    reef__wq_init(&cv->_wq);
    cv->_broken = false;
    cv->_err = (reef_err){0, NULL};
}

void reef_condvar_fini(reef_condvar *cv)
{
    reef__wq_fail_all(&cv->_wq, reef_err_code(REEF_ECONDVAR_BROKEN));
    reef_err_release(cv->_err);
    cv->_err = (reef_err){0, NULL};
}

static reef_future enqueue(reef_condvar *cv, bool (*pred)(void *), void *arg,
                           struct reef__wq_entry **out)
{
    *out = NULL;
    if (cv->_broken)
        return reef_fail(reef_err_ref(cv->_err));
    if (pred && pred(arg))
        return reef_done();
    struct reef__wq_entry *e = reef__wq_push(&cv->_wq, NULL, NULL);
    if (!e)
        return reef_fail_code(-ENOMEM);
    e->pred = pred;
    e->pred_arg = arg;
    *out = e;
    return reef__wq_future(e);
}

reef_future reef_condvar_wait(reef_condvar *cv)
{
    struct reef__wq_entry *e;
    return enqueue(cv, NULL, NULL, &e);
}

reef_future reef_condvar_wait_pred(reef_condvar *cv, bool (*pred)(void *arg), void *arg)
{
    struct reef__wq_entry *e;
    return enqueue(cv, pred, arg, &e);
}

reef_future reef_condvar_wait_until(reef_condvar *cv, reef_time deadline)
{
    struct reef__wq_entry *e;
    reef_future f = enqueue(cv, NULL, NULL, &e);
    if (e)
        reef__wq_arm_deadline(e, deadline);
    return f;
}

static bool ready(struct reef__wq_entry *e) { return !e->pred || e->pred(e->pred_arg); }

void reef_condvar_signal(reef_condvar *cv)
{
    for (struct reef__wq_entry *e = cv->_wq.head; e; e = e->next) {
        if (ready(e)) {
            reef__wq_succeed(e, (reef_val){.u = 0});
            return;
        }
    }
}

void reef_condvar_broadcast(reef_condvar *cv)
{
    struct reef__wq_entry *e = cv->_wq.head;
    while (e) {
        struct reef__wq_entry *next = e->next;
        if (ready(e))
            reef__wq_succeed(e, (reef_val){.u = 0});
        e = next;
    }
}

void reef_condvar_broken_err(reef_condvar *cv, reef_err e)
{
    if (cv->_broken) {
        reef_err_release(e);
        return;
    }
    cv->_broken = true;
    cv->_err = e;
    reef__wq_fail_all(&cv->_wq, e);
}

void reef_condvar_broken(reef_condvar *cv)
{
    reef_condvar_broken_err(cv, reef_err_code(REEF_ECONDVAR_BROKEN));
}
