/*
 * A fresh x86-64 context (the switch itself is in switch.S).
 */
#include <stdint.h>
#include <string.h>

#include "arch/context.h"

#ifndef REEF_FIBER_UCONTEXT

/* The first code a new context runs (switch.S). */
extern void reef__ctx_start(void);

/* The picture reef__ctx_switch pops, from the saved stack pointer up:
 *
 *   FP control words | r15 r14 r13=entry r12=arg rbx rbp | reef__ctx_start | pad
 *                                                                          ^ top
 *
 * After the switch has popped reef__ctx_start's address, rsp = top - 16,
 * 16-byte aligned as the call in reef__ctx_start needs. */
void reef__ctx_init(struct reef__ctx *c, void *lo, size_t size, void (*entry)(void *), void *arg)
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)(top - 16);
    *--sp = (uint64_t)(uintptr_t)reef__ctx_start;
    *--sp = 0;                          /* rbp: ends frame-pointer chains */
    *--sp = 0;                          /* rbx */
    *--sp = (uint64_t)(uintptr_t)arg;   /* r12 */
    *--sp = (uint64_t)(uintptr_t)entry; /* r13 */
    *--sp = 0;                          /* r14 */
    *--sp = 0;                          /* r15 */
    /* The ABI's initial floating-point control state: every exception
     * masked, round to nearest; x87 at extended precision. */
    const uint32_t fp_control[2] = {0x1F80, 0x037F};
    --sp;
    memcpy(sp, fp_control, sizeof(fp_control));
    c->sp = sp;
}

#endif
