/*
 * Sharded services.
 *
 * The service object lives on the shard that started it; instance i is
 * allocated, started, used, stopped and freed on shard i only. Calls carry
 * a small header (service, function) followed by the caller's capture, as
 * one capture of reef_submit_to.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <reef/log.h>
#include <reef/sharded.h>
#include <reef/smp.h>
#include <reef/when.h>

#include "core/reactor_impl.h"
#include "core/sharded_internal.h"

struct reef_sharded {
    const struct reef_service_ops *ops;
    void **instances; /* [shard], each written by its own shard */
    unsigned count;
    void *arg;
    struct reef_sharded *next, *prev; /* services not yet stopped */
};

/* Every service not yet stopped, to warn about at the end. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reef_sharded *live;

static void live_add(reef_sharded *s)
{
    pthread_mutex_lock(&live_lock);
    s->prev = NULL;
    s->next = live;
    if (live)
        live->prev = s;
    live = s;
    pthread_mutex_unlock(&live_lock);
}

static void live_remove(reef_sharded *s)
{
    pthread_mutex_lock(&live_lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        live = s->next;
    if (s->next)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&live_lock);
}

unsigned reef__sharded_report_unstopped(void)
{
    unsigned n = 0;
    pthread_mutex_lock(&live_lock);
    for (reef_sharded *s = live; s; s = s->next) {
        reef_log_warn(&reef_logger_reef,
                      "sharded service '%s' was not stopped before the application ended "
                      "(call reef_sharded_stop)",
                      s->ops->name ? s->ops->name : "?");
        n++;
    }
    pthread_mutex_unlock(&live_lock);
    return n;
}

/* ---- Calls carrying a service and a function ----------------------------- */

struct call_hdr {
    reef_sharded *s;
    reef_service_fn fn;
    void *cap; /* the caller's pointer when nothing is copied */
    size_t cap_size;
};

static reef_future run_call(void *buf)
{
    struct call_hdr *h = buf;
    void *cap = h->cap_size ? (char *)buf + sizeof(*h) : h->cap;
    return h->fn(h->s->instances[reef_shard_id()], cap);
}

/* Builds header + capture in one buffer and submits it. */
static reef_future submit_call(reef_sharded *s, unsigned shard, reef_service_fn fn,
                               const void *cap, size_t cap_size)
{
    struct call_hdr h = {s, fn, (void *)cap, cap_size};
    size_t size = sizeof(h) + cap_size;
    _Alignas(16) unsigned char small[256];
    unsigned char *buf = size <= sizeof(small) ? small : malloc(size);
    if (!buf)
        return reef_fail_code(-ENOMEM);
    memcpy(buf, &h, sizeof(h));
    if (cap_size)
        memcpy(buf + sizeof(h), cap, cap_size);
    reef_future f = reef_submit_to(shard, run_call, buf, size);
    if (buf != small)
        free(buf);
    return f;
}

reef_future reef_sharded_invoke_on(reef_sharded *s, unsigned shard, reef_service_fn fn,
                                   const void *cap, size_t cap_size)
{
    if (shard >= s->count)
        return reef_fail_code(-EINVAL);
    return submit_call(s, shard, fn, cap, cap_size);
}

reef_future reef_sharded_invoke_on_all(reef_sharded *s, reef_service_fn fn, const void *cap,
                                       size_t cap_size)
{
    reef_future small[16];
    reef_future *fs = s->count <= 16 ? small : malloc(s->count * sizeof(*fs));
    if (!fs)
        return reef_fail_code(-ENOMEM);
    for (unsigned i = 0; i < s->count; i++)
        fs[i] = submit_call(s, i, fn, cap, cap_size);
    reef_future all = reef_when_all_succeed(fs, s->count, NULL);
    if (fs != small)
        free(fs);
    return all;
}

void *reef_sharded_local(reef_sharded *s) { return s->instances[reef_shard_id()]; }

/* ---- map_reduce ---------------------------------------------------------------- */

/* Lives until the reduction resolves; the mapper's capture follows it. */
struct mr {
    reef_sharded *s;
    reef_service_fn mapper;
    size_t cap_size;
    void *cap; /* the caller's pointer when cap_size is 0 */
    reef_reduce_fn reducer;
    void *reducer_cap;
    _Alignas(16) unsigned char copy[];
};

static reef_future map_one(void *cap, int64_t shard)
{
    struct mr *m = cap;
    return submit_call(m->s, (unsigned)shard, m->mapper, m->cap_size ? m->copy : m->cap,
                       m->cap_size);
}

static reef_val reduce_one(void *cap, reef_val acc, reef_val v)
{
    struct mr *m = cap;
    return m->reducer(m->reducer_cap, acc, v);
}

static reef_future mr_done(void *cap, reef_future r)
{
    free(*(struct mr **)cap);
    return r;
}

reef_future reef_sharded_map_reduce(reef_sharded *s, reef_service_fn mapper, const void *cap,
                                    size_t cap_size, reef_reduce_fn reducer, void *reducer_cap,
                                    reef_val initial)
{
    struct mr *m = malloc(sizeof(*m) + cap_size);
    if (!m)
        return reef_fail_code(-ENOMEM);
    *m = (struct mr){s, mapper, cap_size, (void *)cap, reducer, reducer_cap};
    if (cap_size)
        memcpy(m->copy, cap, cap_size);
    reef_future f = reef_map_reduce(0, s->count, map_one, reduce_one, initial, m, 0);
    return reef_then_wrapped(f, mr_done, &m, sizeof(m));
}

/* ---- start and stop ------------------------------------------------------------ */

static reef_future create_instance(void *cap)
{
    reef_sharded *s = *(reef_sharded **)cap;
    void *inst = calloc(1, s->ops->instance_size ? s->ops->instance_size : 1);
    if (!inst)
        return reef_fail_code(-ENOMEM);
    s->instances[reef_shard_id()] = inst;
    return s->ops->start ? s->ops->start(inst, s->arg) : reef_done();
}

static reef_future destroy_instance(void *cap)
{
    reef_sharded *s = *(reef_sharded **)cap;
    void *inst = s->instances[reef_shard_id()];
    if (inst) {
        if (s->ops->destroy)
            s->ops->destroy(inst);
        free(inst);
        s->instances[reef_shard_id()] = NULL;
    }
    return reef_done();
}

static void free_service(reef_sharded *s)
{
    free(s->instances);
    free(s->arg);
    free(s);
}

struct failed_start {
    reef_sharded *s;
    reef_err err;
};

static reef_future start_failed_cleaned(void *cap, reef_future r)
{
    struct failed_start *fs = cap;
    reef_future_ignore(r);
    free_service(fs->s);
    return reef_fail(fs->err);
}

static reef_future started(void *cap, reef_future r)
{
    reef_sharded *s = *(reef_sharded **)cap;
    reef_err e;
    if (reef_future_take(r, NULL, &e) != 0) {
        struct failed_start fs = {s, e};
        return reef_then_wrapped(reef_invoke_on_all(destroy_instance, &s, sizeof(s)),
                                 start_failed_cleaned, &fs, sizeof(fs));
    }
    live_add(s);
    return reef_ready_ptr(s);
}

reef_future reef_sharded_start(const struct reef_service_ops *ops, const void *arg,
                               size_t arg_size)
{
    reef_sharded *s = calloc(1, sizeof(*s));
    if (!s)
        return reef_fail_code(-ENOMEM);
    s->ops = ops;
    s->count = reef_shard_count();
    s->instances = calloc(s->count, sizeof(void *));
    s->arg = malloc(arg_size ? arg_size : 1);
    if (!s->instances || !s->arg) {
        free_service(s);
        return reef_fail_code(-ENOMEM);
    }
    if (arg_size)
        memcpy(s->arg, arg, arg_size);
    reef_future all = reef_invoke_on_all(create_instance, &s, sizeof(s));
    return reef_then_wrapped(all, started, &s, sizeof(s));
}

static reef_future stop_destroy(void *cap, reef_future r)
{
    reef_sharded *s = *(reef_sharded **)cap;
    /* Destroy even if stop failed; report stop's error. */
    reef_future_ignore(destroy_instance(&s));
    return r;
}

static reef_future stop_instance(void *cap)
{
    reef_sharded *s = *(reef_sharded **)cap;
    void *inst = s->instances[reef_shard_id()];
    reef_future f = s->ops->stop ? s->ops->stop(inst) : reef_done();
    return reef_then_wrapped(f, stop_destroy, &s, sizeof(s));
}

static reef_future stopped(void *cap, reef_future r)
{
    reef_sharded *s = *(reef_sharded **)cap;
    free_service(s);
    return r;
}

reef_future reef_sharded_stop(reef_sharded *s)
{
    live_remove(s);
    reef_future all = reef_invoke_on_all(stop_instance, &s, sizeof(s));
    return reef_then_wrapped(all, stopped, &s, sizeof(s));
}
