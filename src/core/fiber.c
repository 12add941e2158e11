/*
 * Fibers.
 *
 * A fiber is a context on a stack of its own (fiber_stack.h). It runs only
 * when something switches to it, and it leaves by switching to the shard's
 * main context (the reactor's own stack) or, as a shortcut, straight to the
 * fiber whose task the scheduler would run next anyway:
 *
 *   main --(task run_fiber)--> A --(wait, yield, end)--> main
 *                              A --(handoff: B's task is next)--> B --> ...
 *
 * While any fiber runs, the main context is suspended inside the run_fiber
 * task that switched to the first of them, so each shard has exactly one
 * saved main context. A handoff does what the scheduler's loop would have
 * done — take the next task of the running group and run it — minus two
 * context switches; it is skipped when the task quota is up (the loop must
 * get control back) and in the debug scheduling mode (the loop shuffles the
 * queue).
 *
 * The fiber's state (struct reef_fiber) lives at the top of its stack
 * mapping. Its `wake` waiter doubles as its task: queued to start the
 * fiber or to continue it after a yield, or attached to the future being
 * waited for, which delivers its result there and queues it. Its `join`
 * cell is the cell of the join future. So starting, waiting and joining
 * allocate nothing.
 *
 * The stack is given back once both hold: the fiber has left it for good
 * (`exited`, noted by whichever context the final switch lands in), and the
 * join cell has been released (its result taken, or dropped). Whichever
 * happens second gives it back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <reef/fiber.h>
#include <reef/log.h>

#include "arch/context.h"
#include "core/cell.h"
#include "core/fiber_stack.h"
#include "core/reactor_impl.h"
#include "util/container_of.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_FIBERS 1
#endif
#endif
#ifdef ASAN_FIBERS
#include <sanitizer/common_interface_defs.h>
#endif

struct reef_fiber {
    struct reef__ctx ctx;      /* saved registers while not running */
    struct reef__waiter wake;  /* its task; s, v: the result a wait delivered */
    struct reef__cell join;    /* resolved with fn's result when the body ends */
    struct reef__stack *stack; /* the mapping this struct lives in */
    reef_fiber_fn fn;
    void *arg;
    bool joined;           /* reef_fiber_join was called */
    bool join_released;    /* the join cell was released: nobody looks at it */
    bool exited;           /* switched away for the last time */
    void *asan_fake_stack; /* AddressSanitizer's fake frames while suspended */
    char name[32];
};

/* It lives in the reserve at the top of its stack (fiber_stack.h). */
_Static_assert(_Alignof(struct reef_fiber) <= 16, "the stack's reserve is 16-byte aligned");

static __thread reef_fiber *current; /* NULL on the main stack */
static __thread struct reef__ctx main_ctx;
/* A fiber that ended and is switching away for the last time: whatever
 * context the switch lands in marks it exited (it is then off its stack). */
static __thread reef_fiber *leaving;

_Noreturn static void misuse(const char *what)
{
    reef_log_error(&reef_logger_reef, "%s; fibers: see include/reef/fiber.h", what);
    abort();
}

/* ---- AddressSanitizer: told about every switch ------------------------------ */

#ifdef ASAN_FIBERS
static __thread const void *main_bottom; /* the main stack, as ASan sees it */
static __thread size_t main_size;
static __thread void *main_fake_stack;
static __thread bool from_main; /* the switch in progress left the main stack */

/* Before switching from `self` (NULL: main) to `to` (NULL: main). A fiber
 * that has ended passes no save slot, so ASan drops its fake frames. */
static void asan_leave(reef_fiber *self, reef_fiber *to)
{
    void **save = !self ? &main_fake_stack : self == leaving ? NULL : &self->asan_fake_stack;
    from_main = !self;
    if (to)
        __sanitizer_start_switch_fiber(save, to->stack->lo, to->stack->size);
    else
        __sanitizer_start_switch_fiber(save, main_bottom, main_size);
}

/* After a switch landed in `self` (NULL: main). The main stack's bounds are
 * learnt the first time a fiber is entered from it. */
static void asan_arrive(reef_fiber *self)
{
    if (!self)
        __sanitizer_finish_switch_fiber(main_fake_stack, NULL, NULL);
    else if (from_main)
        __sanitizer_finish_switch_fiber(self->asan_fake_stack, &main_bottom, &main_size);
    else
        __sanitizer_finish_switch_fiber(self->asan_fake_stack, NULL, NULL);
}
#else
static inline void asan_leave(reef_fiber *self, reef_fiber *to) { (void)self, (void)to; }
static inline void asan_arrive(reef_fiber *self) { (void)self; }
#endif

/* ---- Releasing the stack --------------------------------------------------- */

static void release_if_done(reef_fiber *f)
{
    if (f->exited && f->join_released)
        reef__stack_put(f->stack);
}

/* The join cell's release: its result was taken, or dropped. */
static void join_release(struct reef__cell *c)
{
    reef_fiber *f = container_of(c, reef_fiber, join);
    f->join_released = true;
    release_if_done(f);
}

/* Runs wherever a switch lands: the fiber that ended is off its stack. */
static void reap(void)
{
    reef_fiber *f = leaving;
    if (!f)
        return;
    leaving = NULL;
    f->exited = true;
    release_if_done(f);
}

/* ---- Switching ----------------------------------------------------------------- */

static void run_fiber(struct reef__task *t);

/* Where a fiber continues after a switch to it. */
static void arrive(reef_fiber *self)
{
    asan_arrive(self);
    current = self;
    reap();
}

/* Whether a fiber that stops may switch straight to the next fiber: not
 * once the quota is up (the loop must get control back to poll), nor in
 * the debug scheduling mode (the loop shuffles the queue). */
static inline bool may_hand_off(const struct reef__reactor *r)
{
#ifdef REEF_DEBUG_SCHED
    (void)r;
    return false;
#else
    return !r->need_preempt && !r->stop;
#endif
}

/* The running group's queue: a running fiber's task belongs to it. */
static inline struct reef__taskq *running_queue(struct reef__reactor *r)
{
    return &r->groups[r->current_group].q;
}

/* If the next task of queue q is a fiber's, takes it as the scheduler's
 * loop would and returns the fiber; otherwise NULL. */
static inline reef_fiber *take_next_fiber(struct reef__reactor *r, struct reef__taskq *q)
{
    if (q->head == q->tail)
        return NULL;
    struct reef__task *t = q->ring[q->head & q->mask];
    if (t->run != run_fiber)
        return NULL;
    q->head++;
    r->inline_budget = REEF__INLINE_BUDGET; /* what the loop does per task */
    r->tasks_run++;
    return container_of(t, reef_fiber, wake.task);
}

/* Switches from fiber `self` to `next` (NULL: the main context). Returns
 * when something switches back to self. */
static void switch_to(reef_fiber *self, reef_fiber *next)
{
    asan_leave(self, next);
    reef__ctx_switch(&self->ctx, next ? &next->ctx : &main_ctx);
    arrive(self);
}

/* Leaves fiber `self`, whose task is attached to a future it waits for (or
 * which has ended: self == leaving), for the next fiber or the main
 * context. */
static void switch_away(reef_fiber *self)
{
    struct reef__reactor *r = reef__r;
    switch_to(self, may_hand_off(r) ? take_next_fiber(r, running_queue(r)) : NULL);
}

/* A task on the main stack: runs fiber f (and whatever fibers it hands
 * off to) until one of them switches back to main. */
static void run_fiber(struct reef__task *t)
{
    reef_fiber *f = container_of(t, reef_fiber, wake.task);
    asan_leave(NULL, f);
    reef__ctx_switch(&main_ctx, &f->ctx);
    asan_arrive(NULL);
    current = NULL;
    reap();
}

static void fiber_main(void *p)
{
    reef_fiber *f = p;
    arrive(f);
    reef_future r = f->fn(f->arg);
    reef_fiber_await(&r); /* a pending result is waited for here */
    reef__cell_forward(&f->join, r);
    leaving = f;
    switch_away(f);
    abort(); /* an ended fiber is never switched to again */
}

/* ---- Starting and joining ------------------------------------------------------- */

static size_t stack_size_of(const struct reef_fiber_attr *attr)
{
    size_t size = attr && attr->stack_size ? attr->stack_size : REEF_FIBER_DEFAULT_STACK;
    return size < REEF_FIBER_MIN_STACK ? REEF_FIBER_MIN_STACK : size;
}

/* Field by field: a memset of the whole struct costs more than the rest
 * of starting a fiber (rep stos start-up). */
static void fiber_init(reef_fiber *f, struct reef__stack *s, const struct reef_fiber_attr *attr,
                       reef_fiber_fn fn, void *arg, uint16_t group)
{
    f->stack = s;
    f->fn = fn;
    f->arg = arg;
    f->joined = f->join_released = f->exited = false;
    f->asan_fake_stack = NULL;
    size_t n = attr && attr->name ? strnlen(attr->name, sizeof(f->name) - 1) : 0;
    if (n)
        memcpy(f->name, attr->name, n);
    f->name[n] = '\0';
    f->wake.task = (struct reef__task){run_fiber, group};
    reef__cell_init(&f->join, join_release);
    reef__ctx_init(&f->ctx, s->lo, s->size, fiber_main, f);
}

reef_fiber *reef_fiber_start(const struct reef_fiber_attr *attr, reef_fiber_fn fn, void *arg)
{
    struct reef__reactor *r = reef__r;
    if (!r)
        reef__no_reactor("reef_fiber_start");
    struct reef__stack *s = reef__stack_get(stack_size_of(attr), sizeof(reef_fiber));
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    reef_fiber *f = s->owner;
    fiber_init(f, s, attr, fn, arg, r->current_group);
    reef__schedule(&f->wake.task);
    return f;
}

reef_future reef_fiber_join(reef_fiber *f)
{
    if (f->joined)
        misuse("reef_fiber_join() called twice on the same fiber");
    f->joined = true;
    return reef__future_of_cell(&f->join);
}

reef_future reef_async_attr(const struct reef_fiber_attr *attr, reef_fiber_fn fn, void *arg)
{
    reef_fiber *f = reef_fiber_start(attr, fn, arg);
    if (!f)
        return reef_fail_code(-ENOMEM);
    return reef_fiber_join(f);
}

reef_future reef_async(reef_fiber_fn fn, void *arg) { return reef_async_attr(NULL, fn, arg); }

size_t reef__fiber_top_bytes(void) { return reef__stack_top_bytes(sizeof(reef_fiber)); }

/* ---- Inside a fiber --------------------------------------------------------------- */

/* reef_future_available, inlined: waits run it on every call. */
static inline bool available(reef_future f)
{
    return f._s == 0 || reef__is_failed(f._s) || ((struct reef__cell *)f._s)->s != REEF__UNRESOLVED;
}

void reef_fiber_await(reef_future *fut)
{
    if (available(*fut))
        return;
    reef_fiber *self = current;
    if (!self)
        misuse("waiting on a pending future outside a fiber: start the code with reef_async() "
               "or attach a continuation instead");
    /* Pending: the future's producer will store the result in `wake` and
     * queue the fiber's task. */
    if (!reef__future_wait(*fut, &self->wake))
        switch_away(self);
    *fut = (reef_future){self->wake.s, self->wake.v};
}

int reef_fiber_wait(reef_future f, reef_val *out, reef_err *err)
{
    reef_fiber_await(&f);
    if (f._s == 0) { /* a value: what reef_future_take would do, inline */
        if (out)
            *out = f._v;
        return 0;
    }
    return reef_future_take(f, out, err);
}

void reef_fiber_yield(void)
{
    reef_fiber *self = current;
    if (!self)
        misuse("reef_fiber_yield() called outside a fiber");
    struct reef__reactor *r = reef__r;
    /* (A running fiber's group is the running group; the check only keeps
     * a broken invariant from putting it on another group's queue.) */
    if (!may_hand_off(r) || self->wake.task.group != r->current_group) {
        reef__schedule(&self->wake.task);
        switch_to(self, NULL);
        return;
    }
    /* What the loop would do — queue this fiber at the back, run the task
     * at the front — without the trip through the main context when that
     * task is a fiber's or this fiber's own. */
    struct reef__taskq *q = running_queue(r);
    reef_fiber *next = take_next_fiber(r, q);
    if (!next && q->head == q->tail) {
        r->inline_budget = REEF__INLINE_BUDGET;
        r->tasks_run++;
        return; /* nothing else to run: carry on */
    }
    reef__taskq_push(q, &self->wake.task);
    switch_to(self, next);
}

int reef_fiber_sleep(reef_duration d)
{
    if (!current)
        misuse("reef_fiber_sleep() called outside a fiber");
    reef_err e;
    int rc = reef_fiber_wait(reef_sleep(d), NULL, &e);
    if (rc < 0)
        reef_err_release(e);
    return rc;
}

bool reef_in_fiber(void) { return current != NULL; }

const char *reef_fiber_name(void) { return current ? current->name : ""; }
