/*
 * A fresh arm64 context (the switch itself is in switch.S).
 */
#include <stdint.h>
#include <string.h>

#include "arch/context.h"

#ifndef REEF_FIBER_UCONTEXT

/* The first code a new context runs (switch.S). */
extern void reef__ctx_start(void);

#define FRAME_WORDS 22 /* 176 bytes: the frame switch.S pops */

/* The frame sits at the 16-byte aligned top of the stack: x19 = arg,
 * x20 = entry, x29 = 0 (ends frame-pointer chains), x30 = the address the
 * switch returns to, d8-d15 = 0, FPCR = 0 (round to nearest, no traps,
 * no flush-to-zero: the ABI's initial state). */
void reef__ctx_init(struct reef__ctx *c, void *lo, size_t size, void (*entry)(void *), void *arg)
{
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
    uint64_t *frame = (uint64_t *)(top - FRAME_WORDS * 8);
    memset(frame, 0, FRAME_WORDS * 8);
    frame[0] = (uint64_t)(uintptr_t)arg;
    frame[1] = (uint64_t)(uintptr_t)entry;
    frame[11] = (uint64_t)(uintptr_t)reef__ctx_start;
    c->sp = frame;
}

#endif
