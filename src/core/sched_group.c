/*
 * Scheduling groups: the process-wide registry (names, shares) and the
 * per-shard operations (statistics, per-group data, running a function in
 * a group).
 *
 * The registry is written rarely (create, rename, destroy) under a mutex;
 * shares are read by every shard's scheduler at each slice, so they are
 * atomics read without the lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <reef/sched_group.h>

#include "core/cell.h"
#include "core/memory.h"
#include "core/reactor_impl.h"

_Static_assert(REEF_SCHED_GROUP_MAX == REEF__MAX_GROUPS, "one limit");
_Static_assert(REEF_SCHED_KEY_MAX == REEF__SCHED_KEYS, "one limit");

#define NAME_MAX_LEN 32

struct group_info {
    bool used;
    char name[NAME_MAX_LEN];
    atomic_uint shares;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct group_info registry[REEF__MAX_GROUPS] = {
    [0] = {true, "main", 1000},
};
static atomic_int key_count;
static atomic_uint groups_in_use = 1;

unsigned reef__groups_in_use(void)
{
    return atomic_load_explicit(&groups_in_use, memory_order_relaxed);
}

unsigned reef__group_shares(unsigned g)
{
    unsigned s = atomic_load_explicit(&registry[g].shares, memory_order_relaxed);
    return s ? s : 1; /* a destroyed group's late tasks still get a slice */
}

static bool valid_shares(unsigned shares) { return shares >= 1 && shares <= 1000; }

static bool valid_group(reef_sched_group g)
{
    return g._id < REEF__MAX_GROUPS && registry[g._id].used;
}

reef_sched_group reef_sched_group_current(void)
{
    reef_sched_group g = {reef__current_group()};
    return g;
}

reef_future reef_sched_group_create(const char *name, unsigned shares)
{
    if (!valid_shares(shares))
        return reef_fail_code(-EINVAL);
    pthread_mutex_lock(&registry_lock);
    int id = -1;
    for (int i = 1; i < REEF__MAX_GROUPS; i++) {
        if (!registry[i].used) {
            id = i;
            break;
        }
    }
    if (id > 0) {
        struct group_info *gi = &registry[id];
        gi->used = true;
        snprintf(gi->name, sizeof(gi->name), "%s", name ? name : "");
        atomic_store(&gi->shares, shares);
        atomic_fetch_add(&groups_in_use, 1);
    }
    pthread_mutex_unlock(&registry_lock);
    if (id < 0)
        return reef_fail_code(-ENOSPC);
    /* Each shard creates its queue for the group lazily, when the group's
     * first task arrives there, so the group exists everywhere now. A
     * reused id must not inherit the previous group's state. */
    struct reef__reactor *r = reef__r;
    if (r) {
        struct reef__group_rt *grp = &r->groups[id];
        grp->vruntime = r->min_vruntime;
        grp->runtime = 0;
        grp->tasks_run = 0;
        memset(grp->specific, 0, sizeof(grp->specific));
    }
    return reef_ready_u64((uint64_t)id);
}

reef_future reef_sched_group_destroy(reef_sched_group g)
{
    if (g._id == 0 || !valid_group(g))
        return reef_fail_code(-EINVAL);
    struct reef__reactor *r = reef__r;
    if (r && r->groups[g._id].q.ring && reef__taskq_len(&r->groups[g._id].q))
        return reef_fail_code(-EBUSY);
    pthread_mutex_lock(&registry_lock);
    registry[g._id].used = false;
    registry[g._id].name[0] = '\0';
    atomic_store(&registry[g._id].shares, 0);
    atomic_fetch_sub(&groups_in_use, 1);
    pthread_mutex_unlock(&registry_lock);
    return reef_done();
}

int reef_sched_group_rename(reef_sched_group g, const char *name)
{
    int rc = -EINVAL;
    pthread_mutex_lock(&registry_lock);
    if (valid_group(g)) {
        snprintf(registry[g._id].name, NAME_MAX_LEN, "%s", name ? name : "");
        rc = 0;
    }
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

const char *reef_sched_group_name(reef_sched_group g, char *buf, size_t cap)
{
    if (!cap)
        return buf;
    pthread_mutex_lock(&registry_lock);
    snprintf(buf, cap, "%s", valid_group(g) ? registry[g._id].name : "");
    pthread_mutex_unlock(&registry_lock);
    return buf;
}

int reef_sched_group_set_shares(reef_sched_group g, unsigned shares)
{
    if (!valid_shares(shares) || !valid_group(g))
        return -EINVAL;
    atomic_store_explicit(&registry[g._id].shares, shares, memory_order_relaxed);
    return 0;
}

unsigned reef_sched_group_shares(reef_sched_group g)
{
    return valid_group(g) ? atomic_load_explicit(&registry[g._id].shares, memory_order_relaxed)
                          : 0;
}

int reef_sched_group_stats(reef_sched_group g, struct reef_sched_group_stats *out)
{
    struct reef__reactor *r = reef__r;
    if (!valid_group(g))
        return -EINVAL;
    *out = (struct reef_sched_group_stats){0, 0, 0};
    if (r) {
        const struct reef__group_rt *grp = &r->groups[g._id];
        out->runtime = grp->runtime;
        out->tasks_run = grp->tasks_run;
        out->queue_length = grp->q.ring ? reef__taskq_len(&grp->q) : 0;
    }
    return 0;
}

/* ---- Per-group data ----------------------------------------------------- */

int reef_sched_key_create(void)
{
    int k = atomic_fetch_add(&key_count, 1);
    if (k >= REEF__SCHED_KEYS) {
        atomic_fetch_sub(&key_count, 1);
        return -ENOSPC;
    }
    return k;
}

static bool valid_key(int key) { return key >= 0 && key < atomic_load(&key_count); }

int reef_sched_group_set_specific(reef_sched_group g, int key, void *value)
{
    struct reef__reactor *r = reef__r;
    if (!r || !valid_key(key) || !valid_group(g))
        return -EINVAL;
    r->groups[g._id].specific[key] = value;
    return 0;
}

void *reef_sched_group_get_specific(reef_sched_group g, int key)
{
    struct reef__reactor *r = reef__r;
    if (!r || !valid_key(key) || g._id >= REEF__MAX_GROUPS)
        return NULL;
    return r->groups[g._id].specific[key];
}

void *reef_sched_specific(int key)
{
    struct reef__reactor *r = reef__r;
    if (!r || (unsigned)key >= REEF__SCHED_KEYS)
        return NULL;
    return r->groups[r->current_group].specific[key];
}

/* ---- Running a function in a group ---------------------------------------- */

/* One allocation: the task that runs in the group, and the cell the
 * caller's future points at. Freed when the caller takes the result. */
struct group_call {
    struct reef__task task;
    struct reef__cell out;
    reef_body_fn fn;
    void *arg; /* cap[] or, with nothing to copy, the caller's pointer */
    size_t alloc_size;
    _Alignas(16) unsigned char cap[];
};

static void group_call_release(struct reef__cell *c)
{
    struct group_call *gc = (struct group_call *)((char *)c - offsetof(struct group_call, out));
    reef__free(gc, gc->alloc_size);
}

static void group_call_run(struct reef__task *t)
{
    struct group_call *gc = (struct group_call *)t;
    reef__cell_forward(&gc->out, gc->fn(gc->arg));
}

reef_future reef_with_sched_group(reef_sched_group g, reef_body_fn fn, const void *cap,
                                  size_t cap_size)
{
    struct reef__reactor *r = reef__r;
    if (!valid_group(g))
        return reef_fail_code(-EINVAL);
    if (!r || r->current_group == g._id)
        return fn((void *)cap);
    size_t size = sizeof(struct group_call) + cap_size;
    struct group_call *gc = reef__alloc(size);
    if (!gc)
        return reef_fail_code(-ENOMEM);
    gc->task = (struct reef__task){group_call_run, g._id};
    reef__cell_init(&gc->out, group_call_release);
    gc->fn = fn;
    gc->alloc_size = size;
    gc->arg = (void *)cap;
    if (cap_size) {
        memcpy(gc->cap, cap, cap_size);
        gc->arg = gc->cap;
    }
    reef__schedule(&gc->task);
    return reef__future_of_cell(&gc->out);
}
