/*
 * Execution contexts for fibers: a saved stack pointer, and the switch
 * between two contexts. One implementation is compiled in, chosen by
 * CMake: src/arch/x86_64/, src/arch/aarch64/, or src/arch/ucontext/ (other
 * architectures, or -DREEF_FIBER_UCONTEXT=ON).
 *
 * The hand-written switches save only what the ABI makes a callee
 * preserve — callee-saved registers and the floating-point control state
 * (MXCSR and the x87 control word; FPCR) — on the stack being left, so a
 * switch is a few dozen instructions and no system call. The ucontext
 * fallback is slower (glibc saves and restores the signal mask with a
 * system call on every switch) but runs anywhere.
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
    void *sp; /* saved stack pointer; the saved registers are on that stack */
};
#endif

/* Prepares `c` so that the first switch to it runs entry(arg) on the stack
 * [lo, lo + size). entry must never return (it switches away for good). */
void reef__ctx_init(struct reef__ctx *c, void *lo, size_t size, void (*entry)(void *), void *arg);

/* Saves the running context in `from` and resumes `to`. Returns when
 * something switches back to `from`. */
void reef__ctx_switch(struct reef__ctx *from, struct reef__ctx *to);

#endif
