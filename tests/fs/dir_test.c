/*
 * Directories and names (src/fs/dir.c) on both backends, in scratch
 * directories under /tmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <reef/fiber.h>
#include <reef/fs.h>

#include "harness/harness.h"

/* A fresh directory for one case; `path` builds names inside it. */
struct scratch {
    char dir[64];
    char path[128];
};

static void scratch_init(struct scratch *s)
{
    snprintf(s->dir, sizeof(s->dir), "/tmp/reef-dir-XXXXXX");
    T_TRUE(mkdtemp(s->dir) != NULL);
}

static const char *in(struct scratch *s, const char *name)
{
    snprintf(s->path, sizeof(s->path), "%s/%s", s->dir, name);
    return s->path;
}

static void touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    T_TRUE(fd >= 0);
    close(fd);
}

static int64_t wait_i(reef_future f)
{
    reef_val v;
    T_EQ(reef_fiber_wait(f, &v, NULL), 0);
    return v.i;
}

static void wait_ok(reef_future f) { T_EQ(reef_fiber_wait(f, NULL, NULL), 0); }

/* Waits for f to fail with `code` and a message holding `names`. */
static void wait_fails(reef_future f, int code, const char *names)
{
    reef_err e;
    T_EQ(reef_fiber_wait(f, NULL, &e), code);
    T_CONTAINS(reef_err_message(e), names);
    reef_err_release(e);
}

static reef_dir *open_ok(const char *path)
{
    reef_val v;
    T_EQ(reef_fiber_wait(reef_dir_open(path), &v, NULL), 0);
    return v.p;
}

FIBER_TEST(directories_are_made_and_removed)
{
    struct scratch s;
    scratch_init(&s);
    wait_ok(reef_make_directory(in(&s, "sub"), 0755));
    struct stat st;
    T_EQ(stat(s.path, &st), 0);
    T_TRUE(S_ISDIR(st.st_mode));
    T_EQ((int)(st.st_mode & 0700), 0700);
    wait_fails(reef_make_directory(s.path, 0755), -EEXIST, s.path);
    wait_fails(reef_make_directory(in(&s, "no/such"), 0755), -ENOENT, "no/such");
    touch(in(&s, "sub/f"));
    wait_fails(reef_remove_directory(in(&s, "sub")), -ENOTEMPTY, "sub");
    wait_fails(reef_remove_directory(in(&s, "sub/f")), -ENOTDIR, "sub/f");
    wait_ok(reef_remove_file(in(&s, "sub/f")));
    wait_ok(reef_remove_directory(in(&s, "sub")));
    T_EQ(stat(s.path, &st), -1);
    wait_fails(reef_remove_directory(s.path), -ENOENT, "sub");
    wait_fails(reef_remove_file(s.dir), -EISDIR, s.dir);
    wait_fails(reef_remove_file(in(&s, "gone")), -ENOENT, "gone");
    T_EQ(rmdir(s.dir), 0);
}

FIBER_TEST(names_are_renamed_and_linked)
{
    struct scratch s;
    scratch_init(&s);
    char a[128], b[128], c[128];
    snprintf(a, sizeof(a), "%s/a", s.dir);
    snprintf(b, sizeof(b), "%s/b", s.dir);
    snprintf(c, sizeof(c), "%s/c", s.dir);
    touch(a);
    wait_ok(reef_rename(a, b));
    T_EQ(access(a, F_OK), -1);
    T_EQ(access(b, F_OK), 0);
    wait_fails(reef_rename(a, c), -ENOENT, a);
    wait_ok(reef_link(b, c));
    struct stat sb, sc;
    T_EQ(stat(b, &sb), 0);
    T_EQ(stat(c, &sc), 0);
    T_TRUE(sb.st_ino == sc.st_ino);
    T_UEQ(sb.st_nlink, 2);
    wait_fails(reef_link(b, c), -EEXIST, c);
    wait_fails(reef_link(a, in(&s, "d")), -ENOENT, a);
    /* A directory cannot be hard-linked, nor renamed onto a full one. */
    char dir[128], full[128];
    snprintf(dir, sizeof(dir), "%s/dir", s.dir);
    snprintf(full, sizeof(full), "%s/full", s.dir);
    wait_ok(reef_make_directory(dir, 0755));
    wait_fails(reef_link(dir, in(&s, "dir2")), -EPERM, dir);
    wait_ok(reef_make_directory(full, 0755));
    touch(in(&s, "full/x"));
    wait_fails(reef_rename(dir, full), -ENOTEMPTY, full);
    /* Across filesystems: /dev/shm is tmpfs, /tmp here is not always. */
    struct statvfs v1, v2;
    if (statvfs(s.dir, &v1) == 0 && statvfs("/dev/shm", &v2) == 0 && v1.f_fsid != v2.f_fsid) {
        wait_fails(reef_rename(b, "/dev/shm/reef-dir-test-x"), -EXDEV, b);
        wait_fails(reef_link(b, "/dev/shm/reef-dir-test-x"), -EXDEV, b);
    }
    T_EQ(unlink(in(&s, "full/x")), 0);
    T_EQ(rmdir(in(&s, "full")), 0);
    T_EQ(rmdir(in(&s, "dir")), 0);
    T_EQ(unlink(b), 0);
    T_EQ(unlink(c), 0);
    T_EQ(rmdir(s.dir), 0);
}

FIBER_TEST(existence_and_types_are_reported)
{
    struct scratch s;
    scratch_init(&s);
    touch(in(&s, "file"));
    T_EQ(symlink("file", in(&s, "link")), 0);
    T_EQ(symlink("nowhere", in(&s, "dangling")), 0);
    T_EQ(mkfifo(in(&s, "fifo"), 0644), 0);
    T_EQ(wait_i(reef_file_exists(in(&s, "file"))), 1);
    T_EQ(wait_i(reef_file_exists(s.dir)), 1);
    T_EQ(wait_i(reef_file_exists(in(&s, "link"))), 1);
    T_EQ(wait_i(reef_file_exists(in(&s, "missing"))), 0);
    T_EQ(wait_i(reef_file_exists(in(&s, "dangling"))), 0); /* links are followed */
    /* Only a missing name is "no": a file used as a directory is an error. */
    wait_fails(reef_file_exists(in(&s, "file/x")), -ENOTDIR, "file/x");
    T_EQ(wait_i(reef_file_type(in(&s, "file"))), REEF_FTYPE_FILE);
    T_EQ(wait_i(reef_file_type(s.dir)), REEF_FTYPE_DIR);
    T_EQ(wait_i(reef_file_type(in(&s, "link"))), REEF_FTYPE_SYMLINK);
    T_EQ(wait_i(reef_file_type(in(&s, "dangling"))), REEF_FTYPE_SYMLINK);
    T_EQ(wait_i(reef_file_type(in(&s, "fifo"))), REEF_FTYPE_OTHER);
    wait_fails(reef_file_type(in(&s, "missing")), -ENOENT, "missing");
    static const char *const names[] = {"file", "link", "dangling", "fifo"};
    for (int i = 0; i < 4; i++)
        T_EQ(unlink(in(&s, names[i])), 0);
    T_EQ(rmdir(s.dir), 0);
}

FIBER_TEST(filesystem_space_matches_statvfs)
{
    struct reef_fs_space sp;
    wait_ok(reef_fs_space("/tmp", &sp));
    struct statvfs v;
    T_EQ(statvfs("/tmp", &v), 0);
    T_UEQ(sp.total, (uint64_t)v.f_blocks * v.f_frsize);
    T_TRUE(sp.total > 0);
    T_TRUE(sp.available <= sp.free && sp.free <= sp.total);
    wait_fails(reef_fs_space("/no/such/place", &sp), -ENOENT, "/no/such/place");
}

FIBER_TEST(missing_paths_are_invalid_arguments)
{
    struct reef_fs_space sp;
    reef_err e;
    T_EQ(reef_fiber_wait(reef_make_directory(NULL, 0755), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_remove_file(""), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_rename("/tmp/x", NULL), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_link(NULL, "/tmp/x"), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_fs_space("/tmp", NULL), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_fs_space(NULL, &sp), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_dir_open(""), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_dir_next(NULL, NULL), NULL, &e), -EINVAL);
    reef_err_release(e);
    T_EQ(reef_fiber_wait(reef_dir_close(NULL), NULL, &e), -EINVAL);
    reef_err_release(e);
}

enum { MANY = 2000 };

/* Entry i of a big directory: every tenth a directory, every tenth
 * (offset 5) a symbolic link, the rest files. */
static enum reef_ftype kind_of(int i)
{
    return i % 10 == 0 ? REEF_FTYPE_DIR : i % 10 == 5 ? REEF_FTYPE_SYMLINK : REEF_FTYPE_FILE;
}

static void make_many(struct scratch *s)
{
    char name[32];
    for (int i = 0; i < MANY; i++) {
        snprintf(name, sizeof(name), "entry-%04d", i);
        if (kind_of(i) == REEF_FTYPE_DIR)
            T_EQ(mkdir(in(s, name), 0755), 0);
        else if (kind_of(i) == REEF_FTYPE_SYMLINK)
            T_EQ(symlink("target", in(s, name)), 0);
        else
            touch(in(s, name));
    }
}

static void remove_many(struct scratch *s)
{
    char name[32];
    for (int i = 0; i < MANY; i++) {
        snprintf(name, sizeof(name), "entry-%04d", i);
        T_EQ(kind_of(i) == REEF_FTYPE_DIR ? rmdir(in(s, name)) : unlink(in(s, name)), 0);
    }
}

/* The listing spans many batches. */
FIBER_TEST(a_listing_sees_every_entry_once_with_its_type)
{
    struct scratch s;
    scratch_init(&s);
    make_many(&s);
    static unsigned char seen[MANY];
    memset(seen, 0, sizeof(seen));
    reef_dir *d = open_ok(s.dir);
    struct reef_dirent de;
    int count = 0;
    while (wait_i(reef_dir_next(d, &de)) == 1) {
        int i;
        char tail;
        T_EQ(sscanf(de.name, "entry-%4d%c", &i, &tail), 1);
        T_TRUE(i >= 0 && i < MANY);
        seen[i]++;
        T_EQ(de.type, kind_of(i));
        count++;
    }
    T_EQ(count, MANY);
    for (int i = 0; i < MANY; i++)
        T_EQ(seen[i], 1);
    /* The end stays the end. */
    T_EQ(wait_i(reef_dir_next(d, &de)), 0);
    wait_ok(reef_dir_close(d));
    remove_many(&s);
    T_EQ(rmdir(s.dir), 0);
}

FIBER_TEST(an_empty_directory_lists_nothing)
{
    struct scratch s;
    scratch_init(&s);
    reef_dir *d = open_ok(s.dir);
    struct reef_dirent de;
    T_EQ(wait_i(reef_dir_next(d, &de)), 0);
    T_EQ(wait_i(reef_dir_next(d, &de)), 0);
    wait_ok(reef_dir_close(d));
    T_EQ(rmdir(s.dir), 0);
}

FIBER_TEST(opening_a_listing_fails_with_typed_errors)
{
    struct scratch s;
    scratch_init(&s);
    wait_fails(reef_dir_open(in(&s, "missing")), -ENOENT, "missing");
    touch(in(&s, "file"));
    wait_fails(reef_dir_open(s.path), -ENOTDIR, "file");
    T_EQ(unlink(s.path), 0);
    T_EQ(rmdir(s.dir), 0);
}

FIBER_TEST(one_reader_at_a_time_and_close_waits_for_it)
{
    struct scratch s;
    scratch_init(&s);
    touch(in(&s, "only"));
    reef_dir *d = open_ok(s.dir);
    struct reef_dirent a, b;
    /* The first call goes to the helper thread; a second meanwhile is
     * refused, and a close waits for the first. */
    reef_future first = reef_dir_next(d, &a);
    wait_fails(reef_dir_next(d, &b), -EBUSY, s.dir);
    reef_future closed = reef_dir_close(d);
    T_EQ(wait_i(first), 1);
    T_STREQ(a.name, "only");
    T_EQ(a.type, REEF_FTYPE_FILE);
    wait_ok(closed);
    T_EQ(unlink(s.path), 0);
    T_EQ(rmdir(s.dir), 0);
}

FIBER_TEST(a_closed_listing_refuses_further_calls)
{
    struct scratch s;
    scratch_init(&s);
    reef_dir *d = open_ok(s.dir);
    struct reef_dirent de;
    reef_future pending = reef_dir_next(d, &de);
    reef_future closed = reef_dir_close(d);
    /* d lives until the pending call resolves; it is closed meanwhile. */
    wait_fails(reef_dir_next(d, &de), -EBADF, s.dir);
    T_EQ(wait_i(pending), 0);
    wait_ok(closed);
    T_EQ(rmdir(s.dir), 0);
}

FIBER_TEST(a_directory_removed_while_listed_ends_the_listing)
{
    struct scratch s;
    scratch_init(&s);
    make_many(&s);
    reef_dir *d = open_ok(s.dir);
    struct reef_dirent de;
    T_EQ(wait_i(reef_dir_next(d, &de)), 1);
    remove_many(&s);
    T_EQ(rmdir(s.dir), 0);
    /* What the batch held may still come out; then the listing ends (or
     * fails with a typed error), and never more than there were. */
    int n = 1;
    reef_val v;
    reef_err e;
    int rc;
    while ((rc = reef_fiber_wait(reef_dir_next(d, &de), &v, &e)) == 0 && v.i == 1)
        n++;
    if (rc < 0)
        reef_err_release(e);
    T_TRUE(rc == 0 || rc == -ENOENT);
    T_LE(n, MANY);
    wait_ok(reef_dir_close(d));
}

TEST_MAIN()
