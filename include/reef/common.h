/*
 * Definitions every Reef header shares: the export macro, attributes and the
 * small value types (time points and durations).
 */
#ifndef REEF_COMMON_H
#define REEF_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "Reef supports 64-bit x86-64 and arm64 only"
#endif

/* Marks a symbol as part of the public ABI (everything else is hidden). */
#define REEF_API __attribute__((visibility("default")))

/* Every function returning a future carries this: ignoring a future is a
 * compiler warning (an error with -Werror). Consume it, or pass it to
 * reef_discard(). */
#define REEF_NODISCARD __attribute__((warn_unused_result))

#define REEF_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

#define REEF_LIKELY(x) __builtin_expect(!!(x), 1)
#define REEF_UNLIKELY(x) __builtin_expect(!!(x), 0)

#ifdef __cplusplus
#define REEF_BEGIN_DECLS extern "C" {
#define REEF_END_DECLS }
#else
#define REEF_BEGIN_DECLS
#define REEF_END_DECLS
#endif

/* A duration or a point on a clock, in nanoseconds. */
typedef int64_t reef_duration;
typedef int64_t reef_time;

static inline reef_duration reef_ns(int64_t n) { return n; }
static inline reef_duration reef_us(int64_t n) { return n * 1000; }
static inline reef_duration reef_ms(int64_t n) { return n * 1000000; }
static inline reef_duration reef_s(int64_t n) { return n * 1000000000; }

#endif
