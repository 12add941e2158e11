/*
 * Files (include/reef/file.h).
 *
 * Where each operation runs:
 *
 *   operation             io_uring backend      epoll backend
 *   read, write           the ring              direct file: Linux AIO
 *                                               buffered file: helper thread
 *   flush, stat, close    the ring              helper thread
 *   allocate, discard     the ring              helper thread
 *   open                  the ring (file_open.c) helper thread
 *   truncate              the helper thread (the ring's ftruncate needs
 *                         kernel 6.9 and a newer liburing than Debian's)
 *
 * A file counts its references and its operations in flight; the
 * descriptor is closed when both reach zero, so an operation never runs on
 * a descriptor number that was closed (and perhaps reused) under it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <reef/file.h>

#include "backend/backend.h"
#include "core/reactor_impl.h"
#include "fs/blocking.h"
#include "fs/file_open.h"
#include "fs/io_queue.h"
#include "util/container_of.h"

#define PAGE_BYTES 4096

/* One request's limit: lengths travel to the kernel as 32-bit counts. */
#define MAX_REQUEST (1u << 30)


/* A close waiting for the descriptor to go. */
struct closer {
    struct closer *next;
    reef_promise done;
};

struct reef_file {
    struct reef__io close_io; /* the ring's close, when the backend has one */
    int fd;
    bool direct;
    size_t align;    /* 1 when buffered */
    unsigned refs;   /* references held by callers */
    unsigned flying; /* operations in flight */
    struct closer *closers;
};

/* ---- Opening -------------------------------------------------------------------- */

static reef_future opened(void *cap, reef_future r)
{
    struct reef__opened *o = *(struct reef__opened **)cap;
    reef_val v;
    reef_err e;
    if (reef_future_take(r, &v, &e) < 0) {
        free(o);
        return reef_fail(e); /* the message names the path */
    }
    reef_file *f = calloc(1, sizeof(*f));
    if (!f) {
        close((int)v.i);
        free(o);
        return reef_fail_code(-ENOMEM);
    }
    *f = (reef_file){.fd = (int)v.i, .direct = o->direct, .align = o->align, .refs = 1};
    free(o);
    return reef_ready_ptr(f);
}

reef_future reef_file_open(const char *path, unsigned flags)
{
    if (!path || !(flags & (REEF_FILE_READ | REEF_FILE_WRITE)))
        return reef_fail_code(-EINVAL);
    int oflags = O_CLOEXEC;
    if ((flags & REEF_FILE_READ) && (flags & REEF_FILE_WRITE))
        oflags |= O_RDWR;
    else
        oflags |= flags & REEF_FILE_WRITE ? O_WRONLY : O_RDONLY;
    if (flags & REEF_FILE_CREATE)
        oflags |= O_CREAT;
    if (flags & REEF_FILE_EXCLUSIVE)
        oflags |= O_EXCL;
    if (flags & REEF_FILE_TRUNCATE)
        oflags |= O_TRUNC;
    struct reef__opened *o = malloc(sizeof(*o));
    if (!o)
        return reef_fail_code(-ENOMEM);
    reef_future f = reef__file_open(path, oflags, !(flags & REEF_FILE_BUFFERED), o);
    return reef_then_wrapped(f, opened, &o, sizeof(o));
}

bool reef_file_is_direct(const reef_file *f) { return f->direct; }

size_t reef_file_alignment(const reef_file *f) { return f->align; }

static size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

int reef_file_alloc_buf(const reef_file *f, size_t n, reef_buf *out)
{
    size_t a = f->align < 16 ? 16 : f->align;
    /* Whole pages for transfers of a page or more: a buffer that starts
     * inside a page touches one page more and gives the block layer one
     * more segment to split requests by (measured: 1 MiB direct writes
     * lost a third of their throughput, docs/benchmarks.md). */
    size_t mem = n >= PAGE_BYTES && a < PAGE_BYTES ? PAGE_BYTES : a;
    return reef_buf_alloc_aligned(mem, align_up(n, a), out);
}

reef_file *reef_file_share(reef_file *f)
{
    f->refs++;
    return f;
}

/* ---- Closing ---------------------------------------------------------------------- */

static int64_t do_close(void *arg)
{
    reef_file *f = arg;
    return close(f->fd) < 0 ? -errno : 0;
}

static reef_future closed(void *cap, reef_future r)
{
    reef_file *f = *(reef_file **)cap;
    reef_err e;
    int rc = reef_future_take(r, NULL, &e);
    if (rc < 0)
        reef_err_release(e);
    for (struct closer *c = f->closers, *next; c; c = next) {
        next = c->next;
        if (rc < 0)
            reef_promise_fail(&c->done, reef_err_code(rc));
        else
            reef_promise_resolve(&c->done, (reef_val){0});
        free(c);
    }
    free(f);
    return reef_done();
}

static void closed_on_ring(struct reef__io *io, int res)
{
    reef_file *f = container_of(io, reef_file, close_io);
    reef_discard(closed(&f, res < 0 ? reef_fail_code(res) : reef_done()));
}

/* Closes the descriptor once nobody holds or uses it. */
static void maybe_close(reef_file *f)
{
    if (f->refs || f->flying)
        return;
    f->flying = 1; /* the close itself: no second one starts */
    if (reef__r->ops->async_buffered_files) {
        f->close_io = (struct reef__io){.done = closed_on_ring, .op = REEF__IO_CLOSE, .fd = f->fd};
        reef__r->ops->submit(reef__r->be, &f->close_io);
        return;
    }
    reef_discard(reef_then_wrapped(reef__blocking(do_close, f), closed, &f, sizeof(f)));
}

reef_future reef_file_close(reef_file *f)
{
    struct closer *c = malloc(sizeof(*c));
    reef_future done = c ? reef_promise_init(&c->done) : reef_fail_code(-ENOMEM);
    if (c) {
        c->next = f->closers;
        f->closers = c;
    }
    f->refs--;
    maybe_close(f);
    return done;
}

/* ---- Operations --------------------------------------------------------------------- */

enum op_kind { OP_READ, OP_WRITE, OP_FLUSH, OP_STAT, OP_TRUNCATE, OP_ALLOCATE, OP_DISCARD };

struct file_op {
    struct reef__io io; /* backend operations */
    struct reef__io_req req; /* reads and writes: their place in the disk queue */
    reef_promise done;
    reef_file *f;
    enum op_kind kind;
    void *buf;
    uint64_t offset, n;
    struct statx *sx; /* OP_STAT on the ring: filled there, copied into buf */
};

/* The fields of struct stat that statx reports. */
static void stat_from_statx(struct stat *st, const struct statx *sx)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = makedev(sx->stx_dev_major, sx->stx_dev_minor);
    st->st_ino = sx->stx_ino;
    st->st_mode = sx->stx_mode;
    st->st_nlink = sx->stx_nlink;
    st->st_uid = sx->stx_uid;
    st->st_gid = sx->stx_gid;
    st->st_rdev = makedev(sx->stx_rdev_major, sx->stx_rdev_minor);
    st->st_size = (off_t)sx->stx_size;
    st->st_blksize = sx->stx_blksize;
    st->st_blocks = (blkcnt_t)sx->stx_blocks;
    st->st_atim = (struct timespec){sx->stx_atime.tv_sec, sx->stx_atime.tv_nsec};
    st->st_mtim = (struct timespec){sx->stx_mtime.tv_sec, sx->stx_mtime.tv_nsec};
    st->st_ctim = (struct timespec){sx->stx_ctime.tv_sec, sx->stx_ctime.tv_nsec};
}

static int64_t run_blocking(void *arg)
{
    struct file_op *op = arg;
    int fd = op->f->fd;
    ssize_t rc;
    switch (op->kind) {
    case OP_READ:
        rc = pread(fd, op->buf, op->n, (off_t)op->offset);
        break;
    case OP_WRITE:
        rc = pwrite(fd, op->buf, op->n, (off_t)op->offset);
        break;
    case OP_FLUSH:
        rc = fdatasync(fd);
        break;
    case OP_STAT:
        rc = fstat(fd, op->buf);
        break;
    case OP_TRUNCATE:
        rc = ftruncate(fd, (off_t)op->offset);
        break;
    case OP_ALLOCATE:
        rc = fallocate(fd, 0, (off_t)op->offset, (off_t)op->n);
        break;
    case OP_DISCARD:
        rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)op->offset,
                       (off_t)op->n);
        break;
    default:
        return -EINVAL;
    }
    return rc < 0 ? -errno : rc;
}

static bool queued_kind(enum op_kind kind) { return kind == OP_READ || kind == OP_WRITE; }

static void op_finish(struct file_op *op, int64_t res)
{
    reef_file *f = op->f;
    if (queued_kind(op->kind))
        reef__io_queue_done(&op->req);
    if (op->sx) {
        if (res >= 0)
            stat_from_statx(op->buf, op->sx);
        free(op->sx);
    }
    if (res < 0)
        reef_promise_fail(&op->done, reef_err_code((int)res));
    else
        reef_promise_resolve(&op->done, (reef_val){.i = res});
    free(op);
    f->flying--;
    maybe_close(f);
}

static void backend_done(struct reef__io *io, int res)
{
    op_finish(container_of(io, struct file_op, io), res);
}

static reef_future blocking_done(void *cap, reef_future r)
{
    op_finish(*(struct file_op **)cap, reef__blocking_result(r));
    return reef_done();
}

/* The backend runs it without blocking the shard. */
static bool runs_on_backend(const reef_file *f, enum op_kind kind)
{
    const struct reef__backend_ops *ops = reef__r->ops;
    if (kind == OP_READ || kind == OP_WRITE)
        return f->direct || ops->async_buffered_files;
    return (kind == OP_FLUSH || kind == OP_STAT || kind == OP_ALLOCATE || kind == OP_DISCARD) &&
           ops->async_buffered_files;
}

/* Hands op to the backend or the helper thread. */
static void launch(struct file_op *op)
{
    reef_file *f = op->f;
    enum op_kind kind = op->kind;
    void *buf = op->buf;
    uint64_t offset = op->offset, n = op->n;
    if (runs_on_backend(f, kind)) {
        static const uint8_t backend_op[] = {[OP_READ] = REEF__IO_READ,
                                             [OP_WRITE] = REEF__IO_WRITE,
                                             [OP_FLUSH] = REEF__IO_FSYNC,
                                             [OP_STAT] = REEF__IO_STATX,
                                             [OP_ALLOCATE] = REEF__IO_FALLOCATE,
                                             [OP_DISCARD] = REEF__IO_FALLOCATE};
        op->io = (struct reef__io){.done = backend_done, .op = backend_op[kind], .fd = f->fd,
                                   .buf = buf, .len = (uint32_t)n, .offset = (int64_t)offset,
                                   .flags = kind == OP_FLUSH ? 1u : 0u};
        if (kind == OP_ALLOCATE || kind == OP_DISCARD) {
            op->io.aux = &op->n; /* the length: 64 bits, beyond io.len */
            op->io.len = 0;
            op->io.flags = kind == OP_DISCARD ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : 0;
        }
        if (kind == OP_STAT) {
            op->sx = malloc(sizeof(*op->sx));
            if (!op->sx) {
                op_finish(op, -ENOMEM);
                return;
            }
            op->io.aux = op->sx;
            op->io.flags = STATX_BASIC_STATS;
        }
        reef__r->ops->submit(reef__r->be, &op->io);
    } else {
        reef_discard(reef_then_wrapped(reef__blocking(run_blocking, op), blocking_done, &op,
                                       sizeof(op)));
    }
}

static void launch_queued(struct reef__io_req *req)
{
    launch(container_of(req, struct file_op, req));
}

static reef_future start(reef_file *f, enum op_kind kind, void *buf, uint64_t offset, uint64_t n)
{
    struct file_op *op = calloc(1, sizeof(*op));
    if (!op)
        return reef_fail_code(-ENOMEM);
    *op = (struct file_op){.f = f, .kind = kind, .buf = buf, .offset = offset, .n = n};
    reef_future done = reef_promise_init(&op->done);
    f->flying++;
    if (queued_kind(kind)) {
        /* Reads and writes wait their class's turn in the disk queue. */
        op->req = (struct reef__io_req){.dispatch = launch_queued, .bytes = n};
        reef__io_queue_submit(&op->req);
    } else {
        launch(op);
    }
    return done;
}

/* Direct I/O's rules, checked before the kernel sees the request. */
static reef_future check_transfer(const reef_file *f, const char *what, uint64_t offset,
                                  const void *mem, size_t n)
{
    if (n > MAX_REQUEST)
        return reef_fail_msg(-EINVAL, "%s: %zu bytes is more than one request carries (%u)", what,
                             n, MAX_REQUEST);
    size_t a = f->align;
    if (offset % a || n % a || (uintptr_t)mem % a)
        return reef_fail_msg(-EINVAL,
                             "%s: offset %llu, length %zu and memory %p must be multiples of %zu "
                             "on a direct file",
                             what, (unsigned long long)offset, n, mem, a);
    return reef_done();
}

reef_future reef_file_dma_read(reef_file *f, uint64_t offset, void *dst, size_t n)
{
    reef_future bad = check_transfer(f, "dma_read", offset, dst, n);
    if (reef_future_failed(bad))
        return bad;
    reef_future_ignore(bad);
    return start(f, OP_READ, dst, offset, n);
}

reef_future reef_file_dma_write(reef_file *f, uint64_t offset, const void *src, size_t n)
{
    reef_future bad = check_transfer(f, "dma_write", offset, src, n);
    if (reef_future_failed(bad))
        return bad;
    reef_future_ignore(bad);
    return start(f, OP_WRITE, (void *)src, offset, n);
}

/* read_bulk: the aligned read covers [start, ...); the caller wants the
 * part from `skip` on, at most `want` bytes. */
struct bulk {
    reef_buf b;
    reef_buf *out;
    size_t skip, want;
};

static reef_future bulk_read(void *cap, reef_future r)
{
    struct bulk *k = *(struct bulk **)cap;
    reef_val v;
    reef_err e;
    int rc = reef_future_take(r, &v, &e);
    reef_future result;
    if (rc < 0) {
        result = reef_fail_code(rc);
        reef_err_release(e);
    } else {
        size_t got = v.u > k->skip ? v.u - k->skip : 0;
        size_t n = got < k->want ? got : k->want;
        *k->out = reef_buf_share(k->b, k->skip, n);
        result = reef_ready_u64(n);
    }
    reef_buf_release(&k->b);
    free(k);
    return result;
}

reef_future reef_file_read_bulk(reef_file *f, uint64_t offset, size_t n, reef_buf *out)
{
    *out = (reef_buf){0};
    size_t a = f->align;
    uint64_t first = offset / a * a;
    size_t skip = (size_t)(offset - first);
    size_t len = align_up(skip + n, a);
    if (len > MAX_REQUEST)
        return reef_fail_msg(-EINVAL, "read_bulk: %zu bytes is more than one request carries", n);
    struct bulk *k = calloc(1, sizeof(*k));
    if (!k)
        return reef_fail_code(-ENOMEM);
    if (reef_file_alloc_buf(f, len, &k->b) < 0) {
        free(k);
        return reef_fail_code(-ENOMEM);
    }
    k->out = out;
    k->skip = skip;
    k->want = n;
    return reef_then_wrapped(start(f, OP_READ, reef_buf_data(k->b), first, len), bulk_read, &k,
                             sizeof(k));
}

/* ---- Metadata ------------------------------------------------------------------------ */

static reef_future size_of(void *cap, reef_future r)
{
    struct stat *st = *(struct stat **)cap;
    reef_err e;
    int rc = reef_future_take(r, NULL, &e);
    reef_future result = rc < 0 ? reef_fail_code(rc) : reef_ready_u64((uint64_t)st->st_size);
    if (rc < 0)
        reef_err_release(e);
    free(st);
    return result;
}

reef_future reef_file_size(reef_file *f)
{
    struct stat *st = malloc(sizeof(*st));
    if (!st)
        return reef_fail_code(-ENOMEM);
    return reef_then_wrapped(start(f, OP_STAT, st, 0, 0), size_of, &st, sizeof(st));
}

reef_future reef_file_stat(reef_file *f, struct stat *out) { return start(f, OP_STAT, out, 0, 0); }

reef_future reef_file_truncate(reef_file *f, uint64_t length)
{
    return start(f, OP_TRUNCATE, NULL, length, 0);
}

reef_future reef_file_allocate(reef_file *f, uint64_t offset, uint64_t n)
{
    return start(f, OP_ALLOCATE, NULL, offset, n);
}

reef_future reef_file_discard(reef_file *f, uint64_t offset, uint64_t n)
{
    return start(f, OP_DISCARD, NULL, offset, n);
}

reef_future reef_file_flush(reef_file *f) { return start(f, OP_FLUSH, NULL, 0, 0); }
