/*
 * Loops over futures.
 *
 * Sequential loops (repeat, do_until, keep_doing, do_for_*) share one
 * engine: seq_drive() runs iterations in a plain C loop for as long as they
 * resolve at once, and parks the loop on the first pending one (or on a
 * reef_yield() when the quota is up). Nothing recurses, so stack use is
 * constant whatever the number of iterations.
 *
 * Parallel loops (parallel_for_*, max_concurrent_for_*, map_reduce) share
 * another: each pending iteration gets a small waiter that reports back to
 * the loop; the loop resolves when the count of iterations in flight drops
 * to zero.
 */
#include <errno.h>
#include <string.h>

#include <reef/loop.h>
#include <reef/reactor.h>

#include "core/cell.h"
#include "core/memory.h"
#include "core/reactor_impl.h"
#include "util/container_of.h"

static inline bool pending(reef_future f) { return f._s != 0 && !reef__is_failed(f._s); }

/* Turns a future whose cell is already resolved into a resolved value. */
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

/* Copies the capture into `dst` (or keeps the caller's pointer). */
static void *keep_capture(unsigned char *dst, const void *cap, size_t cap_size)
{
    if (!cap_size)
        return (void *)cap;
    memcpy(dst, cap, cap_size);
    return dst;
}

/* ---- Sequential loops ------------------------------------------------------ */

enum seq_kind { SEQ_REPEAT, SEQ_UNTIL, SEQ_KEEP, SEQ_RANGE, SEQ_EACH };

struct seq {
    struct reef__waiter w; /* the pending iteration (or yield) delivers here */
    struct reef__cell out; /* the loop's future */
    enum seq_kind kind;
    reef_body_fn body;
    reef_cond_fn cond;
    reef_index_fn index_fn;
    reef_elem_fn elem_fn;
    int64_t next, end;
    char *elems;
    size_t elem_size;
    void *cap;
    uint32_t alloc_size;
    _Alignas(16) unsigned char capture[];
};

static void seq_release(struct reef__cell *c)
{
    struct seq *L = container_of(c, struct seq, out);
    reef__free(L, L->alloc_size);
}

/* True when the loop has nothing left to do after a successful step. */
static bool seq_finished(struct seq *L, reef_future prev)
{
    switch (L->kind) {
    case SEQ_REPEAT:
        return prev._v.i == REEF_STOP;
    case SEQ_UNTIL:
        return L->cond(L->cap);
    case SEQ_KEEP:
        return false;
    case SEQ_RANGE:
    case SEQ_EACH:
        return L->next >= L->end;
    }
    return true;
}

static reef_future seq_iterate(struct seq *L)
{
    int64_t i = L->next++;
    switch (L->kind) {
    case SEQ_RANGE:
        return L->index_fn(L->cap, i);
    case SEQ_EACH:
        return L->elem_fn(L->cap, L->elems + (size_t)i * L->elem_size);
    default:
        return L->body(L->cap);
    }
}

/* Runs iterations while they resolve at once. Returns true when the loop
 * is over (result in *res); false when it is parked on a pending future. */
static bool seq_drive(struct seq *L, reef_future prev, reef_future *res)
{
    for (;;) {
        if (reef__is_failed(prev._s)) {
            *res = prev;
            return true;
        }
        if (seq_finished(L, prev)) {
            *res = reef_done();
            return true;
        }
        /* Each iteration is a preemption point. A yield resolves with
         * REEF_CONTINUE, so it resumes the loop like a finished step. */
        reef_future f = reef_need_preempt() ? reef_yield() : settle(seq_iterate(L));
        if (pending(f)) {
            reef__future_wait(f, &L->w); /* truly pending: settle() took resolved ones */
            return false;
        }
        prev = f;
    }
}

static void seq_resume(struct reef__task *t)
{
    struct seq *L = container_of(t, struct seq, w.task);
    reef_future res;
    if (seq_drive(L, (reef_future){L->w.s, L->w.v}, &res))
        reef__cell_forward(&L->out, res);
}

static struct seq *seq_new(enum seq_kind kind, const void *cap, size_t cap_size)
{
    size_t size = sizeof(struct seq) + cap_size;
    struct seq *L = reef__alloc(size);
    if (!L)
        return NULL;
    memset(L, 0, sizeof(*L));
    L->w.task.run = seq_resume;
    L->w.task.group = reef__current_group();
    reef__cell_init(&L->out, seq_release);
    L->kind = kind;
    L->alloc_size = (uint32_t)size;
    L->cap = keep_capture(L->capture, cap, cap_size);
    return L;
}

static reef_future seq_start(struct seq *L)
{
    reef_future res;
    if (seq_drive(L, reef_continue(), &res)) {
        reef__free(L, L->alloc_size); /* done without ever waiting */
        return res;
    }
    return reef__future_of_cell(&L->out);
}

reef_future reef_repeat(reef_body_fn body, const void *cap, size_t cap_size)
{
    struct seq *L = seq_new(SEQ_REPEAT, cap, cap_size);
    if (!L)
        return reef_fail_code(-ENOMEM);
    L->body = body;
    return seq_start(L);
}

reef_future reef_do_until(reef_cond_fn cond, reef_body_fn body, const void *cap, size_t cap_size)
{
    struct seq *L = seq_new(SEQ_UNTIL, cap, cap_size);
    if (!L)
        return reef_fail_code(-ENOMEM);
    L->cond = cond;
    L->body = body;
    return seq_start(L);
}

reef_future reef_keep_doing(reef_body_fn body, const void *cap, size_t cap_size)
{
    struct seq *L = seq_new(SEQ_KEEP, cap, cap_size);
    if (!L)
        return reef_fail_code(-ENOMEM);
    L->body = body;
    return seq_start(L);
}

reef_future reef_do_for_range(int64_t begin, int64_t end, reef_index_fn fn, const void *cap,
                              size_t cap_size)
{
    struct seq *L = seq_new(SEQ_RANGE, cap, cap_size);
    if (!L)
        return reef_fail_code(-ENOMEM);
    L->index_fn = fn;
    L->next = begin;
    L->end = end;
    return seq_start(L);
}

reef_future reef_do_for_each(void *elems, size_t count, size_t elem_size, reef_elem_fn fn,
                             const void *cap, size_t cap_size)
{
    struct seq *L = seq_new(SEQ_EACH, cap, cap_size);
    if (!L)
        return reef_fail_code(-ENOMEM);
    L->elem_fn = fn;
    L->elems = elems;
    L->elem_size = elem_size;
    L->next = 0;
    L->end = (int64_t)count;
    return seq_start(L);
}

/* ---- Parallel loops ---------------------------------------------------------- */

struct par {
    struct reef__cell out;
    size_t in_flight;      /* pending iterations (+1 while the starter runs) */
    size_t max;            /* iterations allowed in flight */
    bool failed;
    uintptr_t err_s;       /* the error reported; others are dropped */
    reef_val err_v;
    reef_index_fn index_fn;
    reef_elem_fn elem_fn;
    reef_reduce_fn reducer;
    reef_val acc;
    int64_t next, end;
    char *elems;
    size_t elem_size;
    void *cap;
    uint32_t alloc_size;
    _Alignas(16) unsigned char capture[];
};

struct par_waiter {
    struct reef__waiter w;
    struct par *P;
};

static void par_release(struct reef__cell *c)
{
    struct par *P = container_of(c, struct par, out);
    reef__free(P, P->alloc_size);
}

/* Takes one iteration's result: keeps the first error, folds values. */
static void par_account(struct par *P, uintptr_t s, reef_val v)
{
    if (reef__is_failed(s)) {
        if (P->failed) {
            reef__result_release(s, v);
        } else {
            P->failed = true;
            P->err_s = s;
            P->err_v = v;
        }
    } else if (P->reducer && !P->failed) {
        P->acc = P->reducer(P->cap, P->acc, v);
    }
}

static reef_future par_result(struct par *P)
{
    if (P->failed)
        return (reef_future){P->err_s, P->err_v};
    return P->reducer ? reef_ready(P->acc) : reef_done();
}

static void par_fill(struct par *P);

static void par_waiter_run(struct reef__task *t)
{
    struct par_waiter *pw = (struct par_waiter *)t;
    struct par *P = pw->P;
    uintptr_t s = pw->w.s;
    reef_val v = pw->w.v;
    reef__free(pw, sizeof(*pw));
    par_account(P, s, v);
    P->in_flight--;
    par_fill(P);
    if (P->in_flight == 0)
        reef__cell_forward(&P->out, par_result(P));
}

/* Tracks a pending future as one iteration in flight. */
static void par_wait(struct par *P, reef_future f)
{
    struct par_waiter *pw = reef__alloc(sizeof(*pw));
    if (!pw) {
        reef_future_ignore(f);
        par_account(P, reef_fail_code(-ENOMEM)._s, (reef_val){.p = NULL});
        return;
    }
    pw->w.task.run = par_waiter_run;
    pw->w.task.group = reef__current_group();
    pw->P = P;
    P->in_flight++;
    if (reef__future_wait(f, &pw->w))
        reef__schedule(&pw->w.task);
}

static reef_future par_iterate(struct par *P)
{
    int64_t i = P->next++;
    if (P->elem_fn)
        return P->elem_fn(P->cap, P->elems + (size_t)i * P->elem_size);
    return P->index_fn(P->cap, i);
}

/* Starts iterations while the limit allows. The starter counts as one
 * iteration in flight so that the loop cannot finish under its feet. */
static void par_fill(struct par *P)
{
    P->in_flight++;
    while (P->next < P->end && !P->failed && P->in_flight - 1 < P->max) {
        if (P->max != SIZE_MAX && reef_need_preempt()) {
            /* Limited loops can be long: let the reactor poll first. */
            par_wait(P, reef_yield());
            break;
        }
        reef_future f = settle(par_iterate(P));
        if (pending(f))
            par_wait(P, f);
        else
            par_account(P, f._s, f._v);
    }
    P->in_flight--;
}

static struct par *par_new(size_t max, const void *cap, size_t cap_size)
{
    size_t size = sizeof(struct par) + cap_size;
    struct par *P = reef__alloc(size);
    if (!P)
        return NULL;
    memset(P, 0, sizeof(*P));
    reef__cell_init(&P->out, par_release);
    P->max = max ? max : 1;
    P->alloc_size = (uint32_t)size;
    P->cap = keep_capture(P->capture, cap, cap_size);
    return P;
}

static reef_future par_start(struct par *P)
{
    par_fill(P);
    if (P->in_flight == 0) {
        reef_future r = par_result(P);
        reef__free(P, P->alloc_size);
        return r;
    }
    return reef__future_of_cell(&P->out);
}

static reef_future range_loop(int64_t begin, int64_t end, size_t max, reef_index_fn fn,
                              const void *cap, size_t cap_size)
{
    struct par *P = par_new(max, cap, cap_size);
    if (!P)
        return reef_fail_code(-ENOMEM);
    P->index_fn = fn;
    P->next = begin;
    P->end = end;
    return par_start(P);
}

static reef_future each_loop(void *elems, size_t count, size_t elem_size, size_t max,
                             reef_elem_fn fn, const void *cap, size_t cap_size)
{
    struct par *P = par_new(max, cap, cap_size);
    if (!P)
        return reef_fail_code(-ENOMEM);
    P->elem_fn = fn;
    P->elems = elems;
    P->elem_size = elem_size;
    P->next = 0;
    P->end = (int64_t)count;
    return par_start(P);
}

reef_future reef_parallel_for_range(int64_t begin, int64_t end, reef_index_fn fn, const void *cap,
                                    size_t cap_size)
{
    return range_loop(begin, end, SIZE_MAX, fn, cap, cap_size);
}

reef_future reef_parallel_for_each(void *elems, size_t count, size_t elem_size, reef_elem_fn fn,
                                   const void *cap, size_t cap_size)
{
    return each_loop(elems, count, elem_size, SIZE_MAX, fn, cap, cap_size);
}

reef_future reef_max_concurrent_for_range(int64_t begin, int64_t end, size_t max,
                                          reef_index_fn fn, const void *cap, size_t cap_size)
{
    return range_loop(begin, end, max ? max : 1, fn, cap, cap_size);
}

reef_future reef_max_concurrent_for_each(void *elems, size_t count, size_t elem_size, size_t max,
                                         reef_elem_fn fn, const void *cap, size_t cap_size)
{
    return each_loop(elems, count, elem_size, max ? max : 1, fn, cap, cap_size);
}

reef_future reef_map_reduce(int64_t begin, int64_t end, reef_index_fn mapper,
                            reef_reduce_fn reducer, reef_val initial, const void *cap,
                            size_t cap_size)
{
    struct par *P = par_new(SIZE_MAX, cap, cap_size);
    if (!P)
        return reef_fail_code(-ENOMEM);
    P->index_fn = mapper;
    P->reducer = reducer;
    P->acc = initial;
    P->next = begin;
    P->end = end;
    return par_start(P);
}
