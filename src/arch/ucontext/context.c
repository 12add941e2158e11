/*
 * The portable fallback: contexts made and switched with ucontext. Used on
 * architectures without a hand-written switch, or when configured with
 * -DREEF_FIBER_UCONTEXT=ON (to compare, or to rule the assembly out when
 * chasing a bug). swapcontext also saves the signal mask and the
 * floating-point environment, at the price of a system call per switch.
 */
#include <stdint.h>

#include "arch/context.h"

#ifdef REEF_FIBER_UCONTEXT

/* makecontext passes int arguments only: the two pointers travel as
 * 32-bit halves. */
static void start(unsigned fn_hi, unsigned fn_lo, unsigned arg_hi, unsigned arg_lo)
{
    void (*entry)(void *) = (void (*)(void *))(((uintptr_t)fn_hi << 32) | (uintptr_t)fn_lo);
    void *arg = (void *)(((uintptr_t)arg_hi << 32) | (uintptr_t)arg_lo);
    entry(arg);
}

void reef__ctx_init(struct reef__ctx *c, void *lo, size_t size, void (*entry)(void *), void *arg)
{
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = lo;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = NULL; /* entry never returns */
    uintptr_t f = (uintptr_t)entry, a = (uintptr_t)arg;
    makecontext(&c->uc, (void (*)(void))start, 4, (unsigned)(f >> 32), (unsigned)f,
                (unsigned)(a >> 32), (unsigned)a);
}

void reef__ctx_switch(struct reef__ctx *from, struct reef__ctx *to)
{
    swapcontext(&from->uc, &to->uc);
}

#endif
