/*
 * Directories and names (include/reef/fs.h).
 *
 * Everything here is a system call that may wait for the disk and has no
 * asynchronous form the reactor can count on, so each call is packed into
 * a request that the shard's helper thread runs (fs/blocking.h).
 *
 * A listing reads the directory with getdents64 into a 32 KiB batch on the
 * helper thread; the shard then hands entries out of the batch without
 * another round trip, which serves a few hundred names per trip. Where the
 * filesystem does not give an entry's type (DT_UNKNOWN), the helper thread
 * looks it up with fstatat while it still has the batch, so the shard never
 * has to ask.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <reef/fs.h>

#include "fs/blocking.h"

/* ---- Names -------------------------------------------------------------------------- */

enum name_op { N_MKDIR, N_RMDIR, N_UNLINK, N_RENAME, N_LINK, N_EXISTS, N_TYPE, N_SPACE };

/* What each operation is called in an error message. */
static const char *const op_name[] = {
    [N_MKDIR] = "make directory", [N_RMDIR] = "remove directory", [N_UNLINK] = "remove",
    [N_RENAME] = "rename",        [N_LINK] = "link",              [N_EXISTS] = "file exists",
    [N_TYPE] = "file type",       [N_SPACE] = "filesystem space",
};

/* One call, allocated with its path copies after it. */
struct name_req {
    enum name_op op;
    unsigned mode;
    const char *path, *path2;   /* path2: the second name of rename and link */
    struct reef_fs_space *out;  /* the caller's, written back on the shard */
    struct reef_fs_space space; /* written by the helper thread */
    char names[];
};

static enum reef_ftype type_of_mode(mode_t m)
{
    if (S_ISREG(m))
        return REEF_FTYPE_FILE;
    if (S_ISDIR(m))
        return REEF_FTYPE_DIR;
    if (S_ISLNK(m))
        return REEF_FTYPE_SYMLINK;
    return REEF_FTYPE_OTHER;
}

static int64_t run_name(void *arg)
{
    struct name_req *q = arg;
    struct stat st;
    struct statvfs vfs;
    int rc;
    switch (q->op) {
    case N_MKDIR:
        rc = mkdir(q->path, (mode_t)q->mode);
        break;
    case N_RMDIR:
        rc = rmdir(q->path);
        break;
    case N_UNLINK:
        rc = unlink(q->path);
        break;
    case N_RENAME:
        rc = rename(q->path, q->path2);
        break;
    case N_LINK:
        rc = link(q->path, q->path2);
        break;
    case N_EXISTS:
        if (stat(q->path, &st) == 0)
            return 1;
        return errno == ENOENT ? 0 : -errno;
    case N_TYPE:
        return lstat(q->path, &st) == 0 ? (int64_t)type_of_mode(st.st_mode) : -errno;
    case N_SPACE:
        if (statvfs(q->path, &vfs) != 0)
            return -errno;
        q->space = (struct reef_fs_space){.total = (uint64_t)vfs.f_blocks * vfs.f_frsize,
                                          .free = (uint64_t)vfs.f_bfree * vfs.f_frsize,
                                          .available = (uint64_t)vfs.f_bavail * vfs.f_frsize};
        return 0;
    default:
        return -EINVAL;
    }
    return rc < 0 ? -errno : 0;
}


static reef_future name_done(void *cap, reef_future r)
{
    struct name_req *q = *(struct name_req **)cap;
    int64_t res = reef__blocking_result(r);
    int rc = (int)res;
    reef_future result;
    if (res < 0) {
        if (q->path2)
            result = reef_fail_msg(rc, "%s %s to %s: %s", op_name[q->op], q->path, q->path2,
                                   reef_strerror(rc));
        else
            result = reef_fail_msg(rc, "%s %s: %s", op_name[q->op], q->path, reef_strerror(rc));
    } else {
        if (q->out)
            *q->out = q->space;
        result = reef_ready_i64(res);
    }
    free(q);
    return result;
}

static bool bad_path(const char *p) { return !p || !*p; }

/* Copies the paths into one request and queues it on the helper thread. */
static reef_future start_name(enum name_op op, const char *path, const char *path2, unsigned mode,
                              struct reef_fs_space *out)
{
    if (bad_path(path) || (op == N_RENAME || op == N_LINK ? bad_path(path2) : false) ||
        (op == N_SPACE && !out))
        return reef_fail_msg(-EINVAL, "%s: a path is missing", op_name[op]);
    size_t n1 = strlen(path) + 1, n2 = path2 ? strlen(path2) + 1 : 0;
    struct name_req *q = malloc(sizeof(*q) + n1 + n2);
    if (!q)
        return reef_fail_code(-ENOMEM);
    *q = (struct name_req){.op = op, .mode = mode, .out = out};
    memcpy(q->names, path, n1);
    q->path = q->names;
    if (path2) {
        memcpy(q->names + n1, path2, n2);
        q->path2 = q->names + n1;
    }
    return reef_then_wrapped(reef__blocking(run_name, q), name_done, &q, sizeof(q));
}

reef_future reef_make_directory(const char *path, unsigned mode)
{
    return start_name(N_MKDIR, path, NULL, mode, NULL);
}

reef_future reef_remove_directory(const char *path)
{
    return start_name(N_RMDIR, path, NULL, 0, NULL);
}

reef_future reef_remove_file(const char *path) { return start_name(N_UNLINK, path, NULL, 0, NULL); }

reef_future reef_rename(const char *old_path, const char *new_path)
{
    return start_name(N_RENAME, old_path, new_path, 0, NULL);
}

reef_future reef_link(const char *existing, const char *new_path)
{
    return start_name(N_LINK, existing, new_path, 0, NULL);
}

reef_future reef_file_exists(const char *path) { return start_name(N_EXISTS, path, NULL, 0, NULL); }

reef_future reef_file_type(const char *path) { return start_name(N_TYPE, path, NULL, 0, NULL); }

reef_future reef_fs_space(const char *path, struct reef_fs_space *out)
{
    return start_name(N_SPACE, path, NULL, 0, out);
}

/* ---- Listing ---------------------------------------------------------------------- */

#define BATCH (32 * 1024)

/* Invariants: while `fetching`, the helper thread owns fd and batch and
 * the shard touches neither; the reef_dir is freed only by the close, and
 * the close waits for a fetch in flight, so the helper thread never sees
 * freed memory. */
struct reef_dir {
    int fd;
    bool fetching; /* a batch is being read; `out` waits for it */
    bool closing;  /* reef_dir_close was called */
    bool eof;
    struct reef_dirent *out;
    reef_promise *closer; /* a close waiting for the fetch to end */
    size_t pos, len;      /* the unread part of batch */
    char *path;
    _Alignas(8) char batch[BATCH];
};

static enum reef_ftype type_of_dirent(unsigned char t)
{
    switch (t) {
    case DT_REG:
        return REEF_FTYPE_FILE;
    case DT_DIR:
        return REEF_FTYPE_DIR;
    case DT_LNK:
        return REEF_FTYPE_SYMLINK;
    case DT_UNKNOWN:
        return REEF_FTYPE_UNKNOWN;
    default:
        return REEF_FTYPE_OTHER;
    }
}

static bool is_dot(const char *name)
{
    return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

/* Hands out the next entry of the batch, if any. */
static bool take_entry(reef_dir *d, struct reef_dirent *out)
{
    while (d->pos < d->len) {
        struct dirent64 *de = (struct dirent64 *)(d->batch + d->pos);
        d->pos += de->d_reclen;
        if (is_dot(de->d_name))
            continue;
        size_t n = strnlen(de->d_name, sizeof(out->name) - 1);
        memcpy(out->name, de->d_name, n);
        out->name[n] = '\0';
        out->type = type_of_dirent(de->d_type);
        return true;
    }
    return false;
}

/* On the helper thread: the next batch, with every type filled in that
 * the filesystem left out (an entry removed since keeps DT_UNKNOWN). */
static int64_t fetch(void *arg)
{
    reef_dir *d = arg;
    ssize_t n = getdents64(d->fd, d->batch, sizeof(d->batch));
    if (n < 0)
        return -errno;
    for (ssize_t pos = 0; pos < n;) {
        struct dirent64 *de = (struct dirent64 *)(d->batch + pos);
        pos += de->d_reclen;
        struct stat st;
        if (de->d_type == DT_UNKNOWN && !is_dot(de->d_name) &&
            fstatat(d->fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            de->d_type = S_ISREG(st.st_mode)   ? DT_REG
                         : S_ISDIR(st.st_mode) ? DT_DIR
                         : S_ISLNK(st.st_mode) ? DT_LNK
                                               : DT_FIFO; /* any other kind reads as "other" */
    }
    return n;
}

static int64_t close_fd(void *arg)
{
    reef_dir *d = arg;
    return close(d->fd) < 0 ? -errno : 0;
}

static reef_future dir_closed(void *cap, reef_future r)
{
    reef_dir *d = *(reef_dir **)cap;
    reef_promise *waiting = d->closer;
    int rc = (int)reef__blocking_result(r);
    reef_future result = rc < 0 ? reef_fail_msg(rc, "close %s: %s", d->path, reef_strerror(rc))
                                : reef_done();
    free(d->path);
    free(d);
    if (!waiting)
        return result;
    reef_promise_forward(waiting, result);
    free(waiting);
    return reef_done();
}

static reef_future start_close(reef_dir *d)
{
    return reef_then_wrapped(reef__blocking(close_fd, d), dir_closed, &d, sizeof(d));
}

static reef_future fetched(void *cap, reef_future r)
{
    reef_dir *d = *(reef_dir **)cap;
    struct reef_dirent *out = d->out;
    d->fetching = false;
    d->out = NULL;
    int64_t n = reef__blocking_result(r);
    reef_future result;
    if (n < 0) {
        result = reef_fail_msg((int)n, "list %s: %s", d->path, reef_strerror((int)n));
    } else {
        d->pos = 0;
        d->len = (size_t)n;
        d->eof = n == 0;
        if (take_entry(d, out))
            result = reef_ready_i64(1);
        else if (d->eof || d->closing)
            result = reef_ready_i64(0);
        else
            result = reef_dir_next(d, out); /* a batch of only "." and ".." */
    }
    if (d->closing)
        reef_discard(start_close(d));
    return result;
}

reef_future reef_dir_next(reef_dir *d, struct reef_dirent *out)
{
    if (!d || !out)
        return reef_fail_code(-EINVAL);
    if (d->closing)
        return reef_fail_msg(-EBADF, "list %s: the listing is closed", d->path);
    if (d->fetching)
        return reef_fail_msg(-EBUSY, "list %s: another entry is still being read", d->path);
    if (take_entry(d, out))
        return reef_ready_i64(1);
    if (d->eof)
        return reef_ready_i64(0);
    d->fetching = true;
    d->out = out;
    return reef_then_wrapped(reef__blocking(fetch, d), fetched, &d, sizeof(d));
}

reef_future reef_dir_close(reef_dir *d)
{
    if (!d)
        return reef_fail_code(-EINVAL);
    if (d->closing)
        return reef_fail_msg(-EBADF, "list %s: closed twice", d->path);
    d->closing = true;
    if (!d->fetching)
        return start_close(d);
    d->closer = malloc(sizeof(*d->closer));
    if (!d->closer)
        return reef_fail_code(-ENOMEM); /* the fetch still closes it */
    return reef_promise_init(d->closer);
}

static int64_t open_dir(void *arg)
{
    reef_dir *d = arg;
    int fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static reef_future dir_opened(void *cap, reef_future r)
{
    reef_dir *d = *(reef_dir **)cap;
    int64_t fd = reef__blocking_result(r);
    if (fd < 0) {
        reef_future f = reef_fail_msg((int)fd, "open directory %s: %s", d->path,
                                      reef_strerror((int)fd));
        free(d->path);
        free(d);
        return f;
    }
    d->fd = (int)fd;
    return reef_ready_ptr(d);
}

reef_future reef_dir_open(const char *path)
{
    if (bad_path(path))
        return reef_fail_msg(-EINVAL, "open directory: a path is missing");
    reef_dir *d = calloc(1, sizeof(*d));
    char *copy = strdup(path);
    if (!d || !copy) {
        free(d);
        free(copy);
        return reef_fail_code(-ENOMEM);
    }
    d->fd = -1;
    d->path = copy;
    return reef_then_wrapped(reef__blocking(open_dir, d), dir_opened, &d, sizeof(d));
}
