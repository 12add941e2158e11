/*
 * Foreign pointers.
 */
#include <errno.h>

#include <reef/foreign.h>
#include <reef/reactor.h>
#include <reef/smp.h>

#include "core/reactor_impl.h"

reef_foreign_ptr reef_foreign_make(void *p, void (*destroy)(void *p))
{
    reef_foreign_ptr fp = {p, reef_shard_id(), destroy};
    return fp;
}

struct destroy_req {
    void *p;
    void (*destroy)(void *p);
};

static reef_future destroy_here(void *cap)
{
    struct destroy_req *d = cap;
    d->destroy(d->p);
    return reef_done();
}

void reef_foreign_destroy(reef_foreign_ptr *fp)
{
    if (!fp->_p)
        return;
    struct destroy_req d = {fp->_p, fp->_destroy};
    fp->_p = NULL;
    if (!d.destroy)
        return;
    if (!reef__r)
        reef__no_reactor("reef_foreign_destroy");
    /* On the home shard this runs at once; elsewhere the message carries
     * the request home and nobody needs to wait for it. */
    reef_future_ignore(reef_submit_to(fp->_owner, destroy_here, &d, sizeof(d)));
}

void *reef_foreign_release(reef_foreign_ptr *fp)
{
    void *p = fp->_p;
    fp->_p = NULL;
    return p;
}

struct copy_req {
    void *p;
    void *(*copy)(void *p);
};

static reef_future copy_here(void *cap)
{
    struct copy_req *c = cap;
    void *q = c->copy(c->p);
    return q ? reef_ready_ptr(q) : reef_fail_code(-ENOMEM);
}

struct copy_done_cap {
    reef_foreign_ptr *out;
    unsigned owner;
    void (*destroy)(void *p);
};

static reef_future copied(void *cap, reef_val v)
{
    struct copy_done_cap *c = cap;
    *c->out = (reef_foreign_ptr){v.p, c->owner, c->destroy};
    return reef_done();
}

reef_future reef_foreign_copy(reef_foreign_ptr fp, void *(*copy)(void *p), reef_foreign_ptr *out)
{
    if (!fp._p)
        return reef_fail_code(-EINVAL);
    struct copy_req req = {fp._p, copy};
    struct copy_done_cap done = {out, fp._owner, fp._destroy};
    return reef_then(reef_submit_to(fp._owner, copy_here, &req, sizeof(req)), copied, &done,
                     sizeof(done));
}
