/*
 * when_all, when_all_succeed, when_any and with_timeout.
 *
 * Futures already resolved when the call is made are handled on the spot;
 * only the pending ones get a waiter. All waiters of one call live in the
 * same allocation as the call's state.
 */
#include <errno.h>
#include <string.h>

#include <reef/timer.h>
#include <reef/when.h>

#include "core/cell.h"
#include "core/memory.h"
#include "core/reactor_impl.h"
#include "util/container_of.h"

static inline bool pending(reef_future f) { return f._s != 0 && !reef__is_failed(f._s); }

static inline reef_future settle(reef_future f)
{
    if (pending(f)) {
        struct reef__cell *c = (struct reef__cell *)f._s;
        if (c->s != REEF__UNRESOLVED) {
            reef_future r = {c->s, c->v};
            c->release(c);
            return r;
        }
    }
    return f;
}


/* ---- when_all / when_all_succeed -------------------------------------------- */

struct all;

struct all_waiter {
    struct reef__waiter w;
    struct all *A;
    size_t index;
};

struct all {
    struct reef__cell out;
    size_t left;
    reef_future *futs;
    reef_val *values; /* when_all_succeed; may be NULL */
    bool succeed;     /* when_all_succeed: futs[] is not touched after the call */
    bool failed;
    uintptr_t err_s;
    reef_val err_v;
    size_t alloc_size;
    struct all_waiter waiters[];
};

static void all_release(struct reef__cell *c)
{
    struct all *A = container_of(c, struct all, out);
    reef__free(A, A->alloc_size);
}

/* Records one result: kept in futs[] (when_all) or values[] / first error
 * (when_all_succeed). */
static void all_store(bool succeed, reef_future *futs, reef_val *values, size_t i, reef_future r,
                      bool *failed, uintptr_t *err_s, reef_val *err_v)
{
    if (!succeed) {
        futs[i] = r;
        return;
    }
    if (!reef__is_failed(r._s)) {
        if (values)
            values[i] = r._v;
    } else if (*failed) {
        reef__result_release(r._s, r._v);
    } else {
        *failed = true;
        *err_s = r._s;
        *err_v = r._v;
    }
}

static reef_future all_result(bool succeed, reef_future *futs, bool failed, uintptr_t err_s,
                              reef_val err_v)
{
    if (!succeed)
        return reef_ready_ptr(futs);
    if (failed)
        return (reef_future){err_s, err_v};
    return reef_done();
}

static void all_waiter_run(struct reef__task *t)
{
    struct all_waiter *aw = (struct all_waiter *)t;
    struct all *A = aw->A;
    all_store(A->succeed, A->futs, A->values, aw->index, (reef_future){aw->w.s, aw->w.v},
              &A->failed, &A->err_s, &A->err_v);
    if (--A->left == 0)
        reef__cell_forward(&A->out,
                           all_result(A->succeed, A->futs, A->failed, A->err_s, A->err_v));
}

static reef_future when_all_impl(reef_future *futs, size_t n, bool succeed, reef_val *values)
{
    bool failed = false;
    uintptr_t err_s = 0;
    reef_val err_v = {.u = 0};
    size_t npending = 0;
    for (size_t i = 0; i < n; i++) {
        futs[i] = settle(futs[i]);
        if (pending(futs[i]))
            npending++;
        else
            all_store(succeed, futs, values, i, futs[i], &failed, &err_s, &err_v);
    }
    if (npending == 0)
        return all_result(succeed, futs, failed, err_s, err_v);

    size_t size = sizeof(struct all) + npending * sizeof(struct all_waiter);
    struct all *A = reef__alloc(size);
    if (!A) {
        for (size_t i = 0; i < n; i++)
            if (pending(futs[i]))
                reef_future_ignore(futs[i]);
        if (failed)
            reef__result_release(err_s, err_v);
        return reef_fail_code(-ENOMEM);
    }
    reef__cell_init(&A->out, all_release);
    A->left = npending;
    A->futs = futs;
    A->values = values;
    A->succeed = succeed;
    A->failed = failed;
    A->err_s = err_s;
    A->err_v = err_v;
    A->alloc_size = size;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!pending(futs[i]))
            continue;
        struct all_waiter *aw = &A->waiters[k++];
        aw->w.task.run = all_waiter_run;
        aw->w.task.group = reef__current_group();
        aw->A = A;
        aw->index = i;
        reef__future_wait(futs[i], &aw->w);
    }
    return reef__future_of_cell(&A->out);
}

reef_future reef_when_all(reef_future *futs, size_t n)
{
    return when_all_impl(futs, n, false, NULL);
}

reef_future reef_when_all_succeed(reef_future *futs, size_t n, reef_val *values)
{
    return when_all_impl(futs, n, true, values);
}

/* ---- when_any -------------------------------------------------------------- */

struct any;

struct any_waiter {
    struct reef__waiter w;
    struct any *Y;
    size_t index;
};

struct any {
    struct reef__cell out;
    reef_future *futs;
    size_t left;      /* waiters still to run */
    bool decided;     /* the winner is known */
    bool out_gone;    /* the consumer took the result */
    size_t alloc_size;
    struct any_waiter waiters[];
};

static void any_free_if_done(struct any *Y)
{
    if (Y->left == 0 && Y->out_gone)
        reef__free(Y, Y->alloc_size);
}

static void any_release(struct reef__cell *c)
{
    struct any *Y = container_of(c, struct any, out);
    Y->out_gone = true;
    any_free_if_done(Y);
}

static void any_waiter_run(struct reef__task *t)
{
    struct any_waiter *yw = (struct any_waiter *)t;
    struct any *Y = yw->Y;
    Y->left--;
    if (Y->decided) {
        reef__result_release(yw->w.s, yw->w.v);
        any_free_if_done(Y);
        return;
    }
    Y->decided = true;
    Y->futs[yw->index] = (reef_future){yw->w.s, yw->w.v};
    /* Resolving may release `out` (and so free Y if nothing is left). */
    reef__cell_resolve(&Y->out, 0, (reef_val){.i = (int64_t)yw->index});
}

reef_future reef_when_any(reef_future *futs, size_t n)
{
    if (n == 0)
        return reef_fail_code(-EINVAL);
    for (size_t i = 0; i < n; i++) {
        futs[i] = settle(futs[i]);
        if (pending(futs[i]))
            continue;
        /* A winner already: the others run on, unobserved. */
        for (size_t j = 0; j < n; j++)
            if (j != i)
                reef_future_ignore(futs[j]);
        return reef_ready_i64((int64_t)i);
    }
    size_t size = sizeof(struct any) + n * sizeof(struct any_waiter);
    struct any *Y = reef__alloc(size);
    if (!Y) {
        for (size_t i = 0; i < n; i++)
            reef_future_ignore(futs[i]);
        return reef_fail_code(-ENOMEM);
    }
    reef__cell_init(&Y->out, any_release);
    Y->futs = futs;
    Y->left = n;
    Y->decided = false;
    Y->out_gone = false;
    Y->alloc_size = size;
    for (size_t i = 0; i < n; i++) {
        struct any_waiter *yw = &Y->waiters[i];
        yw->w.task.run = any_waiter_run;
        yw->w.task.group = reef__current_group();
        yw->Y = Y;
        yw->index = i;
        reef__future_wait(futs[i], &yw->w);
    }
    return reef__future_of_cell(&Y->out);
}

/* ---- with_timeout ------------------------------------------------------------ */

struct timeout {
    reef_timer timer;
    struct reef__waiter w; /* the guarded future delivers here */
    struct reef__cell out;
    bool decided, inner_done, out_gone;
};

static void timeout_free_if_done(struct timeout *T)
{
    if (T->inner_done && T->out_gone && !reef_timer_armed(&T->timer))
        reef__free(T, sizeof(*T));
}

static void timeout_release(struct reef__cell *c)
{
    struct timeout *T = container_of(c, struct timeout, out);
    T->out_gone = true;
    timeout_free_if_done(T);
}

static void timeout_fire(reef_timer *t, void *arg)
{
    struct timeout *T = arg;
    T->decided = true;
    reef__cell_resolve(&T->out, reef_fail_code(REEF_ETIMEOUT)._s, (reef_val){.p = NULL});
}

static void timeout_inner_done(struct reef__task *t)
{
    struct timeout *T = container_of(t, struct timeout, w.task);
    T->inner_done = true;
    if (T->decided) {
        reef__result_release(T->w.s, T->w.v); /* too late: nobody is waiting */
        timeout_free_if_done(T);
        return;
    }
    T->decided = true;
    reef_timer_cancel(&T->timer);
    reef__cell_resolve(&T->out, T->w.s, T->w.v);
}

reef_future reef_with_timeout(reef_time deadline, reef_future f)
{
    f = settle(f);
    if (!pending(f))
        return f;
    struct timeout *T = reef__alloc(sizeof(*T));
    if (!T) {
        reef_future_ignore(f);
        return reef_fail_code(-ENOMEM);
    }
    memset(T, 0, sizeof(*T));
    reef__cell_init(&T->out, timeout_release);
    T->w.task.run = timeout_inner_done;
    T->w.task.group = reef__current_group();
    reef_timer_init(&T->timer, REEF_CLOCK_STEADY, timeout_fire, T);
    reef_timer_arm_at(&T->timer, deadline);
    reef__future_wait(f, &T->w);
    return reef__future_of_cell(&T->out);
}
