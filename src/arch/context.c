/*
 * Setting up a fresh context (the switch itself is in switch_*.S, or below
 * for the ucontext fallback).
 */
#include <stdint.h>
#include <string.h>

#include "arch/context.h"

#ifdef REEF_FIBER_UCONTEXT

/* makecontext passes int arguments only: split the pointers. */
static void uc_entry(unsigned fn_hi, unsigned fn_lo, unsigned arg_hi, unsigned arg_lo)
{
    void (*entry)(void *) =
        (void (*)(void *))(((uintptr_t)fn_hi << 32) | (uintptr_t)fn_lo);
    void *arg = (void *)(((uintptr_t)arg_hi << 32) | (uintptr_t)arg_lo);
    entry(arg);
}

void reef__ctx_init(struct reef__ctx *c, void *lo, size_t size, void (*entry)(void *), void *arg)
{
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = lo;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = NULL;
    uintptr_t f = (uintptr_t)entry, a = (uintptr_t)arg;
    makecontext(&c->uc, (void (*)(void))uc_entry, 4, (unsigned)(f >> 32), (unsigned)f,
                (unsigned)(a >> 32), (unsigned)a);
}

void reef__ctx_switch(struct reef__ctx *from, struct reef__ctx *to)
{
    swapcontext(&from->uc, &to->uc);
}

#else

/* The first code a new context runs (switch_*.S): calls entry(arg), which
 * the switch left in callee-saved registers. */
extern void reef__ctx_start(void);

#if defined(__x86_64__)
/* Layout reef__ctx_switch pops, from the saved stack pointer upwards:
 * MXCSR (4 bytes) and x87 control word (4), r15, r14, r13, r12, rbx, rbp,
 * return address. r12 carries arg, r13 entry. */
void reef__ctx_init(struct reef__ctx *c, void *lo, size_t size, void (*entry)(void *), void *arg)
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)(top - 16); /* 16-aligned after the final ret */
    *--sp = (uint64_t)(uintptr_t)reef__ctx_start; /* return address */
    *--sp = 0;                                    /* rbp */
    *--sp = 0;                                    /* rbx */
    *--sp = (uint64_t)(uintptr_t)arg;             /* r12 */
    *--sp = (uint64_t)(uintptr_t)entry;           /* r13 */
    *--sp = 0;                                    /* r14 */
    *--sp = 0;                                    /* r15 */
    /* Default floating-point control state: all exceptions masked, round
     * to nearest; x87 at extended precision. */
    uint32_t fpctl[2] = {0x1F80, 0x037F};
    --sp;
    memcpy(sp, fpctl, sizeof(fpctl));
    c->sp = sp;
}
#elif defined(__aarch64__)
/* Layout: x19..x28, x29 (fp), x30 (lr), d8..d15, FPCR (padded to 16). x19
 * carries arg, x20 entry; lr points at reef__ctx_start. */
void reef__ctx_init(struct reef__ctx *c, void *lo, size_t size, void (*entry)(void *), void *arg)
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)(top - 176);
    memset(sp, 0, 176);
    sp[0] = (uint64_t)(uintptr_t)arg;             /* x19 */
    sp[1] = (uint64_t)(uintptr_t)entry;           /* x20 */
    sp[11] = (uint64_t)(uintptr_t)reef__ctx_start; /* x30 */
    /* d8..d15 at sp[12..19]; FPCR at sp[20]: 0 = round to nearest. */
    c->sp = sp;
}
#endif

#endif
