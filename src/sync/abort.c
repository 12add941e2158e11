/*
 * Abort sources.
 */
#include <errno.h>

#include <reef/abort.h>
#include <reef/timer.h>

#include "core/cell.h"
#include "core/memory.h"

void reef_abort_source_init(reef_abort_source *as)
{
    as->_requested = false;
    as->_err = (reef_err){0, NULL};
    as->_head = NULL;
}

void reef_abort_source_fini(reef_abort_source *as)
{
    reef_err_release(as->_err);
    as->_err = (reef_err){0, NULL};
}

void reef_abort_request_err(reef_abort_source *as, reef_err e)
{
    if (as->_requested) {
        reef_err_release(e);
        return;
    }
    as->_requested = true;
    as->_err = e;
    /* Callbacks may unsubscribe others or free their own entry: detach each
     * before calling it. */
    while (as->_head) {
        reef_abort_sub *sub = as->_head;
        as->_head = sub->_next;
        if (as->_head)
            as->_head->_prev = NULL;
        sub->_next = sub->_prev = NULL;
        sub->_src = NULL;
        sub->_fn(sub->_arg, as->_err);
    }
}

void reef_abort_request(reef_abort_source *as)
{
    reef_abort_request_err(as, reef_err_code(REEF_EABORTED));
}

bool reef_abort_requested(const reef_abort_source *as) { return as->_requested; }

reef_err reef_abort_error(const reef_abort_source *as) { return as->_err; }

int reef_abort_subscribe(reef_abort_source *as, reef_abort_sub *sub,
                         void (*fn)(void *arg, reef_err err), void *arg)
{
    if (as->_requested)
        return REEF_EABORTED;
    sub->_fn = fn;
    sub->_arg = arg;
    sub->_src = as;
    sub->_prev = NULL;
    /* Append so callbacks run in subscription order. */
    reef_abort_sub **link = &as->_head, *prev = NULL;
    while (*link) {
        prev = *link;
        link = &(*link)->_next;
    }
    sub->_prev = prev;
    sub->_next = NULL;
    *link = sub;
    return 0;
}

void reef_abort_unsubscribe(reef_abort_sub *sub)
{
    reef_abort_source *as = sub->_src;
    if (!as)
        return;
    if (sub->_prev)
        sub->_prev->_next = sub->_next;
    else
        as->_head = sub->_next;
    if (sub->_next)
        sub->_next->_prev = sub->_prev;
    sub->_next = sub->_prev = NULL;
    sub->_src = NULL;
}

/* ---- Abortable sleep ----------------------------------------------------- */

struct abortable_sleep {
    struct reef__cell cell;
    reef_timer timer;
    reef_abort_sub sub;
};

static void sleep_release(struct reef__cell *c) { reef__free(c, sizeof(struct abortable_sleep)); }

static void sleep_done(reef_timer *t, void *arg)
{
    struct abortable_sleep *s = arg;
    reef_abort_unsubscribe(&s->sub);
    reef__cell_resolve(&s->cell, 0, (reef_val){.u = 0});
}

static void sleep_aborted(void *arg, reef_err err)
{
    struct abortable_sleep *s = arg;
    reef_timer_cancel(&s->timer);
    reef_future f = reef_fail(reef_err_ref(err));
    reef__cell_resolve(&s->cell, f._s, f._v);
}

reef_future reef_sleep_abortable(reef_duration d, reef_abort_source *as)
{
    if (as->_requested)
        return reef_fail(reef_err_ref(as->_err));
    struct abortable_sleep *s = reef__alloc(sizeof(*s));
    if (!s)
        return reef_fail_code(-ENOMEM);
    reef__cell_init(&s->cell, sleep_release);
    reef_timer_init(&s->timer, REEF_CLOCK_STEADY, sleep_done, s);
    reef_abort_subscribe(as, &s->sub, sleep_aborted, s);
    reef_timer_arm(&s->timer, d);
    return reef__future_of_cell(&s->cell);
}
