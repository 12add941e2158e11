/*
 * The per-shard scheduler: one ready queue per scheduling group, and a
 * fair choice between them.
 *
 * Each group accumulates a virtual run time: the time its tasks ran,
 * weighted by 1024 / shares. The scheduler always runs the runnable group
 * with the smallest virtual run time, for one task quota at most (the
 * preemption signal ends the slice), so over time every busy group gets CPU
 * in proportion to its shares, however many tasks it has queued. A group
 * that was idle re-enters at the current minimum, so sleeping does not bank
 * credit that would later starve the others.
 *
 * The clock is read twice per slice, never per task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reactor_impl.h"

int reef__sched_init(struct reef__reactor *r)
{
    r->groups = calloc(REEF__MAX_GROUPS, sizeof(*r->groups));
    if (!r->groups)
        return -1;
    r->active = 0;
    r->min_vruntime = 0;
    /* The main group's queue exists from the start: most tasks go there. */
    return reef__taskq_init(&r->groups[0].q);
}

unsigned reef__sched_fini(struct reef__reactor *r)
{
    unsigned left = 0;
    if (!r->groups)
        return 0;
    for (unsigned g = 0; g < REEF__MAX_GROUPS; g++) {
        if (r->groups[g].q.ring)
            left += reef__taskq_len(&r->groups[g].q);
        reef__taskq_fini(&r->groups[g].q);
    }
    free(r->groups);
    r->groups = NULL;
    r->active = 0;
    return left;
}

void reef__sched_activate(struct reef__reactor *r, unsigned g)
{
    struct reef__group_rt *grp = &r->groups[g];
    if (!grp->q.ring && reef__taskq_init(&grp->q) < 0) {
        /* Losing a task would hang whoever waits for it. */
        fputs("reef: out of memory creating a scheduling group's queue\n", stderr);
        abort();
    }
    /* A group waking up starts one quota ahead of the minimum, so it runs
     * next instead of waiting behind a busy group's slice (a timer in an
     * idle group fires within a quota); the credit is too small to bank. */
    uint64_t credit = (uint64_t)r->cfg.task_quota;
    uint64_t floor = r->min_vruntime > credit ? r->min_vruntime - credit : 0;
    if (grp->vruntime < floor)
        grp->vruntime = floor;
    r->active |= 1ull << g;
}

/* The runnable group with the least virtual run time. */
static unsigned pick(const struct reef__reactor *r)
{
    uint64_t set = r->active;
    unsigned best = (unsigned)__builtin_ctzll(set);
    set &= set - 1;
    while (set) {
        unsigned g = (unsigned)__builtin_ctzll(set);
        set &= set - 1;
        if (r->groups[g].vruntime < r->groups[best].vruntime)
            best = g;
    }
    return best;
}

static void update_min_vruntime(struct reef__reactor *r)
{
    if (!r->active)
        return;
    uint64_t v = r->groups[pick(r)].vruntime;
    if (v > r->min_vruntime)
        r->min_vruntime = v;
}

#ifdef REEF_DEBUG_SCHED
/* Debug builds run ready tasks in random order, so that code relying on an
 * order the API does not promise fails in tests. */
static void shuffle_front(struct reef__taskq *q)
{
    uint32_t len = reef__taskq_len(q);
    if (len < 2)
        return;
    uint32_t pick_at = q->head + (uint32_t)(random() % len);
    struct reef__task *t = q->ring[pick_at & q->mask];
    q->ring[pick_at & q->mask] = q->ring[q->head & q->mask];
    q->ring[q->head & q->mask] = t;
}
#endif

/* Runs group g's tasks until its queue is empty, the quota is up, or the
 * reactor stops (or, when `drain`, until empty). Returns tasks run. */
static uint64_t run_group(struct reef__reactor *r, unsigned g, bool drain)
{
    struct reef__taskq *q = &r->groups[g].q;
    uint64_t n = 0;
    r->current_group = (uint16_t)g;
    while (q->head != q->tail) {
#ifdef REEF_DEBUG_SCHED
        shuffle_front(q);
#endif
        struct reef__task *t = reef__taskq_pop(q);
        r->inline_budget = REEF__INLINE_BUDGET;
        t->run(t);
        n++;
        r->tasks_run++; /* progress, as the stall detector sees it */
        if (!drain && (r->need_preempt || r->stop))
            break;
    }
    if (q->head == q->tail)
        r->active &= ~(1ull << g);
    return n;
}

void reef__sched_run(struct reef__reactor *r)
{
    if (!r->active)
        return;
    reef__preempt_arm(r);
    /* With the main group alone there is nothing to share: skip the two
     * clock reads per slice (its run time is then not accounted). */
    bool timed = reef__groups_in_use() > 1;
    while (r->active && !r->stop) {
        unsigned g = pick(r);
        struct reef__group_rt *grp = &r->groups[g];
        reef_time t0 = timed ? reef_now() : 0;
        uint64_t n = run_group(r, g, false);
        reef_duration ran = timed ? reef_now() - t0 : 0;
        grp->tasks_run += n;
        grp->runtime += ran;
        grp->vruntime += (uint64_t)ran * 1024 / reef__group_shares(g);
        update_min_vruntime(r);
        if (r->need_preempt)
            break;
    }
    r->current_group = 0;
}

void reef__sched_drain(struct reef__reactor *r)
{
    while (r->active) {
        unsigned g = (unsigned)__builtin_ctzll(r->active);
        r->groups[g].tasks_run += run_group(r, g, true);
    }
    r->current_group = 0;
}
