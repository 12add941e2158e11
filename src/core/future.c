/*
 * Futures, promises and continuations.
 *
 * A deferred continuation is one allocation (struct cont):
 *
 *   +-----------------------+
 *   | waiter  (task + input)|  <- the input future's cell delivers here
 *   | out     (cell)        |  <- the future reef_then returned points here
 *   | fn, drop, saved, ...  |
 *   | capture bytes ...     |
 *   +-----------------------+
 *
 * It is freed when its `out` cell is released, i.e. once the consumer of
 * the returned future has taken the result. A chain a.then(b).then(c)
 * therefore costs one allocation per link, and each link frees the one
 * before it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/future.h>
#include <reef/log.h>

#include "core/cell.h"
#include "core/error_internal.h"
#include "core/memory.h"
#include "core/reactor_impl.h"
#include "util/backtrace.h"
#include "util/container_of.h"

/* ---- Cells --------------------------------------------------------------- */

void reef__cell_resolve(struct reef__cell *c, uintptr_t s, reef_val v)
{
    for (;;) {
        struct reef__waiter *w = c->waiter;
        if (!w) {
            c->s = s;
            c->v = v;
            return;
        }
        if (w == REEF__DISCARDED) {
            void *site = c->v.p;
            c->release(c);
            if (site == REEF__SILENT_SITE)
                reef__result_release(s, v);
            else if (reef__is_failed(s))
                reef__report_ignored(s, v, site);
            return;
        }
        if ((uintptr_t)w & REEF__FORWARD_TAG) {
            struct reef__cell *next = (struct reef__cell *)((uintptr_t)w & ~REEF__FORWARD_TAG);
            c->release(c);
            c = next;
            continue;
        }
        w->s = s;
        w->v = v;
        c->release(c);
        reef__schedule(&w->task);
        return;
    }
}

/* Takes the result out of a resolved cell and frees it. */
static inline reef_future take_resolved(struct reef__cell *c)
{
    reef_future r = {c->s, c->v};
    c->release(c);
    return r;
}

void reef__cell_forward(struct reef__cell *c, reef_future f)
{
    if (f._s == 0 || reef__is_failed(f._s)) {
        reef__cell_resolve(c, f._s, f._v);
        return;
    }
    struct reef__cell *src = (struct reef__cell *)f._s;
    if (src->s != REEF__UNRESOLVED) {
        reef_future r = take_resolved(src);
        reef__cell_resolve(c, r._s, r._v);
        return;
    }
    src->waiter = (struct reef__waiter *)((uintptr_t)c | REEF__FORWARD_TAG);
}

bool reef__future_wait(reef_future f, struct reef__waiter *w)
{
    if (f._s != 0 && !reef__is_failed(f._s)) {
        struct reef__cell *c = (struct reef__cell *)f._s;
        if (c->s == REEF__UNRESOLVED) {
            c->waiter = w;
            return false;
        }
        f = take_resolved(c);
    }
    w->s = f._s;
    w->v = f._v;
    return true;
}

/* Turns a pending future whose cell is resolved into a resolved value. */
static inline reef_future settle(reef_future f)
{
    if (f._s != 0 && !reef__is_failed(f._s)) {
        struct reef__cell *c = (struct reef__cell *)f._s;
        if (c->s != REEF__UNRESOLVED)
            return take_resolved(c);
    }
    return f;
}

static inline bool is_pending(reef_future f) { return f._s != 0 && !reef__is_failed(f._s); }

/* ---- Ignored failures --------------------------------------------------- */

void reef__report_ignored(uintptr_t s, reef_val v, void *site)
{
    reef_err e = reef__err_of(s, v);
    char what[512], bt[4096], where[600] = "";
    reef_err_format(e, what, sizeof(what));
    if (site) {
        char addr[512];
        reef__backtrace_format_addr(addr, sizeof(addr), (char *)site - 1);
        snprintf(where, sizeof(where), ", discarded at %s", addr);
    }
    reef__backtrace_format(bt, sizeof(bt), 1);
    reef_log_warn(&reef_logger_reef, "Exceptional future ignored: %s%s, backtrace:\n%s", what,
                  where, bt);
    reef_err_release(e);
}

/* ---- Looking at futures ------------------------------------------------- */

bool reef_future_available(reef_future f)
{
    if (!is_pending(f))
        return true;
    return ((struct reef__cell *)f._s)->s != REEF__UNRESOLVED;
}

bool reef_future_failed(reef_future f)
{
    if (is_pending(f))
        return reef__is_failed(((struct reef__cell *)f._s)->s);
    return reef__is_failed(f._s);
}

int reef_future_take(reef_future f, reef_val *v, reef_err *e)
{
    f = settle(f);
    if (is_pending(f)) {
        fputs("reef: reef_future_take() on a future that is not available\n", stderr);
        abort();
    }
    if (reef__is_failed(f._s)) {
        reef_err err = reef__err_of(f._s, f._v);
        if (e)
            *e = err;
        else
            reef_err_release(err);
        return err.code;
    }
    if (v)
        *v = f._v;
    return 0;
}

void reef_future_ignore(reef_future f)
{
    f = settle(f);
    if (is_pending(f)) {
        /* Not available yet: drop the result silently when it comes. */
        struct reef__cell *c = (struct reef__cell *)f._s;
        c->waiter = REEF__DISCARDED;
        c->v.p = REEF__SILENT_SITE;
        return;
    }
    reef__result_release(f._s, f._v);
}

void reef_discard(reef_future f)
{
    void *site = __builtin_return_address(0);
    f = settle(f);
    if (!is_pending(f)) {
        if (reef__is_failed(f._s))
            reef__report_ignored(f._s, f._v, site);
        return;
    }
    struct reef__cell *c = (struct reef__cell *)f._s;
    c->waiter = REEF__DISCARDED;
    c->v.p = site;
}

/* ---- Making failed futures ---------------------------------------------- */

reef_future reef_fail_msg(int code, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return reef_fail(reef_err_msg(code, "%s", buf));
}

reef_future reef_fail_with_backtrace(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* Skip this function too: the backtrace starts at the caller. */
    reef_err e = reef__err_with_backtrace_v(code, 1, fmt, ap);
    va_end(ap);
    return reef_fail(e);
}

/* ---- Continuations ------------------------------------------------------ */

enum cont_kind { K_THEN, K_WRAPPED, K_FINALLY, K_ERROR };

struct cont {
    struct reef__waiter w;
    struct reef__cell out;
    union {
        reef_then_fn then;
        reef_wrapped_fn wrapped;
        reef_finally_fn fin;
        reef_error_fn err;
    } fn;
    reef_drop_fn drop;
    void *cap;          /* points at capture[] or at the caller's object */
    uintptr_t saved_s;  /* finally: the original result while fn's future runs */
    reef_val saved_v;
    uint32_t alloc_size;
    _Alignas(16) unsigned char capture[];
};

static void cont_release(struct reef__cell *c)
{
    struct cont *k = container_of(c, struct cont, out);
    reef__free(k, k->alloc_size);
}

static void run_then(struct reef__task *t);
static void run_wrapped(struct reef__task *t);
static void run_finally(struct reef__task *t);
static void run_error(struct reef__task *t);

static void (*const runners[])(struct reef__task *) = {
    [K_THEN] = run_then,
    [K_WRAPPED] = run_wrapped,
    [K_FINALLY] = run_finally,
    [K_ERROR] = run_error,
};

static struct cont *cont_new(enum cont_kind kind, void *fn, reef_drop_fn drop, const void *cap,
                             size_t cap_size)
{
    size_t size = sizeof(struct cont) + cap_size;
    struct cont *k = reef__alloc(size);
    if (!k)
        return NULL;
    k->w.task.run = runners[kind];
    k->w.task.group = reef__current_group();
    reef__cell_init(&k->out, cont_release);
    k->fn.then = (reef_then_fn)fn;
    k->drop = drop;
    k->alloc_size = (uint32_t)size;
    if (cap_size) {
        memcpy(k->capture, cap, cap_size);
        k->cap = k->capture;
    } else {
        k->cap = (void *)cap;
    }
    return k;
}

/* Whether a continuation on a ready future may run at once. */
static inline bool may_run_inline(void)
{
#ifdef REEF_DEBUG_SCHED
    return reef__r == NULL;
#else
    struct reef__reactor *r = reef__r;
    if (!r)
        return true;
    if (r->inline_budget <= 0 || r->need_preempt)
        return false;
    r->inline_budget--;
    return true;
#endif
}

/* Attaches a new continuation to `f` (pending, or resolved but deferred)
 * and returns the future for its result. On allocation failure `f` is
 * consumed and the result fails with -ENOMEM. */
static reef_future attach(reef_future f, enum cont_kind kind, void *fn, reef_drop_fn drop,
                          const void *cap, size_t cap_size)
{
    struct cont *k = cont_new(kind, fn, drop, cap, cap_size);
    if (!k) {
        if (drop)
            drop((void *)cap);
        reef_future_ignore(f);
        return reef_fail_code(-ENOMEM);
    }
    if (reef__future_wait(f, &k->w))
        reef__schedule(&k->w.task);
    return reef__future_of_cell(&k->out);
}

/* Rule 3: releases a lent failed result unless the callback returned it. */
static inline void release_lent(uintptr_t s, reef_val v, reef_future returned)
{
    if (reef__is_failed(s) && v.p && !(reef__is_failed(returned._s) && returned._v.p == v.p))
        reef_err_release(reef__err_of(s, v));
}

static void run_then(struct reef__task *t)
{
    struct cont *k = container_of(t, struct cont, w.task);
    reef_future r;
    if (reef__is_failed(k->w.s)) {
        if (k->drop)
            k->drop(k->cap);
        r = (reef_future){k->w.s, k->w.v};
    } else {
        r = k->fn.then(k->cap, k->w.v);
    }
    reef__cell_forward(&k->out, r);
}

static reef_future then_impl(reef_future f, reef_then_fn fn, reef_drop_fn drop, const void *cap,
                             size_t cap_size)
{
    f = settle(f);
    if (f._s == 0) {
        if (may_run_inline())
            return fn((void *)cap, f._v);
    } else if (reef__is_failed(f._s)) {
        if (drop)
            drop((void *)cap);
        return f;
    }
    return attach(f, K_THEN, (void *)fn, drop, cap, cap_size);
}

reef_future reef_then(reef_future f, reef_then_fn fn, const void *cap, size_t cap_size)
{
    return then_impl(f, fn, NULL, cap, cap_size);
}

reef_future reef_then_owned(reef_future f, reef_then_fn fn, reef_drop_fn drop, const void *cap,
                            size_t cap_size)
{
    return then_impl(f, fn, drop, cap, cap_size);
}

static void run_wrapped(struct reef__task *t)
{
    struct cont *k = container_of(t, struct cont, w.task);
    reef_future r = k->fn.wrapped(k->cap, (reef_future){k->w.s, k->w.v});
    reef__cell_forward(&k->out, r);
}

reef_future reef_then_wrapped(reef_future f, reef_wrapped_fn fn, const void *cap, size_t cap_size)
{
    f = settle(f);
    if (!is_pending(f) && may_run_inline())
        return fn((void *)cap, f); /* the callback owns f */
    return attach(f, K_WRAPPED, (void *)fn, NULL, cap, cap_size);
}

static void run_error(struct reef__task *t)
{
    struct cont *k = container_of(t, struct cont, w.task);
    reef_future r = {k->w.s, k->w.v};
    if (reef__is_failed(k->w.s)) {
        r = k->fn.err(k->cap, reef__err_of(k->w.s, k->w.v));
        release_lent(k->w.s, k->w.v, r);
    }
    reef__cell_forward(&k->out, r);
}

reef_future reef_handle_error(reef_future f, reef_error_fn fn, const void *cap, size_t cap_size)
{
    f = settle(f);
    if (f._s == 0)
        return f;
    if (reef__is_failed(f._s) && may_run_inline()) {
        reef_future r = fn((void *)cap, reef__err_of(f._s, f._v));
        release_lent(f._s, f._v, r);
        return r;
    }
    return attach(f, K_ERROR, (void *)fn, NULL, cap, cap_size);
}

/* finally: the result once fn's future g has resolved. */
static reef_future finally_result(uintptr_t s, reef_val v, reef_future g)
{
    if (reef__is_failed(g._s)) {
        reef__result_release(s, v);
        return g;
    }
    return (reef_future){s, v};
}

/* Second stage of a deferred finally: fn's future has resolved into k->w. */
static void run_finally_after(struct reef__task *t)
{
    struct cont *k = container_of(t, struct cont, w.task);
    reef_future g = {k->w.s, k->w.v};
    reef__cell_forward(&k->out, finally_result(k->saved_s, k->saved_v, g));
}

/* Runs fn, then either finishes at once or parks k on fn's future. */
static void finally_step(struct cont *k, uintptr_t s, reef_val v)
{
    reef_future g = settle(k->fn.fin(k->cap));
    if (!is_pending(g)) {
        reef__cell_forward(&k->out, finally_result(s, v, g));
        return;
    }
    k->saved_s = s;
    k->saved_v = v;
    k->w.task.run = run_finally_after;
    reef__future_wait(g, &k->w); /* g is pending: k is attached, scheduled later */
}

static void run_finally(struct reef__task *t)
{
    struct cont *k = container_of(t, struct cont, w.task);
    finally_step(k, k->w.s, k->w.v);
}

reef_future reef_finally(reef_future f, reef_finally_fn fn, const void *cap, size_t cap_size)
{
    f = settle(f);
    if (!is_pending(f) && may_run_inline()) {
        reef_future g = settle(fn((void *)cap));
        if (!is_pending(g))
            return finally_result(f._s, f._v, g);
        /* fn's future is pending: wait for it keeping f's result aside. */
        struct cont *k = cont_new(K_FINALLY, (void *)fn, NULL, NULL, 0);
        if (!k) {
            reef_future_ignore(g);
            reef__result_release(f._s, f._v);
            return reef_fail_code(-ENOMEM);
        }
        k->saved_s = f._s;
        k->saved_v = f._v;
        k->w.task.run = run_finally_after;
        reef__future_wait(g, &k->w);
        return reef__future_of_cell(&k->out);
    }
    return attach(f, K_FINALLY, (void *)fn, NULL, cap, cap_size);
}

reef_future reef_futurize(reef_sync_fn fn, void *cap)
{
    reef_val out = {.u = 0};
    int rc = fn(cap, &out);
    if (rc < 0)
        return reef_fail_code(rc);
    return reef_ready(out);
}

/* ---- Promises ------------------------------------------------------------- */

static void cell_release(struct reef__cell *c) { reef__free(c, sizeof(*c)); }

reef_future reef_promise_init(reef_promise *p)
{
    struct reef__cell *c = reef__alloc(sizeof(*c));
    p->_cell = c;
    if (!c)
        return reef_fail_code(-ENOMEM);
    reef__cell_init(c, cell_release);
    return reef__future_of_cell(c);
}

static struct reef__cell *promise_take(reef_promise *p)
{
    struct reef__cell *c = p->_cell;
    p->_cell = NULL;
    return c;
}

void reef_promise_resolve(reef_promise *p, reef_val v)
{
    struct reef__cell *c = promise_take(p);
    if (c)
        reef__cell_resolve(c, 0, v);
}

void reef_promise_fail(reef_promise *p, reef_err e)
{
    struct reef__cell *c = promise_take(p);
    reef_future f = reef_fail(e);
    if (c)
        reef__cell_resolve(c, f._s, f._v);
    else
        reef_err_release(e);
}

void reef_promise_forward(reef_promise *p, reef_future f)
{
    struct reef__cell *c = promise_take(p);
    if (c)
        reef__cell_forward(c, f);
    else
        reef_future_ignore(f);
}

void reef_promise_abandon(reef_promise *p)
{
    reef_promise_fail(p, reef_err_code(REEF_EBROKEN_PROMISE));
}
