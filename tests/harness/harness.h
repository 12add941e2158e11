/*
 * Reef's test harness.
 *
 * Each test file is one executable holding several cases. Run without
 * arguments it runs every case in its own child process with a timeout and
 * prints one line per case, then "N passed, N failed". Options:
 *   --list              print the case names
 *   --case NAME         run one case in this process (for gdb)
 *   --timeout SECONDS   per-case limit (default 60)
 *   --reactor-backend B passed to the reactor of REACTOR_TEST cases
 *
 * TEST(name) { ... }           a plain case.
 * FIBER_TEST(name) { ... }     a case whose body runs in a fiber (below).
 * REACTOR_TEST(name) { ... }   a case whose body returns a reef_future and
 *                              runs on a live reactor; the case passes when
 *                              the future succeeds and the reactor shuts
 *                              down with no timer armed and no task queued.
 *
 * Assertions print both operands and end the case as failed.
 */
#ifndef REEF_TEST_HARNESS_H
#define REEF_TEST_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/fiber.h> /* FIBER_TEST */
#include <reef/future.h>

typedef void (*th_plain_fn)(void);
typedef reef_future (*th_reactor_fn)(void);

void th_register_plain(const char *name, th_plain_fn fn);
void th_register_reactor(const char *name, th_reactor_fn fn);
int th_main(int argc, char **argv);
_Noreturn void th_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The backend name given with --reactor-backend, or NULL. */
const char *th_backend(void);

/* REACTOR_TEST cases of a file that says TH_SHARDS(n) run on n shards
 * (unpinned; shard 0 runs the case). */
void th_set_shards(unsigned n);
#define TH_SHARDS(n)                                                                               \
    __attribute__((constructor)) static void th_shards_(void) { th_set_shards(n); }

/* ... with stall reports after this many ms (default: 10 s) ... */
void th_set_blocked_notify(reef_duration d);
#define TH_BLOCKED_NOTIFY_MS(ms)                                                                   \
    __attribute__((constructor)) static void th_notify_(void) { th_set_blocked_notify((ms)*1000000); }

/* ... and with this much memory for all shards (-m). */
void th_set_memory(uint64_t bytes);
#define TH_MEMORY(bytes)                                                                           \
    __attribute__((constructor)) static void th_memory_(void) { th_set_memory(bytes); }

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void th_reg_##name(void)                                   \
    {                                                                                              \
        th_register_plain(#name, test_##name);                                                     \
    }                                                                                              \
    static void test_##name(void)

#define REACTOR_TEST(name)                                                                         \
    static reef_future rtest_##name(void);                                                         \
    __attribute__((constructor)) static void th_reg_##name(void)                                   \
    {                                                                                              \
        th_register_reactor(#name, rtest_##name);                                                  \
    }                                                                                              \
    static reef_future rtest_##name(void)

/* FIBER_TEST(name) { ... }   a case whose body runs in a fiber (named
 *                             after the case) on a live reactor, like
 *                             Seastar's SEASTAR_THREAD_TEST_CASE: it may
 *                             wait for futures in sequence (reef_fiber_wait,
 *                             reef_fiber_sleep). It passes when the body
 *                             returns and the reactor then shuts down clean,
 *                             as a REACTOR_TEST. */
#define FIBER_TEST(tname)                                                                          \
    static void ftest_##tname(void);                                                               \
    static reef_future fbody_##tname(void *arg)                                                    \
    {                                                                                              \
        (void)arg;                                                                                 \
        ftest_##tname();                                                                           \
        return reef_done();                                                                        \
    }                                                                                              \
    REACTOR_TEST(tname)                                                                            \
    {                                                                                              \
        struct reef_fiber_attr th_attr_ = {.name = #tname};                                        \
        return reef_async_attr(&th_attr_, fbody_##tname, NULL);                                    \
    }                                                                                              \
    static void ftest_##tname(void)

/* Defines main() for a test executable. */
#define TEST_MAIN()                                                                                \
    int main(int argc, char **argv) { return th_main(argc, argv); }

#define T_TRUE(x)                                                                                  \
    do {                                                                                           \
        if (!(x))                                                                                  \
            th_fail(__FILE__, __LINE__, "expected true: %s", #x);                                  \
    } while (0)
#define T_FALSE(x)                                                                                 \
    do {                                                                                           \
        if (x)                                                                                     \
            th_fail(__FILE__, __LINE__, "expected false: %s", #x);                                 \
    } while (0)
#define T_EQ(a, b)                                                                                 \
    do {                                                                                           \
        long long th_a_ = (long long)(a), th_b_ = (long long)(b);                                  \
        if (th_a_ != th_b_)                                                                        \
            th_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, th_a_, th_b_);           \
    } while (0)
#define T_NE(a, b)                                                                                 \
    do {                                                                                           \
        long long th_a_ = (long long)(a), th_b_ = (long long)(b);                                  \
        if (th_a_ == th_b_)                                                                        \
            th_fail(__FILE__, __LINE__, "%s != %s: both %lld", #a, #b, th_a_);                     \
    } while (0)
#define T_UEQ(a, b)                                                                                \
    do {                                                                                           \
        unsigned long long th_a_ = (unsigned long long)(a), th_b_ = (unsigned long long)(b);       \
        if (th_a_ != th_b_)                                                                        \
            th_fail(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, th_a_, th_b_);           \
    } while (0)
#define T_LE(a, b)                                                                                 \
    do {                                                                                           \
        long long th_a_ = (long long)(a), th_b_ = (long long)(b);                                  \
        if (!(th_a_ <= th_b_))                                                                     \
            th_fail(__FILE__, __LINE__, "%s <= %s: %lld > %lld", #a, #b, th_a_, th_b_);            \
    } while (0)
#define T_GE(a, b) T_LE(b, a)
#define T_STREQ(a, b)                                                                              \
    do {                                                                                           \
        const char *th_a_ = (a), *th_b_ = (b);                                                     \
        if (!th_a_ || !th_b_ || strcmp(th_a_, th_b_) != 0)                                         \
            th_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,                      \
                    th_a_ ? th_a_ : "(null)", th_b_ ? th_b_ : "(null)");                           \
    } while (0)
#define T_CONTAINS(hay, needle)                                                                    \
    do {                                                                                           \
        const char *th_h_ = (hay), *th_n_ = (needle);                                              \
        if (!th_h_ || !strstr(th_h_, th_n_))                                                       \
            th_fail(__FILE__, __LINE__, "%s contains %s: \"%s\" lacks \"%s\"", #hay, #needle,      \
                    th_h_ ? th_h_ : "(null)", th_n_);                                              \
    } while (0)
#define T_DBL_NEAR(a, b, eps)                                                                      \
    do {                                                                                           \
        double th_a_ = (a), th_b_ = (b);                                                           \
        if (th_a_ - th_b_ > (eps) || th_b_ - th_a_ > (eps))                                        \
            th_fail(__FILE__, __LINE__, "%s ~= %s: %g vs %g", #a, #b, th_a_, th_b_);               \
    } while (0)

#endif
