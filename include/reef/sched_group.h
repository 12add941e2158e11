/*
 * Scheduling groups: isolating an application's components from each
 * other's CPU use.
 *
 * Every task belongs to a group. Each shard keeps one ready queue per group
 * and shares its CPU between the groups that have work in proportion to
 * their shares (1-1000), switching at most every task quota
 * (--task-quota-ms). A group with many ready tasks gets no more CPU than
 * its shares give it; an idle group's shares go to the others.
 *
 * Inheritance: a task runs in the group that was current when it was
 * created. Concretely,
 *   - a continuation (then, then_wrapped, finally, handle_error, the loops,
 *     when_all, ...) runs in the group current when it was attached, not
 *     the group of whoever resolves its future;
 *   - a timer callback runs in the group current when the timer was armed,
 *     and so do reef_sleep()'s continuations;
 *   - a fiber runs in the group current when it was started;
 *   - reef_with_sched_group(g, fn) runs fn in g, and everything fn starts
 *     inherits g.
 * Code outside any task (the application's main function as it starts)
 * runs in the main group.
 *
 * Groups are process-wide: an id means the same group on every shard. Each
 * shard keeps its own queue and statistics for it.
 */
#ifndef REEF_SCHED_GROUP_H
#define REEF_SCHED_GROUP_H

#include <reef/common.h>
#include <reef/future.h>
#include <reef/timer.h>

REEF_BEGIN_DECLS

/* A group handle: a small value, copied freely. */
typedef struct reef_sched_group {
    uint16_t _id; /* private */
} reef_sched_group;

/* At most this many groups exist at once, the main group included. */
#define REEF_SCHED_GROUP_MAX 64

/* The group everything runs in unless told otherwise ("main", 1000 shares). */
static inline reef_sched_group reef_sched_group_main(void)
{
    reef_sched_group g = {0};
    return g;
}

static inline bool reef_sched_group_equal(reef_sched_group a, reef_sched_group b)
{
    return a._id == b._id;
}

/* Turns the value a creation future resolved with into a handle. */
static inline reef_sched_group reef_sched_group_from_val(reef_val v)
{
    reef_sched_group g = {(uint16_t)v.u};
    return g;
}

/* The group of the running task (the main group outside a reactor). */
REEF_API reef_sched_group reef_sched_group_current(void);

/* Creates a group called `name` (copied; at most 31 bytes are kept) with
 * `shares` in 1..1000. Resolves with the group (reef_sched_group_from_val)
 * once it exists on every shard; fails with -EINVAL for bad shares or
 * -ENOSPC when REEF_SCHED_GROUP_MAX groups exist. */
REEF_API REEF_NODISCARD reef_future reef_sched_group_create(const char *name, unsigned shares);

/* Destroys a group that is no longer used: fails with -EBUSY if tasks of
 * the group are still queued, -EINVAL for the main group or an unknown
 * id. Timers armed from the group must be cancelled first. The id may be
 * reused by a later creation. */
REEF_API REEF_NODISCARD reef_future reef_sched_group_destroy(reef_sched_group g);

/* Renames a group (`name` copied): 0, or -EINVAL for an unknown group. */
REEF_API int reef_sched_group_rename(reef_sched_group g, const char *name);

/* Copies the group's name into buf (NUL-terminated, truncated to cap);
 * returns buf, or "" for an unknown group. */
REEF_API const char *reef_sched_group_name(reef_sched_group g, char *buf, size_t cap);

/* Changes the shares (1..1000) at run time, effective at the next slice
 * on every shard: 0, or -EINVAL. */
REEF_API int reef_sched_group_set_shares(reef_sched_group g, unsigned shares);
REEF_API unsigned reef_sched_group_shares(reef_sched_group g);

/* Statistics of the group on the calling shard. */
struct reef_sched_group_stats {
    reef_duration runtime; /* CPU time its tasks used (accounted while more
                            * than one group exists) */
    uint64_t tasks_run;
    uint64_t queue_length; /* ready tasks now */
};

/* Fills *out for the calling shard: 0, or -EINVAL for an unknown group. */
REEF_API int reef_sched_group_stats(reef_sched_group g, struct reef_sched_group_stats *out);

/* Runs fn(cap) in group g and resolves with its result. If g is already
 * the current group, fn runs at once; otherwise it runs as a task of g.
 * The capture is copied as for reef_then. */
REEF_API REEF_NODISCARD reef_future reef_with_sched_group(reef_sched_group g, reef_body_fn fn,
                                                         const void *cap, size_t cap_size);

/* Per-group data: a key names one pointer-sized slot in every group, on
 * every shard (REEF_SCHED_KEY_MAX keys per process). The slots belong to
 * the application, which frees what they point to. */
#define REEF_SCHED_KEY_MAX 16

/* Allocates a key: >= 0, or -ENOSPC. Thread-safe. */
REEF_API int reef_sched_key_create(void);

/* Sets / reads group g's slot for `key` on the calling shard. Setting
 * returns 0, or -EINVAL for a bad key or group. */
REEF_API int reef_sched_group_set_specific(reef_sched_group g, int key, void *value);
REEF_API void *reef_sched_group_get_specific(reef_sched_group g, int key);

/* The current group's slot on the calling shard: two loads. NULL outside a
 * reactor or for a bad key. */
REEF_API void *reef_sched_specific(int key);

REEF_END_DECLS

#endif
