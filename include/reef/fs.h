/*
 * Directories and names in the filesystem.
 *
 * Listing a directory, making and removing directories, renaming,
 * removing and linking names, asking whether a name exists and what it
 * is, and how much space its filesystem has left. None of these has an
 * asynchronous form on every kernel, so each runs on the calling shard's
 * helper thread and the reactor never waits for the disk; the future
 * resolves back on the calling shard.
 *
 * Paths are copied before the call returns: the caller may reuse or free
 * its string at once. A failure is a negative errno (-ENOENT, -EEXIST,
 * -ENOTEMPTY, -EXDEV, -EACCES, -ENOTDIR, ...) whose message names the
 * operation and the path; a NULL or empty path fails with -EINVAL.
 *
 * Every call must have resolved before the application ends: a call still
 * queued on the helper thread when the shard stops is dropped without
 * resolving (and what it holds is not freed).
 */
#ifndef REEF_FS_H
#define REEF_FS_H

#include <stdint.h>

#include <reef/common.h>
#include <reef/future.h>

REEF_BEGIN_DECLS

/* What a name refers to. Symbolic links are reported as links, never
 * followed. */
enum reef_ftype {
    REEF_FTYPE_UNKNOWN = 0, /* it vanished before its type could be read */
    REEF_FTYPE_FILE,        /* a regular file */
    REEF_FTYPE_DIR,
    REEF_FTYPE_SYMLINK,
    REEF_FTYPE_OTHER, /* device, FIFO, socket */
};

/* ---- Listing ---------------------------------------------------------------------- */

/* An open directory read as a stream of entries. It belongs to the shard
 * that opened it, and to one reader at a time. */
typedef struct reef_dir reef_dir;

/* One entry: its name (without the directory) and its type. */
struct reef_dirent {
    char name[256];
    enum reef_ftype type;
};

/* Opens the directory `path` for listing: resolves with a reef_dir * (.p)
 * that the caller owns and ends with reef_dir_close. Fails with -ENOENT,
 * -ENOTDIR, -EACCES, ... (the message names the path), or -ENOMEM. */
REEF_API REEF_NODISCARD reef_future reef_dir_open(const char *path);

/* The next entry of d, "." and ".." left out: resolves with 1 (.i) once
 * *out holds it, or with 0 at the end of the directory (*out untouched).
 * out must stay valid until the future resolves. Entries are read from the
 * kernel in batches on the helper thread, so most calls resolve at once
 * from the batch in hand. The order is the filesystem's; a name created or
 * removed while the listing runs may or may not appear. Fails with the
 * read's -errno (the message names the directory), with -EBUSY while
 * another reef_dir_next on d is pending, and with -EBADF once
 * reef_dir_close was called. */
REEF_API REEF_NODISCARD reef_future reef_dir_next(reef_dir *d, struct reef_dirent *out);

/* Ends the listing and gives up the caller's d (which must not be used
 * again). Resolves once the directory is closed: after a reef_dir_next
 * that is still pending has resolved. */
REEF_API REEF_NODISCARD reef_future reef_dir_close(reef_dir *d);

/* ---- Names -------------------------------------------------------------------------- */

/* Makes the directory `path` with permissions `mode` (before the umask).
 * Fails with -EEXIST if the name is taken, -ENOENT if its parent is
 * missing. */
REEF_API REEF_NODISCARD reef_future reef_make_directory(const char *path, unsigned mode);

/* Removes the empty directory `path`: -ENOTEMPTY if it is not empty,
 * -ENOTDIR if it is not a directory. */
REEF_API REEF_NODISCARD reef_future reef_remove_directory(const char *path);

/* Removes the name `path` (a file, a link; not a directory: -EISDIR). An
 * open file lives on until its last descriptor is closed. */
REEF_API REEF_NODISCARD reef_future reef_remove_file(const char *path);

/* Renames old_path to new_path, replacing what new_path named (rename(2)):
 * -EXDEV across filesystems, -ENOTEMPTY onto a directory that is not
 * empty. */
REEF_API REEF_NODISCARD reef_future reef_rename(const char *old_path, const char *new_path);

/* Makes new_path another name for the file `existing` (a hard link):
 * -EEXIST if new_path is taken, -EXDEV across filesystems, -EPERM for a
 * directory. */
REEF_API REEF_NODISCARD reef_future reef_link(const char *existing, const char *new_path);

/* Whether `path` names something (following symbolic links): resolves
 * with 1 or 0 (.i). Only a missing name (-ENOENT) counts as 0; any other
 * failure (-EACCES, -ENOTDIR, ...) fails the future. */
REEF_API REEF_NODISCARD reef_future reef_file_exists(const char *path);

/* What `path` names, without following a final symbolic link: resolves
 * with an enum reef_ftype (.i); fails with -ENOENT if nothing. */
REEF_API REEF_NODISCARD reef_future reef_file_type(const char *path);

/* Sizes of the filesystem holding a name, in bytes. */
struct reef_fs_space {
    uint64_t total;     /* its capacity */
    uint64_t free;      /* unused, counting the part kept for root */
    uint64_t available; /* unused and open to an ordinary user */
};

/* Fills *out (valid until the future resolves) for the filesystem that
 * holds `path` (statvfs). */
REEF_API REEF_NODISCARD reef_future reef_fs_space(const char *path, struct reef_fs_space *out);

REEF_END_DECLS

#endif
