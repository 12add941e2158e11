/*
 * Clocks, timers and sleep.
 *
 * Two clocks: the steady clock (CLOCK_MONOTONIC, nanoseconds) and the
 * low-resolution clock, a copy of the steady clock taken by the reactor once
 * per loop iteration — free to read, and timers on it are batched so that an
 * idle reactor wakes up less often.
 *
 * Timers are caller-embedded objects of the shard that initialised them.
 * Their callbacks run on the reactor thread, in the scheduling group that
 * was current when the timer was armed, never concurrently with other code
 * of the shard.
 */
#ifndef REEF_TIMER_H
#define REEF_TIMER_H

#include <reef/common.h>
#include <reef/future.h>

REEF_BEGIN_DECLS

/* Current steady time (CLOCK_MONOTONIC) in ns. */
REEF_API reef_time reef_now(void);

/* The reactor's cached steady time, refreshed every loop iteration (at most
 * one task quota old while tasks run). Outside a reactor: reef_now(). */
REEF_API reef_time reef_lowres_now(void);

enum reef_clock {
    REEF_CLOCK_STEADY = 0, /* fires as close to the deadline as the kernel allows */
    REEF_CLOCK_LOWRES = 1, /* fires within ~10 ms after the deadline, batched */
};

struct reef_timer;
typedef void (*reef_timer_fn)(struct reef_timer *t, void *arg);

typedef struct reef_timer {
    /* private */
    reef_time _deadline;
    reef_duration _period;   /* 0: one-shot */
    reef_timer_fn _fn;
    void *_arg;
    uint32_t _heap_index;    /* UINT32_MAX when not armed */
    uint16_t _clock;
    uint16_t _group;         /* scheduling group captured when armed */
} reef_timer;

/* Initialises a disarmed timer that calls fn(t, arg) when it expires. */
REEF_API void reef_timer_init(reef_timer *t, enum reef_clock clock, reef_timer_fn fn, void *arg);

/* Arms the timer for an absolute deadline on its clock (re-arms it if armed).
 * A deadline in the past fires at the next poll. */
REEF_API void reef_timer_arm_at(reef_timer *t, reef_time deadline);

/* Arms the timer to fire `delay` from now. */
REEF_API void reef_timer_arm(reef_timer *t, reef_duration delay);

/* Arms a periodic timer: first after `period`, then every `period` (if the
 * reactor falls behind, missed periods are skipped, not bunched). */
REEF_API void reef_timer_arm_periodic(reef_timer *t, reef_duration period);

/* Disarms the timer. Returns true if it was armed (its callback will not
 * run), false if it had already fired or was never armed. After this the
 * caller may free the timer. A periodic timer may cancel itself from its
 * callback. */
REEF_API bool reef_timer_cancel(reef_timer *t);

/* True while the timer is armed. */
static inline bool reef_timer_armed(const reef_timer *t) { return t->_heap_index != UINT32_MAX; }

/* A future that resolves (with no value) after `d` on the steady clock.
 * Fails with -ENOMEM if its timer cannot be allocated. */
REEF_API REEF_NODISCARD reef_future reef_sleep(reef_duration d);

/* Same on the low-resolution clock: cheaper for long, imprecise waits. */
REEF_API REEF_NODISCARD reef_future reef_sleep_lowres(reef_duration d);

REEF_END_DECLS

#endif
