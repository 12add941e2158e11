/*
 * void reef__ctx_switch(struct reef__ctx *from, struct reef__ctx *to)
 * for x86-64 (System V): saves the callee-saved registers, MXCSR and the
 * x87 control word on the current stack, stores the stack pointer in
 * from->sp, loads to->sp and restores the same set from there.
 */
#if defined(__x86_64__) && !defined(REEF_FIBER_UCONTEXT)
    .text
    .globl reef__ctx_switch
    .hidden reef__ctx_switch
    .type reef__ctx_switch, @function
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
    ret
    .cfi_endproc
    .size reef__ctx_switch, .-reef__ctx_switch

/* A new context's first instructions: entry(arg), which never returns. */
    .globl reef__ctx_start
    .hidden reef__ctx_start
    .type reef__ctx_start, @function
reef__ctx_start:
    .cfi_startproc
    .cfi_undefined rip
    movq %r12, %rdi
    callq *%r13
    ud2
    .cfi_endproc
    .size reef__ctx_start, .-reef__ctx_start
#endif
    .section .note.GNU-stack,"",@progbits
