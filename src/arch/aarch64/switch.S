/*
 * void reef__ctx_switch(struct reef__ctx *from, struct reef__ctx *to)
 * for arm64 (AAPCS64).
 *
 * Saves what a callee must preserve in a 176-byte frame on the stack being
 * left, stores sp in from->sp, loads to->sp and restores the same frame
 * (reef__ctx_init builds the same picture for a new context):
 *
 *   sp + 0    x19 .. x28
 *   sp + 80   x29 (frame pointer), x30 (resume address)
 *   sp + 96   d8 .. d15 (the low halves of v8-v15 are callee-saved)
 *   sp + 160  FPCR, padding to keep sp 16-byte aligned
 *
 * FPCR holds the rounding mode, flush-to-zero and trap enables: saving it
 * keeps one fiber's setting from leaking into another.
 */
#if defined(__aarch64__) && !defined(REEF_FIBER_UCONTEXT)
    .text
    .globl reef__ctx_switch
    .hidden reef__ctx_switch
    .type reef__ctx_switch, %function
    .p2align 4
reef__ctx_switch:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mrs x9, fpcr
    str x9, [sp, #160]
    mov x9, sp
    str x9, [x0]
    ldr x9, [x1]
    mov sp, x9
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    ldr x9, [sp, #160]
    msr fpcr, x9
    add sp, sp, #176
    ret
    .size reef__ctx_switch, .-reef__ctx_switch

/*
 * A new context's first instructions: entry(arg), with arg in x19 and
 * entry in x20 (placed there by reef__ctx_init). entry never returns.
 */
    .globl reef__ctx_start
    .hidden reef__ctx_start
    .type reef__ctx_start, %function
reef__ctx_start:
    mov x0, x19
    blr x20
    brk #0
    .size reef__ctx_start, .-reef__ctx_start
#endif
    .section .note.GNU-stack,"",%progbits
