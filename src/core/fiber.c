/*
 * Fibers.
 *
 * A fiber runs on its own stack and is always entered from, and always
 * leaves to, the reactor's own stack (the shard's "main" context): a task
 * (to start or after a yield) or the continuation of the future it waits
 * for switches in; a wait, a yield or the end of the body switches out.
 * Fibers never switch directly to one another, so there is exactly one
 * saved main context per shard.
 *
 * A wait attaches a continuation to the awaited future and switches out;
 * when the future resolves, the continuation (a task, on the main stack)
 * stores the result in the fiber and switches in, and the wait returns it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/log.h>

#include "arch/context.h"
#include "core/reactor_impl.h"

#ifdef REEF_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define REEF_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REEF_ASAN_FIBERS 1
#endif
#endif

#ifdef REEF_ASAN_FIBERS
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* The top of each stack mapping holds the stack's header and the fiber
 * itself, so starting a fiber allocates nothing beyond its join future:
 *
 *   [guard page][ stack, growing down ...    ][fiber_stack][reef_fiber]
 *   map         lo                       lo + size
 */
struct fiber_stack {
    struct fiber_stack *next; /* in the pool */
    char *map;                /* guard page + stack + header */
    size_t map_size;
    char *lo;         /* lowest usable byte */
    size_t size;      /* usable bytes (at least what was asked for) */
    size_t requested; /* the size asked for, rounded to pages: the pool key */
    unsigned valgrind_id;
};

struct reef_fiber {
    struct reef__ctx ctx;
    struct reef__task resume; /* starts it, or continues it after a yield */
    struct fiber_stack *stack;
    reef_fiber_fn fn;
    void *arg;
    reef_promise result;
    reef_future join;
    bool finished, joined;
    uintptr_t wait_s; /* what a wait delivered */
    reef_val wait_v;
    void *asan_fake_stack;
    char name[32];
};

static __thread reef_fiber *current;
static __thread struct reef__ctx main_ctx;
#ifdef REEF_ASAN_FIBERS
static __thread const void *main_stack_bottom;
static __thread size_t main_stack_size;
static __thread void *main_fake_stack;
#endif

#define POOL_LIMIT 64
static __thread struct fiber_stack *pool;
static __thread unsigned pool_count;

/* ---- Stacks ------------------------------------------------------------------ */

static size_t page_size(void)
{
    static size_t ps;
    if (!ps)
        ps = (size_t)sysconf(_SC_PAGESIZE);
    return ps;
}

#define HEADER_SIZE ((sizeof(struct fiber_stack) + sizeof(struct reef_fiber) + 63) & ~(size_t)63)

static reef_fiber *fiber_of(struct fiber_stack *s) { return (reef_fiber *)(s + 1); }

static struct fiber_stack *stack_get(size_t size)
{
    size_t ps = page_size();
    size = (size + ps - 1) & ~(ps - 1);
    if (size == REEF_FIBER_DEFAULT_STACK && pool) {
        struct fiber_stack *s = pool;
        pool = s->next;
        pool_count--;
#ifdef REEF_ASAN_FIBERS
        /* The previous fiber's frames left redzones behind. */
        __asan_unpoison_memory_region(s->lo, s->size);
#endif
        return s;
    }
    /* The stack size asked for, plus the guard page, plus the header
     * rounded up to a page. */
    size_t map_size = ps + size + ((HEADER_SIZE + ps - 1) & ~(ps - 1));
    char *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    /* The guard page: an overflow faults here instead of writing into
     * whatever lies below. */
    if (mprotect(map, ps, PROT_NONE) < 0) {
        munmap(map, map_size);
        return NULL;
    }
    struct fiber_stack *s = (struct fiber_stack *)(map + map_size - HEADER_SIZE);
    s->map = map;
    s->map_size = map_size;
    s->lo = map + ps;
    s->size = (size_t)((char *)s - s->lo);
    s->requested = size;
#ifdef REEF_HAVE_VALGRIND_H
    s->valgrind_id = VALGRIND_STACK_REGISTER(s->lo, s->lo + size);
#endif
    return s;
}

static void stack_unmap(struct fiber_stack *s)
{
#ifdef REEF_HAVE_VALGRIND_H
    VALGRIND_STACK_DEREGISTER(s->valgrind_id);
#endif
    munmap(s->map, s->map_size);
}

static void stack_put(struct fiber_stack *s)
{
    if (s->requested == REEF_FIBER_DEFAULT_STACK && pool_count < POOL_LIMIT) {
        s->next = pool;
        pool = s;
        pool_count++;
        return;
    }
    stack_unmap(s);
}

void reef__fiber_pool_drain(void)
{
    while (pool) {
        struct fiber_stack *s = pool;
        pool = s->next;
        stack_unmap(s);
    }
    pool_count = 0;
}

/* ---- Switching ---------------------------------------------------------------- */

/* Once finished and joined, the stack (with the fiber on it) goes back. */
static void release(reef_fiber *f)
{
    if (f->finished && f->joined)
        stack_put(f->stack);
}

/* From the main context into f, until f switches back out. */
static void switch_in(reef_fiber *f)
{
    current = f;
#ifdef REEF_ASAN_FIBERS
    __sanitizer_start_switch_fiber(&main_fake_stack, f->stack->lo, f->stack->size);
#endif
    reef__ctx_switch(&main_ctx, &f->ctx);
#ifdef REEF_ASAN_FIBERS
    __sanitizer_finish_switch_fiber(main_fake_stack, NULL, NULL);
#endif
    current = NULL;
    if (f->finished)
        release(f); /* now that nothing runs on its stack */
}

/* From fiber f back to the main context; returns when f is switched in. */
static void switch_out(reef_fiber *f)
{
#ifdef REEF_ASAN_FIBERS
    /* A finished fiber never comes back: let ASan drop its fake stack. */
    __sanitizer_start_switch_fiber(f->finished ? NULL : &f->asan_fake_stack, main_stack_bottom,
                                   main_stack_size);
#endif
    reef__ctx_switch(&f->ctx, &main_ctx);
#ifdef REEF_ASAN_FIBERS
    __sanitizer_finish_switch_fiber(f->asan_fake_stack, NULL, NULL);
#endif
}

static void run_resume(struct reef__task *t)
{
    reef_fiber *f = (reef_fiber *)((char *)t - offsetof(reef_fiber, resume));
    switch_in(f);
}

static void fiber_main(void *p)
{
    reef_fiber *f = p;
#ifdef REEF_ASAN_FIBERS
    __sanitizer_finish_switch_fiber(NULL, &main_stack_bottom, &main_stack_size);
#endif
    reef_future r = f->fn(f->arg);
    reef_fiber_await(&r); /* a pending result is waited for here */
    reef_promise_forward(&f->result, r);
    f->finished = true;
    switch_out(f);
    abort(); /* a finished fiber is never switched in again */
}

/* ---- Starting and joining ------------------------------------------------------ */

reef_fiber *reef_fiber_start(const struct reef_fiber_attr *attr, reef_fiber_fn fn, void *arg)
{
    struct reef__reactor *r = reef__r;
    if (!r)
        reef__no_reactor("reef_fiber_start");
    size_t size = attr && attr->stack_size ? attr->stack_size : REEF_FIBER_DEFAULT_STACK;
    struct fiber_stack *stack = stack_get(size);
    if (!stack) {
        errno = ENOMEM;
        return NULL;
    }
    reef_fiber *f = fiber_of(stack);
    memset(f, 0, sizeof(*f));
    f->stack = stack;
    f->fn = fn;
    f->arg = arg;
    if (attr && attr->name)
        snprintf(f->name, sizeof(f->name), "%s", attr->name);
    f->join = reef_promise_init(&f->result);
    reef__ctx_init(&f->ctx, f->stack->lo, f->stack->size, fiber_main, f);
    f->resume = (struct reef__task){run_resume, r->current_group};
    reef__schedule(&f->resume);
    return f;
}

reef_future reef_fiber_join(reef_fiber *f)
{
    reef_future j = f->join;
    f->joined = true;
    release(f); /* if it has finished already */
    return j;
}

reef_future reef_async_attr(const struct reef_fiber_attr *attr, reef_fiber_fn fn, void *arg)
{
    reef_fiber *f = reef_fiber_start(attr, fn, arg);
    if (!f)
        return reef_fail_code(-ENOMEM);
    return reef_fiber_join(f);
}

reef_future reef_async(reef_fiber_fn fn, void *arg) { return reef_async_attr(NULL, fn, arg); }

/* ---- Inside a fiber --------------------------------------------------------------- */

static reef_future wake(void *cap, reef_future resolved)
{
    reef_fiber *f = *(reef_fiber **)cap;
    f->wait_s = resolved._s; /* handed to the fiber, which owns it now */
    f->wait_v = resolved._v;
    switch_in(f);
    return reef_done();
}

_Noreturn static void not_in_fiber(void)
{
    fputs("reef: waiting on a pending future outside a fiber: start the code with reef_async() "
          "or attach a continuation instead\n",
          stderr);
    abort();
}

void reef_fiber_await(reef_future *fut)
{
    if (reef_future_available(*fut))
        return;
    reef_fiber *self = current;
    if (!self)
        not_in_fiber();
    reef_discard(reef_then_wrapped(*fut, wake, &self, sizeof(self)));
    switch_out(self);
    *fut = (reef_future){self->wait_s, self->wait_v};
}

int reef_fiber_wait(reef_future f, reef_val *out, reef_err *err)
{
    reef_fiber_await(&f);
    return reef_future_take(f, out, err);
}

void reef_fiber_yield(void)
{
    reef_fiber *self = current;
    if (!self)
        return;
    reef__schedule(&self->resume);
    switch_out(self);
}

void reef_fiber_sleep(reef_duration d)
{
    reef_err e;
    if (reef_fiber_wait(reef_sleep(d), NULL, &e) != 0)
        reef_err_release(e);
}

bool reef_in_fiber(void) { return current != NULL; }

const char *reef_fiber_name(void) { return current ? current->name : ""; }
