/*
 * Shared futures: a waiter on the source future stores the result and
 * completes every consumer waiting in the queue.
 */
#include <errno.h>

#include <reef/shared_future.h>

#include "core/memory.h"
#include "core/reactor_impl.h"
#include "sync/waitq.h"

/* The waiter attached to the source. It outlives a fini'd shared future
 * (sf == NULL then) so that a late result is dropped safely. */
struct reef_shared_future_link {
    struct reef__waiter w;
    reef_shared_future *sf;
};

static reef_future copy_result(const reef_shared_future *sf)
{
    reef_future f = {sf->_s, sf->_v};
    if (reef__is_failed(sf->_s))
        reef_err_ref(reef__err_of(sf->_s, sf->_v));
    return f;
}

static void source_done(struct reef__task *t)
{
    struct reef_shared_future_link *link = (struct reef_shared_future_link *)t;
    reef_shared_future *sf = link->sf;
    uintptr_t s = link->w.s;
    reef_val v = link->w.v;
    reef__free(link, sizeof(*link));
    if (!sf) {
        reef__result_release(s, v);
        return;
    }
    sf->_link = NULL;
    sf->_resolved = true;
    sf->_s = s;
    sf->_v = v;
    while (sf->_wq.head) {
        reef_future f = copy_result(sf);
        reef__wq_complete(sf->_wq.head, f._s, f._v);
    }
}

int reef_shared_future_init(reef_shared_future *sf, reef_future f)
{
    reef__wq_init(&sf->_wq);
    sf->_resolved = false;
    sf->_link = NULL;
    struct reef_shared_future_link *link = reef__alloc(sizeof(*link));
    if (!link) {
        reef_future_ignore(f);
        return -ENOMEM;
    }
    link->w.task.run = source_done;
    link->w.task.group = reef__current_group();
    link->sf = sf;
    sf->_link = link;
    if (reef__future_wait(f, &link->w))
        source_done(&link->w.task);
    return 0;
}

void reef_shared_future_fini(reef_shared_future *sf)
{
    reef__wq_fail_all(&sf->_wq, reef_err_code(REEF_EBROKEN_PROMISE));
    if (sf->_link)
        sf->_link->sf = NULL;
    if (sf->_resolved)
        reef__result_release(sf->_s, sf->_v);
    sf->_resolved = false;
}

reef_future reef_shared_future_get(reef_shared_future *sf)
{
    if (sf->_resolved)
        return copy_result(sf);
    struct reef__wq_entry *e = reef__wq_push(&sf->_wq, NULL, NULL);
    if (!e)
        return reef_fail_code(-ENOMEM);
    return reef__wq_future(e);
}

bool reef_shared_future_available(const reef_shared_future *sf) { return sf->_resolved; }
