/*
 * Execution contexts for fibers: a stack pointer and the switch between
 * two contexts.
 *
 * The hand-written switches (x86-64, arm64) save only what the ABI makes
 * the callee preserve — callee-saved registers and the floating-point
 * control state (MXCSR and the x87 control word; FPCR) — so a switch costs
 * a few dozen instructions. Other architectures, or builds configured with
 * REEF_FIBER_UCONTEXT, use ucontext (slower: it saves the signal mask with
 * a system call).
 */
#ifndef REEF_ARCH_CONTEXT_H
#define REEF_ARCH_CONTEXT_H

#include <stddef.h>

#if !defined(REEF_FIBER_UCONTEXT) && !defined(__x86_64__) && !defined(__aarch64__)
#define REEF_FIBER_UCONTEXT 1
#endif

#ifdef REEF_FIBER_UCONTEXT
#include <ucontext.h>
struct reef__ctx {
    ucontext_t uc;
};
#else
struct reef__ctx {
    void *sp; /* saved stack pointer; the registers are on that stack */
};
#endif

/* Prepares `c` to run entry(arg) on the stack [lo, lo + size) when first
 * switched to. entry must never return. */
void reef__ctx_init(struct reef__ctx *c, void *lo, size_t size, void (*entry)(void *), void *arg);

/* Saves the current context in `from` and resumes `to`. Returns when
 * something switches back to `from`. */
void reef__ctx_switch(struct reef__ctx *from, struct reef__ctx *to);

#endif
