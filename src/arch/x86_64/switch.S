/*
 * void reef__ctx_switch(struct reef__ctx *from, struct reef__ctx *to)
 * for x86-64 (System V ABI).
 *
 * Pushes what a callee must preserve onto the stack being left, stores the
 * stack pointer in from->sp, loads to->sp and pops the same set back. A
 * saved context, from its stack pointer upwards (reef__ctx_init builds
 * the same picture for a new one):
 *
 *   sp + 0   MXCSR (4 bytes), x87 control word (4 bytes)
 *   sp + 8   r15, r14, r13, r12, rbx, rbp
 *   sp + 56  resume address (pushed by the call into this function)
 *
 * MXCSR and the x87 control word hold the rounding modes and exception
 * masks, which the ABI makes callee-saved: without them, a fiber that
 * changes its rounding mode would change it for every other fiber.
 *
 * The resume address is popped and jumped to rather than returned to: a
 * `ret` here always lands somewhere else than the return-stack predictor
 * expects (the other context's call site) and mispredicts on every switch
 * (about 16 ns per switch instead of 7 on the machine of
 * docs/benchmarks.md); the indirect jump's target is learnt by the branch
 * target buffer. The binary carries no IBT/shadow-stack property note, so
 * the unmatched call is allowed.
 */
#if defined(__x86_64__) && !defined(REEF_FIBER_UCONTEXT)
    .text
    .globl reef__ctx_switch
    .hidden reef__ctx_switch
    .type reef__ctx_switch, @function
    .p2align 4
reef__ctx_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    popq %rcx
    jmp *%rcx
    .cfi_endproc
    .size reef__ctx_switch, .-reef__ctx_switch

/*
 * A new context's first instructions: entry(arg), with entry in r13 and
 * arg in r12 (placed there by reef__ctx_init). rsp is 16-byte aligned
 * here, as the ABI wants at a call. entry never returns.
 */
    .globl reef__ctx_start
    .hidden reef__ctx_start
    .type reef__ctx_start, @function
reef__ctx_start:
    .cfi_startproc
    .cfi_undefined rip /* the outermost frame: backtraces stop here */
    movq %r12, %rdi
    callq *%r13
    ud2
    .cfi_endproc
    .size reef__ctx_start, .-reef__ctx_start
#endif
    .section .note.GNU-stack,"",@progbits
