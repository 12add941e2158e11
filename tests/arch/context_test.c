/*
 * The context switch alone (src/arch/): what the ABI asks a callee to
 * preserve survives a switch, the floating-point control state belongs to
 * each context, and a new context starts with an aligned stack and the
 * ABI's default control state.
 *
 * Self-contained (no reactor, no harness): it also runs under an emulator
 * for the architectures this machine is not, e.g.
 *   aarch64-linux-gnu-gcc -static -O2 -Isrc tests/arch/context_test.c \
 *       src/arch/aarch64/context.c src/arch/aarch64/switch.S -lm && qemu-aarch64 ./a.out
 */
#include <fenv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "arch/context.h"

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static struct reef__ctx main_ctx, other_ctx;
static char other_stack[256 * 1024] __attribute__((aligned(16)));
static volatile long bounces;

static void back(void) { reef__ctx_switch(&other_ctx, &main_ctx); }

/* ---- Callee-saved registers -------------------------------------------------- */

/* Fills every callee-saved register with garbage, then switches back while
 * the garbage is still in them: the main context must get its own values
 * back from the switch, not these. */
static void scribbler(void *arg)
{
    (void)arg;
    for (;;) {
#if defined(__x86_64__)
        __asm__ volatile("movq $-1, %%rbx\n movq $-2, %%r12\n movq $-3, %%r13\n"
                         "movq $-4, %%r14\n movq $-5, %%r15\n"
                         :
                         :
                         : "rbx", "r12", "r13", "r14", "r15");
#elif defined(__aarch64__)
        __asm__ volatile("mov x19, #-1\n mov x20, #-2\n mov x21, #-3\n mov x22, #-4\n"
                         "mov x23, #-5\n mov x24, #-6\n mov x25, #-7\n mov x26, #-8\n"
                         "mov x27, #-9\n mov x28, #-10\n"
                         "fmov d8, #-1.0\n fmov d9, #-1.0\n fmov d10, #-1.0\n fmov d11, #-1.0\n"
                         "fmov d12, #-1.0\n fmov d13, #-1.0\n fmov d14, #-1.0\n fmov d15, #-1.0\n"
                         :
                         :
                         : "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28",
                           "d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15");
#endif
        bounces++;
        back();
    }
}

/* Many values live across the switch: the compiler keeps them in
 * callee-saved registers (integer and, on arm64, d8-d15). */
static void test_callee_saved(void)
{
    reef__ctx_init(&other_ctx, other_stack, sizeof(other_stack), scribbler, NULL);
    volatile long seed = 7;
    long a = seed, b = a * 3, c = b + 11, d = c * 5, e = d - 2, f = e * 7, g = f + 13;
    double x = (double)seed * 0.5, y = x + 1.25, z = y * 3.5, w = z - 0.75;
    for (int i = 0; i < 1000; i++) {
        reef__ctx_switch(&main_ctx, &other_ctx);
        a += 1, b += 2, c += 3, d += 4, e += 5, f += 6, g += 7;
        x += 1.0, y += 2.0, z += 3.0, w += 4.0;
    }
    CHECK(bounces == 1000);
    CHECK(a == 7 + 1000 && b == 21 + 2000 && c == 32 + 3000 && d == 160 + 4000);
    CHECK(e == 158 + 5000 && f == 1106 + 6000 && g == 1119 + 7000);
    CHECK(x == 3.5 + 1000.0 && y == 4.75 + 2000.0 && z == 16.625 + 3000.0 &&
          w == 15.875 + 4000.0);
}

/* ---- Floating-point control state -------------------------------------------- */

static int seen_round_at_start;
#if defined(__x86_64__)
static unsigned seen_mxcsr_at_start;
#endif
static int other_round_kept;

static void rounder(void *arg)
{
    (void)arg;
    seen_round_at_start = fegetround();
#if defined(__x86_64__)
    seen_mxcsr_at_start = _mm_getcsr() & ~0x3Fu; /* control bits, not the sticky flags */
#endif
    fesetround(FE_TOWARDZERO);
    back();
    other_round_kept = fegetround() == FE_TOWARDZERO;
    back();
    abort(); /* never resumed a third time */
}

static void test_fp_control(void)
{
    int saved = fegetround();
#ifdef REEF_FIBER_UCONTEXT
    /* getcontext records the creator's control state: make it first. */
    reef__ctx_init(&other_ctx, other_stack, sizeof(other_stack), rounder, NULL);
    fesetround(FE_UPWARD);
#else
    /* The hand-written switches start every context in the ABI's default
     * state, whatever its creator had set. */
    fesetround(FE_UPWARD);
    reef__ctx_init(&other_ctx, other_stack, sizeof(other_stack), rounder, NULL);
#endif
    reef__ctx_switch(&main_ctx, &other_ctx);
    CHECK(seen_round_at_start == FE_TONEAREST);
#if defined(__x86_64__)
    CHECK(seen_mxcsr_at_start == 0x1F80);
    CHECK((_mm_getcsr() & 0x6000) == 0x4000); /* MXCSR rounding: upward */
#endif
    CHECK(fegetround() == FE_UPWARD); /* not the other context's toward-zero */
    reef__ctx_switch(&main_ctx, &other_ctx);
    CHECK(other_round_kept);
    CHECK(fegetround() == FE_UPWARD);
    fesetround(saved);
}

/* ---- A new context's stack ---------------------------------------------------- */

static uintptr_t seen_frame;
static char formatted[64];

__attribute__((noinline)) static void note_frame(void)
{
    seen_frame = (uintptr_t)__builtin_frame_address(0);
    /* printf of a double uses aligned SSE stores on x86-64: a misaligned
     * stack would crash here. */
    snprintf(formatted, sizeof(formatted), "%.3f", 2.0 / 3.0);
}

static void aligned(void *arg)
{
    (void)arg;
    note_frame();
    back();
    abort();
}

static void test_new_stack(void)
{
    reef__ctx_init(&other_ctx, other_stack, sizeof(other_stack), aligned, NULL);
    reef__ctx_switch(&main_ctx, &other_ctx);
    CHECK(seen_frame % 16 == 0);
    CHECK(seen_frame > (uintptr_t)other_stack &&
          seen_frame < (uintptr_t)other_stack + sizeof(other_stack));
    CHECK(formatted[0] == '0' && formatted[1] == '.' && formatted[2] == '6');
}

int main(void)
{
    test_callee_saved();
    test_fp_control();
    test_new_stack();
    printf("%s context switch: %s\n",
#ifdef REEF_FIBER_UCONTEXT
           "ucontext",
#elif defined(__x86_64__)
           "x86-64",
#else
           "arm64",
#endif
           failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
