/*
 * do_with and shared objects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <reef/do_with.h>
#include <reef/reactor.h>
#include <reef/shared.h>

#include "core/memory.h"

struct with_state {
    void (*dtor)(void *state);
    size_t size;
    _Alignas(16) unsigned char state[];
};

static reef_future with_cleanup(void *cap)
{
    struct with_state *w = *(struct with_state **)cap;
    if (w->dtor)
        w->dtor(w->state);
    free(w);
    return reef_done();
}

reef_future reef_do_with(const void *init, size_t size, reef_with_fn fn, void *arg,
                         void (*dtor)(void *state))
{
    struct with_state *w = malloc(sizeof(*w) + size);
    if (!w)
        return reef_fail_code(-ENOMEM);
    w->dtor = dtor;
    w->size = size;
    if (init)
        memcpy(w->state, init, size);
    else
        memset(w->state, 0, size);
    /* finally() runs the cleanup on success and failure alike, and keeps
     * fn's result. */
    return reef_finally(fn(w->state, arg), with_cleanup, &w, sizeof(w));
}

/* ---- Shared objects -------------------------------------------------------- */

struct shared_hdr {
    unsigned refs;
    unsigned owner; /* shard that created the object, checked in debug builds */
    void (*dtor)(void *obj);
    _Alignas(16) unsigned char obj[];
};

static struct shared_hdr *hdr(const void *obj)
{
    return (struct shared_hdr *)((char *)obj - offsetof(struct shared_hdr, obj));
}

static void check_owner(const struct shared_hdr *h)
{
#ifdef REEF_DEBUG_SCHED
    if (reef_in_reactor() && h->owner != reef_shard_id()) {
        fprintf(stderr, "reef: shared object of shard %u used on shard %u\n", h->owner,
                reef_shard_id());
        abort();
    }
#else
    (void)h;
#endif
}

void *reef_shared_new(size_t size, void (*dtor)(void *obj))
{
    struct shared_hdr *h = calloc(1, sizeof(*h) + size);
    if (!h)
        return NULL;
    h->refs = 1;
    h->owner = reef_shard_id();
    h->dtor = dtor;
    return h->obj;
}

void *reef_shared_ref(void *obj)
{
    if (obj) {
        check_owner(hdr(obj));
        hdr(obj)->refs++;
    }
    return obj;
}

void reef_shared_unref(void *obj)
{
    if (!obj)
        return;
    struct shared_hdr *h = hdr(obj);
    check_owner(h);
    if (--h->refs > 0)
        return;
    if (h->dtor)
        h->dtor(obj);
    free(h);
}

unsigned reef_shared_count(const void *obj) { return obj ? hdr(obj)->refs : 0; }

void reef_shared_drop_cap(void *cap) { reef_shared_unref(*(void **)cap); }
