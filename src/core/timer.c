/*
 * Timers: one binary min-heap of armed timers per clock, ordered by
 * deadline. Each timer remembers its index in the heap so that cancel and
 * re-arm are O(log n) without searching.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <reef/timer.h>

#include "core/cell.h"
#include "core/memory.h"
#include "core/reactor_impl.h"

#define NOT_ARMED UINT32_MAX
/* Low-resolution timers are batched on this granularity. */
#define LOWRES_GRANULARITY_NS 10000000

reef_time reef_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (reef_time)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

reef_time reef_lowres_now(void)
{
    struct reef__reactor *r = reef__r;
    return r ? r->lowres_now : reef_now();
}

/* ---- The heap ------------------------------------------------------------ */

static inline bool earlier(const reef_timer *a, const reef_timer *b)
{
    return a->_deadline < b->_deadline;
}

static inline void place(struct reef__timer_heap *h, uint32_t i, reef_timer *t)
{
    h->items[i] = t;
    t->_heap_index = i;
}

static void sift_up(struct reef__timer_heap *h, uint32_t i)
{
    reef_timer *t = h->items[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!earlier(t, h->items[parent]))
            break;
        place(h, i, h->items[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void sift_down(struct reef__timer_heap *h, uint32_t i)
{
    reef_timer *t = h->items[i];
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= h->count)
            break;
        if (child + 1 < h->count && earlier(h->items[child + 1], h->items[child]))
            child++;
        if (!earlier(h->items[child], t))
            break;
        place(h, i, h->items[child]);
        i = child;
    }
    place(h, i, t);
}

static void heap_push(struct reef__timer_heap *h, reef_timer *t)
{
    if (h->count == h->cap) {
        uint32_t cap = h->cap ? 2 * h->cap : 64;
        reef_timer **items = realloc(h->items, cap * sizeof(*items));
        if (!items) {
            /* An armed timer that silently never fires would be a hang. */
            fputs("reef: out of memory arming a timer\n", stderr);
            abort();
        }
        h->items = items;
        h->cap = cap;
    }
    h->items[h->count] = t;
    sift_up(h, h->count++);
}

static void heap_remove(struct reef__timer_heap *h, reef_timer *t)
{
    uint32_t i = t->_heap_index;
    reef_timer *last = h->items[--h->count];
    t->_heap_index = NOT_ARMED;
    if (i == h->count)
        return;
    place(h, i, last);
    if (i > 0 && earlier(last, h->items[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

/* ---- Public timer API ---------------------------------------------------- */

static struct reef__reactor *need_reactor(const char *what)
{
    struct reef__reactor *r = reef__r;
    if (!r)
        reef__no_reactor(what);
    return r;
}

void reef_timer_init(reef_timer *t, enum reef_clock clock, reef_timer_fn fn, void *arg)
{
    t->_deadline = 0;
    t->_period = 0;
    t->_fn = fn;
    t->_arg = arg;
    t->_heap_index = NOT_ARMED;
    t->_clock = (uint16_t)clock;
    t->_group = 0;
}

static reef_time clock_now(struct reef__reactor *r, unsigned clock)
{
    return clock == REEF_CLOCK_LOWRES ? r->lowres_now : reef_now();
}

void reef_timer_arm_at(reef_timer *t, reef_time deadline)
{
    struct reef__reactor *r = need_reactor("arming a timer");
    struct reef__timer_heap *h = &r->timers[t->_clock];
    if (t->_heap_index != NOT_ARMED)
        heap_remove(h, t);
    t->_deadline = deadline;
    t->_group = r->current_group;
    heap_push(h, t);
}

void reef_timer_arm(reef_timer *t, reef_duration delay)
{
    struct reef__reactor *r = need_reactor("arming a timer");
    t->_period = 0;
    reef_timer_arm_at(t, clock_now(r, t->_clock) + delay);
}

void reef_timer_arm_periodic(reef_timer *t, reef_duration period)
{
    struct reef__reactor *r = need_reactor("arming a timer");
    if (period <= 0)
        period = 1;
    t->_period = period;
    reef_timer_arm_at(t, clock_now(r, t->_clock) + period);
}

bool reef_timer_cancel(reef_timer *t)
{
    if (t->_heap_index == NOT_ARMED)
        return false;
    heap_remove(&reef__r->timers[t->_clock], t);
    return true;
}

/* ---- Reactor side ------------------------------------------------------- */

void reef__timers_init(struct reef__reactor *r)
{
    for (int c = 0; c < 2; c++)
        r->timers[c] = (struct reef__timer_heap){NULL, 0, 0};
}

static void sleeper_fire(reef_timer *t, void *arg);
static void sleeper_abandon(reef_timer *t);

void reef__timers_fini(struct reef__reactor *r)
{
    for (int c = 0; c < 2; c++) {
        struct reef__timer_heap *h = &r->timers[c];
        for (uint32_t i = 0; i < h->count; i++) {
            reef_timer *t = h->items[i];
            t->_heap_index = NOT_ARMED;
            if (t->_fn == sleeper_fire)
                sleeper_abandon(t);
        }
        free(h->items);
        *h = (struct reef__timer_heap){NULL, 0, 0};
    }
}

unsigned reef__timers_armed(struct reef__reactor *r)
{
    return r->timers[0].count + r->timers[1].count;
}

static unsigned expire_heap(struct reef__reactor *r, struct reef__timer_heap *h, reef_time now)
{
    unsigned fired = 0;
    uint16_t saved_group = r->current_group;
    while (h->count && h->items[0]->_deadline <= now) {
        reef_timer *t = h->items[0];
        heap_remove(h, t);
        if (t->_period) {
            /* Skip missed periods instead of firing them back to back. */
            reef_time next = t->_deadline + t->_period;
            if (next <= now)
                next = now + t->_period;
            t->_deadline = next;
            heap_push(h, t);
        }
        r->current_group = t->_group;
        t->_fn(t, t->_arg); /* may cancel, re-arm or free t */
        fired++;
    }
    r->current_group = saved_group;
    return fired;
}

unsigned reef__timers_expire(struct reef__reactor *r, reef_time now)
{
    unsigned n = expire_heap(r, &r->timers[REEF_CLOCK_STEADY], now);
    r->lowres_now = now;
    return n + expire_heap(r, &r->timers[REEF_CLOCK_LOWRES], now);
}

int64_t reef__timers_next_timeout(struct reef__reactor *r, reef_time now)
{
    int64_t best = -1;
    struct reef__timer_heap *h = &r->timers[REEF_CLOCK_STEADY];
    if (h->count)
        best = h->items[0]->_deadline - now;
    h = &r->timers[REEF_CLOCK_LOWRES];
    if (h->count) {
        /* Round up so that low-resolution timers due close together share
         * one wake-up. */
        reef_time d = h->items[0]->_deadline;
        d += LOWRES_GRANULARITY_NS - 1 - (d % LOWRES_GRANULARITY_NS);
        int64_t lr = d - now;
        if (best < 0 || lr < best)
            best = lr;
    }
    if (best != -1 && best < 0)
        best = 0;
    return best;
}

/* ---- Sleep ------------------------------------------------------------------ */

struct sleeper {
    reef_timer timer;
    struct reef__cell cell;
};

static void sleeper_release(struct reef__cell *c)
{
    reef__free((char *)c - offsetof(struct sleeper, cell), sizeof(struct sleeper));
}

static void sleeper_fire(reef_timer *t, void *arg)
{
    struct sleeper *s = arg;
    reef__cell_resolve(&s->cell, 0, (reef_val){.u = 0});
}

/* At shutdown: a sleep nobody waits for any more is freed with its timer;
 * one still held or waited on stays with its holder. */
static void sleeper_abandon(reef_timer *t)
{
    struct sleeper *s = (struct sleeper *)t;
    if (s->cell.waiter == REEF__DISCARDED)
        s->cell.release(&s->cell);
}

static reef_future sleep_on(enum reef_clock clock, reef_duration d)
{
    struct sleeper *s = reef__alloc(sizeof(*s));
    if (!s)
        return reef_fail_code(-ENOMEM);
    reef__cell_init(&s->cell, sleeper_release);
    reef_timer_init(&s->timer, clock, sleeper_fire, s);
    reef_timer_arm(&s->timer, d);
    return reef__future_of_cell(&s->cell);
}

reef_future reef_sleep(reef_duration d) { return sleep_on(REEF_CLOCK_STEADY, d); }
reef_future reef_sleep_lowres(reef_duration d) { return sleep_on(REEF_CLOCK_LOWRES, d); }
