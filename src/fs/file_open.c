/*
 * Opening a file (file_open.h).
 *
 * Three questions, asked in order: can the file be opened with O_DIRECT
 * (a filesystem without direct I/O refuses the flag with EINVAL), is it a
 * directory (not a file to read or write), and what alignment does direct
 * I/O need. On io_uring each step is a ring operation:
 *
 *   openat(O_DIRECT) --EINVAL--> openat()
 *        |                          |
 *        v                          v
 *   statx(type, DIO alignment)   statx(type)
 *        |
 *        +-- no alignment reported: the helper thread decides (fstatfs:
 *            tmpfs keeps files in memory, so O_DIRECT is dropped there;
 *            otherwise an older kernel, and the page size is assumed)
 *
 * Without a ring, the helper thread runs the same steps as system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <reef/log.h>

#include "backend/backend.h"
#include "core/reactor_impl.h"
#include "fs/blocking.h"
#include "fs/file_open.h"
#include "util/container_of.h"

/* Where the filesystem does not tell: the page size, which every block
 * device's logical block size divides. */
#define DEFAULT_ALIGNMENT 4096

static REEF_LOGGER_DEFINE(open_log, "fs")

struct open_req {
    struct reef__io io; /* the ring's current step */
    reef_promise done;
    char *path;
    int oflags;
    bool want_direct, trying_direct;
    struct reef__opened *out;
    struct statx sx;
};

/* ---- The decisions, shared by both ways ------------------------------------------ */

/* Alignment from statx, or 0 if it reported none. */
static size_t reported_alignment(const struct statx *sx)
{
    if (!(sx->stx_mask & STATX_DIOALIGN) || sx->stx_dio_offset_align == 0)
        return 0;
    size_t a = sx->stx_dio_offset_align;
    return sx->stx_dio_mem_align > a ? sx->stx_dio_mem_align : a;
}

/* No alignment reported for a descriptor opened with O_DIRECT (blocking:
 * helper thread). A filesystem that keeps files in memory (tmpfs accepts
 * O_DIRECT since 6.6) gains nothing from it: drop the flag there. */
static int64_t settle_unreported(struct open_req *q, int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) == 0 && (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC)) {
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT) < 0)
            return -errno;
        q->out->direct = false;
        q->out->align = 1;
        return fd;
    }
    q->out->direct = true;
    q->out->align = DEFAULT_ALIGNMENT; /* an older kernel */
    return fd;
}

/* ---- Through the helper thread ----------------------------------------------------- */

static int64_t open_blocking(void *arg)
{
    struct open_req *q = arg;
    bool direct = q->want_direct;
    int fd = open(q->path, q->oflags | (direct ? O_DIRECT : 0), 0644);
    if (fd < 0 && direct && errno == EINVAL) {
        direct = false;
        fd = open(q->path, q->oflags, 0644);
    }
    if (fd < 0)
        return -errno;
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_DIOALIGN, &sx) < 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    if (S_ISDIR(sx.stx_mode)) {
        close(fd);
        return -EISDIR;
    }
    q->out->direct = direct;
    q->out->align = 1;
    if (!direct)
        return fd;
    size_t a = reported_alignment(&sx);
    if (a) {
        q->out->align = a;
        return fd;
    }
    int64_t rc = settle_unreported(q, fd);
    if (rc < 0)
        close(fd);
    return rc;
}

/* ---- Through the ring --------------------------------------------------------------- */

static void finish(struct open_req *q, int64_t res)
{
    if (res < 0)
        reef_promise_fail(&q->done, reef_err_code((int)res));
    else
        reef_promise_resolve(&q->done, (reef_val){.i = res});
}

static void step(struct open_req *q, uint8_t op, reef__io_done_fn done)
{
    struct reef__reactor *r = reef__r;
    q->io = (struct reef__io){.done = done, .op = op};
    if (op == REEF__IO_OPENAT) {
        q->io.fd = AT_FDCWD;
        q->io.aux = q->path;
        q->io.flags = (uint32_t)(q->oflags | (q->trying_direct ? O_DIRECT : 0));
        q->io.len = 0644;
    } else {
        q->io.fd = q->out->fd;
        q->io.aux = &q->sx;
        q->io.flags = STATX_TYPE | STATX_DIOALIGN;
    }
    r->ops->submit(r->be, &q->io);
}

static int64_t settle_blocking(void *arg)
{
    struct open_req *q = arg;
    int64_t rc = settle_unreported(q, q->out->fd);
    if (rc < 0)
        close(q->out->fd);
    return rc;
}

static reef_future settled(void *cap, reef_future r)
{
    finish(*(struct open_req **)cap, reef__blocking_result(r));
    return reef_done();
}

static void statted(struct reef__io *io, int res)
{
    struct open_req *q = container_of(io, struct open_req, io);
    int fd = q->out->fd;
    if (res >= 0 && S_ISDIR(q->sx.stx_mode))
        res = -EISDIR;
    if (res < 0) {
        close(fd); /* known to no reactor: a plain close */
        finish(q, res);
        return;
    }
    q->out->direct = q->trying_direct;
    q->out->align = 1;
    if (q->trying_direct) {
        size_t a = reported_alignment(&q->sx);
        if (!a) {
            reef_discard(reef_then_wrapped(reef__blocking(settle_blocking, q), settled, &q,
                                           sizeof(q)));
            return;
        }
        q->out->align = a;
    }
    finish(q, fd);
}

static void ring_opened(struct reef__io *io, int res)
{
    struct open_req *q = container_of(io, struct open_req, io);
    if (res == -EINVAL && q->trying_direct) {
        q->trying_direct = false; /* the filesystem refuses O_DIRECT */
        step(q, REEF__IO_OPENAT, ring_opened);
        return;
    }
    if (res < 0) {
        finish(q, res);
        return;
    }
    q->out->fd = res;
    step(q, REEF__IO_STATX, statted);
}

/* ---- Both ---------------------------------------------------------------------------- */

static reef_future opened(void *cap, reef_future r)
{
    struct open_req *q = *(struct open_req **)cap;
    reef_val v;
    reef_err e;
    int rc = reef_future_take(r, &v, &e);
    reef_future result;
    if (rc < 0) {
        result = reef_fail_msg(rc, "open %s: %s", q->path, reef_strerror(rc));
        reef_err_release(e);
    } else {
        if (q->want_direct && !q->out->direct)
            reef_log_info(&open_log, "%s: the filesystem has no direct I/O; buffered", q->path);
        result = reef_ready_i64(v.i);
    }
    free(q->path);
    free(q);
    return result;
}

reef_future reef__file_open(const char *path, int oflags, bool want_direct,
                            struct reef__opened *out)
{
    struct open_req *q = calloc(1, sizeof(*q));
    char *copy = strdup(path);
    if (!q || !copy) {
        free(q);
        free(copy);
        return reef_fail_code(-ENOMEM);
    }
    q->path = copy;
    q->oflags = oflags;
    q->want_direct = q->trying_direct = want_direct;
    q->out = out;
    *out = (struct reef__opened){.fd = -1, .align = 1};
    reef_future f;
    if (reef__r->ops->async_buffered_files) {
        f = reef_promise_init(&q->done);
        step(q, REEF__IO_OPENAT, ring_opened);
    } else {
        f = reef__blocking(open_blocking, q);
    }
    return reef_then_wrapped(f, opened, &q, sizeof(q));
}
